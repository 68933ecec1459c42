"""The enterprise services (guard, one transaction, one audit entry), the 划型 rule and its SQL twin."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wutong.core.exceptions import DomainError
from wutong.core.models import AuditEntry
from wutong.enterprises import rules, services
from wutong.enterprises.choices import DuplicateStatus, IPKind, QualificationKind, SizeClass
from wutong.enterprises.identity import uscc_check_char
from wutong.enterprises.models import (
    AnnualReport,
    Contact,
    DuplicateCandidate,
    Enterprise,
    FormerName,
    IPAsset,
    Tag,
)

WAN = Decimal(10_000)
USCC_A = "91440300708461136T"
USCC_B = "914403001922038216"


def uscc(n: int) -> str:
    first17 = f"9144030{n:010d}"
    return first17 + uscc_check_char(first17)


def actions() -> list[str]:
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


# --- rules.size_class_for ------------------------------------------------------------------------

SIZE_CASES = [
    # (id, industry, employees, revenue 万元, assets 万元, expected)
    ("工业 large needs both bounds", "C", 1000, 40000, None, SizeClass.LARGE),
    ("工业 1000 staff but revenue below 4亿 is medium", "3911", 1000, 39999, None, SizeClass.MEDIUM),
    ("工业 medium lower bounds inclusive", "C", 300, 2000, None, SizeClass.MEDIUM),
    ("工业 299 staff drops to small", "C", 299, 2000, None, SizeClass.SMALL),
    ("工业 small lower bounds", "C", 20, 300, None, SizeClass.SMALL),
    ("工业 19 staff is micro", "C", 19, 30000, None, SizeClass.MICRO),
    ("工业 revenue below 300万 is micro", "C", 200, Decimal("299.99"), None, SizeClass.MICRO),
    ("软件 large", "65", 300, 10000, None, SizeClass.LARGE),
    ("软件 medium", "651", 100, 1000, None, SizeClass.MEDIUM),
    ("软件 small at 50万", "6511", 10, 50, None, SizeClass.SMALL),
    ("软件 9 staff is micro", "65", 9, 5000, None, SizeClass.MICRO),
    ("批发 medium [M]", "51", 20, 5000, None, SizeClass.MEDIUM),
    ("零售 small [M]", "52", 10, 100, None, SizeClass.SMALL),
    ("批发和零售 门类 alone is undecidable", "F", 50, 5000, None, SizeClass.UNKNOWN),
    ("农林牧渔 by revenue only [M]", "A", None, 500, None, SizeClass.MEDIUM),
    ("农林牧渔 large [M]", "01", 3, 20000, None, SizeClass.LARGE),
    ("建筑 needs assets [M]", "E", 500, 6000, None, SizeClass.UNKNOWN),
    ("建筑 medium with assets [M]", "47", 500, 6000, 5000, SizeClass.MEDIUM),
    ("房地产开发 large [M]", "7010", None, 200000, 10000, SizeClass.LARGE),
    ("物业管理 small [M]", "702", 100, 500, None, SizeClass.SMALL),
    ("房地产中介 is 其他未列明 [M]", "703", 150, 1, None, SizeClass.MEDIUM),
    ("房地产业 大类 alone is undecidable", "70", 150, 1, None, SizeClass.UNKNOWN),
    ("租赁和商务服务 uses assets [M]", "L", 100, None, 8000, SizeClass.MEDIUM),
    ("装卸搬运 counts as 交通运输 [M]", "591", 300, 3000, None, SizeClass.MEDIUM),
    ("仓储 [M]", "592", 300, 3000, None, SizeClass.MEDIUM),
    ("邮政 [M]", "60", 20, 100, None, SizeClass.SMALL),
    ("住宿 [M]", "61", 100, 2000, None, SizeClass.MEDIUM),
    ("餐饮 [M]", "62", 10, 99, None, SizeClass.MICRO),
    ("信息传输 [M]", "63", 2000, 100000, None, SizeClass.LARGE),
    ("铁路 falls to 其他未列明 [M]", "53", 300, None, None, SizeClass.LARGE),
    ("科学研究 is 其他未列明 [M]", "M", 100, None, None, SizeClass.MEDIUM),
    ("金融 is not classed by this standard", "66", 5000, 10**6, None, SizeClass.UNKNOWN),
    ("no industry", None, 500, 50000, None, SizeClass.UNKNOWN),
    ("missing headcount", "C", None, 50000, None, SizeClass.UNKNOWN),
    ("missing revenue", "C", 500, None, None, SizeClass.UNKNOWN),
]


def _yuan(wan):  # type: ignore[no-untyped-def]
    return None if wan is None else Decimal(wan) * WAN


@pytest.mark.parametrize(
    ("industry", "employees", "revenue", "assets", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in SIZE_CASES],
)
def test_size_class_follows_the_2011_standard(industry, employees, revenue, assets, expected):
    assert rules.size_class_for(industry, employees, _yuan(revenue), _yuan(assets)) == expected


def test_only_industry_and_software_tables_are_marked_verified():
    assert {key for key, sector in rules.SECTORS.items() if sector.verified} == {"industry", "software"}


@pytest.mark.parametrize(
    ("as_of", "today", "stale"),
    [
        (dt.date(2024, 1, 31), dt.date(2025, 7, 31), False),
        (dt.date(2024, 1, 31), dt.date(2025, 8, 1), True),
        (dt.date(2023, 8, 31), dt.date(2025, 2, 28), False),  # 18 months later is clamped to 28 Feb
        (dt.date(2023, 8, 31), dt.date(2025, 3, 1), True),
        (None, dt.date(2025, 1, 1), True),
    ],
)
def test_figures_older_than_eighteen_months_are_stale(as_of, today, stale):
    assert rules.stale_figures(as_of, today) is stale


def test_the_stale_window_can_be_shortened():
    assert rules.stale_figures(dt.date(2025, 1, 1), dt.date(2025, 8, 1), months=6) is True
    assert rules.stale_figures(dt.date(2025, 1, 1), dt.date(2025, 7, 1), months=6) is False


# --- refresh_derived_figures ---------------------------------------------------------------------


@pytest.mark.django_db
def test_sql_size_class_equals_the_python_rule_for_every_case_in_the_table():
    expected = {}
    for n, (_id, industry, employees, revenue, assets, want) in enumerate(SIZE_CASES):
        firm = Enterprise.objects.create(uscc=uscc(n), name=f"划型样本{n}", industry_id=industry)
        AnnualReport.objects.create(
            enterprise=firm,
            year=2024,
            operating_revenue=_yuan(revenue),
            employees=employees,
            total_assets=_yuan(assets),
        )
        expected[firm.pk] = want
    services.refresh_derived_figures()
    got = dict(Enterprise.objects.values_list("pk", "size_class"))
    assert got == {pk: str(value) for pk, value in expected.items()}


@pytest.mark.django_db
def test_sql_size_class_equals_the_python_rule_on_random_figures_near_the_bounds():
    rng = random.Random(20111)
    codes = ["C", "13", "65", "651", "51", "52", "F", "A", "E", "47", "7010", "702", "703", "70", "L", "54",
             "591", "59", "60", "61", "62", "63", "64", "M", "J", "53", None]  # fmt: skip
    bounds_wan = [0, 50, 100, 200, 300, 500, 1000, 2000, 3000, 5000, 6000, 8000, 10000, 20000, 30000, 40000]
    staff = [0, 5, 10, 20, 50, 100, 200, 300, 1000, 2000]
    cases = {}
    for n in range(400):
        revenue = (
            None if rng.random() < 0.05 else Decimal(rng.choice(bounds_wan)) * WAN + rng.choice([-1, 0, 1])
        )
        employees = None if rng.random() < 0.05 else max(0, rng.choice(staff) + rng.choice([-1, 0, 1]))
        assets = (
            None if rng.random() < 0.1 else Decimal(rng.choice(bounds_wan)) * WAN + rng.choice([-1, 0, 1])
        )
        industry = rng.choice(codes)
        firm = Enterprise.objects.create(uscc=uscc(1000 + n), name=f"随机{n}", industry_id=industry)
        # Fill revenue through one of the three columns, to exercise the fallback too.
        column = rng.choice(["operating_revenue", "sales_revenue", "main_business_revenue"])
        AnnualReport.objects.create(
            enterprise=firm, year=2023, employees=employees, total_assets=assets, **{column: revenue}
        )
        cases[firm.pk] = rules.size_class_for(industry, employees, revenue, assets)
    services.refresh_derived_figures(list(cases))
    got = dict(Enterprise.objects.values_list("pk", "size_class"))
    assert got == {pk: str(v) for pk, v in cases.items()}
    assert len({v for v in got.values()}) == 5  # the sample reaches every class


@pytest.mark.django_db
def test_refresh_takes_the_latest_year_and_falls_back_through_the_revenue_columns():
    firm = Enterprise.objects.create(uscc=USCC_A, name="甲科技", industry_id="65")
    other = Enterprise.objects.create(uscc=USCC_B, name="乙科技", industry_id="65")
    AnnualReport.objects.create(enterprise=firm, year=2022, operating_revenue=1, employees=5)
    AnnualReport.objects.create(enterprise=firm, year=2024, main_business_revenue=20_000_000, employees=150)
    AnnualReport.objects.create(enterprise=firm, year=2023, sales_revenue=5, employees=2)
    AnnualReport.objects.create(enterprise=other, year=2024, operating_revenue=1, employees=1)

    assert services.refresh_derived_figures([firm.pk]) == 1

    firm.refresh_from_db()
    other.refresh_from_db()
    assert (firm.latest_year, firm.latest_revenue, firm.size_class) == (
        2024,
        Decimal("20000000"),
        SizeClass.MEDIUM,
    )
    assert (other.latest_year, other.size_class) == (None, SizeClass.UNKNOWN)  # not in the id list


@pytest.mark.django_db
def test_an_enterprise_without_reports_is_reset_to_unknown():
    firm = Enterprise.objects.create(uscc=USCC_A, name="甲科技", industry_id="65", size_class=SizeClass.LARGE)
    services.refresh_derived_figures()
    firm.refresh_from_db()
    assert (firm.latest_year, firm.latest_revenue, firm.size_class) == (None, None, SizeClass.UNKNOWN)


@pytest.mark.django_db
def test_refresh_is_one_update_statement_whatever_the_number_of_enterprises():
    for n in range(30):
        firm = Enterprise.objects.create(uscc=uscc(n), name=f"企业{n}", industry_id="C")
        AnnualReport.objects.create(
            enterprise=firm, year=2024, operating_revenue=n * 1_000_000, employees=n * 10
        )
    with CaptureQueriesContext(connection) as queries:
        assert services.refresh_derived_figures() == 30
    assert len(queries.captured_queries) == 1
    assert queries.captured_queries[0]["sql"].startswith("UPDATE")
    with CaptureQueriesContext(connection) as queries:
        services.refresh_derived_figures(Enterprise.objects.values_list("pk", flat=True))
    assert len(queries.captured_queries) == 1


# --- create / update / rename / tags -------------------------------------------------------------


@pytest.mark.django_db
def test_staff_create_an_enterprise_with_one_audit_entry(alice):
    firm, duplicates = services.create_enterprise(
        actor=alice, uscc="9144 0300 7084 6113 6t", name="深圳市梧桐科技有限公司", tags=["重点企业"]
    )
    assert firm.uscc == USCC_A
    assert firm.name_normalized == "梧桐科技"
    assert duplicates == []
    assert [t.name for t in firm.tags.all()] == ["重点企业"]
    entry = AuditEntry.objects.get()
    assert entry.action == "enterprises.enterprise.created"
    assert entry.actor == alice
    assert entry.changes["uscc"] == [None, USCC_A]
    assert entry.data["tags"] == ["重点企业"]


@pytest.mark.django_db
def test_an_invalid_uscc_is_refused_with_the_reason(alice):
    with pytest.raises(DomainError) as excinfo:
        services.create_enterprise(actor=alice, uscc="91440300708461136A", name="甲")
    assert excinfo.value.field == "uscc"
    assert "校验码错误" in excinfo.value.message
    assert Enterprise.objects.count() == 0 and AuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_a_uscc_can_be_registered_only_once(alice):
    services.create_enterprise(actor=alice, uscc=USCC_A, name="甲")
    with pytest.raises(DomainError, match="已登记为“甲”"):
        services.create_enterprise(actor=alice, uscc=USCC_A.lower(), name="乙")
    assert Enterprise.objects.count() == 1


@pytest.mark.django_db
def test_a_blank_name_is_refused(alice):
    with pytest.raises(DomainError) as excinfo:
        services.create_enterprise(actor=alice, uscc=USCC_A, name="  ")
    assert excinfo.value.field == "name"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona", ["district_leader", "partner", "reviewer", "agency_user", "enterprise_user"]
)
def test_roles_without_change_capability_cannot_create(persona, request):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.create_enterprise(actor=user, uscc=USCC_A, name="甲")


@pytest.mark.django_db
def test_creating_a_probable_duplicate_warns_and_queues_it_for_review(alice):
    first, _ = services.create_enterprise(actor=alice, uscc=USCC_A, name="深圳市梧桐科技有限公司")
    renamed, _ = services.create_enterprise(actor=alice, uscc=uscc(7), name="深圳市凤凰实业有限公司")
    FormerName.objects.create(enterprise=renamed, name="梧桐科技（深圳）有限公司")

    second, duplicates = services.create_enterprise(
        actor=alice, uscc=USCC_B, name="（深圳）梧桐科技股份有限公司"
    )

    assert {d.pk for d in duplicates} == {first.pk, renamed.pk}
    rows = DuplicateCandidate.objects.filter(enterprise=second)
    assert {r.other_id for r in rows} == {first.pk, renamed.pk}
    assert all(r.status == DuplicateStatus.OPEN and "梧桐科技" in r.reason for r in rows)
    entry = AuditEntry.objects.filter(action="enterprises.enterprise.created").order_by("id").last()
    assert {d["id"] for d in entry.data["probable_duplicates"]} == {first.pk, renamed.pk}


@pytest.mark.django_db
def test_updating_the_name_keeps_the_old_one_as_former_name_and_diffs_the_audit(alice):
    firm, _ = services.create_enterprise(actor=alice, uscc=USCC_A, name="深圳市梧桐科技有限公司")
    services.update_enterprise(firm, actor=alice, name="深圳市梧桐智能有限公司", legal_representative="张三")

    firm.refresh_from_db()
    assert firm.name == "深圳市梧桐智能有限公司"
    assert list(firm.former_names.values_list("name", "note")) == [("深圳市梧桐科技有限公司", "更名")]
    entry = AuditEntry.objects.get(action="enterprises.enterprise.updated")
    assert entry.changes == {
        "name": ["深圳市梧桐科技有限公司", "深圳市梧桐智能有限公司"],
        "legal_representative": ["", "张三"],
    }
    assert entry.data["former_name_kept"] == "深圳市梧桐科技有限公司"
    assert actions() == ["enterprises.enterprise.created", "enterprises.enterprise.updated"]


@pytest.mark.django_db
def test_an_update_that_changes_nothing_writes_no_audit_entry(alice):
    firm, _ = services.create_enterprise(actor=alice, uscc=USCC_A, name="甲")
    services.update_enterprise(firm, actor=alice, name="甲", uscc=USCC_A)
    assert actions() == ["enterprises.enterprise.created"]


@pytest.mark.django_db
def test_changing_the_uscc_to_one_held_by_another_enterprise_is_refused(alice):
    services.create_enterprise(actor=alice, uscc=USCC_A, name="甲")
    firm, _ = services.create_enterprise(actor=alice, uscc=USCC_B, name="乙")
    with pytest.raises(DomainError) as excinfo:
        services.update_enterprise(firm, actor=alice, uscc=USCC_A)
    assert excinfo.value.field == "uscc"
    firm.refresh_from_db()
    assert firm.uscc == USCC_B


@pytest.mark.django_db
def test_the_old_name_is_found_as_a_probable_duplicate_after_a_rename(alice):
    firm, _ = services.create_enterprise(actor=alice, uscc=USCC_A, name="深圳市梧桐科技有限公司")
    services.rename_enterprise(
        firm, actor=alice, new_name="深圳市凤凰科技有限公司", changed_on=dt.date(2024, 5, 1)
    )
    assert FormerName.objects.get(enterprise=firm).changed_on == dt.date(2024, 5, 1)
    _, duplicates = services.create_enterprise(actor=alice, uscc=USCC_B, name="梧桐科技有限公司")
    assert duplicates == [firm]
    assert AuditEntry.objects.get(action="enterprises.enterprise.renamed").changes == {
        "name": ["深圳市梧桐科技有限公司", "深圳市凤凰科技有限公司"]
    }


@pytest.mark.django_db
def test_renaming_to_the_same_name_is_refused(alice):
    firm, _ = services.create_enterprise(actor=alice, uscc=USCC_A, name="甲")
    with pytest.raises(DomainError):
        services.rename(firm, actor=alice, new_name="甲")


@pytest.mark.django_db
def test_set_tags_replaces_the_tags_and_records_before_and_after(alice):
    firm, _ = services.create_enterprise(actor=alice, uscc=USCC_A, name="甲", tags=["链主"])
    services.set_tags(firm, actor=alice, tags=[Tag.objects.get(name="链主"), "上市", " "])
    services.set_tags(firm, actor=alice, tags=["上市"])
    assert [t.name for t in firm.tags.all()] == ["上市"]
    entries = AuditEntry.objects.filter(action="enterprises.enterprise.tags_changed").order_by("id")
    assert [e.changes["tags"] for e in entries] == [
        [["链主"], ["上市", "链主"]],
        [["上市", "链主"], ["上市"]],
    ]


# --- annual figures, IP, holdings ----------------------------------------------------------------


@pytest.mark.django_db
def test_saving_annual_figures_creates_then_updates_one_year_and_refreshes_the_size(alice):
    firm, _ = services.create_enterprise(actor=alice, uscc=USCC_A, name="甲", industry_id="65")
    report = services.save_annual_report(
        firm, actor=alice, year=2024, operating_revenue=Decimal("5000000"), employees=50
    )
    firm.refresh_from_db()
    assert (firm.latest_year, firm.latest_revenue, firm.size_class) == (
        2024,
        Decimal("5000000"),
        SizeClass.SMALL,
    )
    assert report.source == "staff"

    again = services.save_annual_report(
        firm, actor=alice, year=2024, operating_revenue=Decimal("15000000"), employees=120
    )
    assert again.pk == report.pk
    assert AnnualReport.objects.filter(enterprise=firm).count() == 1
    firm.refresh_from_db()
    assert firm.size_class == SizeClass.MEDIUM
    updated = AuditEntry.objects.get(action="enterprises.annual_report.updated")
    assert updated.changes["operating_revenue"] == ["5000000.00", "15000000"]
    assert updated.changes["employees"] == [50, 120]
    assert actions() == [
        "enterprises.enterprise.created",
        "enterprises.annual_report.created",
        "enterprises.annual_report.updated",
    ]


@pytest.mark.django_db
def test_annual_figures_refuse_future_years_negative_revenue_and_more_rd_staff_than_staff(alice):
    firm, _ = services.create_enterprise(actor=alice, uscc=USCC_A, name="甲")
    with pytest.raises(DomainError) as excinfo:
        services.save_annual_report(firm, actor=alice, year=dt.date.today().year + 1)
    assert excinfo.value.field == "year"
    with pytest.raises(DomainError) as excinfo:
        services.save_annual_report(firm, actor=alice, year=2024, operating_revenue=Decimal("-1"))
    assert excinfo.value.field == "operating_revenue"
    with pytest.raises(DomainError) as excinfo:
        services.save_annual_report(firm, actor=alice, year=2024, employees=10, rd_staff=11)
    assert excinfo.value.field == "rd_staff"
    services.save_annual_report(
        firm, actor=alice, year=2024, net_assets=Decimal("-300000")
    )  # 资不抵债 is a fact
    assert AnnualReport.objects.get().net_assets == Decimal("-300000")


@pytest.mark.django_db
def test_an_ip_number_is_recorded_once_across_the_registry(alice):
    firm, _ = services.create_enterprise(actor=alice, uscc=USCC_A, name="甲")
    other, _ = services.create_enterprise(actor=alice, uscc=USCC_B, name="乙")
    asset = services.add_ip_asset(
        firm, actor=alice, kind=IPKind.INVENTION_PATENT, number="ZL 2021 1 0000001.2"
    )
    assert asset.number == "ZL202110000001.2" and asset.ip_class == "I"
    with pytest.raises(DomainError, match="已登记在“甲”名下"):
        services.add_ip_asset(other, actor=alice, kind=IPKind.INVENTION_PATENT, number="zl202110000001.2")
    assert IPAsset.objects.count() == 1
    assert AuditEntry.objects.filter(action="enterprises.ip_asset.added").count() == 1


@pytest.mark.django_db
def test_a_holding_must_expire_after_it_was_issued(alice):
    firm, _ = services.create_enterprise(actor=alice, uscc=USCC_A, name="甲")
    with pytest.raises(DomainError) as excinfo:
        services.add_holding(
            firm,
            actor=alice,
            kind=QualificationKind.GAOXIN,
            issued_on=dt.date(2024, 12, 1),
            expires_on=dt.date(2024, 1, 1),
        )
    assert excinfo.value.field == "expires_on"
    holding = services.add_holding(
        firm, actor=alice, kind=QualificationKind.GAOXIN, certificate_no="GR202444000001",
        issued_on=dt.date(2024, 12, 1), expires_on=dt.date(2027, 11, 30),
    )  # fmt: skip
    assert holding.enterprise == firm
    assert (
        AuditEntry.objects.get(action="enterprises.qualification_holding.added").data["qualification_holding"]
        == holding.pk
    )


# --- contacts and PII ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("0755-88886666", "075****6666"),
        ("12345", "*****"),
        ("", ""),
        (None, ""),
    ],
)
def test_phones_are_masked_to_first_three_and_last_four_digits(phone, masked):
    assert services.mask_phone(phone) == masked


@pytest.mark.django_db
def test_a_new_primary_contact_replaces_the_old_one_and_the_audit_keeps_the_phone_masked(alice):
    firm, _ = services.create_enterprise(actor=alice, uscc=USCC_A, name="甲")
    first = services.add_contact(firm, actor=alice, name="王经理", phone="13812345678", is_primary=True)
    second = services.add_contact(firm, actor=alice, name="李总", phone="13900001111", is_primary=True)
    first.refresh_from_db()
    assert (first.is_primary, second.is_primary) == (False, True)
    entries = AuditEntry.objects.filter(action="enterprises.contact.added").order_by("id")
    assert [e.changes["phone"][1] for e in entries] == ["138****5678", "139****1111"]
    assert "13812345678" not in str(list(AuditEntry.objects.values_list("changes", "data")))


@pytest.mark.django_db
def test_revealing_a_phone_needs_pii_capability_and_is_audited(alice, district_leader):
    firm, _ = services.create_enterprise(actor=alice, uscc=USCC_A, name="甲")
    contact = services.add_contact(firm, actor=alice, name="王经理", phone="13812345678")
    with pytest.raises(PermissionDenied):
        services.reveal_contact_phone(contact, actor=district_leader)
    assert services.reveal_contact_phone(contact, actor=alice) == "13812345678"
    entry = AuditEntry.objects.get(action="enterprises.contact.phone_revealed")
    assert (entry.actor, entry.target_id, entry.data["contact"]) == (alice, str(firm.pk), contact.pk)
    assert entry.data["phone"] == "138****5678"
    assert Contact.objects.count() == 1


# --- duplicates ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_merge_capability_dismisses_a_duplicate_and_only_once(alice, bob):
    services.create_enterprise(actor=alice, uscc=USCC_A, name="深圳市梧桐科技有限公司")
    services.create_enterprise(actor=alice, uscc=USCC_B, name="梧桐科技有限公司")
    candidate = DuplicateCandidate.objects.get()
    with pytest.raises(PermissionDenied):
        services.dismiss_duplicate(candidate, actor=alice)
    services.dismiss_duplicate(candidate, actor=bob, note="集团两个独立法人")
    candidate.refresh_from_db()
    assert candidate.status == DuplicateStatus.DISMISSED
    with pytest.raises(DomainError):
        services.dismiss_duplicate(candidate, actor=bob)
    entry = AuditEntry.objects.get(action="enterprises.duplicate_candidate.dismissed")
    assert entry.data["note"] == "集团两个独立法人"


@pytest.mark.django_db
def test_a_pair_is_queued_once_even_when_both_sides_are_edited(alice):
    first, _ = services.create_enterprise(actor=alice, uscc=USCC_A, name="深圳市梧桐科技有限公司")
    services.create_enterprise(actor=alice, uscc=USCC_B, name="梧桐科技有限公司")
    services.update_enterprise(first, actor=alice, name="梧桐科技（深圳）有限公司")
    assert DuplicateCandidate.objects.count() == 1


# --- pages ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_create_page_warns_about_probable_duplicates_before_creating(client, alice):
    existing, _ = services.create_enterprise(actor=alice, uscc=USCC_A, name="深圳市梧桐科技有限公司")
    client.force_login(alice)
    page = client.get("/enterprises/new/")
    assert page.status_code == 200

    form = {"uscc": "9144-0300-1922-0382-16", "name": "梧桐科技（深圳）有限公司", "status": "active"}
    warned = client.post("/enterprises/new/", form)
    assert warned.status_code == 200
    assert "发现疑似重复企业" in warned.content.decode()
    assert f"/enterprises/{existing.pk}/" in warned.content.decode()
    assert Enterprise.objects.count() == 1

    created = client.post(
        "/enterprises/new/", {**form, "confirm_duplicates": "1", "registered_capital": "500"}
    )
    firm = Enterprise.objects.get(uscc=USCC_B)
    assert created.status_code == 302 and created["Location"] == f"/enterprises/{firm.pk}/"
    assert firm.registered_capital == Decimal("5000000.00")  # typed in 万元, stored in yuan
    assert DuplicateCandidate.objects.filter(enterprise=firm, other=existing).exists()


@pytest.mark.django_db
def test_the_create_page_shows_the_uscc_error_on_the_field(client, alice):
    client.force_login(alice)
    page = client.post("/enterprises/new/", {"uscc": "91440300708461136A", "name": "甲", "status": "active"})
    assert page.status_code == 200
    assert "校验码错误：第18位应为“T”，实际为“A”" in page.content.decode()
    assert Enterprise.objects.count() == 0


@pytest.mark.django_db
def test_a_district_leader_cannot_open_the_create_page(client, district_leader):
    client.force_login(district_leader)
    assert client.get("/enterprises/new/").status_code == 403


@pytest.mark.django_db
def test_the_edit_page_renames_and_keeps_the_former_name(client, alice):
    firm, _ = services.create_enterprise(
        actor=alice, uscc=USCC_A, name="深圳市梧桐科技有限公司", registered_capital=1_000_000
    )
    client.force_login(alice)
    page = client.get(f"/enterprises/{firm.pk}/edit/")
    assert page.status_code == 200
    assert 'value="100"' in page.content.decode()  # 1,000,000 yuan shown as 100 万元
    response = client.post(
        f"/enterprises/{firm.pk}/edit/",
        {"uscc": USCC_A, "name": "深圳市梧桐智能有限公司", "status": "active", "registered_capital": "100"},
    )
    assert response.status_code == 302
    firm.refresh_from_db()
    assert firm.name == "深圳市梧桐智能有限公司"
    assert firm.registered_capital == Decimal("1000000.00")
    assert list(firm.former_names.values_list("name", flat=True)) == ["深圳市梧桐科技有限公司"]
    assert AuditEntry.objects.get(action="enterprises.enterprise.updated").changes == {
        "name": ["深圳市梧桐科技有限公司", "深圳市梧桐智能有限公司"]
    }


@pytest.mark.django_db
def test_the_annual_figures_page_takes_wan_yuan_and_stores_yuan(client, alice):
    firm, _ = services.create_enterprise(actor=alice, uscc=USCC_A, name="甲", industry_id="65")
    client.force_login(alice)
    assert client.get(f"/enterprises/{firm.pk}/figures/new/").status_code == 200
    response = client.post(
        f"/enterprises/{firm.pk}/figures/new/",
        {"year": "2024", "operating_revenue": "1500", "rd_expense": "120.5", "employees": "120"},
    )
    assert response.status_code == 302
    report = AnnualReport.objects.get(enterprise=firm, year=2024)
    assert (report.operating_revenue, report.rd_expense, report.employees) == (
        Decimal("15000000.00"), Decimal("1205000.00"), 120
    )  # fmt: skip
    firm.refresh_from_db()
    assert firm.size_class == SizeClass.MEDIUM

    page = client.get(f"/enterprises/{firm.pk}/figures/2024/")
    assert 'value="1500"' in page.content.decode()
    client.post(
        f"/enterprises/{firm.pk}/figures/2024/",
        {"year": "1999", "operating_revenue": "1600", "employees": "120"},
    )
    report.refresh_from_db()
    assert report.operating_revenue == Decimal("16000000.00")  # the year field is fixed when editing
    assert not AnnualReport.objects.filter(year=1999).exists()


@pytest.mark.django_db
def test_revealing_a_phone_over_htmx_returns_it_and_audits_it(client, alice, enterprise_user):
    firm, _ = services.create_enterprise(actor=alice, uscc=USCC_A, name="甲")
    contact = services.add_contact(firm, actor=alice, name="王经理", phone="13812345678")
    client.force_login(alice)
    assert client.get(f"/enterprises/contacts/{contact.pk}/phone/").status_code == 405
    response = client.post(f"/enterprises/contacts/{contact.pk}/phone/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response.content.decode() == "13812345678"
    assert AuditEntry.objects.filter(action="enterprises.contact.phone_revealed", actor=alice).count() == 1

    client.force_login(enterprise_user)  # another enterprise's contact: not even visible
    assert client.post(f"/enterprises/contacts/{contact.pk}/phone/").status_code in (403, 404)
    assert AuditEntry.objects.filter(action="enterprises.contact.phone_revealed").count() == 1
