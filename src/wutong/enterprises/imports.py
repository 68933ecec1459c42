"""Import kinds of the registry: ``enterprises`` (企业名录), ``annual`` (年度经营数据), ``ip`` (知识产权).

Each kind lists its columns (Chinese header, aliases, type, default money unit) and decides, per
chunk of parsed rows, what is new, changed or unchanged with one query per chunk; the framework in
:mod:`wutong.core.imports` reads, validates, previews, writes and audits. Money headers without a
unit are read in 万元 (what officials type); ``(元)`` in the header switches to yuan.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import AbstractContextManager
from functools import lru_cache
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pypinyin.constants import PHRASES_DICT, RE_HANS
from pypinyin.core import lazy_pinyin
from pypinyin.seg import mmseg

from wutong.core.imports import (
    BOOL,
    CHOICE,
    DATE,
    INT,
    MISSING,
    MONEY,
    TEXT,
    USCC,
    CellError,
    ChunkPlan,
    Column,
    ImportKind,
    ImportRun,
    Lazy,
    ParsedChunk,
    ParsedRow,
    RowBlock,
    RowError,
    Same,
    bulk_insert,
    bulk_update,
    filter_in,
    insert_columns,
    register,
    upsert_plan,
)
from wutong.core.models import Industry, Park, Street
from wutong.enterprises import identity, search
from wutong.enterprises.choices import (
    EmergingIndustry,
    EnterpriseStatus,
    HighTechField,
    IPAcquisition,
    IPKind,
    IPStatus,
)
from wutong.enterprises.models import AnnualReport, Enterprise, IPAsset, Tag, ip_class_for

# --- Cells specific to the registry ---------------------------------------------------------


@lru_cache(maxsize=65536)
def _checked_uscc(compact: str) -> str:
    verdict = identity.validate_uscc(compact)
    if not verdict.valid:
        raise CellError("；".join(verdict.errors))
    return verdict.code


def parse_uscc(value: Any) -> str:
    """A 统一社会信用代码 cell: compacted (full-width, spaces, hyphens) and checked (GB 32100-2015)."""
    text = value if isinstance(value, str) else str(value)
    if identity.is_clean_valid_uscc(text):
        return text
    if len(text) == 18 and text.isascii() and text.isalnum() and text.isupper():
        return _checked_uscc(text)
    return _checked_uscc(identity.compact_uscc(text))


_HAN_CLASS = RE_HANS.pattern[len("^(?:") : -len(")+$")]
_RUNS = re.compile(f"{_HAN_CLASS}+|(?:(?!{_HAN_CLASS}).)+", re.DOTALL)
_PREFIX_SET = mmseg.p_set._set


def _errors(chars: str) -> Any:  # pypinyin accepts a list though its stubs say str
    return list(chars.lower())


def _cut(text: str) -> list[str]:
    """pypinyin's forward maximum matching (``mmseg.Seg.cut`` with ``no_non_phrases``), ported
    step for step onto indexes instead of slices and generators (tested equal)."""
    out: list[str] = []
    n = len(text)
    i = 0
    prefixes, phrases = _PREFIX_SET, PHRASES_DICT
    while i < n:
        if text[i : i + 2] not in prefixes:  # no phrase of two or more characters starts here
            out.append(text[i])
            i += 1
            continue
        last = 0
        j = i + 1
        while j <= n:
            word = text[i:j]
            if word not in prefixes:
                break
            if word in phrases:
                last = j
            j += 1
        if j > n and not last:  # the whole rest is a prefix of phrases but holds none
            rest = text[i:]
            if rest in phrases:
                out.append(rest)
            else:
                out.extend(rest)
            break
        if last:
            out.append(text[i:last])
            i = last
        else:
            out.append(text[i])
            i += 1
    return out


def _segments(text: str) -> list[str]:
    """``pypinyin.seg.simpleseg.seg``: Han runs cut into words, other runs kept whole."""
    if RE_HANS.match(text):
        return _cut(text)
    out: list[str] = []
    for run in _RUNS.findall(text):
        if RE_HANS.match(run):
            out.extend(_cut(run))
        else:
            out.append(run)
    return out


@lru_cache(maxsize=200_000)
def _word_pinyin(word: str) -> tuple[str, str]:
    syllables = lazy_pinyin(word, errors=_errors)
    return "".join(syllables).lower(), "".join(s[:1] for s in syllables).lower()


def name_columns(name: str) -> tuple[str, str, str]:
    """The same three derived columns as :func:`identity.name_search_columns` (tested equal), several
    times faster for bulk imports: pinyin is cached per segmented word instead of computed per name,
    and the traditional → simplified conversion is skipped when no character of the name could change."""
    return (normalized_name(name), *name_pinyin(name))


def name_pinyin(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a name, as :func:`name_columns` derives them."""
    pairs = list(map(_word_pinyin, _segments(unicodedata.normalize("NFKC", name or ""))))
    return "".join([a for a, _b in pairs])[:600], "".join([b for _a, b in pairs])[:200]


