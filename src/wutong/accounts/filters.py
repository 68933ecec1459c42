from typing import Any

import django_filters
from django.db.models import Q
from django.forms import NullBooleanSelect
from django.utils.translation import gettext_lazy as _

from wutong.accounts.choices import OrgUnitKind, Role
from wutong.accounts.models import OrgUnit, User
from wutong.core.filters import BootstrapFilterSet


class ActiveSelect(NullBooleanSelect):
    """全部 / 启用 / 停用 instead of Django's 未知 / 是 / 否."""

    def __init__(self, attrs: Any = None) -> None:
        super().__init__(attrs)
        self.choices = [("unknown", _("全部")), ("true", _("启用")), ("false", _("停用"))]


class UserFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索"))
    role = django_filters.ChoiceFilter(choices=Role.choices, label=_("角色"))
    org_unit = django_filters.ModelChoiceFilter(queryset=OrgUnit.objects.all(), label=_("所属单位"))
    is_active = django_filters.BooleanFilter(label=_("启用"), widget=ActiveSelect)

    class Meta:
        model = User
        fields: list[str] = []

    def search(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(Q(username__icontains=value) | Q(display_name__icontains=value))


class OrgUnitFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索"))
    kind = django_filters.ChoiceFilter(choices=OrgUnitKind.choices, label=_("类型"))
    is_active = django_filters.BooleanFilter(label=_("启用"), widget=ActiveSelect)

    class Meta:
        model = OrgUnit
        fields: list[str] = []

    def search(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(Q(name__icontains=value) | Q(short_name__icontains=value) | Q(uscc=value))
