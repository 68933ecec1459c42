import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from wutong.core.filters import BootstrapFilterSet
from wutong.visits.choices import VisitStatus, VisitType
from wutong.visits.models import KeyList, Visit


class VisitFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(method="search", label=_("企业名称/信用代码"))
    status = django_filters.ChoiceFilter(choices=VisitStatus.choices, label=_("状态"))
    visit_type = django_filters.ChoiceFilter(choices=VisitType.choices, label=_("走访类型"))
    since = django_filters.DateFilter(field_name="visit_date", lookup_expr="gte", label=_("起始日期"))
    until = django_filters.DateFilter(field_name="visit_date", lookup_expr="lte", label=_("截止日期"))
    key_list = django_filters.ModelChoiceFilter(
        queryset=KeyList.objects.filter(is_active=True), method="on_list", label=_("重点名单")
    )
    mine = django_filters.BooleanFilter(method="only_mine", label=_("我参与的"))

    class Meta:
        model = Visit
        fields: list[str] = []

    def search(self, qs: QuerySet[Visit], name: str, value: str) -> QuerySet[Visit]:
        value = value.strip()
        return qs.filter(Q(enterprise__name__icontains=value) | Q(enterprise__uscc=value.upper()))

    def on_list(self, qs: QuerySet[Visit], name: str, value: KeyList) -> QuerySet[Visit]:
        return qs.filter(enterprise_id__in=value.members.values("enterprise_id"))

    def only_mine(self, qs: QuerySet[Visit], name: str, value: bool) -> QuerySet[Visit]:
        if not value or self.request is None:
            return qs
        return qs.filter(
            pk__in=Visit.visitors.through.objects.filter(user_id=self.request.user.pk).values("visit_id")
        )
