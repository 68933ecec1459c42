"""The pre-visit brief (走访前企业简报): one page about an enterprise, built from its file.

A brief is a list of *sections*. This module registers the sections the visits app knows (profile,
latest figures, open demands, qualifications held and expiring, past visits); other apps add theirs
in their ``AppConfig.ready()`` without this module knowing them — the qualifications module adds
its gaps this way::

    from wutong.visits import brief
    brief.register_section(brief.BriefSection("gaps", "资质差距", order=45, build=gaps_for_brief))

``build(enterprise, user, today)`` returns a :class:`Section` (or None to leave it out). A section
is plain data — paragraphs, key/value pairs and tables of strings — so the same content renders as
the HTML page and as the DOCX download.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

BuildFn = Callable[[Any, Any, dt.date], "Section | None"]


@dataclass
class Section:
    title: str
    key: str = ""
    pairs: list[tuple[str, str]] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    empty: str = "无"


@dataclass(frozen=True)
class BriefSection:
    key: str
    title: str
    order: int
    build: BuildFn


_sections: dict[str, BriefSection] = {}


def register_section(section: BriefSection) -> None:
    _sections[section.key] = section


def registered_sections() -> list[BriefSection]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def wan(value: Decimal | int | None) -> str:
    """Yuan as 万元 with two decimals ("1,234.50"); missing stays "—" (missing ≠ zero)."""
    if value is None:
        return "—"
    return f"{Decimal(value) / Decimal(10000):,.2f}"


def cn_date(value: dt.date | None) -> str:
    """2026年11月24日 (公文 style, no leading zeros)."""
    if value is None:
        return "—"
    return f"{value.year}年{value.month}月{value.day}日"


def build_brief(enterprise: Any, user: Any, today: dt.date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    sections = []
    for spec in registered_sections():
        section = spec.build(enterprise, user, today)
        if section is not None:
            section.key = section.key or spec.key
            sections.append(section)
    return {"enterprise": enterprise, "today": today, "date_cn": cn_date(today), "sections": sections}


# --- the sections the visits app provides ----------------------------------------------------


def profile_section(enterprise: Any, user: Any, today: dt.date) -> Section:
    street = enterprise.street.name if enterprise.street_id else "—"
    park = enterprise.park.name if enterprise.park_id else ""
    industry = f"{enterprise.industry.code} {enterprise.industry.name}" if enterprise.industry_id else "—"
    tags = "、".join(t.name for t in enterprise.tags.all()) or "—"
    return Section(
        "企业概况",
        pairs=[
            ("企业名称", enterprise.name),
            ("统一社会信用代码", enterprise.uscc),
            ("法定代表人", enterprise.legal_representative or "—"),
            ("成立日期", cn_date(enterprise.established)),
            ("所属行业", industry),
            ("所属街道/园区", f"{street}{' / ' + park if park else ''}"),
            ("经营地址", enterprise.operating_address or enterprise.registered_address or "—"),
            ("企业规模", enterprise.get_size_class_display()),
            ("标签", tags),
        ],
    )


def figures_section(enterprise: Any, user: Any, today: dt.date) -> Section:
    from wutong.enterprises.models import AnnualReport

    reports = list(
        AnnualReport.objects.filter(enterprise=enterprise)
        .order_by("-year")
        .values("year", "operating_revenue", "rd_expense", "tax_paid", "employees")[:3]
    )
    return Section(
        "近三年经营数据（金额单位：万元）",
        headers=["年度", "营业收入", "研发费用", "纳税总额", "从业人员(人)"],
        rows=[
            [
                str(r["year"]),
                wan(r["operating_revenue"]),
                wan(r["rd_expense"]),
                wan(r["tax_paid"]),
                "—" if r["employees"] is None else str(r["employees"]),
            ]
            for r in reports
        ],
        empty="暂无年度经营数据",
    )


def demands_section(enterprise: Any, user: Any, today: dt.date) -> Section | None:
    """Open demands, when the demands app is installed (imported lazily; left out otherwise)."""
    try:
        from wutong.demands.choices import OPEN_STATUSES
        from wutong.demands.models import Demand
    except ImportError:  # pragma: no cover - the demands app is part of the standard build
        return None
    demands = (
        Demand.objects.visible_to(user)
        .filter(enterprise=enterprise, status__in=list(OPEN_STATUSES))
        .select_related("category", "lead_department")
        .order_by("submitted_at")
    )
    return Section(
        "在办诉求",
        headers=["编号", "类别", "诉求内容", "主办单位", "办理时限"],
        rows=[
            [
                d.number,
                d.category.name,
                (d.title or d.content)[:60],
                d.lead_department.name if d.lead_department is not None else "待交办",
                cn_date(d.reply_due),
            ]
            for d in demands[:20]
        ],
        empty="无在办诉求",
    )


def qualifications_section(enterprise: Any, user: Any, today: dt.date) -> Section:
    from wutong.enterprises.models import QualificationHolding

    horizon = today + dt.timedelta(days=365)
    held = QualificationHolding.objects.filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today), enterprise=enterprise
    ).order_by("expires_on")
    rows = []
    for q in held:
        expiring = q.expires_on is not None and q.expires_on <= horizon
        rows.append(
            [
                q.get_kind_display(),
                q.get_level_display(),
                q.certificate_no or "—",
                cn_date(q.expires_on),
                "12个月内到期" if expiring else "",
            ]
        )
    return Section(
        "已获资质（含12个月内到期）",
        headers=["资质", "级别", "证书编号", "有效期至", "提示"],
        rows=rows,
        empty="暂无在有效期内的资质",
    )


def visits_section(enterprise: Any, user: Any, today: dt.date) -> Section:
    from wutong.visits.access import can_read_notes
    from wutong.visits.choices import VisitStatus
    from wutong.visits.queries import visits_of

    visits = visits_of(enterprise, user).filter(status=VisitStatus.DONE).order_by("-visit_date")[:8]
    rows = []
    for v in visits:
        readable = can_read_notes(user, v)
        rows.append(
            [
                cn_date(v.visit_date),
                v.organising_unit.name,
                "、".join(u.display_label for u in v.visitors.all()),
                v.purpose,
                (v.next_steps or "—") if readable else "（机密，无权查看）",
            ]
        )
    return Section(
        "以往走访及下一步工作",
        headers=["日期", "组织单位", "走访人员", "事由", "下一步工作"],
        rows=rows,
        empty="此前未走访",
    )


def leader_section(enterprise: Any, user: Any, today: dt.date) -> Section | None:
    from wutong.visits.models import KeyListMember, LeaderAssignment

    current = (
        LeaderAssignment.objects.filter(enterprise=enterprise, until__isnull=True)
        .select_related("leader", "contact_staff")
        .first()
    )
    lists = KeyListMember.objects.filter(enterprise=enterprise).select_related("key_list", "tier")
    pairs = [(m.key_list.name, f"{m.tier.code} 档（每 {m.tier.cadence_days} 天走访）") for m in lists]
    if current is not None:
        pairs.insert(0, ("挂点领导", current.leader.display_label))
        if current.contact_staff_id:
            pairs.insert(1, ("联络员", current.contact_staff.display_label))  # type: ignore[union-attr]
    if not pairs:
        return None
    return Section("挂点与重点名单", pairs=pairs)


def register_builtin() -> None:
    for spec in (
        BriefSection("profile", "企业概况", 10, profile_section),
        BriefSection("leader", "挂点与重点名单", 15, leader_section),
        BriefSection("figures", "近三年经营数据", 20, figures_section),
        BriefSection("demands", "在办诉求", 30, demands_section),
        BriefSection("qualifications", "已获资质", 40, qualifications_section),
        BriefSection("visits", "以往走访", 60, visits_section),
    ):
        register_section(spec)


# --- DOCX -------------------------------------------------------------------------------------


def brief_docx(brief: dict[str, Any]) -> bytes:
    """The brief as a 公文-like A4 document: title in 黑体 二号 (22 pt), headings in 黑体 三号,
    body in 仿宋/宋体 四号-小四, tables in 宋体 五号, the date written 2026年11月24日."""
    import io

    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    def font(run: Any, name: str, size: float, bold: bool = False) -> None:
        run.font.name = name
        run.font.size = Pt(size)
        run.font.bold = bold
        rpr = run._element.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(rfonts)
        rfonts.set(qn("w:eastAsia"), name)

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)

    enterprise = brief["enterprise"]
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    font(title.add_run("走访前企业简报"), "黑体", 22)
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    font(sub.add_run(enterprise.name), "楷体", 16)
    stamp = doc.add_paragraph()
    stamp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    font(stamp.add_run(f"生成日期：{brief['date_cn']}"), "仿宋", 12)

    numerals = "一二三四五六七八九十"
    for i, sec in enumerate(brief["sections"]):
        heading = doc.add_paragraph()
        font(heading.add_run(f"{numerals[i % 10]}、{sec.title}"), "黑体", 16)
        for label, value in sec.pairs:
            p = doc.add_paragraph()
            font(p.add_run(f"{label}："), "仿宋", 14, bold=True)
            font(p.add_run(value), "仿宋", 14)
        for text in sec.paragraphs:
            font(doc.add_paragraph().add_run(text), "仿宋", 14)
        if sec.headers:
            if not sec.rows:
                font(doc.add_paragraph().add_run(sec.empty), "仿宋", 14)
                continue
            table = doc.add_table(rows=1, cols=len(sec.headers))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, sec.headers, strict=True):
                cell.text = ""
                font(cell.paragraphs[0].add_run(text), "黑体", 10.5)
            for row in sec.rows:
                cells = table.add_row().cells
                for cell, text in zip(cells, row, strict=True):
                    cell.text = ""
                    font(cell.paragraphs[0].add_run(text), "宋体", 10.5)
        elif not sec.pairs and not sec.paragraphs:
            font(doc.add_paragraph().add_run(sec.empty), "仿宋", 14)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
