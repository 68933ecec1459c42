"""Merging a duplicate enterprise into the survivor: every related record moves, nothing is lost,
one audit entry tells the whole story."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models

from wutong.core.exceptions import DomainError
from wutong.core.models import AuditEntry
from wutong.enterprises import services
from wutong.enterprises.choices import DuplicateStatus, IPKind, QualificationKind, RelationKind, SizeClass
from wutong.enterprises.identity import find_probable_duplicates
from wutong.enterprises.models import (
    AnnualReport,
    Contact,
    DuplicateCandidate,
    Enterprise,
    FormerName,
    IPAsset,
    Lease,
    QualificationHolding,
    Relation,
    SupportReceived,
    Tag,
    TalentHousing,
)

SURVIVOR = "91440300708461136T"
DUPLICATE = "914403001922038216"
THIRD = "91110000600037341L"


@pytest.fixture
def pair(db):  # type: ignore[no-untyped-def]
    survivor = Enterprise.objects.create(uscc=SURVIVOR, name="深圳市梧桐科技有限公司", industry_id="65")
    duplicate = Enterprise.objects.create(
        uscc=DUPLICATE,
        name="梧桐科技（深圳）有限公司",
        legal_representative="张三",
        registered_address="罗湖区人民南路1号",
    )
    return survivor, duplicate


def fill_duplicate(survivor: Enterprise, duplicate: Enterprise) -> dict[str, int]:
    """One (or more) row of every related model on the duplicate; returns the expected moves."""
    FormerName.objects.create(enterprise=duplicate, name="深圳市老梧桐有限公司")
    FormerName.objects.create(
        enterprise=duplicate, name="深圳市共同曾用名有限公司"
    )  # the survivor has it too
    FormerName.objects.create(enterprise=survivor, name="深圳市共同曾用名有限公司")
    AnnualReport.objects.create(
        enterprise=survivor, year=2023, operating_revenue=Decimal("9000000"), employees=90
    )
    AnnualReport.objects.create(enterprise=duplicate, year=2023, operating_revenue=Decimal("1"), employees=1)
    AnnualReport.objects.create(
        enterprise=duplicate, year=2024, operating_revenue=Decimal("12000000"), employees=120
    )
    IPAsset.objects.create(enterprise=duplicate, kind=IPKind.INVENTION_PATENT, number="ZL202110000001.2")
    IPAsset.objects.create(enterprise=duplicate, kind=IPKind.SOFTWARE_COPYRIGHT, number="2022SR0000001")
    QualificationHolding.objects.create(
        enterprise=duplicate, kind=QualificationKind.GAOXIN, certificate_no="GR1"
    )
    Lease.objects.create(enterprise=duplicate, building="A座1001", end_on=dt.date(2026, 6, 30))
    SupportReceived.objects.create(enterprise=duplicate, program="研发资助", amount=Decimal("500000"))
    Relation.objects.create(enterprise=duplicate, kind=RelationKind.BRANCH, counterpart_name="东莞分公司")
    TalentHousing.objects.create(enterprise=duplicate, units=3)
    Contact.objects.create(enterprise=duplicate, name="王经理", phone="13812345678")
    both = Tag.objects.create(name="重点企业")
    survivor.tags.add(both)
    duplicate.tags.add(both, Tag.objects.create(name="链主"))
    third = Enterprise.objects.create(uscc=THIRD, name="梧桐科技有限公司")
    DuplicateCandidate.objects.create(enterprise=survivor, other=duplicate, reason="规范化名称相同")
    DuplicateCandidate.objects.create(enterprise=third, other=duplicate, reason="规范化名称相同")
    return {
        "enterprises.formername": 1,
        "enterprises.annualreport": 1,
        "enterprises.ipasset": 2,
        "enterprises.qualificationholding": 1,
        "enterprises.lease": 1,
        "enterprises.supportreceived": 1,
        "enterprises.relation": 1,
        "enterprises.talenthousing": 1,
        "enterprises.contact": 1,
        "enterprises.enterprise_tags": 1,
        "enterprises.duplicatecandidate": 1,
    }


def test_merge_discovers_every_foreign_key_to_enterprise_in_every_installed_app():
    expected = {
        (field.model._meta.label_lower, field.name)
        for model in apps.get_models(include_auto_created=True)
        for field in model._meta.get_fields()
        if isinstance(field, models.ForeignKey) and field.related_model is Enterprise
    }
    found = {(field.model._meta.label_lower, field.name) for field in services._reverse_foreign_keys()}
    assert found == expected
    # and it includes the hidden ones (related_name="+") and the tags' through table
    assert {
        ("enterprises.duplicatecandidate", "enterprise"),
        ("enterprises.duplicatecandidate", "other"),
    } <= found
    assert ("enterprises.enterprise_tags", "enterprise") in found


def test_merge_moves_every_related_record_to_the_survivor(pair, bob):
    survivor, duplicate = pair
    expected_moves = fill_duplicate(survivor, duplicate)
    duplicate_pk = duplicate.pk

    services.merge_enterprises(survivor, duplicate, actor=bob, reason="同一企业重复录入")

    assert not Enterprise.objects.filter(pk=duplicate_pk).exists()
    for model in (IPAsset, QualificationHolding, Lease, SupportReceived, Relation, TalentHousing, Contact):
        assert model.objects.filter(enterprise_id=duplicate_pk).count() == 0
        assert model.objects.filter(enterprise=survivor).count() >= 1, model
    assert IPAsset.objects.filter(enterprise=survivor).count() == 2
    assert Contact.objects.get(enterprise=survivor).phone == "13812345678"
    assert sorted(t.name for t in survivor.tags.all()) == ["重点企业", "链主"]
    # The third party's review item now points at the survivor; the pair's own item is settled.
    assert list(DuplicateCandidate.objects.values_list("other_id", flat=True)) == [survivor.pk]

    entry = AuditEntry.objects.get()
    assert entry.action == "enterprises.enterprise.merged"
    assert entry.target_id == str(survivor.pk)
    assert entry.data["moved"] == expected_moves
    assert entry.data["reason"] == "同一企业重复录入"


def test_same_year_figures_keep_the_survivors_and_the_audit_keeps_the_duplicates(pair, bob):
    survivor, duplicate = pair
    fill_duplicate(survivor, duplicate)
    kept = AnnualReport.objects.get(enterprise=survivor, year=2023)

    services.merge_enterprises(survivor, duplicate, actor=bob, reason="重复")

    reports = dict(AnnualReport.objects.filter(enterprise=survivor).values_list("year", "operating_revenue"))
    assert reports == {2023: Decimal("9000000"), 2024: Decimal("12000000")}
    conflicts = AuditEntry.objects.get().data["conflicts"]
    report_conflicts = [c for c in conflicts if c["model"] == "enterprises.annualreport"]
    assert len(report_conflicts) == 1
    assert report_conflicts[0]["kept"] == kept.pk
    assert report_conflicts[0]["dropped"]["year"] == 2023
    assert Decimal(report_conflicts[0]["dropped"]["operating_revenue"]) == Decimal("1")
    # The same former name and the same tag clash too, and are recorded (nothing silently vanishes).
    assert {c["model"] for c in conflicts} == {
        "enterprises.annualreport", "enterprises.formername", "enterprises.enterprise_tags"
    }  # fmt: skip


def test_the_duplicates_name_and_former_names_become_former_names_and_its_uscc_is_audited(pair, bob):
    survivor, duplicate = pair
    fill_duplicate(survivor, duplicate)
    duplicate_pk = duplicate.pk

    services.merge_enterprises(survivor, duplicate, actor=bob, reason="重复")

    names = dict(survivor.former_names.values_list("name", "note"))
    assert names == {
        "梧桐科技（深圳）有限公司": f"合并：{DUPLICATE}",
        "深圳市老梧桐有限公司": "",
        "深圳市共同曾用名有限公司": "",
    }
    data = AuditEntry.objects.get().data
    assert data["duplicate"]["uscc"] == DUPLICATE
    assert data["duplicate"]["id"] == duplicate_pk
    assert data["duplicate"]["name"] == "梧桐科技（深圳）有限公司"
    assert sorted(data["duplicate"]["former_names"]) == ["深圳市共同曾用名有限公司", "深圳市老梧桐有限公司"]
    # The merged-away former name still finds the survivor (a former name matches on its own).
    found = {e.pk for e in find_probable_duplicates("深圳市老梧桐有限公司")}
    assert found == {survivor.pk}


def test_blank_profile_fields_are_filled_from_the_duplicate_and_derived_figures_refreshed(pair, bob):
    survivor, duplicate = pair
    fill_duplicate(survivor, duplicate)

    merged = services.merge_enterprises(survivor, duplicate, actor=bob, reason="重复")

    assert merged.legal_representative == "张三"
    assert merged.registered_address == "罗湖区人民南路1号"
    assert merged.uscc == SURVIVOR and merged.name == "深圳市梧桐科技有限公司"
    assert (merged.latest_year, merged.latest_revenue, merged.size_class) == (
        2024, Decimal("12000000"), SizeClass.MEDIUM
    )  # fmt: skip
    entry = AuditEntry.objects.get()
    assert entry.changes["legal_representative"] == ["", "张三"]
    assert sorted(entry.data["filled_from_duplicate"]) == ["legal_representative", "registered_address"]


def test_the_settled_review_item_is_listed_in_the_audit(pair, bob):
    survivor, duplicate = pair
    candidate = DuplicateCandidate.objects.create(
        enterprise=duplicate, other=survivor, reason="规范化名称相同"
    )
    services.merge_enterprises(survivor, duplicate, actor=bob, reason="重复")
    assert AuditEntry.objects.get().data["resolved_candidates"] == [candidate.pk]
    assert not DuplicateCandidate.objects.exists()


def test_a_merge_of_an_empty_duplicate_moves_nothing_but_still_keeps_its_name(pair, bob):
    survivor, duplicate = pair
    services.merge_enterprises(survivor, duplicate, actor=bob, reason="重复")
    assert AuditEntry.objects.get().data["moved"] == {}
    assert list(survivor.former_names.values_list("name", flat=True)) == ["梧桐科技（深圳）有限公司"]


def test_staff_without_merge_capability_cannot_merge(pair, alice):
    survivor, duplicate = pair
    with pytest.raises(PermissionDenied):
        services.merge_enterprises(survivor, duplicate, actor=alice, reason="重复")
    assert Enterprise.objects.count() == 2


def test_merge_needs_a_reason_and_two_different_enterprises(pair, bob):
    survivor, duplicate = pair
    with pytest.raises(DomainError) as excinfo:
        services.merge_enterprises(survivor, duplicate, actor=bob, reason="  ")
    assert excinfo.value.field == "reason"
    with pytest.raises(DomainError):
        services.merge_enterprises(survivor, survivor, actor=bob, reason="重复")
    assert Enterprise.objects.count() == 2 and AuditEntry.objects.count() == 0


def test_merging_an_already_merged_duplicate_is_refused(pair, bob):
    survivor, duplicate = pair
    stale = Enterprise.objects.get(pk=duplicate.pk)
    services.merge_enterprises(survivor, duplicate, actor=bob, reason="重复")
    with pytest.raises(DomainError):
        services.merge_enterprises(survivor, stale, actor=bob, reason="重复")
    assert AuditEntry.objects.filter(action="enterprises.enterprise.merged").count() == 1


def test_a_failed_merge_changes_nothing(pair, bob, monkeypatch):
    survivor, duplicate = pair
    fill_duplicate(survivor, duplicate)

    def explode(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "refresh_derived_figures", explode)
    with pytest.raises(RuntimeError):
        services.merge_enterprises(survivor, duplicate, actor=bob, reason="重复")
    assert Enterprise.objects.filter(pk=duplicate.pk).exists()
    assert IPAsset.objects.filter(enterprise=duplicate).count() == 2
    assert DuplicateCandidate.objects.filter(status=DuplicateStatus.OPEN).count() == 2
    assert AuditEntry.objects.count() == 0


# --- pages ---------------------------------------------------------------------------------------


def test_the_review_queue_shows_open_pairs_side_by_side_to_section_heads_only(client, pair, alice, bob):
    survivor, duplicate = pair
    fill_duplicate(survivor, duplicate)
    client.force_login(alice)
    assert client.get("/enterprises/duplicates/").status_code == 403

    client.force_login(bob)
    page = client.get("/enterprises/duplicates/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('class="card mb-3"') == 2
    assert SURVIVOR in html and DUPLICATE in html and THIRD in html
    assert "张三" in html  # the duplicate's legal representative, beside the survivor's blank
    card = next(
        c for c in page.context["cards"] if {c["left"].pk, c["right"].pk} == {survivor.pk, duplicate.pk}
    )
    counts = {row["label"]: (row["left"], row["right"]) for row in card["rows"]}
    assert counts["年报"] == (1, 2) and counts["知识产权"] == (0, 2) and counts["联系人"] == (0, 1)
    assert f'name="survivor" value="{survivor.pk}"' in html


def test_merging_from_the_queue_keeps_the_chosen_survivor(client, pair, bob):
    survivor, duplicate = pair
    fill_duplicate(survivor, duplicate)
    candidate = DuplicateCandidate.objects.get(enterprise=survivor, other=duplicate)
    client.force_login(bob)

    refused = client.post(
        f"/enterprises/duplicates/{candidate.pk}/merge/", {"survivor": 999999, "reason": "重复"}
    )
    assert refused.status_code == 302 and Enterprise.objects.filter(pk=duplicate.pk).exists()

    response = client.post(
        f"/enterprises/duplicates/{candidate.pk}/merge/",
        {"survivor": survivor.pk, "reason": "工商信息核实为同一企业"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/enterprises/{survivor.pk}/"
    assert not Enterprise.objects.filter(pk=duplicate.pk).exists()
    entry = AuditEntry.objects.get(action="enterprises.enterprise.merged")
    assert (entry.actor, entry.data["reason"]) == (bob, "工商信息核实为同一企业")


def test_dismissing_from_the_queue_over_htmx_replaces_the_card(client, pair, bob):
    survivor, duplicate = pair
    candidate = DuplicateCandidate.objects.create(
        enterprise=survivor, other=duplicate, reason="规范化名称相同"
    )
    client.force_login(bob)
    response = client.post(f"/enterprises/duplicates/{candidate.pk}/dismiss/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "已标记为非重复" in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.status == DuplicateStatus.DISMISSED
    assert 'class="card mb-3"' not in client.get("/enterprises/duplicates/").content.decode()


def test_merging_from_the_enterprise_page_finds_the_other_by_uscc(client, pair, bob):
    survivor, duplicate = pair
    client.force_login(bob)
    compare = client.get(f"/enterprises/{duplicate.pk}/merge/", {"other_uscc": "9144-0300-7084-6113-6T"})
    assert compare.status_code == 200
    assert "深圳市梧桐科技有限公司" in compare.content.decode()
    assert (
        client.get(f"/enterprises/{duplicate.pk}/merge/", {"other_uscc": DUPLICATE}).context["other"] is None
    )

    response = client.post(
        f"/enterprises/{duplicate.pk}/merge/?other_uscc={SURVIVOR}",
        {"other": survivor.pk, "survivor": survivor.pk, "reason": "重复"},
    )
    assert response.status_code == 302
    assert not Enterprise.objects.filter(pk=duplicate.pk).exists()
    assert survivor.former_names.filter(name="梧桐科技（深圳）有限公司").exists()


def test_the_enterprise_merge_page_is_closed_to_staff(client, pair, alice):
    _, duplicate = pair
    client.force_login(alice)
    assert client.get(f"/enterprises/{duplicate.pk}/merge/").status_code == 403


def test_a_conditional_unique_constraint_of_another_app_keeps_the_survivors_row(pair, bob, district_leader):
    """visits.LeaderAssignment allows one *current* 挂点 per enterprise (until IS NULL): both firms
    having one must not break the merge; past assignments move freely."""
    try:
        assignment = apps.get_model("visits", "LeaderAssignment")
    except LookupError:
        pytest.skip("visits app not installed")
    survivor, duplicate = pair
    kept = assignment.objects.create(enterprise=survivor, leader=district_leader, since=dt.date(2025, 1, 1))
    dropped = assignment.objects.create(
        enterprise=duplicate, leader=district_leader, since=dt.date(2025, 3, 1)
    )
    past = assignment.objects.create(
        enterprise=duplicate, leader=district_leader, since=dt.date(2023, 1, 1), until=dt.date(2024, 12, 31)
    )

    services.merge_enterprises(survivor, duplicate, actor=bob, reason="重复")

    assert set(assignment.objects.filter(enterprise=survivor).values_list("pk", flat=True)) == {
        kept.pk,
        past.pk,
    }
    data = AuditEntry.objects.get().data
    assert data["moved"]["visits.leaderassignment"] == 1
    [conflict] = [c for c in data["conflicts"] if c["model"] == "visits.leaderassignment"]
    assert (conflict["kept"], conflict["dropped"]["id"]) == (kept.pk, dropped.pk)


def test_the_review_queue_costs_the_same_number_of_queries_for_one_pair_or_ten(client, bob):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wutong.enterprises.identity import uscc_check_char

    def make_pairs(start: int, count: int) -> None:
        for n in range(start, start + count):
            codes = [f"91440300{n:04d}{side:05d}" for side in (1, 2)]
            a, b = (Enterprise.objects.create(uscc=c + uscc_check_char(c), name=f"企业{n}") for c in codes)
            AnnualReport.objects.create(enterprise=a, year=2024, employees=n)
            DuplicateCandidate.objects.create(enterprise=a, other=b, reason="规范化名称相同")

    client.force_login(bob)
    make_pairs(0, 1)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/enterprises/duplicates/").status_code == 200
    make_pairs(1, 9)
    with CaptureQueriesContext(connection) as ten:
        page = client.get("/enterprises/duplicates/")
    assert len(page.context["cards"]) == 10
    assert len(ten.captured_queries) == len(one.captured_queries) <= 12
