"""Every fast path of the import equals the forgiving path it short-cuts.

The import reads a column at a time with a cache per distinct cell, checks clean USCCs without the
full validator, normalises names without OpenCC when nothing could change, and plans a chunk of
enterprises column-wise into one row block. Each is checked here against the reference it replaces,
on generated inputs (hypothesis) and on the edge cases that made the shortcuts delicate."""

from __future__ import annotations

import datetime as dt
import gc
from decimal import Decimal
from functools import partial
from typing import Any
from unittest import mock

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.fixtures.import_files import uscc, write_csv
from wutong.core import imports
from wutong.core.imports import MISSING, CellError, Column, ColumnReader, ImportKind
from wutong.core.models import Park
from wutong.enterprises import identity
from wutong.enterprises.choices import EnterpriseStatus
from wutong.enterprises.identity import (
    USCC_ALPHABET,
    USCC_AUTHORITIES,
    compact_uscc,
    is_clean_valid_uscc,
    name_search_columns,
    uscc_check_char,
    validate_uscc,
)
from wutong.enterprises.imports import ENTERPRISE_COLUMNS, name_columns, normalized_name, parse_uscc
from wutong.enterprises.models import Enterprise

# --- Reading a column at once = reading its cells one by one -------------------------------------

BLANK_CELLS = ["", "  ", "\u3000", "-", "—", "/", "无", "null", "NULL", "None", "N/A", "n/a", "#N/A"]
TEXT_CELLS = ["2019-03-05", " 2019/3/5 ", "2019年3月5日", "20190305", "2019-02-30", "去年", "43529",
              "1,234.5", "1234.5万元", "1.2亿", "12,345,678元", "１２３４．５", "-3.5", "约一百万", "1e400",
              "NaN", "Infinity", "1_000", "12人", "3.0", "3.5", "是", "否", "Y", "n", "√", "×", "已用",
              "存续", "在业", "迁出", "注销", "吊销", "吊销，未注销", "deregistered", "营业中",
              "\ufeff深圳市梧桐科技有限公司", "梧桐" * 60]  # fmt: skip
OTHER_CELLS = [0.0, -0.0, 1, 1.0, True, False, 0, 2.5, 43529, 43529.0, 20190305, 20190305.0, -1,
               dt.date(2019, 3, 5), dt.datetime(2019, 3, 5),
               dt.datetime(2019, 3, 5, 9, 30), dt.datetime(2019, 3, 5, 23, 0, tzinfo=dt.UTC),
               dt.datetime(2019, 3, 5, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), None]  # fmt: skip

COLUMNS = [
    Column("name", "企业名称", type=imports.TEXT, max_length=100),
    Column("established", "成立日期", type=imports.DATE),
    Column("registered_capital", "注册资本", type=imports.MONEY, unit="万元"),
    Column("rd_expense", "研发费用", type=imports.MONEY, unit="元"),
    Column("employees", "从业人员", type=imports.INT),
    Column("ratio", "比例", type=imports.DECIMAL),
    Column("used_for_gaoxin", "已用于高企", type=imports.BOOL),
    ENTERPRISE_COLUMNS[5],  # 经营状态: choices with aliases
    ENTERPRISE_COLUMNS[0],  # 统一社会信用代码: a validator
]

cells = st.one_of(
    st.sampled_from(BLANK_CELLS + TEXT_CELLS + OTHER_CELLS),
    st.text(max_size=12),
    st.floats(allow_nan=False, allow_infinity=False),  # a spreadsheet cell holds no NaN
    st.integers(min_value=-(10**20), max_value=10**20),
    st.dates(),
    st.sampled_from([uscc(7), f" {uscc(8)} ", uscc(9).lower(), "91440300MA5F00000X"]),
)