@lru_cache(maxsize=1)
def _t2s_changing_chars() -> frozenset[str] | None:
    """Every character whose presence can make OpenCC t2s change a text: for each dictionary entry
    that converts to something else, the characters that differ (all of the key when lengths differ).
    A text without any of them converts to itself, so the conversion can be skipped exactly."""
    try:
        converter = identity._t2s()
        converter.convert("測")  # loads the dictionaries
        changing: set[str] = set()
        for chain in converter._dict_chain_data:
            for entry in chain:
                for key, value in entry[2].items():
                    first = value.split(" ")[0]
                    if key == first:
                        continue
                    if len(key) == len(first):
                        changing.update(a for a, b in zip(key, first, strict=True) if a != b)
                    else:
                        changing.update(key)
        return frozenset(changing)
    except Exception:  # another OpenCC build: always convert
        return None


@lru_cache(maxsize=32_768)  # a chunk asks twice per name (derived columns, duplicate check)
def normalized_name(name: str) -> str:
    """:func:`identity.normalize_name`, skipping the (slow) t2s conversion when it cannot change the
    name; the steps after it are identity's own (its regexes and affix lists), tested equal."""
    text = unicodedata.normalize("NFKC", name or "")
    changing = _t2s_changing_chars()
    if changing is None or not changing.isdisjoint(text):
        return identity.normalize_name(name)
    if not text.isalnum():  # letters and digits only (CJK too) hold no bracket and no space
        text = identity._BRACKETED_REGION.sub("", text) or text
        text = identity._SPACES.sub("", identity._BRACKETS.sub("", text))
    text = text.upper()
    changed = text.startswith(_PREFIXES)
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if text.startswith(prefix) and len(text) > len(prefix) + 1:
                text, changed = text[len(prefix) :], True
    if text.endswith(_SUFFIXES):
        for suffix in _SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix) + 1:
                text = text[: -len(suffix)]
                break
    return text


_PREFIXES = identity._PREFIXES
_SUFFIXES = identity._SUFFIXES


_TAG_SPLIT = re.compile(r"[,，、;；|/\s]+")


def _split_tags(value: Any) -> frozenset[str]:
    return frozenset(t for t in _TAG_SPLIT.split(str(value).strip()) if t)


def _field_len(model: Any, name: str) -> int:
    return model._meta.get_field(name).max_length or 0


# --- enterprises ------------------------------------------------------------------------------

STATUS_ALIASES = (
    ("存续", EnterpriseStatus.ACTIVE),
    ("在业", EnterpriseStatus.ACTIVE),
    ("开业", EnterpriseStatus.ACTIVE),
    ("存续（在营、开业、在册）", EnterpriseStatus.ACTIVE),
    ("在营", EnterpriseStatus.ACTIVE),
    ("迁出", EnterpriseStatus.MOVED_OUT),
    ("注销", EnterpriseStatus.DEREGISTERED),
    ("吊销", EnterpriseStatus.REVOKED),
    ("吊销，未注销", EnterpriseStatus.REVOKED),
)

ENTERPRISE_COLUMNS = (
    Column(
        "uscc",
        "统一社会信用代码",
        ("社会信用代码", "信用代码", "统一代码"),
        USCC,
        required=True,
        validator=parse_uscc,
        example="91440300MA5F000007",
        note="18位，全角/空格/连字符会自动去除",
    ),
    Column(
        "name",
        "企业名称",
        ("单位名称", "公司名称", "企业名"),
        TEXT,
        required=True,
        max_length=_field_len(Enterprise, "name"),
        example="深圳市梧桐示范科技有限公司",
    ),
    Column(
        "legal_representative",
        "法定代表人",
        ("法人代表", "法人"),
        TEXT,
        max_length=_field_len(Enterprise, "legal_representative"),
        example="张三",
    ),
    Column("established", "成立日期", ("注册日期", "成立时间"), DATE, example="2019-03-05"),
    Column("registered_capital", "注册资本", (), MONEY, unit="万元", example=1000),
    Column(
        "status",
        "经营状态",
        ("登记状态", "企业状态"),
        CHOICE,
        choices=EnterpriseStatus,
        choice_aliases=STATUS_ALIASES,
        example="存续/在业",
    ),
    Column(
        "registered_address",
        "注册地址",
        ("住所", "注册地"),
        TEXT,
        max_length=_field_len(Enterprise, "registered_address"),
        example="深圳市罗湖区桂园街道…",
    ),
    Column(
        "operating_address",
        "经营地址",
        ("实际经营地址", "办公地址"),
        TEXT,
        max_length=_field_len(Enterprise, "operating_address"),
        example="深圳市罗湖区桂园街道…",
    ),
    Column(
        "industry",
        "行业代码",
        ("国民经济行业代码", "行业分类代码"),
        TEXT,
        example="I6513",
        note="GB/T 4754-2017 代码，4位数字或带门类字母，如 6513 或 I6513",
    ),
    Column("street", "所属街道", ("街道",), TEXT, example="桂园街道", note="可写“桂园”或“桂园街道”"),
    Column("park", "园区/楼宇", ("园区", "楼宇", "所在园区"), TEXT, example=""),
    Column("high_tech_field", "高新技术领域", (), CHOICE, choices=HighTechField, example="电子信息"),
    Column(
        "emerging_industry",
        "战略性新兴产业",
        ("战新产业",),
        CHOICE,
        choices=EmergingIndustry,
        example="新一代信息技术产业",
    ),
    Column(
        "tags",
        "标签",
        ("企业标签",),
        TEXT,
        example="重点企业、链主",
        note="多个标签用顿号或逗号分隔；填写后替换该企业的标签，留空则不改",
    ),
)

