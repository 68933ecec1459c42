"""The enterprise list (filters, table, export, query budget), the enterprise file and its tabs,
the chart and dashboard numbers, and the money filters."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import django_tables2 as tables
import openpyxl
import pytest
from django.db import connection, transaction
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tables2 import RequestConfig
from django_tables2.paginators import LazyPaginator

from wutong.core import audit
from wutong.core.models import Industry, Park, Street
from wutong.core.tables import PythonBodyMixin
from wutong.enterprises import queries, tabs
from wutong.enterprises.choices import EnterpriseStatus, QualificationKind, SizeClass
from wutong.enterprises.models import (
    AnnualReport,
    Contact,
    Enterprise,
    FormerName,
    QualificationHolding,
    Tag,
)
from wutong.enterprises.tables import EnterpriseTable

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 24)
_counter = iter(range(1, 10**6))


def industry(code: str) -> Industry:
    """The GB/T 4754 node (reference data is loaded by a core migration; created here if absent)."""
    sections = {"39": "C", "13": "C", "43": "C", "65": "I"}
    section = code if code.isalpha() else sections[code[:2]]
    level = {1: "section", 2: "division", 3: "group", 4: "class"}[len(code)]
    parent = None if len(code) == 1 else industry(section if len(code) == 2 else code[:-1])
    node, _ = Industry.objects.get_or_create(
        code=code, defaults={"name": f"行业{code}", "level": level, "section": section, "parent": parent}
    )
    return node


def make(name: str, **extra: object) -> Enterprise:
    extra.setdefault("uscc", f"91440303MA{next(_counter):08d}")
    return Enterprise.objects.create(name=name, **extra)


def page_names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [row.record.name for row in response.context["table"].page.object_list]


# --- The list ---------------------------------------------------------------------------------


def test_the_list_is_for_bureau_staff_and_agencies_only(client, everyone):
    url = reverse("enterprises:enterprise_list")
    for name, expected in [
        ("alice", 200),
        ("leader", 200),
        ("agency", 200),
        ("enterprise", 403),
        ("partner", 403),
    ]:
        client.force_login(everyone[name])
        assert client.get(url).status_code == expected, name


def test_industry_filter_works_at_every_level_of_the_classification(client, alice):
    make("电子甲", industry=industry("3911"))
    make("电子乙", industry=industry("3921"))
    make("煤炭丙", industry=industry("1311"))
    make("软件丁", industry=industry("6511"))
    make("未分类")
    client.force_login(alice)
    url = reverse("enterprises:enterprise_list")
    expectations = {
        "C": ["煤炭丙", "电子乙", "电子甲"],
        "c": ["煤炭丙", "电子乙", "电子甲"],
        "39": ["电子乙", "电子甲"],
        "391": ["电子甲"],
        "3911": ["电子甲"],
        "I": ["软件丁"],
        "9": [],
    }
    for value, expected in expectations.items():
        assert sorted(page_names(client.get(url, {"industry": value}))) == sorted(expected), value


def test_revenue_range_is_entered_in_wanyuan(client, alice):
    make("小", latest_revenue=Decimal("4999999.99"))
    make("中", latest_revenue=Decimal("5000000"))
    make("大", latest_revenue=Decimal("20000001"))
    client.force_login(alice)
    url = reverse("enterprises:enterprise_list")
    assert sorted(page_names(client.get(url, {"revenue_min": "500"}))) == ["中", "大"]
    assert page_names(client.get(url, {"revenue_min": "500", "revenue_max": "2000"})) == ["中"]


def test_qualification_filter_can_require_validity_on_a_date(client, alice):
    current = make("有效国高")
    lapsed = make("过期国高")
    make("无资质")
    QualificationHolding.objects.create(
        enterprise=current,
        kind=QualificationKind.GAOXIN,
        issued_on=dt.date(2024, 12, 1),
        expires_on=dt.date(2027, 11, 30),
    )
    QualificationHolding.objects.create(
        enterprise=lapsed,
        kind=QualificationKind.GAOXIN,
        issued_on=dt.date(2021, 12, 1),
        expires_on=dt.date(2024, 11, 30),
    )
    client.force_login(alice)
    url = reverse("enterprises:enterprise_list")
    assert sorted(page_names(client.get(url, {"qualification": "gaoxin"}))) == ["有效国高", "过期国高"]
    assert page_names(
        client.get(url, {"qualification": "gaoxin", "qualification_valid_on": "2026-01-01"})
    ) == ["有效国高"]
    assert page_names(
        client.get(url, {"qualification": "gaoxin", "qualification_valid_on": "2023-06-01"})
    ) == ["过期国高"]


def test_tag_street_size_status_and_established_filters_combine(client, alice):
    street = Street.objects.create(name="测试街道")
    key = Tag.objects.create(name="重点企业", color="danger")
    listed = Tag.objects.create(name="上市")
    a = make("甲", street=street, size_class=SizeClass.SMALL, established=dt.date(2015, 5, 1))
    a.tags.add(key, listed)
    b = make("乙", street=street, size_class=SizeClass.SMALL, established=dt.date(2020, 5, 1))
    b.tags.add(key)
    make("丙", street=street, size_class=SizeClass.SMALL, status=EnterpriseStatus.MOVED_OUT).tags.add(key)
    make("丁", size_class=SizeClass.SMALL).tags.add(key)
    client.force_login(alice)
    url = reverse("enterprises:enterprise_list")
    params = {"tags": [key.pk, listed.pk], "street": street.pk, "size_class": "small", "status": "active"}
    assert page_names(client.get(url, params)) == ["乙", "甲"]  # a firm with two chosen tags appears once
    assert page_names(client.get(url, {**params, "established_before": "2018-01-01"})) == ["甲"]
    assert page_names(client.get(url, {**params, "established_after": "2018-01-01"})) == ["乙"]


def test_the_list_search_box_narrows_by_name_pinyin_and_former_name(client, alice):
    make("深圳市梧桐科技有限公司")
    renamed = make("深圳市凤凰有限公司")
    FormerName.objects.create(enterprise=renamed, name="深圳市老梧桐厂")
    make("深圳市星河有限公司")
    client.force_login(alice)
    url = reverse("enterprises:enterprise_list")
    assert sorted(page_names(client.get(url, {"q": "梧桐"}))) == sorted(
        ["深圳市梧桐科技有限公司", "深圳市凤凰有限公司"]
    )
    assert page_names(client.get(url, {"q": "xinghe"})) == ["深圳市星河有限公司"]


def test_htmx_refresh_returns_only_the_results_partial(client, alice):
    make("深圳市梧桐科技有限公司")
    client.force_login(alice)
    html = client.get(reverse("enterprises:enterprise_list"), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="results"' in html
    assert "<html" not in html
    assert "深圳市梧桐科技有限公司" in html


def test_the_table_shows_revenue_in_wanyuan_and_links_to_the_file(client, alice):
    firm = make("深圳市梧桐科技有限公司", latest_revenue=Decimal("123456789.00"), latest_year=2025)
    client.force_login(alice)
    html = client.get(reverse("enterprises:enterprise_list")).content.decode()
    assert "12,345.68" in html
    assert reverse("enterprises:enterprise_detail", args=[firm.pk]) in html


def _table_html(table, request) -> str:  # type: ignore[no-untyped-def]
    RequestConfig(request, paginate={"per_page": 50, "paginator_class": LazyPaginator}).configure(table)
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", table.as_html(request))).strip()


def _varied_registry() -> None:
    street = Street.objects.create(name="测试<街道>")
    park = Park.objects.create(name="梧桐&园区")
    key, listed = Tag.objects.create(name="重点企业", color="danger"), Tag.objects.create(name="上市")
    for i in range(60):  # more than a page: the pagination block too
        firm = make(
            f"深圳市<梧桐>&第{i:02d}科技有限公司" if i % 7 == 0 else f"深圳市第{i:02d}电子有限公司",
            industry=industry("3911") if i % 3 else None,
            street=street if i % 2 else None,
            park=park if i % 5 == 0 else None,
            status=EnterpriseStatus.DEREGISTERED if i % 4 == 0 else EnterpriseStatus.ACTIVE,
            size_class=SizeClass.SMALL if i % 6 else SizeClass.UNKNOWN,
            latest_revenue=Decimal(123456789 + i) if i % 3 != 1 else None,
            latest_year=2025 if i % 3 == 0 else None,
            established=dt.date(2015, 5, 1 + i % 28) if i % 2 else None,
            registered_capital=Decimal("1234567.50") if i % 2 else None,
        )
        firm.tags.add(*([key, listed] if i % 4 == 1 else [key] if i % 4 == 2 else []))


@pytest.mark.parametrize("params", [{}, {"page": "2"}, {"sort": "-uscc"}, {"q": "没有这家"}])
def test_the_python_rendered_body_is_what_the_template_renders(rf, alice, params):
    _varied_registry()
    request = rf.get(reverse("enterprises:enterprise_list"), params)
    request.user = alice
    rows = queries.enterprise_list(alice)
    if params.get("q"):
        rows = rows.filter(name=params["q"])  # an empty page: the empty text
    fast = EnterpriseTable(rows)
    reference = EnterpriseTable(rows, template_name="django_tables2/bootstrap5.html")
    assert "tbody" in _table_html(fast, request)
    assert _table_html(fast, request) == _table_html(reference, request)


class VariedColumnsTable(PythonBodyMixin, tables.Table):
    """Column kinds the enterprise table does not use, for the mixin's sake."""

    established = tables.DateColumn(format="Y年n月j日")
    registered_capital = tables.Column(localize=True)
    latest_revenue = tables.Column(localize=False)
    tags = tables.ManyToManyColumn()
    status = tables.Column(attrs={"td": {"data-status": lambda value: value, "class": "s"}})
    size_class = tables.Column()
    missing = tables.Column(accessor="no_such_attribute", default="无")
    street_name = tables.Column(accessor="street__name")
    template = tables.TemplateColumn("<b>{{ record.name|truncatechars:6 }}</b>")

    class Meta:
        model = Enterprise
        fields = ("name", "uscc")
        template_name = "core/tables/python_body.html"


