"""Reference data: GB/T 4754-2017 in four levels, the district's streets and parks, their pages."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from tests.personas import PASSWORD
from wutong.core import workdays
from wutong.core.choices import HolidayKind, IndustryLevel, ParkKind
from wutong.core.models import AuditEntry, Holiday, Industry, Park, Street
from wutong.core.reference import INDUSTRY_FILE, SECTION_RANGES, load_reference, section_of

LEVEL_OF_LENGTH = {
    1: IndustryLevel.SECTION,
    2: IndustryLevel.DIVISION,
    3: IndustryLevel.GROUP,
    4: IndustryLevel.CLASS,
}


def login(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture(autouse=True)
def fresh_calendar():  # type: ignore[no-untyped-def]
    workdays.invalidate()
    yield
    workdays.invalidate()


# --- GB/T 4754-2017 ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_fresh_database_has_all_four_levels_in_exact_numbers() -> None:
    counts = Counter(Industry.objects.values_list("level", flat=True))
    assert counts == {
        IndustryLevel.SECTION: 20,
        IndustryLevel.DIVISION: 97,
        IndustryLevel.GROUP: 473,
        IndustryLevel.CLASS: 1381,
    }


@pytest.mark.django_db
def test_every_parent_chain_is_consistent() -> None:
    nodes = {i.code: i for i in Industry.objects.select_related("parent")}
    for code, node in nodes.items():
        assert node.level == LEVEL_OF_LENGTH[len(code)], code
        assert node.section == section_of(code), code
        assert node.edition == "GB/T 4754-2017"
        assert node.source, code
        if node.level == IndustryLevel.SECTION:
            assert node.parent is None
        elif node.level == IndustryLevel.DIVISION:
            assert node.parent is not None and node.parent.code == node.section, code
            low, high = SECTION_RANGES[node.section]
            assert low <= int(code) <= high
        else:
            assert node.parent is not None and node.parent.code == code[:-1], code
        assert node.name and node.name == node.name.strip(), code
    # every section and division has children; no name is cut off mid-word like "…制"
    parents = {n.parent.code for n in nodes.values() if n.parent}
    assert {c for c, n in nodes.items() if n.level != IndustryLevel.CLASS} <= parents
    own_wording = ("磨制", "印制", "复制", "出租")  # 谷物磨制, 本册印制, 记录媒介复制, 日用品出租
    truncated = [
        c
        for c, n in nodes.items()
        if n.name.endswith(("制", "加", "设", "专", "批", "租", "建", "材", "辅助性"))
        and not n.name.endswith(own_wording)
    ]
    assert truncated == [], truncated


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "name"),
    [
        pytest.param("I", "信息传输、软件和信息技术服务业", id="section-I"),
        pytest.param("C", "制造业", id="section-C"),
        pytest.param("T", "国际组织", id="section-T"),
        pytest.param("65", "软件和信息技术服务业", id="division-65"),
        pytest.param("39", "计算机、通信和其他电子设备制造业", id="division-39"),
        pytest.param("15", "酒、饮料和精制茶制造业", id="division-15"),
        pytest.param("87", "广播、电视、电影和录音制作业", id="division-87-2017-wording"),
        pytest.param("96", "基层群众自治组织及其他组织", id="division-96-2017-wording"),
        pytest.param("651", "软件开发", id="group-651"),
        pytest.param("652", "集成电路设计", id="group-652-single-class-shares-name"),
        pytest.param("653", "信息系统集成和物联网技术服务", id="group-653"),
        pytest.param("395", "非专业视听设备制造", id="group-395-2017-wording"),
        pytest.param("339", "铸造及其他金属制品制造", id="group-339"),
        pytest.param("746", "环境与生态监测检测服务", id="group-746"),
        pytest.param("905", "文化体育娱乐活动与经纪代理服务", id="group-905"),
        pytest.param("019", "其他农业", id="group-019-single-class"),
        pytest.param("6513", "应用软件开发", id="class-6513"),
        pytest.param("1110", "煤炭开采和洗选专业及辅助性活动", id="class-1110-truncation-corrected"),
        pytest.param("3939", "应用电视设备及其他广播电视设备制造", id="class-3939-truncation-corrected"),
        pytest.param("7517", "三维（3D)打印技术推广服务", id="class-7517-as-printed"),
    ],
)
def test_names_match_the_standard(code: str, name: str) -> None:
    assert Industry.objects.get(code=code).name == name


def test_the_data_file_agrees_with_the_received_subclass_list() -> None:
    with INDUSTRY_FILE.open(encoding="utf-8") as handle:
        rows = {r["code"]: r for r in csv.DictReader(handle)}
    with (INDUSTRY_FILE.parent / "gbt4754-2017-subclasses.csv").open(encoding="utf-8") as handle:
        received = {r["code"]: r["name"] for r in csv.DictReader(handle)}
    classes = {c: r["name"] for c, r in rows.items() if r["level"] == "class"}
    assert set(classes) == set(received)
    corrected = {c for c in classes if classes[c] != received[c]}
    # every correction only completes a name the PDF column cut off
    assert all(classes[c].startswith(received[c]) for c in corrected)
    assert len(corrected) == 54


@pytest.mark.django_db
def test_load_reference_is_idempotent_and_repairs_changed_rows() -> None:
    again = load_reference()
    assert again["industries"] == 1971
    assert (again["industries_created"], again["industries_updated"]) == (0, 0)
    assert (again["streets_created"], again["parks_created"]) == (0, 0)
    Industry.objects.filter(code="6513").update(name="改坏了")
    Street.objects.filter(name="东门街道").update(order=99)
    repaired = load_reference()
    assert repaired["industries_updated"] == 1
    assert repaired["streets_updated"] == 1
    assert Industry.objects.get(code="6513").name == "应用软件开发"
    assert Industry.objects.count() == 1971


@pytest.mark.django_db
def test_load_reference_fills_an_empty_database_with_parents_linked() -> None:
    Park.objects.all().delete()
    Street.objects.all().delete()
    Industry.objects.filter(level=IndustryLevel.CLASS).delete()
    Industry.objects.filter(level=IndustryLevel.GROUP).delete()
    Industry.objects.filter(level=IndustryLevel.DIVISION).delete()
    Industry.objects.all().delete()
    counts = load_reference()
    assert counts["industries_created"] == 1971
    assert counts["streets_created"] == 10
    assert Industry.objects.get(code="6513").parent.parent.parent.code == "I"  # type: ignore[union-attr]


# --- Streets and parks ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_ten_streets_of_luohu_are_loaded_in_order() -> None:
    assert list(Street.objects.values_list("name", flat=True)) == [
        "桂园街道", "黄贝街道", "东门街道", "翠竹街道", "东晓街道",
        "南湖街道", "笋岗街道", "东湖街道", "莲塘街道", "清水河街道",
    ]  # fmt: skip
    assert Street.objects.get(name="清水河街道").code == "440303010"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "kind", "focus"),
    [
        pytest.param("中设广场", ParkKind.PARK, "新一代信息技术", id="seed-000-zhongshe"),
        pytest.param("清水河智丰大厦", ParkKind.BUILDING, "大健康", id="seed-000-zhifeng"),
        pytest.param("布心工业区", ParkKind.PARK, "大健康", id="seed-000-buxin"),
        pytest.param("笋岗-清水河片区", ParkKind.AREA, "新材料", id="seed-000-sungang-qingshuihe"),
        pytest.param("红岭新兴金融产业带", ParkKind.BELT, "区块链", id="seed-000-hongling"),
    ],
)
def test_the_parks_the_work_report_names_are_loaded_with_a_street(name: str, kind: str, focus: str) -> None:
    park = Park.objects.get(name=name)
    assert (park.kind, park.focus_industry) == (kind, focus)
    assert park.street is not None


@pytest.mark.django_db
def test_demo_buildings_are_loaded_only_when_asked() -> None:
    assert not Park.objects.filter(name="京基100大厦").exists()
    counts = load_reference(include_demo=True)
    assert counts["parks_created"] == 3
    assert "演示" in Park.objects.get(name="京基100大厦").address


# --- Pages ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_search_industries_by_code_and_by_name(alice) -> None:  # type: ignore[no-untyped-def]
    client = login(alice)
    url = reverse("core:industry_list")
    page = client.get(url, {"q": "6513"})
    assert page.status_code == 200
    assert "应用软件开发" in page.content.decode()
    assert "基础软件开发" not in page.content.decode()
    by_name = client.get(url, {"q": "集成电路"}).content.decode()
    assert "集成电路设计" in by_name and "集成电路制造" in by_name
    children = client.get(url, {"parent": "651"}).content.decode()
    assert children.count("软件开发</span>") == 4  # 6511, 6512, 6513, 6519


@pytest.mark.django_db
def test_level_filter_lists_exactly_the_sections(alice) -> None:  # type: ignore[no-untyped-def]
    client = login(alice)
    export = client.get(reverse("core:industry_list"), {"level": "section", "export": "xlsx"})
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert codes == list(SECTION_RANGES)


@pytest.mark.django_db
def test_htmx_gets_only_the_results(alice) -> None:  # type: ignore[no-untyped-def]
    client = login(alice)
    page = client.get(reverse("core:industry_list"), {"q": "651"}, HTTP_HX_REQUEST="true")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="results"' in body and "<html" not in body and "reference-tabs" not in body


@pytest.mark.django_db
def test_streets_and_parks_pages_list_the_district(alice) -> None:  # type: ignore[no-untyped-def]
    client = login(alice)
    streets = client.get(reverse("core:street_list")).content.decode()
    assert "清水河街道" in streets and "440303010" in streets
    parks = client.get(reverse("core:park_list"), {"kind": ParkKind.BELT}).content.decode()
    assert "红岭新兴金融产业带" in parks and "中设广场" not in parks


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name", ["core:industry_list", "core:street_list", "core:park_list", "core:holiday_list"]
)
def test_outside_roles_cannot_read_reference_pages(partner, enterprise_user, url_name) -> None:  # type: ignore[no-untyped-def]
    for user in (partner, enterprise_user):
        assert login(user).get(reverse(url_name)).status_code == 403


@pytest.mark.django_db
def test_holiday_page_warns_for_a_year_without_a_notice(alice, leader) -> None:  # type: ignore[no-untyped-def]
    page = login(alice).get(reverse("core:holiday_list"), {"year": 2027}).content.decode()
    assert "2027 年的法定节假日和调休尚未录入" in page
    assert "holiday-add-form" in page  # staff keep the calendar their deadlines depend on
    leader_page = login(leader).get(reverse("core:holiday_list"), {"year": 2027}).content.decode()
    assert "holiday-add-form" not in leader_page  # leaders read it
    known = login(alice).get(reverse("core:holiday_list"), {"year": 2026}).content.decode()
    assert "尚未录入" not in known and "本年共 248 个工作日" in known and "National Day" in known


@pytest.mark.django_db
def test_administrator_adds_and_deletes_a_holiday_on_the_page(admin_user) -> None:  # type: ignore[no-untyped-def]
    client = login(admin_user)
    added = client.post(
        reverse("core:holiday_add"), {"date": "2027-01-01", "kind": "holiday", "name": "元旦"}
    )
    assert added.status_code == 302 and added["Location"].endswith("?year=2027")
    holiday = Holiday.objects.get(date=dt.date(2027, 1, 1))
    page = client.get(reverse("core:holiday_list"), {"year": 2027}).content.decode()
    assert "元旦" in page and "尚未录入" not in page
    refused = client.post(reverse("core:holiday_add"), {"date": "2027-01-04", "kind": "workday", "name": ""})
    assert refused.status_code == 400 and "无需登记" in refused.content.decode()
    deleted = client.post(reverse("core:holiday_delete", args=[holiday.pk]))
    assert deleted.status_code == 302
    assert not Holiday.objects.exists()
    actions = AuditEntry.objects.filter(action__startswith="core.").order_by("id")
    assert list(actions.values_list("action", flat=True)) == ["core.holiday.added", "core.holiday.removed"]


@pytest.mark.django_db
def test_pasted_notice_errors_are_shown_by_line_and_nothing_is_saved(admin_user) -> None:  # type: ignore[no-untyped-def]
    client = login(admin_user)
    bad = client.post(reverse("core:holiday_import"), {"text": "2027-01-01 holiday 元旦\n2027-02-30 休 春节"})
    assert bad.status_code == 400
    assert "第 2 行" in bad.content.decode()
    assert not Holiday.objects.exists()
    good = client.post(
        reverse("core:holiday_import"), {"text": "2027-01-01 holiday 元旦\n2027-02-07 班 春节调休"}
    )
    assert good.status_code == 302
    assert Holiday.objects.get(date=dt.date(2027, 2, 7)).kind == HolidayKind.WORKDAY


@pytest.mark.django_db
def test_a_leader_without_the_capability_cannot_post_holiday_changes(leader) -> None:  # type: ignore[no-untyped-def]
    client = login(leader)
    assert (
        client.post(reverse("core:holiday_add"), {"date": "2027-01-01", "kind": "holiday"}).status_code == 403
    )
    assert client.post(reverse("core:holiday_import"), {"text": "2027-01-01 holiday"}).status_code == 403
    assert not Holiday.objects.exists()


@pytest.mark.django_db
def test_the_audit_log_is_read_only_in_the_admin(admin_user) -> None:  # type: ignore[no-untyped-def]
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    model_admin = admin.site._registry[AuditEntry]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert Industry in admin.site._registry and Holiday in admin.site._registry


@pytest.mark.django_db
def test_admin_edits_of_streets_and_holidays_are_audited(admin_user) -> None:  # type: ignore[no-untyped-def]
    admin_user.is_staff = admin_user.is_superuser = True  # as accounts.services sets them for the role
    admin_user.save()
    client = login(admin_user)
    street = Street.objects.get(name="东门街道")
    response = client.post(
        reverse("admin:core_street_change", args=[street.pk]),
        {"name": "东门街道", "code": "440303003", "order": 30},
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="core.street.changed")
    assert entry.changes == {"order": [3, 30]}
    added = client.post(
        reverse("admin:core_holiday_add"), {"date": "2027-01-01", "kind": "holiday", "name": "元旦"}
    )
    assert added.status_code == 302
    assert AuditEntry.objects.filter(action="core.holiday.added").count() == 1
    assert workdays.is_working_day(dt.date(2027, 1, 1)) is False


@pytest.mark.django_db
def test_groups_that_are_not_subdivided_share_their_single_class_name() -> None:
    groups = Industry.objects.filter(level=IndustryLevel.GROUP).prefetch_related("children")
    single = [g for g in groups if len(g.children.all()) == 1]
    assert len(single) == 199
    for group in single:
        child = group.children.all()[0]
        assert child.code == group.code + "0", group.code
        assert child.name == group.name, group.code