_SCALAR_ENTERPRISE = {
    "uscc": "uscc",
    "name": "name",
    "legal_representative": "legal_representative",
    "established": "established",
    "registered_capital": "registered_capital",
    "status": "status",
    "registered_address": "registered_address",
    "operating_address": "operating_address",
    "industry": "industry_id",
    "street": "street_id",
    "park": "park_id",
    "high_tech_field": "high_tech_field",
    "emerging_industry": "emerging_industry",
}


class EnterpriseKind(ImportKind):
    name = "enterprises"
    label = gettext_lazy("企业名录")
    model = Enterprise
    columns = ENTERPRISE_COLUMNS
    audit_action = "enterprises.import.committed"
    capability = "enterprises.import"
    template_notes = (
        gettext_lazy("按统一社会信用代码更新：已有企业只改变有变化的字段，空白单元格不会清空已有数据。"),
        gettext_lazy("有错误的行不导入，可下载“被拒绝的行”修改后重新导入；其余行一次性全部写入。"),
    )

    def bulk_writes(self, run: ImportRun, expected_rows: int) -> AbstractContextManager[Any]:
        """A large load suspends the search index (and, when it at least doubles the registry, the
        read-side indexes) and brings them back afterwards: see :func:`search.bulk_load`."""
        return search.bulk_load(expected_rows)

    def begin(self, run: ImportRun) -> None:
        industries = dict(Industry.objects.values_list("code", "section"))
        streets: dict[str, int] = {}
        for pk, name in Street.objects.values_list("pk", "name"):
            streets[name] = pk
            streets[name.removesuffix("街道")] = pk
        run.cache.update(
            industries=industries,
            streets=streets,
            parks=dict(Park.objects.values_list("name", "pk")),
            names={},
        )
        run.cache["attnames"] = [
            _SCALAR_ENTERPRISE[f]
            for f in ENTERPRISE_FIELDS_ORDER
            if f in run.present and f in _SCALAR_ENTERPRISE
        ]
        if "name" in run.present:
            run.cache["attnames"] += ["name_normalized", "name_pinyin", "name_initials"]

    def _reference(self, key: str, value: Any, run: ImportRun) -> tuple[Any, str | None]:
        """A street, park or industry cell → (what is stored, the reason it is wrong or None);
        cached per distinct cell for the file."""
        cache = run.cache.setdefault(f"reference:{key}", {})
        found = cache.get(value)
        if found is not None:
            return found  # type: ignore[no-any-return]
        message = None
        if key == "industry":
            code = str(value).upper()
            section = ""
            if code[:1].isalpha():
                section, code = code[0], code[1:]
            known = run.cache["industries"].get(code)
            if known is None or (section and known != section):
                message = _("行业代码不存在（GB/T 4754-2017）")
            found = (code, message)
        elif key == "street":
            pk = run.cache["streets"].get(str(value)) or run.cache["streets"].get(
                str(value).removesuffix("街道")
            )
            found = (pk, _("街道不存在") if pk is None else None)
        else:
            pk = run.cache["parks"].get(str(value))
            found = (pk, _("园区/楼宇不存在") if pk is None else None)
        cache[value] = found
        return found

    def _resolve(self, parsed: ParsedRow, run: ImportRun, errors: list[RowError]) -> dict[str, Any] | None:
        values = parsed.values
        out: dict[str, Any] = {}
        ok = True
        for key, value in values.items():
            if key in _REFERENCES:
                stored, message = self._reference(key, value, run)
                if message is not None:
                    errors.append(RowError(parsed.row, self._header(run, key), message))
                    ok = False
                out[_SCALAR_ENTERPRISE[key]] = stored
            elif key != "tags":
                out[_SCALAR_ENTERPRISE[key]] = value
        return out if ok else None

    def _header(self, run: ImportRun, key: str) -> str:
        return run.headers.get(key) or next(c.header for c in self.columns if c.field == key)

    def plan_chunk(self, rows: list[ParsedRow], run: ImportRun) -> ChunkPlan:
        """The plan row by row: the reference :meth:`plan_columns` is tested equal to."""
        errors: list[RowError] = []
        accepted: list[tuple[ParsedRow, dict[str, Any]]] = []
        seen = run.seen
        for parsed in rows:
            uscc = parsed.values["uscc"]
            first = seen.get(uscc)
            if first is not None:
                errors.append(
                    RowError(
                        parsed.row,
                        self._header(run, "uscc"),
                        _("与第%(row)d行的统一社会信用代码重复") % {"row": first},
                    )
                )
                continue
            seen[uscc] = parsed.row
            values = self._resolve(parsed, run, errors)
            if values is not None:
                accepted.append((parsed, values))
        attnames: list[str] = run.cache["attnames"]
        lookup = [a for a in attnames if a not in _DERIVED]
        existing = {
            row["uscc"]: row
            for row in Enterprise.objects.filter(uscc__in=[v["uscc"] for _p, v in accepted]).values(
                "id", *lookup
            )
        }

        def on_insert(row: dict[str, Any]) -> dict[str, Any]:
            row["name_normalized"], row["name_pinyin"], row["name_initials"] = name_columns(row["name"])
            return row

        plan = upsert_plan(
            accepted,
            existing,
            run,
            key=lambda v: v["uscc"],
            attnames=lookup,
            on_insert=on_insert,
            on_update=_on_update,
        )
        plan.errors = errors
        if "tags" in run.present:
            wanted = {v["uscc"]: _split_tags(p.values["tags"]) for p, v in accepted if "tags" in p.values}
            self._plan_tags(wanted, existing, plan, run)
        if "name" in run.present:
            plan.warnings = self._probable_duplicates(
                [(p.row, v["uscc"], v["name"]) for p, v in accepted], run
            )
        return plan

    def plan_columns(self, chunk: ParsedChunk, run: ImportRun) -> ChunkPlan:
        """:meth:`plan_chunk` on whole columns (tested equal): no dict per row; the new rows become
        one :class:`RowBlock` with the derived name columns; only rows already in the registry are
        compared value by value."""
        columns, numbers = chunk.columns, chunk.rows
        errors: list[RowError] = []
        seen = run.seen
        keep: list[int] = []
        for i, (number, code) in enumerate(zip(numbers, columns["uscc"], strict=True)):
            first = seen.setdefault(code, number)
            if first == number:
                keep.append(i)
            else:
                errors.append(
                    RowError(
                        number,
                        self._header(run, "uscc"),
                        _("与第%(row)d行的统一社会信用代码重复") % {"row": first},
                    )
                )
        stored: dict[str, list[Any]] = {}
        problems: dict[int, list[RowError]] = {}
        for key, values in columns.items():
            if key not in _REFERENCES:
                continue
            header = self._header(run, key)
            references: list[Any] = []
            for i, value in enumerate(values):
                if value is MISSING:
                    references.append(MISSING)
                    continue
                reference, message = self._reference(key, value, run)
                references.append(reference)
                if message is not None:
                    problems.setdefault(i, []).append(RowError(numbers[i], header, message))
            stored[key] = references
        accepted = keep
        if problems:
            accepted = []
            for i in keep:
                if i in problems:
                    errors.extend(problems[i])
                else:
                    accepted.append(i)
        everything = len(accepted) == len(numbers)
        by_attname: dict[str, list[Any]] = {}
        for key, values in columns.items():
            if key != "tags":
                source = stored.get(key, values)
                by_attname[_SCALAR_ENTERPRISE[key]] = source if everything else [source[i] for i in accepted]
        rows = numbers if everything else [numbers[i] for i in accepted]
        derived = {
            key: values if everything else [values[i] for i in accepted]
            for key, values in chunk.derived.items()
        }
        usccs = by_attname["uscc"]
        lookup = [a for a in run.cache["attnames"] if a not in _DERIVED]
        existing = {
            row["uscc"]: row
            for row in filter_in(Enterprise.objects.order_by(), "uscc", usccs).values("id", *lookup)
        }
        plan = ChunkPlan(errors=errors)
        new = list(range(len(rows)))
        if existing:
            new = [j for j, code in enumerate(usccs) if code not in existing]
            self._compare(by_attname, usccs, existing, lookup, plan, run)
        plan.insert_block = self._insert_block(by_attname, derived, new, len(rows), run)
        if "tags" in run.present:
            tags = columns["tags"] if everything else [columns["tags"][i] for i in accepted]
            wanted = {
                code: _split_tags(value)
                for code, value in zip(usccs, tags, strict=True)
                if value is not MISSING
            }
            self._plan_tags(wanted, existing, plan, run)
        if "name" in run.present:
            plan.warnings = self._probable_duplicates(
                list(zip(rows, usccs, by_attname["name"], strict=True)), run, derived.get("name_normalized")
            )
        return plan

    def derive_columns(self, chunk: ParsedChunk, run: ImportRun) -> None:
        """In the reading process, for a commit (where the writing side is the busier one): each
        name normalised, and its pinyin when most rows are new (new rows need it)."""
        names = chunk.columns.get("name")
        if names is None or not run.commit:
            return
        names = ["" if name is MISSING else name for name in names]
        chunk.derived["name_normalized"] = [normalized_name(name) for name in names]
        if run.expects_new_rows():
            chunk.derived["name_pinyin"] = [name_pinyin(name) for name in names]

    def _compare(
        self,
        by_attname: dict[str, list[Any]],
        usccs: list[str],
        existing: dict[str, dict[str, Any]],
        lookup: list[str],
        plan: ChunkPlan,
        run: ImportRun,
    ) -> None:
        """Rows already in the registry: unchanged when every non-blank cell equals the stored value,
        else one update row carrying every looked-up column (blank cells keep the stored value)."""
        items = list(by_attname.items())
        provenance = run.provenance()
        for j, code in enumerate(usccs):
            current = existing.get(code)
            if current is None:
                continue
            for attname, values in items:
                value = values[j]
                if value is not MISSING and current[attname] != value:
                    break
            else:
                plan.unchanged += 1
                continue
            given = {attname: values[j] for attname, values in items if values[j] is not MISSING}
            row = {name: given.get(name, current.get(name)) for name in lookup}
            row.update(provenance)
            row["updated_at"] = run.now
            row["id"] = current["id"]
            plan.updates.append(_on_update(row, current))

    def _insert_block(
        self,
        by_attname: dict[str, list[Any]],
        given: dict[str, list[Any]],
        new: list[int],
        total: int,
        run: ImportRun,
    ) -> RowBlock:
        """The new rows as one :class:`RowBlock`: the file's columns (blank → the field default),
        the derived name columns (from ``given`` when the reading process derived them; pinyin
        only when written otherwise), provenance and timestamps; every other column its default."""
        attnames = run.cache.get("insert_attnames")
        if attnames is None:
            attnames = run.cache["insert_attnames"] = insert_columns(Enterprise, [])
        fields = {f.attname: f for f in Enterprise._meta.concrete_fields}
        everything = len(new) == total
        constants = {**run.provenance(), "created_at": run.now, "updated_at": run.now}
        derived: dict[str, Any] = {}
        if "name" in by_attname:

            def new_rows(values: list[Any]) -> list[Any]:
                return values if everything else [values[j] for j in new]

            names = new_rows(by_attname["name"])
            if "name_pinyin" in given:
                known = new_rows(given["name_pinyin"])
                pairs = Lazy(lambda: known)
            else:
                pairs = Lazy(lambda: [name_pinyin(name) for name in names])
            derived = {
                "name_normalized": new_rows(given["name_normalized"])
                if "name_normalized" in given
                else [normalized_name(name) for name in names],
                "name_pinyin": Lazy(lambda: [full for full, _initials in pairs.values()]),
                "name_initials": Lazy(lambda: [initials for _full, initials in pairs.values()]),
            }
        block: list[Any] = []
        for attname in attnames:
            if attname in by_attname:
                values = by_attname[attname] if everything else [by_attname[attname][j] for j in new]
                if MISSING in values:
                    default = fields[attname].get_default()
                    values = [default if v is MISSING else v for v in values]
                block.append(values)
            elif attname in derived:
                block.append(derived[attname])
            elif attname in constants:
                block.append(Same(constants[attname]))
            else:
                block.append(Same(fields[attname].get_default()))
        return RowBlock(attnames, block, len(new))

    def _plan_tags(
        self,
        wanted: dict[str, frozenset[str]],
        existing: dict[str, Any],
        plan: ChunkPlan,
        run: ImportRun,
    ) -> None:
        ids = [existing[u]["id"] for u in wanted if u in existing]
        current: dict[int, set[str]] = {}
        for eid, tag in Enterprise.tags.through.objects.filter(enterprise_id__in=ids).values_list(
            "enterprise_id", "tag__name"
        ):
            current.setdefault(eid, set()).add(tag)
        updated_ids = {row["id"] for row in plan.updates}
        changes: dict[str, frozenset[str]] = {}
        for uscc, tags in wanted.items():
            row = existing.get(uscc)
            if row is None or current.get(row["id"], set()) != tags:
                changes[uscc] = tags
                if row is not None and row["id"] not in updated_ids:
                    # Only the tags changed: the row counts as updated (provenance written too).
                    plan.unchanged -= 1
                    update = {name: row[name] for name in run.cache["attnames"] if name in row}
                    update.update(run.provenance(), updated_at=run.now, id=row["id"])
                    update[_NAME_SAME] = True
                    plan.updates.append(update)
        plan.extra["tags"] = changes

    def _probable_duplicates(
        self, accepted: list[tuple[int, str, str]], run: ImportRun, normalized: list[str] | None = None
    ) -> list[RowError]:
        """Names that normalise like the name of an enterprise with another USCC (registry or file).
        ``accepted`` holds (row number, USCC, name) of the chunk's accepted rows, ``normalized``
        their names normalised when already known."""
        if normalized is None:
            normalized = [normalized_name(name) for _row, _uscc, name in accepted]
        norms: dict[str, list[tuple[int, str]]] = {}
        for (row, uscc, _name), norm in zip(accepted, normalized, strict=True):
            if norm:
                norms.setdefault(norm, []).append((row, uscc))
        found: dict[str, list[tuple[str, str]]] = {}
        query = filter_in(Enterprise.objects.all(), "name_normalized", norms).values_list(
            "name_normalized", "uscc", "name"
        )
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:  # three text columns: no converters to apply
            cursor.execute(sql, params)
            for norm, uscc, name in cursor.fetchall():
                found.setdefault(norm, []).append((uscc, name))
        in_file: dict[str, tuple[int, str]] = run.cache["names"]
        header = self._header(run, "name")
        warnings: list[RowError] = []
        for norm, rows in norms.items():
            for row, uscc in rows:
                others = [f"{name}（{code}）" for code, name in found.get(norm, ()) if code != uscc]
                earlier = in_file.get(norm)
                if earlier is not None and earlier[1] != uscc:
                    others.append(_("本文件第%(row)d行") % {"row": earlier[0]})
                if others:
                    warnings.append(
                        RowError(row, header, _("疑似重复企业：%(others)s") % {"others": "、".join(others)})
                    )
                in_file.setdefault(norm, (row, uscc))
        return warnings

    def write_chunk(self, plan: ChunkPlan, run: ImportRun) -> None:
        bulk_insert(Enterprise, plan.insert_block or plan.inserts)
        # Rows whose name did not change leave the name columns out of the UPDATE, so the search
        # index triggers (which fire on UPDATE OF name…) do not rebuild their entries.
        renamed = [row for row in plan.updates if _NAME_SAME not in row]
        same = [
            {k: v for k, v in row.items() if k not in _NAME_KEYS} for row in plan.updates if _NAME_SAME in row
        ]
        bulk_update(Enterprise, renamed)
        bulk_update(Enterprise, same)
        changes: dict[str, frozenset[str]] = plan.extra.get("tags") or {}
        if changes:
            _write_tags(changes)

    def export_rows(self, queryset: Any = None) -> Iterator[list[Any]]:
        qs = queryset if queryset is not None else Enterprise.objects.all()
        streets = dict(Street.objects.values_list("pk", "name"))
        parks = dict(Park.objects.values_list("pk", "name"))
        sections = dict(Industry.objects.values_list("code", "section"))
        columns = {c.field: c for c in self.columns}
        tags: dict[int, list[str]] = {}
        for eid, tag in Enterprise.tags.through.objects.values_list("enterprise_id", "tag__name").order_by(
            "tag__name"
        ):
            tags.setdefault(eid, []).append(tag)
        fields = [
            "id",
            "uscc",
            "name",
            "legal_representative",
            "established",
            "registered_capital",
            "status",
            "registered_address",
            "operating_address",
            "industry_id",
            "street_id",
            "park_id",
            "high_tech_field",
            "emerging_industry",
        ]
        for row in qs.order_by("id").values_list(*fields).iterator(chunk_size=5000):
            (
                pk,
                uscc,
                name,
                legal,
                established,
                capital,
                status,
                reg_addr,
                op_addr,
                industry,
                street,
                park,
                htf,
                emerging,
            ) = row
            yield [
                uscc,
                name,
                legal,
                established,
                _wan(capital),
                columns["status"].label_for(status),
                reg_addr,
                op_addr,
                f"{sections.get(industry, '')}{industry}" if industry else "",
                streets.get(street, "") if street else "",
                parks.get(park, "") if park else "",
                columns["high_tech_field"].label_for(htf),
                columns["emerging_industry"].label_for(emerging),
                "、".join(tags.get(pk, [])),
            ]