def read_one_cell(column: Column, unit: str | None, raw: Any) -> Any:
    """What the importer did with one cell before columns were read at once (the reference)."""
    if isinstance(raw, str):
        raw = raw.strip()
        if not raw or raw in imports._BLANKS:
            return MISSING
    elif raw is None:
        return MISSING
    try:
        return imports._parser_for(column, unit)(raw)
    except CellError as exc:
        return ("error", exc.args[0])


def as_comparable(value: Any) -> Any:
    if value is MISSING:
        return "MISSING"
    if isinstance(value, imports._Bad):
        return ("error", value.message)
    if isinstance(value, tuple):  # the reference's error
        return value
    return (type(value), str(value))  # Decimal("1.0") and Decimal("1") differ here


@settings(max_examples=150, deadline=None)
@given(
    column=st.sampled_from(COLUMNS),
    unit=st.sampled_from([None, "元", "万元"]),
    column_cells=st.lists(cells, max_size=40),
    repeats=st.integers(min_value=1, max_value=4),
    chunk=st.integers(min_value=1, max_value=25),
)
@example(column=COLUMNS[4], unit=None, column_cells=[True, 1, 1.0, False, 0], repeats=2, chunk=5)
@example(column=COLUMNS[3], unit=None, column_cells=[0.0, -0.0, 2.5], repeats=2, chunk=6)
@example(column=COLUMNS[5], unit=None, column_cells=[0.0, -0.0, 0], repeats=2, chunk=6)
def test_a_column_read_at_once_equals_its_cells_read_one_by_one(column, unit, column_cells, repeats, chunk):
    """Cached per distinct cell, across chunks, and with the cache given up on new values."""
    column_cells = column_cells * repeats  # repeated cells are what the cache serves
    if column.type != imports.MONEY:
        unit = None
    reader = ColumnReader(column, unit)
    read: list[Any] = []
    for start in range(0, len(column_cells), chunk):
        read.extend(reader(column_cells[start : start + chunk]))
    expected = [read_one_cell(column, unit, raw) for raw in column_cells]
    assert [as_comparable(v) for v in read] == [as_comparable(v) for v in expected]


def test_true_one_and_one_point_zero_are_cached_apart():
    reader = ColumnReader(Column("employees", "从业人员", type=imports.INT), None)
    first = reader([True, 1, 1.0, 1, True, 1.0] * 3)
    assert isinstance(first[0], imports._Bad) and first[1:3] == [1, 1]
    assert isinstance(first[4], imports._Bad)
    money = ColumnReader(Column("x", "x", type=imports.MONEY, unit="元"), None)
    assert [str(v) for v in money([-0.0, 0.0, -0.0, 0.0])] == ["-0.00", "0.00", "-0.00", "0.00"]


def test_a_column_of_mostly_new_values_stops_caching_and_a_repetitive_one_keeps_its_cache():
    names = ColumnReader(Column("name", "企业名称", type=imports.TEXT), None)
    names([f"企业{i}" for i in range(100)])
    assert names.cache is None
    streets = ColumnReader(Column("street", "所属街道", type=imports.TEXT), None)
    streets(["桂园", "黄贝", "桂园街道"] * 40)
    assert streets.cache is not None and len(streets.cache) == 3


# --- USCC: the clean-code shortcut = the validator -------------------------------------------------

AUTHORITY_PAIRS = [a + c for a, (_n, categories) in USCC_AUTHORITIES.items() for c in categories]


@st.composite
def codes(draw: Any) -> str:
    """Codes near the valid ones: right shape with a right or wrong check character, or mangled."""
    head = draw(st.sampled_from([*AUTHORITY_PAIRS, "9A", "B1", "00", "Z1"]))
    region = draw(
        st.text("0123456789", min_size=6, max_size=6) | st.text(USCC_ALPHABET, min_size=6, max_size=6)
    )
    body = draw(st.text(USCC_ALPHABET, min_size=9, max_size=9))
    code = head + region + body
    right = uscc_check_char(code) if set(code) <= set(USCC_ALPHABET) else "0"
    code += draw(st.sampled_from([right, *USCC_ALPHABET, "I", "O", "Z", "S", "V", ""]))
    mangle = draw(st.sampled_from(["", "lower", "space", "dash", "fullwidth", "cut", "extra"]))
    if mangle == "lower":
        code = code.lower()
    elif mangle == "space":
        code = code[:6] + " " + code[6:]
    elif mangle == "dash":
        code = code[:8] + "-" + code[8:]
    elif mangle == "fullwidth":
        code = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in code)
    elif mangle == "cut":
        code = code[:-1]
    elif mangle == "extra":
        code += "1"
    return code


