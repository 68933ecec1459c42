"""Tables (web and Excel export) of screening results and pool members."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from wutong.qualifications.models import PoolMember, ScreeningResult
from wutong.qualifications.rules import RuleNotFound, get_ruleset


def criterion_labels(rule_code: str, ids: str) -> str:
    """The stored comma-separated criterion ids (``core_ip,rd_expense_ratio``) as officials read them:
    ``拥有核心支持作用的知识产权、研发费用占比``."""
    if not ids:
        return ""
    try:
        labels = {c.id: c.label for c in get_ruleset(rule_code).criteria}
    except RuleNotFound:
        labels = {}
    return "、".join(labels.get(part, part) for part in ids.split(","))


class ScreeningResultTable(tables.Table):
    enterprise = tables.Column(
        verbose_name=_("企业名称"),
        order_by=("enterprise__name",),
        linkify=("enterprises:enterprise_detail", {"pk": tables.A("enterprise_id")}),
        attrs={"td": {"class": "text-nowrap"}},
    )
    uscc = tables.Column(verbose_name=_("统一社会信用代码"), accessor="enterprise__uscc")
    rule_version = tables.Column(
        verbose_name=_("规则版本"), order_by=("rule_version__code",), attrs={"td": {"class": "text-nowrap"}}
    )
    verdict = tables.Column(verbose_name=_("结论"), attrs={"td": {"class": "text-nowrap"}})
    score_min = tables.Column(verbose_name=_("得分下限"))
    score_max = tables.Column(verbose_name=_("得分上限"))
    failing = tables.Column(verbose_name=_("不符合的条件"))
    rd_gap = tables.Column(verbose_name=_("研发费用缺口(万元)"))
    tech_staff_gap = tables.Column(verbose_name=_("科技人员缺口(人)"))
    needs_data = tables.BooleanColumn(verbose_name=_("缺少数据"))
    prospect = tables.BooleanColumn(verbose_name=_("有望通过"))
    holds = tables.BooleanColumn(verbose_name=_("已持有"))
    holding_expires_on = tables.DateColumn(verbose_name=_("现有资质到期日"), format="Y-m-d")
    assessed_on = tables.DateColumn(verbose_name=_("评估日期"), format="Y-m-d")

    class Meta:
        model = ScreeningResult
        fields = (
            "enterprise",
            "uscc",
            "rule_version",
            "verdict",
            "score_min",
            "score_max",
            "failing",
            "rd_gap",
            "tech_staff_gap",
            "needs_data",
            "prospect",
            "holds",
            "holding_expires_on",
            "assessed_on",
        )
        attrs = {"class": "table table-sm table-hover mb-0", "id": "screening-table"}

    def render_failing(self, value: str, record: ScreeningResult) -> str:
        return criterion_labels(record.rule_version.code, value)

    def value_failing(self, value: str, record: ScreeningResult) -> str:
        return criterion_labels(record.rule_version.code, value)


class PoolMemberTable(tables.Table):
    enterprise = tables.Column(
        verbose_name=_("企业名称"),
        order_by=("enterprise__name",),
        linkify=("qualifications:member_detail", {"pk": tables.A("pk")}),
    )
    uscc = tables.Column(verbose_name=_("统一社会信用代码"), accessor="enterprise__uscc")
    stage = tables.Column(verbose_name=_("阶段"))
    owner = tables.Column(
        verbose_name=_("负责人"), accessor="owner__display_label", order_by=("owner__username",)
    )
    agency = tables.Column(verbose_name=_("辅导机构"), order_by=("agency__name",))
    batch = tables.Column(verbose_name=_("申报批次"), accessor="batch__name")
    stage_changed_on = tables.DateColumn(verbose_name=_("阶段变更日期"), format="Y-m-d")

    class Meta:
        model = PoolMember
        fields = ("enterprise", "uscc", "stage", "owner", "agency", "batch", "stage_changed_on")
        attrs = {"class": "table table-sm table-hover mb-0", "id": "member-table"}
