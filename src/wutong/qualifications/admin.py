"""Django admin for qualifications (系统管理员 only): rule versions and assessments are read-only.

A change of rules is a new version file plus a migration, never an edit here, so stored assessments
keep the meaning they had.
"""

from __future__ import annotations

from django.contrib import admin

from wutong.core.admin import ReadOnlyAdmin
from wutong.qualifications.models import Assessment, ExpertEstimate, RuleSetVersion


@admin.register(RuleSetVersion)
class RuleSetVersionAdmin(ReadOnlyAdmin):
    list_display = ("code", "version", "name", "effective_from", "effective_to")
    list_filter = ("code",)
    search_fields = ("code", "name", "notes")


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = (
        "enterprise",
        "rule_version",
        "assessed_on",
        "verdict",
        "score_min",
        "score_max",
        "created_by",
    )
    list_filter = ("verdict", "rule_version__code")
    raw_id_fields = ("enterprise",)


@admin.register(ExpertEstimate)
class ExpertEstimateAdmin(ReadOnlyAdmin):
    list_display = ("rule_code", "item_id", "enterprise", "min_points", "max_points", "by", "created_at")
    list_filter = ("rule_code", "item_id")