def reference_parse_uscc(value: Any) -> tuple[str, str]:
    verdict = validate_uscc(compact_uscc(value if isinstance(value, str) else str(value)))
    return ("ok", verdict.code) if verdict.valid else ("error", "；".join(verdict.errors))


def parsed_uscc(value: Any) -> tuple[str, str]:
    try:
        return ("ok", parse_uscc(value))
    except CellError as exc:
        return ("error", exc.args[0])


@settings(max_examples=600, deadline=None)
@given(code=codes() | st.text(USCC_ALPHABET + "IOZSVabc０１９Ａ -", min_size=16, max_size=20))
@example(code="91440300708461136T")
@example(code="914403001922038216")
@example(code="91110000600037341L")
@example(code="Y1440300708461136T")
def test_the_clean_uscc_shortcut_agrees_with_the_validator(code):
    assert is_clean_valid_uscc(code) == (code == compact_uscc(code) and validate_uscc(code).valid)
    assert parsed_uscc(code) == reference_parse_uscc(code)


def test_real_public_codes_take_the_shortcut():
    for code in ["91440300708461136T", "914403001922038216"]:
        assert is_clean_valid_uscc(code)
    assert not is_clean_valid_uscc("91440300708461136X")
    assert not is_clean_valid_uscc("91440300708461136t")


# --- Names: the bulk derivation = what save() computes -------------------------------------------

NAME_CHARS = (
    "深圳市广东省梧桐科技电子信息网络有限公司股份责任集团华强罗湖福田南山重庆路便利店银行长乐"
    "華強電子國際龍業發展會計師事務所"  # traditional
    "（）()[]【】〔〕［］ \u3000\t"
    "ABCxyz123１２３ＡＢ·-&"
)


@settings(max_examples=300, deadline=None)
@given(
    name=st.text(NAME_CHARS, max_size=24)
    | st.builds(
        lambda prefix, core, suffix: prefix + core + suffix,
        st.sampled_from(["", "深圳市", "深圳", "广东省深圳市", "（深圳）", "(深圳市)"]),
        st.text(NAME_CHARS, max_size=10),
        st.sampled_from(["", "有限公司", "有限责任公司", "股份有限公司", "集团公司", "（深圳）有限公司"]),
    )
)
@example(name="深圳市深圳")
@example(name="（深圳）")
@example(name="深圳市公司")
def test_bulk_name_columns_equal_the_ones_save_computes_on_generated_names(name):
    assert name_columns(name) == name_search_columns(name)
    assert normalized_name(name) == identity.normalize_name(name)


# --- The column-wise enterprise plan = the row-by-row plan ------------------------------------------

POOL = [uscc(i) for i in range(1, 13)]
NAMES = ["深圳市梧桐科技有限公司", "梧桐科技（深圳）有限公司", "深圳市银杏电子有限公司", "银杏电子有限公司",
         "深圳市罗湖区翠竹街道重庆路便利店", "華強電子有限公司", "深圳市新锐网络科技股份有限公司"]  # fmt: skip  # noqa: E501
OPTIONAL = ["法定代表人", "成立日期", "注册资本(万元)", "注册资本(元)", "经营状态", "行业代码", "所属街道",
            "园区/楼宇", "高新技术领域", "标签"]  # fmt: skip
