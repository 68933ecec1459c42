"""The import framework's promises: validate everything first, commit the accepted rows atomically,
change nothing on re-import, round-trip exports, audit once per batch, and the web/CLI contracts."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError
from django.urls import reverse
from python_calamine import CalamineWorkbook

from tests.fixtures.import_files import uscc, write_csv, write_xlsx
from tests.personas import PASSWORD
from wutong.core import imports
from wutong.core.choices import ImportStatus
from wutong.core.models import AuditEntry, ImportBatch
from wutong.enterprises.models import AnnualReport, Enterprise, IPAsset

pytestmark = pytest.mark.django_db

HEADER = [
    "统一社会信用代码",
    "企业名称",
    "法定代表人",
    "成立日期",
    "注册资本(万元)",
    "经营状态",
    "行业代码",
    "所属街道",
    "标签",
]


def registry_rows(n: int, start: int = 1) -> list[list[object]]:
    return [
        [
            uscc(i),
            f"深圳市测试{i}号科技有限公司",
            "王五",
            "2018-06-01",
            f"{i * 10}.5",
            "存续/在业",
            "6513",
            "桂园街道",
            "重点企业" if i % 2 else "",
        ]
        for i in range(start, start + n)
    ]


def run_cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("import", *args, stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return 1, str(exc)
    return 0, out.getvalue()


def test_a_bad_file_reports_row_and_column_errors_in_chinese_and_writes_nothing(tmp_path):
    path = write_csv(
        tmp_path / "bad.csv",
        [
            HEADER,
            ["91440300MA5F00000X", "深圳市坏校验码有限公司", "", "2019-03-05", "100", "", "", "", ""],
            [uscc(2), "", "", "2019-02-30", "一百", "营业中", "99999", "火星街道", ""],
        ],
    )
    code, out = run_cli("enterprises", str(path), "--json", "--dry-run")
    assert code == 0
    result = json.loads(out)
    assert (result["created"], result["rejected"]) == (0, 2)
    errors = {(e["row"], e["column"]): e["message"] for e in result["errors"]}
    assert errors[(2, "统一社会信用代码")].startswith("校验码错误")
    assert errors[(3, "企业名称")] == "必填"
    assert errors[(3, "成立日期")] == "日期不存在"
    assert errors[(3, "注册资本(万元)")] == "不是有效的数字"
    assert errors[(3, "经营状态")].startswith("不是可选值")
    code, out = run_cli("enterprises", str(path), "--json")
    assert code == 0 and json.loads(out)["rejected"] == 2
    assert Enterprise.objects.count() == 0


def test_reference_columns_must_match_existing_industries_and_streets(tmp_path):
    path = write_csv(
        tmp_path / "ref.csv",
        [
            HEADER,
            [
                uscc(1),
                "深圳市甲有限公司",
                "",
                "",
                "",
                "",
                "A6513",
                "",
                "",
            ],  # section letter does not match 6513 (I)
            [uscc(2), "深圳市乙有限公司", "", "", "", "", "", "火星", ""],
            [uscc(3), "深圳市丙有限公司", "", "", "", "", "I6513", "黄贝", ""],
        ],
    )
    result = imports.run_import("enterprises", path, commit=True)
    assert [(e.row, e.column) for e in result.errors] == [(2, "行业代码"), (3, "所属街道")]
    assert list(Enterprise.objects.values_list("uscc", flat=True)) == [uscc(3)]


def test_rejected_rows_are_excluded_and_the_accepted_ones_commit_with_provenance_and_one_audit_entry(
    tmp_path,
):
    rows = registry_rows(5)
    rows[2][0] = "BAD"
    path = write_csv(tmp_path / "mixed.csv", [HEADER, *rows])
    before = AuditEntry.objects.count()
    code, out = run_cli("enterprises", str(path), "--json", "--as-of", "2025-06-30")
    assert code == 0
    assert json.loads(out) == {
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
        "errors": [
            {"row": 4, "column": "统一社会信用代码", "message": "统一社会信用代码应为18位，实际为3位"}
        ],
    }
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.created_count, batch.rejected_count) == (ImportStatus.COMMITTED, 4, 1)
    enterprise = Enterprise.objects.get(uscc=uscc(1))
    assert (enterprise.source, enterprise.source_batch_id, enterprise.as_of) == (
        "import",
        batch.pk,
        dt.date(2025, 6, 30),
    )
    assert enterprise.registered_capital == Decimal("105000.00")
    assert list(enterprise.tags.values_list("name", flat=True)) == ["重点企业"]
    entries = AuditEntry.objects.filter(action="enterprises.import.committed")
    assert AuditEntry.objects.count() == before + 1
    assert entries.get().data == {
        "kind": "enterprises",
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
        "duplicates": 0,
        "total_rows": 5,
    }


def test_a_database_error_mid_commit_leaves_nothing_written(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "many.csv", [HEADER, *registry_rows(30)])
    calls = {"n": 0}
    real = imports.bulk_insert

    def failing_insert(model, rows):
        calls["n"] += 1
        if calls["n"] == 3:
            raise DatabaseError("disk full")
        real(model, rows)

    monkeypatch.setattr("wutong.enterprises.imports.bulk_insert", failing_insert)
    code, message = run_cli("enterprises", str(path), "--chunk-size", "10")
    assert code == 1 and "未写入任何数据" in message
    assert calls["n"] == 3
    assert Enterprise.objects.count() == 0
    assert not AuditEntry.objects.filter(action="enterprises.import.committed").exists()
    assert ImportBatch.objects.get().status == ImportStatus.FAILED


def test_reimporting_the_same_file_changes_nothing(tmp_path):
    path = write_csv(tmp_path / "same.csv", [HEADER, *registry_rows(12)])
    first = imports.run_import("enterprises", path, commit=True)
    stamps = dict(Enterprise.objects.values_list("uscc", "updated_at"))
    second = imports.run_import("enterprises", path, commit=True)
    assert (first.created, second.created, second.updated, second.unchanged) == (12, 0, 0, 12)
    assert dict(Enterprise.objects.values_list("uscc", "updated_at")) == stamps


def test_changed_cells_update_by_uscc_and_blank_cells_keep_known_values(tmp_path):
    imports.run_import("enterprises", write_csv(tmp_path / "a.csv", [HEADER, *registry_rows(3)]), commit=True)
    path = write_csv(
        tmp_path / "b.csv",
        [
            ["信用代码", "公司名称", "注册资本(元)", "法定代表人"],
            [uscc(1), "深圳市测试1号科技有限公司", "200000", ""],  # capital changes, legal rep blank
            [uscc(2), "深圳市改名科技有限公司", "205000", "王五"],  # renamed; capital the same in 元
            [uscc(3), "深圳市测试3号科技有限公司", "305000", "王五"],  # unchanged
        ],
    )
    result = imports.run_import("enterprises", path, commit=True)
    assert (result.created, result.updated, result.unchanged) == (0, 2, 1)
    one = Enterprise.objects.get(uscc=uscc(1))
    assert (one.registered_capital, one.legal_representative) == (Decimal("200000.00"), "王五")
    two = Enterprise.objects.get(uscc=uscc(2))
    assert (two.name, two.name_normalized) == ("深圳市改名科技有限公司", "改名科技")


def test_the_same_uscc_twice_in_a_file_rejects_the_later_row(tmp_path):
    rows = registry_rows(2)
    path = write_csv(tmp_path / "dup.csv", [HEADER, *rows, rows[0]])
    result = imports.run_import("enterprises", path, commit=True)
    assert [e.as_dict() for e in result.errors] == [
        {"row": 4, "column": "统一社会信用代码", "message": "与第2行的统一社会信用代码重复"}
    ]
    assert Enterprise.objects.count() == 2


def test_names_like_another_uscc_are_counted_as_probable_duplicates(tmp_path):
    imports.run_import("enterprises", write_csv(tmp_path / "a.csv", [HEADER, *registry_rows(1)]), commit=True)
    path = write_csv(
        tmp_path / "b.csv",
        [
            ["统一社会信用代码", "企业名称"],
            [uscc(50), "测试1号科技（深圳）有限公司"],  # same firm by name as uscc(1), another code
            [uscc(51), "深圳市全新科技有限公司"],
            [uscc(52), "全新科技有限公司"],  # like the row above
        ],
    )
    result = imports.run_import("enterprises", path, commit=False)
    assert result.duplicates == 2
    assert [w.row for w in result.warnings] == [2, 4]
    assert uscc(1) in result.warnings[0].message
    assert "本文件第3行" in result.warnings[1].message


def test_an_exported_file_imports_back_with_zero_changes(tmp_path):
    rows = registry_rows(6)
    rows[0][4] = "1234.5678"  # 万元 with four decimals = whole yuan
    rows[1][4] = "0.01"
    imports.run_import("enterprises", write_csv(tmp_path / "a.csv", [HEADER, *rows]), commit=True)
    Enterprise.objects.filter(uscc=uscc(3)).update(
        high_tech_field="electronic_information", registered_capital=None
    )
    for suffix in ("xlsx", "csv"):
        out = tmp_path / f"export.{suffix}"
        call_command("export", "enterprises", str(out), stdout=io.StringIO())
        result = imports.run_import("enterprises", out, commit=True)
        assert (result.created, result.updated, result.unchanged, result.rejected) == (0, 0, 6, 0), suffix
    headers = CalamineWorkbook.from_path(str(tmp_path / "export.xlsx")).get_sheet_by_index(0).to_python()[0]
    assert "注册资本(万元)" in headers and "统一社会信用代码" in headers


def test_annual_figures_import_in_wan_yuan_and_refresh_the_enterprise(tmp_path):
    imports.run_import("enterprises", write_csv(tmp_path / "a.csv", [HEADER, *registry_rows(2)]), commit=True)
    path = write_xlsx(
        tmp_path / "annual.xlsx",
        [
            [
                "信用代码",
                "年份",
                "营业收入",
                "研发费用(元)",
                "从业人员(年平均)",
                "高新技术产品(服务)收入(万元)",
            ],
            [uscc(1), 2023, "1,200", 3_000_000, 80, "900"],
            [uscc(1), 2024, "1.5亿", "4,000,000元", "95", ""],
            [uscc(2), "2024", 300, "", 12, ""],
            [uscc(99), 2024, 1, 1, 1, 1],
        ],
    )
    result = imports.run_import("annual", path, commit=True)
    assert (result.created, result.rejected) == (3, 1)
    assert result.errors[0].as_dict() == {
        "row": 5,
        "column": "信用代码",
        "message": "企业不在企业名录中，请先导入企业",
    }
    report = AnnualReport.objects.get(enterprise__uscc=uscc(1), year=2024)
    assert report.operating_revenue == Decimal("150000000.00")
    assert report.rd_expense == Decimal("4000000.00")
    assert report.employees == 95
    enterprise = Enterprise.objects.get(uscc=uscc(1))
    assert (enterprise.latest_year, enterprise.latest_revenue) == (2024, Decimal("150000000.00"))
    again = imports.run_import("annual", path, commit=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_ip_assets_import_with_chinese_labels_and_derived_class(tmp_path):
    imports.run_import("enterprises", write_csv(tmp_path / "a.csv", [HEADER, *registry_rows(1)]), commit=True)
    path = write_csv(
        tmp_path / "ip.csv",
        [
            [
                "信用代码",
                "类型",
                "专利号",
                "名称",
                "申请日",
                "授权日",
                "法律状态",
                "获得方式",
                "是否已用于高企申报",
                "质押金额",
            ],
            [
                uscc(1),
                "发明专利",
                "ZL 2023 1000 0001.X",
                "一种方法",
                "2023-01-05",
                "2024/6/18",
                "有权",
                "原始取得",
                "是",
                "50",
            ],
            [uscc(1), "软著", "2024SR000001", "某系统V1.0", "", "2024年2月1日", "有效", "受让", "否", ""],
            [uscc(1), "专利", "X1", "", "", "", "", "", "", ""],
        ],
    )
    result = imports.run_import("ip", path, commit=True)
    assert (result.created, result.rejected) == (2, 1)
    assert result.errors[0].column == "类型"
    patent = IPAsset.objects.get(kind="invention_patent")
    assert (patent.number, patent.ip_class, patent.status, patent.acquisition) == (
        "ZL202310000001.X",
        "I",
        "valid",
        "self",
    )
    assert patent.used_for_gaoxin is True and patent.pledge_amount == Decimal("500000.00")
    assert IPAsset.objects.get(kind="software_copyright").ip_class == "II"


def test_the_cli_json_output_has_exactly_the_documented_keys(tmp_path):
    path = write_csv(tmp_path / "j.csv", [HEADER, *registry_rows(2)], encoding="utf-8-sig")
    code, out = run_cli("enterprises", str(path), "--json")
    assert code == 0
    assert json.loads(out) == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 0, "errors": []}
    code, out = run_cli("enterprises", str(path))
    assert "导入完成：共 2 行" in out and "未变化 2" in out
    code, message = run_cli("patents", str(path))
    assert code == 1 and "未知的导入类型" in message


# --- Web -------------------------------------------------------------------------------------


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "imports"],
        }
    }


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_upload_preview_confirm_and_history_through_the_web(
    client, alice, immediate_tasks, media, tmp_path, django_capture_on_commit_callbacks
):
    login(client, alice)
    rows = registry_rows(3)
    rows[1][3] = "明年"
    content = write_csv(tmp_path / "w.csv", [HEADER, *rows], encoding="gb18030").read_bytes()
    upload = SimpleUploadedFile("名录.csv", content, content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("enterprises:import_upload"), {"kind": "enterprises", "file": upload})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert (batch.status, batch.created_count, batch.rejected_count, batch.uploaded_by) == (
        ImportStatus.VALIDATED,
        2,
        1,
        alice,
    )
    assert batch.errors == [
        {"row": 3, "column": "成立日期", "message": "无法识别的日期，请使用 2019-03-05 格式"}
    ]
    assert Enterprise.objects.count() == 0  # validation wrote nothing
    page = client.get(reverse("enterprises:importbatch_detail", args=[batch.pk]))
    assert "确认导入" in page.content.decode() and "无法识别的日期" in page.content.decode()
    rejected = client.get(reverse("enterprises:importbatch_rejected", args=[batch.pk]))
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(rejected.content)).get_sheet_by_index(0).to_python()
    assert sheet[0][-1] == "错误原因" and sheet[1][0] == uscc(2) and "成立日期" in sheet[1][-1]
    assert len(sheet) == 2
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("enterprises:importbatch_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED
    assert Enterprise.objects.count() == 2
    assert set(Enterprise.objects.values_list("source_batch_id", flat=True)) == {batch.pk}
    assert (
        AuditEntry.objects.filter(action="enterprises.import.committed", target_id=str(batch.pk)).count() == 1
    )
    # Running the commit task again commits nothing more (it is safe to run twice).
    imports.commit_batch(batch.pk)
    imports.validate_batch(batch.pk)
    assert Enterprise.objects.count() == 2
    assert AuditEntry.objects.filter(action="enterprises.import.committed").count() == 1
    history = client.get(reverse("enterprises:import_upload")).content.decode()
    assert "名录.csv" in history and "已导入" in history


def test_progress_is_polled_with_htmx_while_the_task_runs(client, alice, media):
    login(client, alice)
    batch = ImportBatch.objects.create(
        kind="enterprises",
        file_name="x.csv",
        status=ImportStatus.VALIDATING,
        total_rows=200,
        processed_rows=50,
    )
    page = client.get(reverse("enterprises:importbatch_detail", args=[batch.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'data-progress="25"' in page
    partial = client.get(reverse("enterprises:importbatch_detail", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode() and "50 / 200" in partial.content.decode()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("macro.xlsm", b"PK\x03\x04rest", "不接受含宏"),
        ("fake.xlsx", b"not a zip at all", "扩展名与内容不符"),
        ("fake.csv", b"PK\x03\x04\x00\x00binary", "扩展名与内容不符"),
        ("notes.docx", b"PK\x03\x04", "只接受"),
    ],
)
def test_uploads_are_checked_by_extension_and_magic_bytes(client, alice, media, name, content, message):
    login(client, alice)
    response = client.post(
        reverse("enterprises:import_upload"),
        {"kind": "enterprises", "file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_an_xlsx_carrying_a_vba_project_is_refused_even_when_named_xlsx(client, alice, media, tmp_path):
    import zipfile

    path = write_xlsx(tmp_path / "m.xlsx", [["统一社会信用代码", "企业名称"], [uscc(1), "甲"]])
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\x00" * 16)
    login(client, alice)
    response = client.post(
        reverse("enterprises:import_upload"),
        {"kind": "enterprises", "file": SimpleUploadedFile("m.xlsx", path.read_bytes())},
    )
    assert "文件含有宏" in response.content.decode()


def test_roles_without_the_import_capability_cannot_reach_the_pages(client, partner, enterprise_user, leader):
    for user in (partner, enterprise_user, leader):
        client.force_login(user)
        assert client.get(reverse("enterprises:import_upload")).status_code == 403
        assert client.get(reverse("enterprises:import_template", args=["enterprises"])).status_code == 403


def test_templates_download_for_every_kind(client, alice):
    login(client, alice)
    for kind, first in (
        ("enterprises", "统一社会信用代码"),
        ("annual", "统一社会信用代码"),
        ("ip", "统一社会信用代码"),
    ):
        response = client.get(reverse("enterprises:import_template", args=[kind]))
        rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
        assert rows[0][0] == first and len(rows) == 2


def test_many_changed_rows_are_updated_set_based_in_one_pass(tmp_path):
    imports.run_import(
        "enterprises", write_csv(tmp_path / "a.csv", [HEADER, *registry_rows(120)]), commit=True
    )
    rows = registry_rows(120)
    for row in rows[:80]:
        row[4] = "1.5亿"
    result = imports.run_import("enterprises", write_csv(tmp_path / "b.csv", [HEADER, *rows]), commit=True)
    assert (result.updated, result.unchanged) == (80, 40)
    assert Enterprise.objects.filter(registered_capital=Decimal("150000000.00")).count() == 80
    assert Enterprise.objects.get(uscc=uscc(100)).registered_capital == Decimal("10005000.00")


def test_changing_only_the_tags_updates_the_row_and_replaces_its_tags(tmp_path):
    imports.run_import("enterprises", write_csv(tmp_path / "a.csv", [HEADER, *registry_rows(3)]), commit=True)
    path = write_csv(
        tmp_path / "t.csv",
        [
            ["统一社会信用代码", "企业名称", "标签"],
            [uscc(1), "深圳市测试1号科技有限公司", "链主，上市"],
            [uscc(2), "深圳市测试2号科技有限公司", ""],  # blank: tags untouched
            [uscc(3), "深圳市测试3号科技有限公司", "重点企业"],  # the same set
        ],
    )
    result = imports.run_import("enterprises", path, commit=True)
    assert (result.updated, result.unchanged) == (1, 2)
    assert sorted(Enterprise.objects.get(uscc=uscc(1)).tags.values_list("name", flat=True)) == [
        "上市",
        "链主",
    ]
    assert list(Enterprise.objects.get(uscc=uscc(3)).tags.values_list("name", flat=True)) == ["重点企业"]
    assert Enterprise.objects.get(uscc=uscc(1)).name_normalized == "测试1号科技"
