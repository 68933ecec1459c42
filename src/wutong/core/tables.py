import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from wutong.core.models import AuditEntry


class AuditEntryTable(tables.Table):
    created_at = tables.DateTimeColumn(format="Y-m-d H:i:s", verbose_name=_("时间"))
    changes = tables.TemplateColumn(
        template_name="core/includes/changes_cell.html", verbose_name=_("变更"), orderable=False
    )

    class Meta:
        model = AuditEntry
        fields = ("created_at", "actor_label", "action", "target_type", "target_label", "changes", "ip")
        order_by = "-created_at"
