"""Import kinds of 招商: ``investment_targets`` (招商目标清单) and ``investment_announcements``
(上市公司募投公告). Same framework and guarantees as the registry's imports
(:mod:`wutong.core.imports`): every row validated first, errors by row and column in Chinese, the
accepted rows written in one transaction, a re-imported file changes nothing.

Targets are matched by USCC when the row (or the database) has one, else by name; a 所属清单 cell
adds the target to that named list (created when new). Announcements are matched by company, date
and project; after the commit every new or changed announcement is scored into a lead
(:func:`wutong.investment.services.score_announcements`), inside the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wutong.core.imports import (
    BOOL,
    CHOICE,
    DATE,
    DECIMAL,
    MONEY,
    TEXT,
    USCC,
    ChunkPlan,
    Column,
    ImportKind,
    ImportRun,
    ParsedRow,
    RowError,
    bulk_insert,
    bulk_update,
    register,
    upsert_plan,
)
from wutong.core.models import Industry
from wutong.enterprises.choices import SizeClass
from wutong.enterprises.imports import parse_uscc
from wutong.investment.choices import Channel, SpaceUse
from wutong.investment.models import Announcement, Target, TargetList


def _len(model: Any, name: str) -> int:
    return model._meta.get_field(name).max_length or 0


def _industry(kind: ImportKind, parsed: ParsedRow, run: ImportRun, errors: list[RowError]) -> str | None:
    """A 行业代码 cell → the Industry code (``I6513`` or ``6513``), or a row error."""
    code = str(parsed.values["industry"]).upper()
    section = ""
    if code[:1].isalpha():
        section, code = code[0], code[1:]
    found = run.cache["industries"].get(code)
    if found is None or (section and found != section):
        header = run.headers.get("industry", "行业代码")
        errors.append(RowError(parsed.row, header, _("行业代码不存在（GB/T 4754-2017）")))
        return None
    return code


# --- targets ------------------------------------------------------------------------------------

TARGET_COLUMNS = (
    Column(
        "name",
        "企业名称",
        ("公司名称", "目标企业", "企业"),
        TEXT,
        required=True,
        max_length=_len(Target, "name"),
        example="某某生物医药股份有限公司",
    ),
    Column(
        "uscc",
        "统一社会信用代码",
        ("信用代码", "社会信用代码"),
        USCC,
        validator=parse_uscc,
        example="",
        note="已知时填写，18位",
    ),
    Column(
        "hq_city", "总部城市", ("所在城市", "城市"), TEXT, max_length=_len(Target, "hq_city"), example="北京"
    ),
    Column("industry", "行业代码", ("国民经济行业代码",), TEXT, example="2720", note="GB/T 4754-2017 代码"),
    Column("size_class", "企业规模", ("规模",), CHOICE, choices=SizeClass, example="大型"),
    Column("is_listed", "是否上市", ("上市",), BOOL, example="是"),
    Column(
        "stock_code", "股票代码", ("证券代码",), TEXT, max_length=_len(Target, "stock_code"), example="300001"
    ),
    Column(
        "channel", "来源渠道", ("渠道", "招商渠道"), CHOICE, required=True, choices=Channel, example="商协会"
    ),
    Column(
        "source_detail",
        "渠道说明",
        ("来源说明", "推荐单位"),
        TEXT,
        max_length=_len(Target, "source_detail"),
        example="香港创新科技及制造业联合总会",
    ),
    Column(
        "list",
        "所属清单",
        ("目标清单", "清单"),
        TEXT,
        max_length=_len(TargetList, "name"),
        example="市外招商目标清单",
        note="填写后加入该清单（不存在则新建）",
    ),
)

_TARGET_ATTNAMES = {
    "name": "name",
    "uscc": "uscc",
    "hq_city": "hq_city",
    "industry": "industry_id",
    "size_class": "size_class",
    "is_listed": "is_listed",
    "stock_code": "stock_code",
    "channel": "channel",
    "source_detail": "source_detail",
}


class TargetKind(ImportKind):
    name = "investment_targets"
    label = gettext_lazy("招商目标")  # type: ignore[assignment]
    model = Target
    columns = TARGET_COLUMNS
    audit_action = "investment.import.committed"
    capability = "investment.import"
    template_notes = (  # type: ignore[assignment]
        gettext_lazy("有统一社会信用代码的按代码匹配，没有的按企业名称匹配；空白单元格不会清空已有数据。"),
        gettext_lazy("有错误的行不导入，可下载“被拒绝的行”修改后重新导入；其余行一次性全部写入。"),
    )

    def begin(self, run: ImportRun) -> None:
        run.cache["industries"] = dict(Industry.objects.values_list("code", "section"))
        run.cache["attnames"] = [a for f, a in _TARGET_ATTNAMES.items() if f in run.present]
        run.cache["memberships"] = []

    def plan_chunk(self, rows: list[ParsedRow], run: ImportRun) -> ChunkPlan:
        errors: list[RowError] = []
        accepted: list[tuple[ParsedRow, dict[str, Any]]] = []
        for parsed in rows:
            values = parsed.values
            row_key = values.get("uscc") or f"name:{values['name']}"
            first = run.seen.get(row_key)
            if first is not None:
                errors.append(
                    RowError(
                        parsed.row,
                        run.headers.get("name", "企业名称"),
                        _("与第%(row)d行是同一目标") % {"row": first},
                    )
                )
                continue
            run.seen[row_key] = parsed.row
            row_errors: list[RowError] = []
            out = {_TARGET_ATTNAMES[k]: v for k, v in values.items() if k in _TARGET_ATTNAMES}
            if "industry" in values:
                out["industry_id"] = _industry(self, parsed, run, row_errors)
            if values.get("stock_code") and values.get("is_listed") is False:
                row_errors.append(
                    RowError(
                        parsed.row, run.headers.get("stock_code", "股票代码"), _("非上市公司不应填写股票代码")
                    )
                )
            if values.get("stock_code") and "is_listed" not in values:
                out["is_listed"] = True
            if row_errors:
                errors.extend(row_errors)
                continue
            accepted.append((parsed, out))
        usccs = [v["uscc"] for _p, v in accepted if v.get("uscc")]
        names = [v["name"] for _p, v in accepted]
        attnames: list[str] = run.cache["attnames"]
        if any("is_listed" in v for _p, v in accepted) and "is_listed" not in attnames:
            attnames = [*attnames, "is_listed"]
        existing: dict[str, dict[str, Any]] = {}
        for row in Target.objects.filter(Q(uscc__in=usccs) | Q(name__in=names)).values(
            "id", "name", "uscc", *attnames
        ):
            if row["uscc"]:
                existing[row["uscc"]] = row
            existing.setdefault(f"name:{row['name']}", row)

        def key(values: dict[str, Any]) -> str:
            if values.get("uscc") and values["uscc"] in existing:
                return values["uscc"]
            return f"name:{values['name']}"

        # A USCC given in the file must not belong to another target with another name.
        for parsed, values in list(accepted):
            code = values.get("uscc")
            match = existing.get(key(values))
            if code and match is not None and match["uscc"] and match["uscc"] != code:
                errors.append(
                    RowError(
                        parsed.row,
                        run.headers.get("uscc", "统一社会信用代码"),
                        _("该企业已登记的信用代码为 %(c)s") % {"c": match["uscc"]},
                    )
                )
                accepted.remove((parsed, values))
        plan = upsert_plan(accepted, existing, run, key=key, attnames=attnames)
        plan.errors = errors
        lists = [
            (v.get("uscc") or "", v["name"], p.values["list"]) for p, v in accepted if p.values.get("list")
        ]
        plan.extra["lists"] = lists
        return plan

    def write_chunk(self, plan: ChunkPlan, run: ImportRun) -> None:
        bulk_insert(Target, plan.inserts)
        bulk_update(Target, plan.updates)
        memberships: list[tuple[str, str, str]] = plan.extra.get("lists") or []
        if not memberships:
            return
        names = {m[2] for m in memberships}
        known = dict(TargetList.objects.filter(name__in=names).values_list("name", "pk"))
        for missing in sorted(names - set(known)):
            known[missing] = TargetList.objects.create(name=missing).pk
        by_uscc = dict(
            Target.objects.filter(uscc__in=[m[0] for m in memberships if m[0]]).values_list("uscc", "pk")
        )
        by_name = dict(
            Target.objects.filter(name__in=[m[1] for m in memberships])
            .order_by("-id")
            .values_list("name", "pk")
        )
        through = Target.lists.through
        wanted = {(by_uscc.get(u) or by_name[n], known[ln]) for u, n, ln in memberships}
        have = set(
            through.objects.filter(
                targetlist_id__in=set(known.values()), target_id__in={t for t, _l in wanted}
            ).values_list("target_id", "targetlist_id")
        )
        through.objects.bulk_create(
            [through(target_id=t, targetlist_id=lst) for t, lst in sorted(wanted - have)]
        )

    def export_rows(self, queryset: Any = None) -> Iterator[list[Any]]:
        qs = queryset if queryset is not None else Target.objects.all()
        columns = {c.field: c for c in self.columns}
        for t in qs.order_by("id").prefetch_related("lists"):
            yield [
                t.name,
                t.uscc,
                t.hq_city,
                t.industry_id or "",
                columns["size_class"].label_for(t.size_class),
                "是" if t.is_listed else "否",
                t.stock_code,
                columns["channel"].label_for(t.channel),
                t.source_detail,
                "、".join(lst.name for lst in t.lists.all()),
            ]


# --- announcements ------------------------------------------------------------------------------

ANNOUNCEMENT_COLUMNS = (
    Column(
        "company_name",
        "公司名称",
        ("上市公司", "企业名称", "公司"),
        TEXT,
        required=True,
        max_length=_len(Announcement, "company_name"),
        example="某某科技股份有限公司",
    ),
    Column(
        "stock_code",
        "股票代码",
        ("证券代码",),
        TEXT,
        max_length=_len(Announcement, "stock_code"),
        example="688001",
    ),
    Column("announced_on", "公告日期", ("日期", "披露日期"), DATE, required=True, example="2023-06-30"),
    Column(
        "project_name",
        "募投项目",
        ("项目名称", "募集资金投资项目"),
        TEXT,
        required=True,
        max_length=_len(Announcement, "project_name"),
        example="华南研发中心建设项目",
    ),
    Column(
        "amount", "拟投资金额", ("投资金额", "投资总额", "拟使用募集资金"), MONEY, unit="万元", example=50000
    ),
    Column(
        "location",
        "拟建地点",
        ("实施地点", "建设地点", "地点"),
        TEXT,
        max_length=_len(Announcement, "location"),
        example="深圳市（待定）",
    ),
    Column("industry", "行业代码", ("国民经济行业代码",), TEXT, example="6513"),
    Column(
        "area_needed", "需求面积", ("面积", "需求面积(㎡)", "面积(㎡)"), DECIMAL, example=3000, note="平方米"
    ),
    Column("space_use", "空间用途", ("用途",), CHOICE, choices=SpaceUse, example="研发"),
    Column("text", "公告摘要", ("摘要", "公告内容", "内容"), TEXT, example="拟在深圳建设研发中心…"),
)

_ANNOUNCEMENT_ATTNAMES = {
    "company_name": "company_name",
    "stock_code": "stock_code",
    "announced_on": "announced_on",
    "project_name": "project_name",
    "amount": "amount",
    "location": "location",
    "industry": "industry_id",
    "area_needed": "area_needed",
    "space_use": "space_use",
    "text": "text",
}


class AnnouncementKind(ImportKind):
    name = "investment_announcements"
    label = gettext_lazy("上市公司募投公告")  # type: ignore[assignment]
    model = Announcement
    columns = ANNOUNCEMENT_COLUMNS
    audit_action = "investment.import.committed"
    capability = "investment.import"
    template_notes = (  # type: ignore[assignment]
        gettext_lazy("按公司名称、公告日期和募投项目匹配；导入后自动与产业链、可用空间匹配并打分生成线索。"),
        gettext_lazy("金额列默认单位为万元，表头写“(元)”则按元读取。"),
    )

    def begin(self, run: ImportRun) -> None:
        run.cache["industries"] = dict(Industry.objects.values_list("code", "section"))
        run.cache["attnames"] = [a for f, a in _ANNOUNCEMENT_ATTNAMES.items() if f in run.present]
        run.cache["keys"] = []

    def plan_chunk(self, rows: list[ParsedRow], run: ImportRun) -> ChunkPlan:
        errors: list[RowError] = []
        accepted: list[tuple[ParsedRow, dict[str, Any]]] = []
        for parsed in rows:
            values = parsed.values
            row_key = (values["company_name"], values["announced_on"], values["project_name"])
            first = run.seen.get(row_key)
            if first is not None:
                errors.append(
                    RowError(
                        parsed.row,
                        run.headers.get("project_name", "募投项目"),
                        _("与第%(row)d行是同一公告项目") % {"row": first},
                    )
                )
                continue
            run.seen[row_key] = parsed.row
            out = {_ANNOUNCEMENT_ATTNAMES[k]: v for k, v in values.items()}
            if "industry" in values:
                row_errors: list[RowError] = []
                out["industry_id"] = _industry(self, parsed, run, row_errors)
                if row_errors:
                    errors.extend(row_errors)
                    continue
            accepted.append((parsed, out))
        attnames: list[str] = run.cache["attnames"]
        existing = {
            (row["company_name"], row["announced_on"], row["project_name"]): row
            for row in Announcement.objects.filter(
                company_name__in={v["company_name"] for _p, v in accepted},
                project_name__in={v["project_name"] for _p, v in accepted},
            ).values("id", *attnames)
        }

        def key(v: dict[str, Any]) -> tuple[Any, Any, Any]:
            return (v["company_name"], v["announced_on"], v["project_name"])

        plan = upsert_plan(accepted, existing, run, key=key, attnames=attnames)
        plan.errors = errors
        plan.extra["keys"] = [key(r) for r in plan.inserts] + [
            (r["company_name"], r["announced_on"], r["project_name"]) for r in plan.updates
        ]
        return plan

    def write_chunk(self, plan: ChunkPlan, run: ImportRun) -> None:
        bulk_insert(Announcement, plan.inserts)
        bulk_update(Announcement, plan.updates)
        run.cache["keys"].extend(plan.extra.get("keys") or [])

    def finish(self, run: ImportRun) -> None:
        from wutong.investment.services import score_announcements

        keys = run.cache.get("keys") or []
        if not keys:
            return
        condition = Q(pk__in=[])
        for company, day, project in keys:
            condition |= Q(company_name=company, announced_on=day, project_name=project)
        score_announcements(Announcement.objects.filter(condition).values_list("pk", flat=True))

    def export_rows(self, queryset: Any = None) -> Iterator[list[Any]]:
        qs = queryset if queryset is not None else Announcement.objects.all()
        columns = {c.field: c for c in self.columns}
        for a in qs.order_by("id"):
            yield [
                a.company_name,
                a.stock_code,
                a.announced_on,
                a.project_name,
                float(a.amount / 10_000) if a.amount is not None else None,
                a.location,
                a.industry_id or "",
                float(a.area_needed) if a.area_needed is not None else None,
                columns["space_use"].label_for(a.space_use),
                a.text,
            ]


register(TargetKind())
register(AnnouncementKind())