VALUES = {
    "法定代表人": st.sampled_from(["", "王五", "李四", " 张三 "]),
    "成立日期": st.sampled_from(["", "2019-03-05", "2019/3/5", "20190305", "2019-02-30", "去年"]),
    "注册资本(万元)": st.sampled_from(["", "100", "1,234.5", "1.2亿", "一百", "-3"]),
    "注册资本(元)": st.sampled_from(["", "1000000", "12,345,678元", "500万元"]),
    "经营状态": st.sampled_from(["", "存续", "在业", "注销", "营业中"]),
    "行业代码": st.sampled_from(["", "6513", "I6513", "A6513", "99999"]),
    "所属街道": st.sampled_from(["", "桂园", "桂园街道", "黄贝街道", "火星街道"]),
    "园区/楼宇": st.sampled_from(["", "PARK", "不存在的园区"]),
    "高新技术领域": st.sampled_from(["", "电子信息", "生物与新医药", "火星技术"]),
    "标签": st.sampled_from(["", "重点企业", "链主、上市", "重点企业,链主"]),
}


@st.composite
def registry_files(draw: Any) -> tuple[list[str], list[list[str]], list[list[str]]]:
    """A header (some optional columns, in any order), rows already imported, and the file's rows:
    new, changed, unchanged, repeated, invalid, blank and name-alike rows mixed."""
    optional = draw(st.lists(st.sampled_from(OPTIONAL), unique=True, max_size=len(OPTIONAL)))
    if "注册资本(万元)" in optional and "注册资本(元)" in optional:
        optional.remove("注册资本(元)")
    header = draw(st.permutations(["统一社会信用代码", "企业名称", *optional]))

    def row() -> list[str]:
        values = {
            "统一社会信用代码": draw(
                st.sampled_from([*POOL, "", "91440300MA5F00000X", f" {POOL[0].lower()} "])
            ),
            "企业名称": draw(st.sampled_from(["", *NAMES])),
        }
        values |= {h: draw(VALUES[h]) for h in optional}
        return [values[h] for h in header]

    existing = [row() for _ in range(draw(st.integers(0, 6)))]
    rows = []
    for _ in range(draw(st.integers(1, 18))):
        how = draw(st.sampled_from(["new", "same", "blanked", "changed"]))
        if how == "new" or not existing:
            rows.append(row())
            continue
        copy = list(draw(st.sampled_from(existing)))  # the registry's row again …
        if how != "same":  # … with a cell left blank or changed
            column = draw(st.integers(1, len(header) - 1))
            copy[column] = "" if how == "blanked" else row()[column]
        rows.append(copy)
    if draw(st.booleans()):
        rows.insert(draw(st.integers(0, len(rows))), [""] * len(header))
    return header, existing, rows


class Rollback(Exception):
    pass


def _snapshot() -> list[tuple[Any, ...]]:
    fields = [f.attname for f in Enterprise._meta.concrete_fields if f.attname != "id"]
    rows = []
    for enterprise in Enterprise.objects.order_by("uscc"):
        tags = tuple(sorted(enterprise.tags.values_list("name", flat=True)))
        rows.append((*(str(getattr(enterprise, f)) for f in fields), tags))
    return rows


def _import(tmp_path, header, existing, rows, *, commit: bool, row_by_row: bool) -> dict[str, Any]:
    kind = imports.get_kind("enterprises")
    patch = (
        mock.patch.object(kind, "plan_columns", partial(ImportKind.plan_columns, kind))
        if row_by_row
        else mock.patch.object(kind, "plan_columns", kind.plan_columns)
    )
    out: dict[str, Any] = {}
    try:
        with transaction.atomic(), patch:
            if existing:
                imports.run_import(
                    "enterprises", write_csv(tmp_path / "existing.csv", [header, *existing]), commit=True
                )
            path = write_csv(tmp_path / "file.csv", [header, *rows])
            result = imports.run_import("enterprises", path, commit=commit, chunk_size=5)
            out = {
                "json": result.as_json(),
                "counts": result.counts(),
                "warnings": [w.as_dict() for w in result.warnings],
                "rows": _snapshot(),
            }
            raise Rollback
    except Rollback:
        pass
    return out