ENTERPRISE_FIELDS_ORDER = [c.field for c in ENTERPRISE_COLUMNS]
_NAME_SAME = "_name_same"  # marker on an update row: the name is unchanged
_REFERENCES = frozenset({"industry", "street", "park"})
_DERIVED = frozenset({"name_normalized", "name_pinyin", "name_initials"})


def _on_update(row: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """A renamed row gets new derived name columns; any other is marked so its UPDATE leaves them."""
    if "name" in row and row["name"] != current["name"]:
        row["name_normalized"], row["name_pinyin"], row["name_initials"] = name_columns(row["name"])
    else:
        row[_NAME_SAME] = True
    return row


_NAME_KEYS = frozenset({_NAME_SAME, "name", "name_normalized", "name_pinyin", "name_initials"})


def _wan(value: Any) -> Any:
    """Yuan → 万元 for export, exact (no float rounding): 12,345,678.00 元 → 1234.5678."""
    if value is None:
        return None
    return float((value / 10_000).normalize())


def _write_tags(changes: dict[str, frozenset[str]]) -> None:
    names = set().union(*changes.values())
    known = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    missing = [Tag(name=n) for n in sorted(names - set(known))]
    if missing:
        Tag.objects.bulk_create(missing)
        known = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    ids = dict(Enterprise.objects.filter(uscc__in=list(changes)).values_list("uscc", "pk"))
    through = Enterprise.tags.through
    through.objects.filter(enterprise_id__in=list(ids.values())).delete()
    through.objects.bulk_create(
        [through(enterprise_id=ids[u], tag_id=known[t]) for u, tags in changes.items() for t in sorted(tags)]
    )


# --- annual -----------------------------------------------------------------------------------

_FIGURES = (
    ("sales_revenue", "销售收入", ("年销售收入",)),
    ("main_business_revenue", "主营业务收入", ("主营收入",)),
    ("operating_revenue", "营业收入", ("营业总收入", "年营业收入")),
    ("total_income", "总收入", ("收入总额",)),
    ("high_tech_revenue", "高新技术产品(服务)收入", ("高新技术产品收入", "高品收入", "高新收入")),
    ("rd_expense", "研发费用", ("研发投入", "研究开发费用", "研发经费")),
    ("rd_expense_domestic", "境内研发费用", ("在中国境内发生的研发费用",)),
    ("cost_expense_total", "成本费用总额", ("成本费用",)),
    ("net_assets", "净资产", ("所有者权益",)),
    ("total_assets", "资产总额", ("总资产",)),
    ("total_liabilities", "负债总额", ("总负债",)),
    ("tax_paid", "纳税总额", ("纳税额", "税收", "实缴税金")),
)
_HEADCOUNTS = (
    ("employees", "从业人员", ("从业人员(年平均)", "从业人员数", "职工人数", "员工人数", "年平均从业人员")),
    ("tech_staff", "科技人员", ("科技人员数",)),
    ("rd_staff", "研发人员", ("研发人员数",)),
)

ANNUAL_COLUMNS = (
    Column(
        "uscc",
        "统一社会信用代码",
        ("信用代码", "社会信用代码"),
        USCC,
        required=True,
        validator=parse_uscc,
        example="91440300MA5F000007",
    ),
    Column("year", "年度", ("年份", "报告年度"), INT, required=True, example=2024),
    *(Column(f, h, a, MONEY, unit="万元", example=100) for f, h, a in _FIGURES),
    *(Column(f, h, a, INT, example=50) for f, h, a in _HEADCOUNTS),
)


class AnnualKind(ImportKind):
    name = "annual"
    label = gettext_lazy("年度经营数据")
    model = AnnualReport
    columns = ANNUAL_COLUMNS
    audit_action = "enterprises.import.committed"
    capability = "enterprises.import"
    template_notes = (gettext_lazy("按“统一社会信用代码 + 年度”更新；企业须已在企业名录中。"),)

    def begin(self, run: ImportRun) -> None:
        run.cache["attnames"] = [
            c.field for c in self.columns if c.field in run.present and c.field != "uscc"
        ]
        run.cache["attnames"].insert(0, "enterprise_id")

    def plan_chunk(self, rows: list[ParsedRow], run: ImportRun) -> ChunkPlan:
        errors: list[RowError] = []
        ids = dict(
            Enterprise.objects.filter(uscc__in={p.values["uscc"] for p in rows}).values_list("uscc", "pk")
        )
        accepted = []
        for parsed in rows:
            values = dict(parsed.values)
            year = values["year"]
            if not 1949 <= year <= 2100:
                errors.append(RowError(parsed.row, run.headers["year"], _("年度应在1949至2100之间")))
                continue
            eid = ids.get(values.pop("uscc"))
            if eid is None:
                errors.append(
                    RowError(parsed.row, run.headers["uscc"], _("企业不在企业名录中，请先导入企业"))
                )
                continue
            key = (eid, year)
            first = run.seen.get(key)
            if first is not None:
                errors.append(
                    RowError(
                        parsed.row,
                        run.headers["year"],
                        _("与第%(row)d行重复（同一企业同一年度）") % {"row": first},
                    )
                )
                continue
            run.seen[key] = parsed.row
            values["enterprise_id"] = eid
            accepted.append((parsed, values))
        attnames = run.cache["attnames"]
        existing = {
            (row["enterprise_id"], row["year"]): row
            for row in AnnualReport.objects.filter(
                enterprise_id__in={v["enterprise_id"] for _p, v in accepted},
                year__in={v["year"] for _p, v in accepted},
            ).values("id", *attnames)
        }
        plan = upsert_plan(
            accepted, existing, run, key=lambda v: (v["enterprise_id"], v["year"]), attnames=attnames
        )
        plan.errors = errors
        return plan

    def write_chunk(self, plan: ChunkPlan, run: ImportRun) -> None:
        super().write_chunk(plan, run)
        run.touched.update(row["enterprise_id"] for row in plan.inserts)
        run.touched.update(row["enterprise_id"] for row in plan.updates)

    def finish(self, run: ImportRun) -> None:
        if run.touched:
            from wutong.enterprises.services import refresh_derived_figures

            refresh_derived_figures(sorted(run.touched))


# --- ip ---------------------------------------------------------------------------------------

IP_KIND_ALIASES = (
    ("发明", IPKind.INVENTION_PATENT),
    ("发明授权", IPKind.INVENTION_PATENT),
    ("发明专利申请", IPKind.INVENTION_PATENT),
    ("实用新型", IPKind.UTILITY_MODEL),
    ("外观设计", IPKind.DESIGN_PATENT),
    ("外观", IPKind.DESIGN_PATENT),
    ("软著", IPKind.SOFTWARE_COPYRIGHT),
    ("计算机软件著作权", IPKind.SOFTWARE_COPYRIGHT),
    ("软件著作权登记", IPKind.SOFTWARE_COPYRIGHT),
    ("集成电路布图设计专有权", IPKind.IC_LAYOUT),
    ("注册商标", IPKind.TRADEMARK),
)
IP_STATUS_ALIASES = (
    ("授权", IPStatus.VALID),
    ("有权", IPStatus.VALID),
    ("维持", IPStatus.VALID),
    ("已授权", IPStatus.VALID),
    ("审中", IPStatus.PENDING),
    ("实审", IPStatus.PENDING),
    ("公开", IPStatus.PENDING),
    ("失效", IPStatus.EXPIRED),
    ("无权", IPStatus.EXPIRED),
    ("届满", IPStatus.EXPIRED),
    ("驳回", IPStatus.INVALID),
    ("撤回", IPStatus.INVALID),
    ("宣告无效", IPStatus.INVALID),
)
IP_ACQUISITION_ALIASES = (
    ("原始取得", IPAcquisition.SELF),
    ("自主", IPAcquisition.SELF),
    ("自主申请", IPAcquisition.SELF),
    ("继受取得", IPAcquisition.TRANSFER),
    ("转让", IPAcquisition.TRANSFER),
    ("购买", IPAcquisition.TRANSFER),
)


def parse_ip_number(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value)).strip().upper().replace(" ", "")
    if not text or len(text) > 50:
        raise CellError(_("申请号/登记号为空或超过50个字符"))
    return text


