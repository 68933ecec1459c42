"""The ledger table (web) and the ledger export in the layout offices use.

The export's columns are fixed by the bureau's paper ledger (台账): 序号, 企业名称, 诉求内容, 类别,
承办单位, 受理时间, 办理时限, 办结时间, 办理结果, 满意度; dates as yyyy-mm-dd.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import django_tables2 as tables
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from wutong.demands.choices import AssignmentRole, AssignmentStatus, DeadlineState, DemandStatus
from wutong.demands.models import Demand
from wutong.demands.rules import deadline_state

LIGHT_CSS = {
    DeadlineState.OK: "success",
    DeadlineState.WARNING: "warning",
    DeadlineState.OVERDUE: "danger",
    DeadlineState.STOPPED: "secondary",
}


def light_badge(state: str) -> str:
    return format_html(
        '<span class="badge text-bg-{} wt-light" data-light="{}">{}</span>',
        LIGHT_CSS[DeadlineState(state)],
        state,
        DeadlineState(state).label,
    )


class DemandTable(tables.Table):
    number = tables.Column(linkify=("demands:demand_detail", {"pk": tables.A("pk")}), verbose_name=_("编号"))
    enterprise = tables.Column(verbose_name=_("企业名称"), order_by=("enterprise__name",))
    title = tables.Column(verbose_name=_("诉求"), accessor="content", orderable=False)
    category = tables.Column(verbose_name=_("类别"), order_by=("category__order",))
    lead_department = tables.Column(verbose_name=_("主办单位"), order_by=("lead_department__name",))
    status = tables.Column(verbose_name=_("状态"))
    light = tables.Column(verbose_name=_("时限"), accessor="pk", orderable=False, empty_values=())
    submitted_at = tables.DateTimeColumn(verbose_name=_("受理时间"), format="Y-m-d")
    reply_due = tables.DateColumn(verbose_name=_("办理时限"), format="Y-m-d")
    rating = tables.Column(verbose_name=_("满意度"))

    class Meta:
        model = Demand
        fields = (
            "number",
            "enterprise",
            "title",
            "category",
            "lead_department",
            "status",
            "light",
            "submitted_at",
            "reply_due",
            "rating",
        )
        order_by = "-submitted_at"
        attrs = {"class": "table table-sm table-hover align-middle", "id": "demand-table"}

    def render_title(self, record: Demand) -> str:
        text = record.display_title
        return text if len(text) <= 40 else text[:40] + "…"

    def render_light(self, record: Demand) -> str:
        state = deadline_state(
            status=record.status,
            today=timezone.localdate(),
            accept_due=record.accept_due,
            reply_due=record.reply_due,
            reply_warn_on=record.reply_warn_on,
        )
        badge = light_badge(state)
        if record.escalation_level:
            badge = format_html(
                '{} <span class="badge text-bg-dark" title="{}">督{}</span>',
                badge,
                record.get_escalation_level_display(),
                record.escalation_level,
            )
        return badge

    def render_status(self, value: Any, record: Demand) -> str:
        css = {
            DemandStatus.CLOSED: "success",
            DemandStatus.REJECTED: "secondary",
            DemandStatus.MERGED: "secondary",
            DemandStatus.REPLIED: "info",
            DemandStatus.RETURNED: "warning",
        }.get(DemandStatus(record.status), "primary")
        return format_html('<span class="badge text-bg-{}">{}</span>', css, value)


LEDGER_HEADERS = [
    "序号",
    "企业名称",
    "诉求内容",
    "类别",
    "承办单位",
    "受理时间",
    "办理时限",
    "办结时间",
    "办理结果",
    "满意度",
]


def ledger_rows(qs: QuerySet[Demand]) -> Iterator[list[Any]]:
    """The export rows: departments as 主办（协办…）, result = the reply or the rejection reason."""
    qs = qs.select_related("enterprise", "category", "lead_department", "merged_into").prefetch_related(
        "assignments__department"
    )
    tz = timezone.get_current_timezone()
    for index, d in enumerate(qs.iterator(chunk_size=2000), start=1):
        assisting = [
            a.department.name
            for a in d.assignments.all()
            if a.role == AssignmentRole.ASSIST
            and a.status in (AssignmentStatus.ACTIVE, AssignmentStatus.DONE)
        ]
        units = d.lead_department.name if d.lead_department else ""
        if assisting:
            units += "（协办：" + "、".join(assisting) + "）"
        if d.status == DemandStatus.REJECTED:
            result = f"不予受理：{d.get_rejection_reason_display()}"
        elif d.status == DemandStatus.MERGED:
            result = f"已并入 {d.merged_into.number}" if d.merged_into_id and d.merged_into else "已合并"
        else:
            result = d.reply
        closed = d.closed_at.astimezone(tz).date() if d.closed_at else None
        yield [
            index,
            d.enterprise.name,
            d.content,
            d.category.name,
            units,
            d.submitted_at.astimezone(tz).date(),
            d.reply_due,
            closed,
            result,
            d.rating,
        ]
