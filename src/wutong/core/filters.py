import django_filters
from django.utils.translation import gettext_lazy as _

from wutong.core.models import AuditEntry


class BootstrapFilterSet(django_filters.FilterSet):
    """A FilterSet whose form renders with Bootstrap's small controls (one look for every list)."""

    @property
    def form(self):  # type: ignore[no-untyped-def]
        form = super().form
        if not getattr(form, "_wutong_styled", False):
            for field in form.fields.values():
                widget = field.widget
                css = (
                    "form-select form-select-sm"
                    if getattr(widget, "allow_multiple_selected", None) is not None
                    or widget.__class__.__name__.endswith("Select")
                    else "form-control form-control-sm"
                )
                widget.attrs.setdefault("class", css)
            form._wutong_styled = True  # type: ignore[attr-defined]
        return form


class AuditEntryFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(field_name="target_label", lookup_expr="icontains", label=_("对象名称"))
    action = django_filters.CharFilter(lookup_expr="startswith", label=_("动作"))
    actor = django_filters.CharFilter(field_name="actor_label", lookup_expr="icontains", label=_("操作人"))
    target_type = django_filters.CharFilter(label=_("对象类型"))
    target_id = django_filters.CharFilter(label=_("对象编号"))
    since = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("起始日期"))
    until = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("截止日期"))

    class Meta:
        model = AuditEntry
        fields: list[str] = []
