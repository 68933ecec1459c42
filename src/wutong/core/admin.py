"""Django admin for core models (系统管理员 only).

The audit log and import batches are read-only here. Industries come from the national standard
(``wutong load_reference``) and are read-only too. Streets and parks may be edited, and every edit
is written to the audit log. Holidays go through ``core.services`` so the working-day calendar
forgets its cached years and the audit log records who entered the notice.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from wutong.core import audit, services
from wutong.core.models import AuditEntry, Holiday, ImportBatch, Industry, Park, Street


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor_label", "action", "target_type", "target_label", "ip")
    list_filter = ("action",)
    search_fields = ("action", "actor_label", "target_label", "target_id")
    date_hierarchy = "created_at"


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "kind",
        "file_name",
        "status",
        "total_rows",
        "created_count",
        "rejected_count",
    )
    list_filter = ("kind", "status")


@admin.register(Industry)
class IndustryAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "level", "section", "parent")
    list_filter = ("level", "section")
    search_fields = ("code", "name")
    list_select_related = ("parent",)


class AuditedAdmin(admin.ModelAdmin):
    """Admin edits of district reference data land in the audit log like any service change."""

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        label = obj._meta.model_name
        with transaction.atomic():
            before = audit.snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change else {}
            super().save_model(request, obj, form, change)
            audit.record(
                f"core.{label}.{'changed' if change else 'created'}",
                actor=request.user,
                target=obj,
                changes=audit.diff(before, audit.snapshot(obj)),
            )

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        with transaction.atomic():
            audit.record(
                f"core.{obj._meta.model_name}.deleted",
                actor=request.user,
                target=obj,
                changes=audit.diff(audit.snapshot(obj), {}),
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Street)
class StreetAdmin(AuditedAdmin):
    list_display = ("order", "name", "code")
    ordering = ("order",)


@admin.register(Park)
class ParkAdmin(AuditedAdmin):
    list_display = ("name", "kind", "street", "focus_industry")
    list_filter = ("kind", "street")
    search_fields = ("name", "focus_industry")


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """Add and delete through the holiday services; to change a day, delete it and add it again."""

    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Holiday, form: Any, change: bool) -> None:
        created = services.add_holiday(date=obj.date, kind=obj.kind, name=obj.name, actor=request.user)
        obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: Holiday) -> None:
        services.remove_holiday(obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            services.remove_holiday(obj, actor=request.user)