def test_the_python_rendered_body_follows_django_tables2_for_other_columns_too(rf, alice):
    _varied_registry()
    request = rf.get("/")
    rows = Enterprise.objects.select_related("street").prefetch_related("tags").order_by("pk")
    fast = VariedColumnsTable(rows)
    reference = VariedColumnsTable(rows, template_name="django_tables2/bootstrap5.html")
    assert _table_html(fast, request) == _table_html(reference, request)


def test_the_excel_export_holds_every_filtered_row_with_revenue_in_wanyuan(client, alice):
    tag = Tag.objects.create(name="重点企业")
    for i in range(60):
        firm = make(f"导出企业{i:02d}", latest_revenue=Decimal(1000000 * (i + 1)), industry=industry("3911"))
        firm.tags.add(tag)
    make("软件企业", industry=industry("6511"))
    client.force_login(alice)
    response = client.get(reverse("enterprises:enterprise_list"), {"industry": "C", "export": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == 60  # all rows, not one page of 50
    assert header[0] == "企业名称"
    first = dict(zip(header, body[0], strict=True))
    assert first["企业名称"] == "导出企业00"
    assert first["营业收入(万元)"] == 100.0
    assert first["标签"] == "重点企业"
    assert first["国民经济行业"] == "3911 行业3911" or first["国民经济行业"].startswith("3911 ")


def _list_queries(client, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("enterprises:enterprise_list"), {"status": "active", "industry": "C"})
    assert response.status_code == 200
    assert len(response.context["table"].page.object_list) == n
    return [q["sql"] for q in ctx.captured_queries]


def test_a_page_of_fifty_costs_at_most_eight_queries_however_many_rows(client, alice):
    street = Street.objects.create(name="预算街道")
    tags = [Tag.objects.create(name=f"标签{i}") for i in range(3)]
    client.force_login(alice)
    for i in range(5):
        make(f"企业{i:03d}", street=street, industry=industry("3911")).tags.add(*tags)
    few = _list_queries(client, 5)
    for i in range(5, 120):
        make(f"企业{i:03d}", street=street, industry=industry("3911")).tags.add(*tags)
    many = _list_queries(client, 50)
    assert len(few) == len(many)
    # Besides the session (read, plus the idle-timeout middleware's write in a savepoint): the user,
    # the page of rows, their tags, and the street, park and tag choices of the filter form.
    own = [sql for sql in many if "django_session" not in sql and "SAVEPOINT" not in sql]
    assert len(own) <= 6
    assert len(many) <= 10


def test_the_search_box_adds_at_most_three_queries_to_a_page(client, alice, monkeypatch):
    """Former names, names and pinyin are asked of the search index once each, however many rows
    match; the rest is the page of the plain list."""
    from wutong.enterprises import search

    client.force_login(alice)
    url = reverse("enterprises:enterprise_list")
    for i in range(120):
        make(f"深圳市梧桐{i:03d}科技有限公司")

    def count(params: dict[str, str]) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, params)
        assert len(response.context["table"].page.object_list) == 50
        return len(ctx.captured_queries)

    plain = count({})
    assert count({"q": "wutong"}) <= plain + 3  # as an id list
    monkeypatch.setattr(search, "FILTER_ID_CAP", 10)  # as conditions: a common fragment
    assert count({"q": "wutong"}) <= plain + 3


# --- The enterprise file ----------------------------------------------------------------------


@pytest.fixture
def firm(db):  # type: ignore[no-untyped-def]
    firm = make(
        "深圳市梧桐示范科技有限公司",
        uscc="91440300MA5F000001",
        industry=industry("3911"),
        latest_revenue=Decimal("30000000"),
        latest_year=2025,
    )
    firm.tags.add(Tag.objects.create(name="区领导挂点", color="warning"))
    return firm


def test_the_file_header_shows_the_industry_path_from_section_to_class(client, alice, firm):
    client.force_login(alice)
    response = client.get(reverse("enterprises:enterprise_detail", args=[firm.pk]))
    assert response.status_code == 200
    assert [node.code for node in response.context["industry_path"]] == ["C", "39", "391", "3911"]
    html = response.content.decode()
    assert "91440300MA5F000001" in html
    assert "区领导挂点" in html
    assert [t.key for t in response.context["tabs"]][:3] == ["overview", "figures", "ip"]
    assert response.context["tabs"][-1].key == "history"


def test_an_enterprise_user_sees_their_own_file_and_nobody_elses(client, enterprise_user, firm):
    other = make("深圳市另一家公司")
    client.force_login(enterprise_user)
    assert client.get(reverse("enterprises:enterprise_detail", args=[firm.pk])).status_code == 200
    assert client.get(reverse("enterprises:enterprise_detail", args=[other.pk])).status_code == 404
    assert (
        client.get(reverse("enterprises:enterprise_detail", args=[other.pk]), {"tab": "contacts"}).status_code
        == 404
    )


def test_a_partner_department_cannot_open_files(client, partner, firm):
    client.force_login(partner)
    assert client.get(reverse("enterprises:enterprise_detail", args=[firm.pk])).status_code == 403


def test_htmx_tab_request_returns_the_pane_alone(client, alice, firm):
    QualificationHolding.objects.create(
        enterprise=firm,
        kind=QualificationKind.GAOXIN,
        certificate_no="GR202344001234",
        expires_on=dt.date.today() + dt.timedelta(days=30),
    )
    client.force_login(alice)
    url = reverse("enterprises:enterprise_detail", args=[firm.pk])
    html = client.get(url, {"tab": "qualifications"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html
    assert "GR202344001234" in html
    assert "90天内到期" in html
    assert client.get(url, {"tab": "no-such-tab"}).status_code == 404


def test_qualification_badges_mark_expired_and_expiring_within_ninety_days():
    day = dt.date(2026, 11, 24)
    holding = QualificationHolding(kind=QualificationKind.GAOXIN)
    for expires, state in [
        (dt.date(2026, 11, 23), "expired"),
        (dt.date(2026, 11, 24), "expiring"),
        (dt.date(2027, 2, 22), "expiring"),
        (dt.date(2027, 2, 23), "valid"),
        (None, "open"),
    ]:
        holding.expires_on = expires
        assert queries.qualification_state(holding, day) == state, expires


def test_the_overview_flags_annual_figures_older_than_eighteen_months(client, alice, firm):
    AnnualReport.objects.create(
        enterprise=firm, year=2023, operating_revenue=Decimal(1), as_of=dt.date(2023, 12, 31)
    )
    AnnualReport.objects.create(
        enterprise=firm, year=2025, operating_revenue=Decimal(1), as_of=dt.date(2025, 12, 31)
    )
    rows = queries.provenance(firm, list(firm.annual_reports.order_by("-year")), TODAY)
    assert [(row.as_of, row.stale) for row in rows[1:]] == [
        (dt.date(2025, 12, 31), False),
        (dt.date(2023, 12, 31), True),
    ]
    client.force_login(alice)
    html = client.get(reverse("enterprises:enterprise_detail", args=[firm.pk])).content.decode()
    assert "数据陈旧" in html


def test_annual_series_gives_wanyuan_per_year_ascending_with_gaps_as_none(firm):
    AnnualReport.objects.create(
        enterprise=firm,
        year=2024,
        operating_revenue=Decimal("12345678.90"),
        rd_expense=Decimal("1000000"),
        tax_paid=Decimal("555555"),
        employees=120,
    )
    AnnualReport.objects.create(enterprise=firm, year=2023, sales_revenue=Decimal("8000000"), employees=98)
    AnnualReport.objects.create(
        enterprise=firm, year=2025, operating_revenue=Decimal("20000000.50"), employees=150
    )
    data = queries.annual_series(firm)
    assert data["years"] == [2023, 2024, 2025]
    series = {s["key"]: s["values"] for s in data["series"]}
    assert series["revenue"] == [800.0, 1234.57, 2000.0]  # 2023 falls back to 销售收入
    assert series["rd"] == [None, 100.0, None]
    assert series["tax"] == [None, 55.56, None]
    assert series["employees"] == [98, 120, 150]


def test_the_figures_tab_has_one_column_per_year_and_feeds_the_charts(client, alice, firm):
    AnnualReport.objects.create(enterprise=firm, year=2024, operating_revenue=Decimal("12345678.90"))
    AnnualReport.objects.create(enterprise=firm, year=2025, operating_revenue=Decimal("20000000"))
    client.force_login(alice)
    html = client.get(
        reverse("enterprises:enterprise_detail", args=[firm.pk]), {"tab": "figures"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert '<th class="text-end">2025</th><th class="text-end">2024</th>' in html
    assert "1,234.57" in html
    assert 'id="annual-series"' in html
    assert 'data-series="revenue"' in html


def test_phones_are_masked_and_only_pii_roles_get_the_reveal_button(client, alice, district_leader, firm):
    contact = Contact.objects.create(enterprise=firm, name="张三", phone="13812345678", is_primary=True)
    url = reverse("enterprises:enterprise_detail", args=[firm.pk])
    reveal = reverse("enterprises:contact_reveal", args=[contact.pk])
    client.force_login(district_leader)
    html = client.get(url, {"tab": "contacts"}, HTTP_HX_REQUEST="true").content.decode()
    assert "13812345678" not in html
    assert "138****5678" in html
    assert reveal not in html
    client.force_login(alice)
    html = client.get(url, {"tab": "contacts"}, HTTP_HX_REQUEST="true").content.decode()
    assert "13812345678" not in html
    assert f'hx-post="{reveal}"' in html


def test_list_links_to_create_and_import_pages_only_for_roles_that_may_use_them(
    client, alice, district_leader
):
    url = reverse("enterprises:enterprise_list")
    create = reverse("enterprises:enterprise_create")
    client.force_login(alice)
    assert create in client.get(url).content.decode()
    client.force_login(district_leader)
    assert create not in client.get(url).content.decode()


def test_the_history_tab_lists_the_audit_entries_of_the_file(client, alice, firm):
    with transaction.atomic():
        audit.record(
            "enterprises.enterprise.updated", actor=alice, target=firm, changes={"name": ["旧", "新"]}
        )
    client.force_login(alice)
    html = client.get(
        reverse("enterprises:enterprise_detail", args=[firm.pk]), {"tab": "history"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "enterprises.enterprise.updated" in html


def test_tabs_registered_by_later_modules_appear_for_roles_with_the_capability(client, alice, partner, firm):
    tabs.register(
        tabs.EnterpriseTab(
            "visits_test",
            "走访",
            order=55,
            template="enterprises/tabs/history.html",
            context=lambda request, enterprise: {"history": []},
            capability="enterprises.change",
        )
    )
    try:
        keys = [t.key for t in tabs.tabs_for(alice)]
        assert keys.index("visits_test") == keys.index("leases") + 1
        assert "visits_test" not in [t.key for t in tabs.tabs_for(partner)]
        client.force_login(alice)
        response = client.get(
            reverse("enterprises:enterprise_detail", args=[firm.pk]), {"tab": "visits_test"}
        )
        assert response.status_code == 200
    finally:
        tabs.unregister("visits_test")


def test_the_file_page_query_count_does_not_grow_with_the_records(client, alice, firm):
    client.force_login(alice)
    url = reverse("enterprises:enterprise_detail", args=[firm.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for year in range(2015, 2026):
        AnnualReport.objects.create(enterprise=firm, year=year, operating_revenue=Decimal(year))
        FormerName.objects.create(enterprise=firm, name=f"旧名{year}")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(few.captured_queries) == len(many.captured_queries) <= 12


# --- Dashboard and display filters -------------------------------------------------------------


def test_dashboard_counts_are_scoped_and_count_valid_holdings_only(alice, enterprise_user, firm):
    other = make("深圳市另一家公司")
    make("迁出企业", status=EnterpriseStatus.MOVED_OUT)
    QualificationHolding.objects.create(
        enterprise=firm,
        kind=QualificationKind.GAOXIN,
        issued_on=dt.date(2024, 1, 1),
        expires_on=dt.date(2026, 12, 31),
    )
    QualificationHolding.objects.create(
        enterprise=other,
        kind=QualificationKind.GAOXIN,
        issued_on=dt.date(2021, 1, 1),
        expires_on=dt.date(2023, 12, 31),
    )
    QualificationHolding.objects.create(enterprise=other, kind=QualificationKind.GUISHANG)
    assert queries.dashboard_counts(alice, TODAY) == {
        "registered": 2,
        "gaoxin": 1,
        "expiring_this_year": 1,
        "guishang": 1,
    }
    assert queries.dashboard_counts(enterprise_user, TODAY) == {
        "registered": 1,
        "gaoxin": 1,
        "expiring_this_year": 1,
        "guishang": 0,
    }
    labels = [str(card["label"]) for card in queries.enterprise_cards(alice)]
    assert labels == ["在册企业", "国高企业", "本年到期资质", "规上企业"]
    assert queries.enterprise_cards(enterprise_user) == []


def test_wanyuan_filter_shows_yuan_as_wanyuan_with_separators():
    template = Template("{% load wutong %}{{ a|wanyuan }}|{{ b|wanyuan }}|{{ c|wanyuan_number }}|{{ d|ymd }}")
    rendered = template.render(
        Context({"a": Decimal("12345678.9"), "b": None, "c": 5000, "d": dt.date(2026, 1, 2)})
    )
    assert rendered == "1,234.57 万元|—|0.50|2026-01-02"


def test_every_tab_renders_as_a_full_page_and_as_an_htmx_pane(client, alice, firm):
    from wutong.enterprises.models import IPAsset, Lease, Relation, SupportReceived, TalentHousing

    IPAsset.objects.create(
        enterprise=firm, kind="invention_patent", number="ZL202310000001.X", title="一种装置"
    )
    Lease.objects.create(
        enterprise=firm, building="A座1201", area_m2=Decimal("350.5"), monthly_rent=Decimal(52575)
    )
    SupportReceived.objects.create(enterprise=firm, program="研发资助", amount=Decimal("1500000"))
    SupportReceived.objects.create(enterprise=firm, program="高企奖励", amount=Decimal("200000"))
    Relation.objects.create(enterprise=firm, kind="outbound_investment", counterpart_name="东莞某公司")
    TalentHousing.objects.create(enterprise=firm, project="人才房一期", units=3)
    client.force_login(alice)
    url = reverse("enterprises:enterprise_detail", args=[firm.pk])
    for tab in tabs.tabs_for(alice):
        full = client.get(url, {"tab": tab.key})
        assert full.status_code == 200, tab.key
        assert f'id="tab-{tab.key}"' in full.content.decode(), tab.key
        pane = client.get(url, {"tab": tab.key}, HTTP_HX_REQUEST="true").content.decode()
        assert f'id="tab-{tab.key}"' in pane and "<html" not in pane, tab.key
    support = client.get(url, {"tab": "support"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="support-total">170.00<' in support
    ip = client.get(url, {"tab": "ip"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Ⅰ类" in ip and "ZL202310000001.X" in ip
