"""Importing 招商 targets and fundraising announcements with the registry's import framework: every
row validated first with errors by row and column in Chinese, the accepted rows committed atomically,
a re-imported file changes nothing; announcements become scored leads; the web flow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.urls import reverse

from tests.fixtures.import_files import uscc, write_csv, write_xlsx
from wutong.core import imports
from wutong.core.choices import ImportStatus
from wutong.core.models import AuditEntry, ImportBatch, Park
from wutong.investment.choices import Channel, SpaceUse
from wutong.investment.imports import TargetKind
from wutong.investment.models import Announcement, Chain, ChainSegment, Lead, Space, Target, TargetList

pytestmark = pytest.mark.django_db

HEADER = [
    "企业名称",
    "统一社会信用代码",
    "总部城市",
    "行业代码",
    "是否上市",
    "股票代码",
    "来源渠道",
    "所属清单",
]


def bad_uscc(n: int) -> str:
    code = uscc(n)
    return code[:-1] + ("0" if code[-1] != "0" else "1")


def target_rows() -> list[list[object]]:
    return [
        [
            "北京云图智算科技股份有限公司",
            uscc(1),
            "北京",
            "6513",
            "是",
            "688001",
            "商协会",
            "市外招商目标清单",
        ],
        ["上海芯源科技有限公司", "", "上海", "I6520", "否", "", "投资机构/子基金", "市外招商目标清单"],
        ["杭州坏码有限公司", bad_uscc(3), "杭州", "6513", "", "", "展会", ""],
        ["合肥无码有限公司", "", "合肥", "9999", "", "", "展会", ""],
        ["青岛渠道有限公司", "", "青岛", "6513", "", "", "电视广告", ""],
    ]


def test_a_target_file_is_validated_in_full_and_rows_with_errors_are_named(tmp_path, carol):
    path = write_xlsx(tmp_path / "targets.xlsx", [HEADER, *target_rows()], title="市外招商目标清单（2023年）")
    preview = imports.run_import("investment_targets", path, commit=False, actor=carol)
    assert (preview.created, preview.rejected, preview.total_rows) == (2, 3, 5)
    assert Target.objects.count() == 0  # the preview writes nothing
    errors = [(e.row, e.column, e.message) for e in preview.errors]
    header_row = preview.header_row
    assert [(r - header_row, c) for r, c, _m in errors] == [
        (3, "统一社会信用代码"),
        (4, "行业代码"),
        (5, "来源渠道"),
    ]
    assert "第18位" in errors[0][2]
    assert errors[1][2] == "行业代码不存在（GB/T 4754-2017）"
    assert errors[2][2].startswith("不是可选值（可选：上市公司募投、商协会")


def test_committing_writes_the_accepted_targets_with_their_list_and_reimport_changes_nothing(tmp_path, carol):
    path = write_csv(tmp_path / "targets.csv", [HEADER, *target_rows()], encoding="gb18030")
    batch = ImportBatch.objects.create(kind="investment_targets", file_name="targets.csv", uploaded_by=carol)
    result = imports.run_import("investment_targets", path, commit=True, actor=carol, batch=batch)
    assert (result.created, result.updated, result.unchanged, result.rejected) == (2, 0, 0, 3)
    yuntu = Target.objects.get(uscc=uscc(1))
    assert (yuntu.channel, yuntu.is_listed, yuntu.stock_code, yuntu.industry_id) == (
        Channel.ASSOCIATION,
        True,
        "688001",
        "6513",
    )
    assert Target.objects.get(name="上海芯源科技有限公司").industry_id == "6520"
    assert TargetList.objects.get().targets.count() == 2
    assert set(Target.objects.values_list("source_batch_id", flat=True)) == {batch.pk}
    assert AuditEntry.objects.filter(action="investment.import.committed").count() == 1
    again = imports.run_import("investment_targets", path, commit=True, actor=carol)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 2, 3)
    assert Target.objects.count() == 2 and TargetList.objects.get().targets.count() == 2


def test_a_changed_cell_updates_and_a_blank_cell_keeps_the_known_value(tmp_path, carol):
    first = write_csv(tmp_path / "a.csv", [HEADER, *target_rows()[:2]])
    imports.run_import("investment_targets", first, commit=True, actor=carol)
    rows = target_rows()[:2]
    rows[0][2] = "香港"  # new HQ
    rows[1][2] = ""  # blank: keep 上海
    second = write_csv(tmp_path / "b.csv", [HEADER, *rows])
    result = imports.run_import("investment_targets", second, commit=True, actor=carol)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert dict(Target.objects.values_list("name", "hq_city")) == {
        "北京云图智算科技股份有限公司": "香港",
        "上海芯源科技有限公司": "上海",
    }


def test_the_same_target_twice_in_one_file_is_rejected_with_the_first_row(tmp_path, carol):
    rows = [target_rows()[1], target_rows()[1]]
    path = write_csv(tmp_path / "dup.csv", [HEADER, *rows])
    result = imports.run_import("investment_targets", path, commit=False, actor=carol)
    assert [(e.row, e.message) for e in result.errors] == [(3, "与第2行是同一目标")]


def test_a_failure_during_the_commit_leaves_nothing_written(tmp_path, carol, monkeypatch):
    path = write_csv(tmp_path / "t.csv", [HEADER, *target_rows()])

    def explode(self, run):  # type: ignore[no-untyped-def]
        raise DatabaseError("disk full")

    monkeypatch.setattr(TargetKind, "finish", explode)
    with pytest.raises(DatabaseError):
        imports.run_import("investment_targets", path, commit=True, actor=carol)
    assert Target.objects.count() == 0 and TargetList.objects.count() == 0


ANNOUNCEMENT_HEADER = [
    "公司名称",
    "股票代码",
    "公告日期",
    "募投项目",
    "拟投资金额(万元)",
    "拟建地点",
    "行业代码",
    "需求面积",
    "空间用途",
    "公告摘要",
]


def test_announcements_import_into_scored_leads_and_reimport_changes_nothing(tmp_path, carol):
    chain = Chain.objects.create(name="软件与信息服务")
    ChainSegment.objects.create(chain=chain, position="midstream", name="应用软件", industry_codes="6513")
    Space.objects.create(park=Park.objects.get(name="中设广场"), area=Decimal(1000), use=SpaceUse.RD)
    recent = (dt.date.today() - dt.timedelta(days=20)).isoformat()
    rows = [
        [
            "杭州星河科技股份有限公司",
            "688321",
            recent,
            "华南研发中心",
            "60000",
            "深圳市（待定）",
            "6513",
            1000,
            "研发",
            "…",
        ],
        [
            "苏州远景新材料股份有限公司",
            "300888",
            "2023-01-05",
            "扩产项目",
            "5000",
            "江苏省苏州市",
            "3985",
            "",
            "",
            "",
        ],
        ["坏日期股份有限公司", "600001", "明年", "项目", "100", "", "", "", "", ""],
    ]
    path = write_xlsx(tmp_path / "募投.xlsx", [ANNOUNCEMENT_HEADER, *rows])
    result = imports.run_import("investment_announcements", path, commit=True, actor=carol)
    assert (result.created, result.rejected) == (2, 1)
    assert [(e.row, e.column) for e in result.errors] == [(4, "公告日期")]
    assert Announcement.objects.get(stock_code="688321").amount == Decimal("600000000.00")
    scores = dict(Lead.objects.values_list("announcement__company_name", "score"))
    assert scores == {"杭州星河科技股份有限公司": 100, "苏州远景新材料股份有限公司": 5}
    again = imports.run_import("investment_announcements", path, commit=True, actor=carol)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Lead.objects.count() == 2


@pytest.fixture
def immediate_tasks(settings, tmp_path):
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "imports"],
        }
    }
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_web_upload_previews_confirms_and_commits(
    client, carol, immediate_tasks, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(carol)
    content = write_csv(tmp_path / "w.csv", [HEADER, *target_rows()], encoding="gb18030").read_bytes()
    upload = SimpleUploadedFile("目标.csv", content, content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("investment:import_upload"), {"kind": "investment_targets", "file": upload}
        )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert (batch.status, batch.created_count, batch.rejected_count) == (ImportStatus.VALIDATED, 2, 3)
    page = client.get(reverse("investment:importbatch_detail", args=[batch.pk])).content.decode()
    assert "行业代码不存在" in page and "确认导入" in page
    assert client.get(reverse("investment:importbatch_rejected", args=[batch.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("investment:importbatch_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED and Target.objects.count() == 2
    template = client.get(reverse("investment:import_template", args=["investment_announcements"]))
    assert template.status_code == 200 and template["Content-Type"].endswith("sheet")


def test_other_sections_cannot_import(client, alice):
    client.force_login(alice)
    assert client.get(reverse("investment:import_upload")).status_code == 403


def test_an_exported_target_file_imports_back_unchanged(tmp_path, carol):
    path = write_csv(tmp_path / "t.csv", [HEADER, *target_rows()])
    imports.run_import("investment_targets", path, commit=True, actor=carol)
    exported = tmp_path / "out.xlsx"
    assert imports.export_file("investment_targets", exported) == 2
    again = imports.run_import("investment_targets", exported, commit=True, actor=carol)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 2, 0)


def test_the_cli_imports_announcements_and_reports_json(tmp_path, db):
    import io
    import json

    from django.core.management import call_command

    rows = [["深圳某某股份有限公司", "002001", "2026-01-05", "总部项目", "1.2亿", "待定", "6513", "", "", ""]]
    path = write_csv(tmp_path / "a.csv", [ANNOUNCEMENT_HEADER, *rows])
    out = io.StringIO()
    call_command("import", "investment_announcements", str(path), "--json", stdout=out, stderr=io.StringIO())
    assert json.loads(out.getvalue())["created"] == 1
    assert Announcement.objects.get().amount == Decimal("120000000.00")
    assert Lead.objects.count() == 1