IP_COLUMNS = (
    Column(
        "uscc",
        "统一社会信用代码",
        ("信用代码", "社会信用代码", "权利人信用代码"),
        USCC,
        required=True,
        validator=parse_uscc,
        example="91440300MA5F000007",
    ),
    Column(
        "kind",
        "类型",
        ("知识产权类型", "专利类型", "类别"),
        CHOICE,
        required=True,
        choices=IPKind,
        choice_aliases=IP_KIND_ALIASES,
        example="发明专利",
    ),
    Column(
        "number",
        "申请号/专利号/登记号",
        ("申请号", "专利号", "登记号", "申请号/登记号"),
        TEXT,
        required=True,
        validator=parse_ip_number,
        example="CN202310000001.X",
    ),
    Column(
        "title", "名称", ("专利名称", "软件名称", "知识产权名称"), TEXT, max_length=300, example="一种…方法"
    ),
    Column("filed_on", "申请日", ("申请日期",), DATE, example="2023-01-05"),
    Column(
        "granted_on",
        "授权日",
        ("授权日期", "登记日", "授权/登记日", "授权公告日"),
        DATE,
        example="2024-06-18",
    ),
    Column(
        "status",
        "法律状态",
        ("状态",),
        CHOICE,
        choices=IPStatus,
        choice_aliases=IP_STATUS_ALIASES,
        example="有效",
    ),
    Column(
        "acquisition",
        "获得方式",
        ("取得方式",),
        CHOICE,
        choices=IPAcquisition,
        choice_aliases=IP_ACQUISITION_ALIASES,
        example="自主研发",
    ),
    Column("used_for_gaoxin", "是否已用于高企申报", ("已用于高企申报", "已用于高企"), BOOL, example="否"),
    Column("pledge_bank", "质押银行", ("质权人",), TEXT, max_length=100, example=""),
    Column("pledge_amount", "质押金额", ("质押融资金额",), MONEY, unit="万元", example=""),
    Column("pledge_date", "质押日期", ("质押登记日",), DATE, example=""),
)