@pytest.mark.django_db
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=registry_files(), commit=st.booleans())
def test_the_column_wise_enterprise_plan_equals_the_row_by_row_plan(tmp_path, time_machine, data, commit):
    time_machine.move_to(dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC), tick=False)
    park = Park.objects.values_list("name", flat=True).first() or Park.objects.create(name="梧桐园").name
    header, existing, rows = data
    existing = [[park if v == "PARK" else v for v in r] for r in existing]
    rows = [[park if v == "PARK" else v for v in r] for r in rows]
    column_wise = _import(tmp_path, header, existing, rows, commit=commit, row_by_row=False)
    row_by_row = _import(tmp_path, header, existing, rows, commit=commit, row_by_row=True)
    assert column_wise == row_by_row
    assert Enterprise.objects.count() == 0


@pytest.mark.django_db
def test_the_plan_equality_check_can_tell_two_plans_apart(tmp_path):
    """The comparison above sees a difference when there is one (a changed row-wise plan)."""
    header = ["统一社会信用代码", "企业名称", "经营状态"]
    rows = [[uscc(1), NAMES[0], "注销"]]
    column_wise = _import(tmp_path, header, [], rows, commit=True, row_by_row=False)
    kind = imports.get_kind("enterprises")
    original = kind.plan_chunk

    def altered(parsed, run):  # type: ignore[no-untyped-def]
        for row in parsed:
            row.values["status"] = EnterpriseStatus.ACTIVE
        return original(parsed, run)

    with mock.patch.object(kind, "plan_chunk", altered):
        row_by_row = _import(tmp_path, header, [], rows, commit=True, row_by_row=True)
    assert column_wise["rows"] != row_by_row["rows"]
    assert column_wise["json"] == row_by_row["json"]


# --- Helpers the fast path relies on ---------------------------------------------------------------


@pytest.mark.django_db
def test_filter_in_finds_what_a_plain_in_lookup_finds(tmp_path):
    path = write_csv(
        tmp_path / "a.csv",
        [["统一社会信用代码", "企业名称"], *([c, n] for c, n in zip(POOL, NAMES, strict=False))],
    )
    imports.run_import("enterprises", path, commit=True)
    wanted = [POOL[0], POOL[3], "91440300MA5F00000X", POOL[6]]
    fast = imports.filter_in(Enterprise.objects.all(), "uscc", wanted)
    assert sorted(fast.values_list("uscc", flat=True)) == sorted(
        Enterprise.objects.filter(uscc__in=wanted).values_list("uscc", flat=True)
    )
    names = [normalized_name(NAMES[1]), "没有这个"]
    assert set(imports.filter_in(Enterprise.objects.all(), "name_normalized", names)) == set(
        Enterprise.objects.filter(name_normalized__in=names)
    )
    assert not imports.filter_in(Enterprise.objects.all(), "uscc", []).exists()


@pytest.mark.django_db
def test_an_import_leaves_the_garbage_collector_as_it_found_it(tmp_path):
    before = gc.get_threshold()
    path = write_csv(tmp_path / "a.csv", [["统一社会信用代码", "企业名称"], [POOL[0], NAMES[0]]])
    imports.run_import("enterprises", path, commit=False)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_row_block_writes_the_same_rows_as_the_dicts_it_replaces():
    block = imports.RowBlock(
        ["a", "b", "c"], [[1, 2], imports.Same("x"), imports.Lazy(lambda: [Decimal("1.5"), None])], 2
    )
    assert block.dicts() == [{"a": 1, "b": "x", "c": Decimal("1.5")}, {"a": 2, "b": "x", "c": None}]
    assert list(block.tuples([str, None, None])) == [("1", "x", Decimal("1.5")), ("2", "x", None)]


