"""Reading the files bureaus really have: encodings, title rows above the header, every value format."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from python_calamine import CalamineWorkbook

from tests.fixtures.import_files import uscc, write_csv, write_xlsx
from wutong.core import imports
from wutong.core.imports import CellError, Column, detect_encoding, parse_date, parse_money, split_header
from wutong.enterprises.identity import name_search_columns
from wutong.enterprises.imports import name_columns
from wutong.enterprises.models import Enterprise

WAN = Column("registered_capital", "注册资本", type=imports.MONEY, unit="万元")
YUAN = Column("rd_expense", "研发费用", type=imports.MONEY, unit="元")


@pytest.mark.parametrize(
    ("raw", "column", "unit", "expected"),
    [
        ("1,234.5", WAN, None, Decimal("12345000.00")),
        ("1234.5万元", WAN, None, Decimal("12345000.00")),
        ("1234.5万元", YUAN, None, Decimal("12345000.00")),
        ("1.2亿", WAN, None, Decimal("120000000.00")),
        ("1.2亿元", YUAN, None, Decimal("120000000.00")),
        ("12,345,678元", WAN, None, Decimal("12345678.00")),
        ("１２３４．５", WAN, None, Decimal("12345000.00")),  # full-width digits
        ("  500 ", WAN, None, Decimal("5000000.00")),
        (500, WAN, "元", Decimal("500.00")),  # header says (元)
        (1234.5678, WAN, None, Decimal("12345678.00")),
        ("-3.5", WAN, None, Decimal("-35000.00")),
    ],
)
def test_money_cells_are_read_in_the_unit_they_or_their_header_state(raw, column, unit, expected):
    assert parse_money(raw, column, unit) == expected


def test_money_that_is_not_a_number_is_an_error_in_chinese():
    with pytest.raises(CellError, match="不是有效的数字"):
        parse_money("约一百万", WAN)


@pytest.mark.parametrize(
    "raw",
    [
        "2019-03-05",
        "2019/3/5",
        "2019年3月5日",
        "20190305",
        " 2019-03-05 ",
        "2019.3.5",
        "２０１９-０３-０５",
        43529,
        43529.0,
        20190305,
        dt.datetime(2019, 3, 5),
        dt.date(2019, 3, 5),
        "2019-03-05 00:00:00",
    ],
)
def test_every_date_format_offices_use_reads_as_the_same_day(raw):
    assert parse_date(raw) == dt.date(2019, 3, 5)


def test_impossible_dates_are_errors():
    with pytest.raises(CellError, match="日期不存在"):
        parse_date("2019-02-30")
    with pytest.raises(CellError, match="无法识别的日期"):
        parse_date("去年春天")


def test_headers_state_their_unit_in_either_kind_of_bracket():
    assert split_header("注册资本(万元)") == ("注册资本", "万元")
    assert split_header("注册资本（元）") == ("注册资本", "元")
    assert split_header(" *研发费用 (万元) ") == ("研发费用", "万元")
    assert split_header("高新技术产品(服务)收入") == ("高新技术产品(服务)收入", None)


def test_encoding_is_detected_from_the_bytes():
    text = "统一社会信用代码,企业名称\n"
    assert detect_encoding(text.encode("utf-8")) == "utf-8"
    assert detect_encoding(b"\xef\xbb\xbf" + text.encode("utf-8")) == "utf-8-sig"
    assert detect_encoding(text.encode("gb18030")) == "gb18030"
    assert detect_encoding(text.encode("gbk")) == "gb18030"


def test_bulk_name_columns_equal_the_ones_save_computes():
    names = [
        "深圳市梧桐示范科技有限公司",
        "梧桐科技（深圳）有限公司",
        "深圳市银行长重乐科技股份有限公司",
        "ABC 电子(深圳)有限公司",
        "深圳市罗湖区翠竹街道重庆路便利店",
        "華強電子有限公司",
        "",
        "１２３科技",
    ]
    assert [name_columns(n) for n in names] == [name_search_columns(n) for n in names]


@pytest.mark.django_db
def test_a_gb18030_csv_with_chinese_headers_and_wan_yuan_values_imports(tmp_path):
    path = write_csv(
        tmp_path / "名录.csv",
        [
            [
                "社会信用代码",
                "单位名称",
                "法定代表人",
                "注册日期",
                "注册资本(万元)",
                "经营状态",
                "国民经济行业代码",
                "街道",
            ],
            [uscc(1), "深圳市甲乙科技有限公司", "张三", "2019/3/5", "1,234.5", "存续", "6513", "桂园"],
            [uscc(2), "深圳市丙丁电子有限公司", "李四", "2020年1月2日", "1.2亿", "注销", "I6513", "黄贝街道"],
        ],
        encoding="gb18030",
    )
    result = imports.run_import("enterprises", path, commit=True)
    assert (result.created, result.rejected) == (2, 0)
    first = Enterprise.objects.get(uscc=uscc(1))
    assert first.name == "深圳市甲乙科技有限公司"
    assert first.registered_capital == Decimal("12345000.00")
    assert first.established == dt.date(2019, 3, 5)
    assert first.street.name == "桂园街道"
    assert first.industry_id == "6513"
    assert first.name_normalized == "甲乙科技"
    second = Enterprise.objects.get(uscc=uscc(2))
    assert second.registered_capital == Decimal("120000000.00")
    assert second.status == "deregistered"


@pytest.mark.django_db
def test_an_xlsx_with_a_merged_title_and_a_blank_row_above_the_header_imports(tmp_path):
    path = write_xlsx(
        tmp_path / "重点企业.xlsx",
        [
            ["序号", "统一社会信用代码", "企业名称", "成立日期", "注册资本(元)", "所属街道"],
            [1, uscc(11), "深圳市梧桐一号科技有限公司", dt.date(2019, 3, 5), 12345678, "东门街道"],
            [None, None, None, None, None, None],
            [2, uscc(12), "深圳市梧桐二号科技有限公司", 43529, "1,000元", "东门"],
            [3, "9144030", "深圳市坏代码有限公司", "2019-03-05", "abc", "东门"],
        ],
        title="罗湖区重点企业名录（2025年）",
        blank_rows=1,
    )
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    assert sheet.merged_cell_ranges  # the title really is merged across the columns
    result = imports.run_import("enterprises", path, commit=True)
    assert result.header_row == 3  # title (1), blank (2), header (3)
    assert (result.total_rows, result.created, result.rejected) == (3, 2, 1)  # the empty row is skipped
    assert Enterprise.objects.get(uscc=uscc(11)).registered_capital == Decimal("12345678.00")
    assert Enterprise.objects.get(uscc=uscc(12)).registered_capital == Decimal("1000.00")
    assert Enterprise.objects.get(uscc=uscc(12)).established == dt.date(2019, 3, 5)
    rows = {(e.row, e.column) for e in result.errors}
    assert rows == {(7, "统一社会信用代码"), (7, "注册资本(元)")}  # the row number the spreadsheet shows


def test_the_template_has_headers_an_example_row_and_a_notes_sheet(db):
    content = imports.template_xlsx("annual")
    import io

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    assert workbook.sheet_names == ["年度经营数据", "填写说明"]
    rows = workbook.get_sheet_by_index(0).to_python()
    assert rows[0][:4] == ["统一社会信用代码", "年度", "销售收入(万元)", "主营业务收入(万元)"]
    assert rows[1][0] == "91440300MA5F000007"
    notes = workbook.get_sheet_by_index(1).to_python()
    assert any("默认单位万元" in str(row[4]) for row in notes[1:])


@pytest.mark.django_db
def test_the_example_rows_of_the_templates_import_cleanly(tmp_path):
    for kind in ("enterprises", "annual", "ip"):
        path = tmp_path / f"{kind}.xlsx"
        path.write_bytes(imports.template_xlsx(kind))
        result = imports.run_import(kind, path, commit=True)
        assert (result.created, result.rejected) == (1, 0), (kind, result.errors)
    enterprise = Enterprise.objects.get(uscc="91440300MA5F000007")
    assert (enterprise.industry_id, enterprise.street.name) == ("6513", "桂园街道")
    assert sorted(enterprise.tags.values_list("name", flat=True)) == ["重点企业", "链主"]


@pytest.mark.django_db
def test_a_file_without_a_recognisable_header_is_refused_as_a_whole(tmp_path):
    path = write_csv(tmp_path / "x.csv", [["a", "b"], ["1", "2"]])
    with pytest.raises(imports.FileError, match="未找到表头"):
        imports.run_import("enterprises", path, commit=False)
    path = write_csv(tmp_path / "y.csv", [["企业名称", "注册资本"], ["某公司", "1"]])
    with pytest.raises(imports.FileError, match="缺少必填列：统一社会信用代码"):
        imports.run_import("enterprises", path, commit=False)