class IPKindImport(ImportKind):
    name = "ip"
    label = gettext_lazy("知识产权")
    model = IPAsset
    columns = IP_COLUMNS
    audit_action = "enterprises.import.committed"
    capability = "enterprises.import"
    template_notes = (gettext_lazy("按“类型 + 申请号/登记号”更新；权利人企业须已在企业名录中。"),)

    def begin(self, run: ImportRun) -> None:
        attnames = [
            "enterprise_id",
            *(c.field for c in self.columns if c.field in run.present and c.field != "uscc"),
        ]
        attnames.append("ip_class")
        run.cache["attnames"] = attnames

    def plan_chunk(self, rows: list[ParsedRow], run: ImportRun) -> ChunkPlan:
        errors: list[RowError] = []
        ids = dict(
            Enterprise.objects.filter(uscc__in={p.values["uscc"] for p in rows}).values_list("uscc", "pk")
        )
        accepted = []
        for parsed in rows:
            values = dict(parsed.values)
            eid = ids.get(values.pop("uscc"))
            if eid is None:
                errors.append(
                    RowError(parsed.row, run.headers["uscc"], _("企业不在企业名录中，请先导入企业"))
                )
                continue
            key = (values["kind"], values["number"])
            first = run.seen.get(key)
            if first is not None:
                errors.append(
                    RowError(
                        parsed.row,
                        run.headers["number"],
                        _("与第%(row)d行重复（同一类型同一号码）") % {"row": first},
                    )
                )
                continue
            run.seen[key] = parsed.row
            values["enterprise_id"] = eid
            values["ip_class"] = ip_class_for(values["kind"])
            accepted.append((parsed, values))
        attnames = run.cache["attnames"]
        existing = {
            (row["kind"], row["number"]): row
            for row in IPAsset.objects.filter(number__in={v["number"] for _p, v in accepted}).values(
                "id", *attnames
            )
        }
        plan = upsert_plan(accepted, existing, run, key=lambda v: (v["kind"], v["number"]), attnames=attnames)
        plan.errors = errors
        return plan


register(EnterpriseKind())
register(AnnualKind())
register(IPKindImport())