# --- COPY text built column-wise = psycopg's write_row ---------------------------------------------

copy_values = st.one_of(
    st.none(),
    st.text(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.dates(),
    st.datetimes(timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=8))])),
    st.sampled_from(["a\\b", "\\.", "tab\there", "line\nbreak", "\r", "\b\v\f", "\u3000全角", "nul\x00"]),
    st.sampled_from(list(EnterpriseStatus)),  # field defaults are TextChoices members
)


@settings(max_examples=300, deadline=None)
@given(
    rows=st.integers(min_value=0, max_value=6).flatmap(
        lambda n: st.lists(st.lists(copy_values, min_size=n, max_size=n), min_size=n, max_size=n)
    ),
    same=st.lists(copy_values, max_size=3),
)
def test_copy_text_is_what_psycopg_writes_row_by_row(rows, same):
    from psycopg._copy_base import format_row_text
    from psycopg.adapt import Transformer

    width = len(rows[0]) if rows else 0
    columns: list[Any] = [[row[c] for row in rows] for c in range(width)]
    columns += [imports.Same(value) for value in same]
    block = imports.RowBlock([f"c{i}" for i in range(len(columns))], columns, len(rows))
    transformer = Transformer()
    expected = bytearray()
    try:
        for row in block.tuples():
            format_row_text(row, transformer, expected)
    except Exception as exc:  # psycopg refuses NUL in text: copy_text hands such a block back
        assert "NUL" in str(exc)
        with pytest.raises(TypeError):
            imports.copy_text(block)
        return
    assert imports.copy_text(block) == bytes(expected)


@pytest.mark.django_db
def test_the_new_rows_of_an_enterprise_file_take_the_column_wise_copy_path(tmp_path, monkeypatch):
    """Every value of a real block (defaults included) is one copy_text writes itself: no fallback."""
    blocks: list[imports.RowBlock] = []
    monkeypatch.setattr("wutong.enterprises.imports.bulk_insert", lambda model, rows: blocks.append(rows))
    header = ["统一社会信用代码", "企业名称", "成立日期", "注册资本(万元)", "所属街道"]
    rows = [[uscc(1), NAMES[0], "2019-03-05", "12.5", "桂园"], [uscc(2), NAMES[2], "", "", ""]]
    imports.run_import("enterprises", write_csv(tmp_path / "a.csv", [header, *rows]), commit=True)
    (block,) = blocks
    text = imports.copy_text(block).decode()
    assert text.count("\n") == 2 and "\\N" in text and "unknown" in text  # NULLs and the size default


@pytest.mark.django_db
def test_a_commit_writes_inside_the_kinds_bulk_writes_and_a_preview_never_enters_it(tmp_path, monkeypatch):
    from contextlib import contextmanager

    events: list[Any] = []

    @contextmanager
    def bulk_writes(run, expected_rows):  # type: ignore[no-untyped-def]
        events.append(("enter", expected_rows))
        yield
        events.append("exit")

    kind = imports.get_kind("enterprises")
    monkeypatch.setattr(kind, "bulk_writes", bulk_writes)
    real = imports.bulk_insert
    monkeypatch.setattr(
        "wutong.enterprises.imports.bulk_insert",
        lambda model, rows: (events.append("insert"), real(model, rows)),
    )
    path = write_csv(
        tmp_path / "a.csv", [["统一社会信用代码", "企业名称"], *([uscc(i), f"企业{i}"] for i in range(1, 13))]
    )
    imports.run_import("enterprises", path, commit=False, chunk_size=5)
    assert events == []
    imports.run_import("enterprises", path, commit=True, chunk_size=5)
    (entered, expected_rows), *writes = events
    assert entered == "enter" and 12 <= expected_rows <= 13  # the file's size hint
    assert writes == ["insert", "insert", "insert", "exit"]
