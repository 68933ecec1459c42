"""``wutong demo``: the deterministic synthetic district (300 firms here; bench/ measures 20k–1M).

Re-running without ``--reset`` is refused (the enterprises builder owns bulk data); the org chart
and the users are upserted, so ``--reset`` rebuilds the firms and keeps the same accounts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from stdnum.cn import uscc as stdnum_uscc

from wutong.accounts.choices import OrgUnitKind, Role
from wutong.accounts.models import OrgUnit, User
from wutong.core.choices import SourceKind
from wutong.core.demo import DEMO_PASSWORD, DemoContext, DemoExistsError, build_demo, builders
from wutong.core.demo_data import (
    BRAND_CHARS,
    MODERN_SPACE,
    NameComposer,
    brand_name,
    make_uscc,
    org_code_body,
    patent_number,
)
from wutong.core.models import AuditEntry, Industry
from wutong.enterprises import models as m
from wutong.enterprises.choices import EnterpriseStatus, IPKind, QualificationKind
from wutong.enterprises.demo import INDIVIDUAL_WORDS, NONPROFIT_WORDS, PROFILES
from wutong.enterprises.identity import is_valid_uscc, name_search_columns
from wutong.enterprises.services import refresh_derived_figures

AS_OF = dt.date(2026, 11, 24)
N = 300

# --- an independent GB 32100 / GB 11714 check (not the generator's code) ---------------------

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def gb32100_valid(code: str) -> bool:
    if len(code) != 18 or any(ch not in ALPHABET for ch in code):
        return False
    total = sum(ALPHABET.index(ch) * pow(3, i, 31) for i, ch in enumerate(code[:17]))
    return ALPHABET[(31 - total % 31) % 31] == code[17]


def gb11714_valid(org: str) -> bool:
    values = [int(ch) if ch.isdigit() else ord(ch) - 55 for ch in org[:8]]
    check = 11 - sum(v * w for v, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return org[8] == {10: "X", 11: "0"}.get(check, str(check))


def build(seed: int = 11, n: int = N, chunk_size: int = 120, **kwargs: object) -> DemoContext:
    ctx = DemoContext(seed=seed, enterprises=n, as_of=AS_OF, chunk_size=chunk_size, verbosity=0)
    return build_demo(ctx, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def demo(db):  # type: ignore[no-untyped-def]
    return build()


def fingerprint() -> str:
    """A hash over the content (not the ids) of every demo firm and a sample of its records."""
    digest = hashlib.sha256()
    for row in m.Enterprise.objects.order_by("uscc").values_list(
        "uscc", "name", "name_pinyin", "legal_representative", "established", "registered_capital", "status",
        "street__name", "park__name", "industry_id", "high_tech_field", "size_class", "latest_revenue",
    ):  # fmt: skip
        digest.update(repr(row).encode())
    for row in m.AnnualReport.objects.order_by("enterprise__uscc", "year").values_list(
        "enterprise__uscc", "year", "operating_revenue", "rd_expense", "net_assets", "employees", "tech_staff"
    ):
        digest.update(repr(row).encode())
    for row in m.IPAsset.objects.order_by("kind", "number").values_list(
        "enterprise__uscc", "kind", "number", "filed_on"
    ):
        digest.update(repr(row).encode())
    for row in User.objects.order_by("username").values_list("username", "display_name", "role"):
        digest.update(repr(row).encode())
    return digest.hexdigest()


# --- pure generators --------------------------------------------------------------------------


def test_generated_credit_codes_pass_gb32100_gb11714_and_python_stdnum() -> None:
    rng = random.Random(1)
    for _ in range(2000):
        index = rng.randrange(MODERN_SPACE)
        for registration, modern in (("91", True), ("91", False), ("92", True), ("52", True)):
            code = make_uscc(registration, "440303", org_code_body(index % 10**8, modern=modern, salt=5))
            assert gb32100_valid(code), code
            assert gb11714_valid(code[8:17]), code
            assert stdnum_uscc.is_valid(code), code
    # The published example from python-stdnum's documentation, through our own check:
    assert gb32100_valid("91110000600037341L")


def test_code_bodies_and_brand_names_are_distinct_per_index() -> None:
    indexes = range(0, 300_000)
    assert len({org_code_body(i, modern=True, salt=9) for i in indexes}) == len(indexes)
    assert len({org_code_body(i, modern=False, salt=9) for i in indexes}) == len(indexes)
    brands = [brand_name(i, 9) for i in range(0, 60_000)]
    assert len(set(brands)) == len(brands)
    assert {len(b) for b in brands} == {2, 3}


def test_patent_numbers_carry_the_cnipa_check_digit() -> None:
    # 200310102344.5 is a real CN application number (check digit 5).
    assert patent_number(2003, 1, 102344) == "200310102344.5"


def test_composed_search_columns_equal_the_identity_module_for_every_brand_character_and_word() -> None:
    composer = NameComposer()
    rng = random.Random(3)
    words = [w for p in PROFILES for w in p.words]
    extra = [w for ws in (*INDIVIDUAL_WORDS.values(), *NONPROFIT_WORDS.values()) for w in ws]
    cases = []
    for ch in BRAND_CHARS:  # each character before and after a random partner, before every kind of word
        other = rng.choice(BRAND_CHARS)
        cases.append(["深圳市", ch, other, rng.choice(words), "有限公司"])
        cases.append(["深圳市", other, ch, rng.choice(words), "股份有限公司"])
    for word in words:
        a, b, c = rng.sample(BRAND_CHARS, 3)
        cases.append(["深圳市", a, b, word, "有限公司"])
        cases.append([a, b, c, word, "（深圳）", "有限公司"])
        cases.append(["深圳", a, b, word, "有限公司"])
    for word in extra:
        a, b = rng.sample(BRAND_CHARS, 2)
        cases.append(["深圳市", "罗湖区", a, b, word])
    for parts in cases:
        composed = composer.compose(parts)
        assert (composed.normalized, composed.pinyin, composed.initials) == name_search_columns(
            composed.name
        ), parts


# --- the built district -----------------------------------------------------------------------


def test_every_role_but_the_administrator_has_a_demo_user_who_can_log_in(demo: DemoContext) -> None:
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == set(Role.values) - {Role.ADMIN}
    assert not User.objects.filter(username="admin").exists()  # serve makes it, with its own password
    for role in roles:
        user = User.objects.filter(role=role).first()
        assert user is not None and user.display_name and user.org_unit_id, role
    assert User.objects.get(username="kj01").check_password(DEMO_PASSWORD)
    assert User.objects.values("password").distinct().count() == 1  # one shared demo password
    assert User.objects.filter(role=Role.STAFF).count() == 15
    sections = set(OrgUnit.objects.filter(kind=OrgUnitKind.SECTION).values_list("short_name", flat=True))
    assert {"产业/招商科", "科技/国高科", "知识产权科", "人才科", "科普/科协科", "企业服务科"} <= sections
    partners = set(OrgUnit.objects.filter(kind=OrgUnitKind.PARTNER_DEPARTMENT).values_list("name", flat=True))
    assert {"区住房和建设局", "区人力资源局", "区规划和自然资源局", "区税务局", "区金融工作局"} == partners


def test_enterprise_users_belong_to_units_linked_by_credit_code_to_demo_firms(demo: DemoContext) -> None:
    units = OrgUnit.objects.filter(kind=OrgUnitKind.ENTERPRISE)
    assert units.count() == 5
    for unit in units:
        firm = m.Enterprise.objects.get(uscc=unit.uscc)
        assert firm.name == unit.name and firm.source == SourceKind.DEMO
        assert unit.users.get().role == Role.ENTERPRISE


def test_every_credit_code_is_valid_unique_and_registered_in_the_district(demo: DemoContext) -> None:
    codes = list(m.Enterprise.objects.values_list("uscc", flat=True))
    assert len(codes) == N == len(set(codes))
    assert all(gb32100_valid(c) and gb11714_valid(c[8:17]) for c in codes)
    assert all(is_valid_uscc(c) for c in codes)  # and the registry's own validator agrees
    assert {c[2:8] for c in codes} == {"440303"}
    kinds = Counter(c[:2] for c in codes)
    assert set(kinds) <= {"91", "92", "52"} and kinds["91"] > 0.9 * N
    assert m.Enterprise.objects.filter(source=SourceKind.DEMO, as_of=AS_OF).count() == N
    assert list(demo.enterprise_ids) == sorted(m.Enterprise.objects.values_list("pk", flat=True))


def test_names_look_like_shenzhen_firms_and_their_search_columns_match_identity(demo: DemoContext) -> None:
    names = list(m.Enterprise.objects.values_list("name", "name_normalized", "name_pinyin", "name_initials"))
    assert len({n[0] for n in names}) == N  # no two firms share a name
    assert sum(n[0].startswith("深圳市") for n in names) > 0.8 * N
    assert any("股份有限公司" in n[0] for n in names) and any("（深圳）" in n[0] for n in names)
    for name, normalized, pinyin, initials in names:
        assert (normalized, pinyin, initials) == name_search_columns(name), name


def test_industries_are_existing_subclasses_weighted_like_an_urban_service_district(
    demo: DemoContext,
) -> None:
    codes = list(m.Enterprise.objects.values_list("industry_id", flat=True))
    sections = dict(
        Industry.objects.filter(code__in=set(codes), level="class").values_list("code", "section")
    )
    assert set(codes) <= set(sections)  # every code is a 小类 of the reference table
    share = Counter(sections[c] for c in codes)
    assert share["I"] + share["L"] + share["M"] + share["F"] > 0.55 * N
    assert share["C"] < 0.12 * N
    assert share["K"] > 0 and share["J"] > 0


def test_firms_have_streets_founding_dates_and_a_realistic_status_mix(demo: DemoContext) -> None:
    firms = m.Enterprise.objects.all()
    assert not firms.filter(street__isnull=True).exists()
    assert firms.filter(park__isnull=False).count() > 0.1 * N
    dates = list(firms.values_list("established", flat=True))
    assert min(dates) >= dt.date(1990, 1, 1) and max(dates) <= AS_OF
    assert sum(d.year >= 2016 for d in dates) > 0.5 * N  # skewed recent
    status = Counter(firms.values_list("status", flat=True))
    assert status[EnterpriseStatus.ACTIVE] > 0.8 * N and len(status) >= 3
    tech = firms.exclude(high_tech_field="")
    assert 0.1 * N < tech.count() < 0.5 * N


def test_annual_figures_are_internally_consistent(demo: DemoContext) -> None:
    reports = list(m.AnnualReport.objects.all())
    assert {r.year for r in reports} == {2023, 2024, 2025}
    per_firm = Counter(r.enterprise_id for r in reports)
    assert set(per_firm.values()) <= {1, 2, 3}
    assert len(per_firm) > 0.6 * N  # most firms report (not those founded this year, nor ~12% silent ones)
    for r in reports:
        assert r.source == SourceKind.DEMO and r.as_of is not None and r.as_of.year == r.year + 1
        assert r.net_assets == r.total_assets - r.total_liabilities
        assert r.sales_revenue == r.operating_revenue >= r.main_business_revenue >= 0
        assert r.total_income >= r.operating_revenue
        assert 0 <= r.rd_expense_domestic <= r.rd_expense <= r.cost_expense_total
        assert 0 <= r.rd_staff <= r.tech_staff <= r.employees
        assert r.high_tech_revenue is None or r.high_tech_revenue <= r.total_income


def test_derived_columns_are_what_the_refresh_service_computes(demo: DemoContext) -> None:
    before = dict(m.Enterprise.objects.values_list("pk", "size_class"))
    years = dict(m.Enterprise.objects.values_list("pk", "latest_year"))
    revenues = dict(m.Enterprise.objects.values_list("pk", "latest_revenue"))
    assert sum(v is not None for v in years.values()) > 0.6 * N
    assert len(set(before.values())) >= 3
    refresh_derived_figures()
    assert dict(m.Enterprise.objects.values_list("pk", "size_class")) == before
    assert dict(m.Enterprise.objects.values_list("pk", "latest_year")) == years
    assert dict(m.Enterprise.objects.values_list("pk", "latest_revenue")) == revenues


def test_a_gaoxin_screening_would_find_some_likely_firms_and_many_not(demo: DemoContext) -> None:
    """The 国高 hard criteria on the latest year: R&D ratio by revenue tier, tech staff ≥ 10%,
    high-tech revenue ≥ 60%, and at least one IP right."""
    with_ip = set(m.IPAsset.objects.exclude(kind=IPKind.TRADEMARK).values_list("enterprise_id", flat=True))
    likely = candidates = 0
    for firm in m.Enterprise.objects.exclude(high_tech_field="").filter(latest_year__isnull=False):
        r = firm.annual_reports.get(year=firm.latest_year)
        candidates += 1
        threshold = Decimal("0.05") if r.sales_revenue <= 50_000_000 else Decimal("0.04")
        ok = (
            r.sales_revenue > 0 and r.rd_expense / r.sales_revenue >= threshold
            and r.tech_staff >= 0.1 * r.employees
            and r.high_tech_revenue is not None and r.high_tech_revenue >= Decimal("0.6") * r.total_income
            and firm.pk in with_ip
        )  # fmt: skip
        likely += ok
    assert candidates > 30
    assert 0.1 * candidates < likely < 0.6 * candidates


def test_gaoxin_certificates_expire_in_a_spread_with_some_this_year_and_next(demo: DemoContext) -> None:
    gaoxin = m.QualificationHolding.objects.filter(kind=QualificationKind.GAOXIN)
    assert gaoxin.filter(expires_on__year=AS_OF.year).exists()
    assert gaoxin.filter(expires_on__year=AS_OF.year + 1).exists()
    for holding in gaoxin:
        assert holding.issued_on < holding.expires_on and holding.certificate_no.startswith("GR")
        assert (holding.expires_on - holding.issued_on).days in (1094, 1095)  # three years less a day
    kinds = set(m.QualificationHolding.objects.values_list("kind", flat=True))
    assert {QualificationKind.GAOXIN, QualificationKind.KEXIAO, QualificationKind.GUISHANG} <= kinds


def test_the_other_records_exist_and_pass_model_validation(demo: DemoContext) -> None:
    for model in (
        m.Enterprise, m.AnnualReport, m.IPAsset, m.QualificationHolding, m.Lease, m.SupportReceived,
        m.Relation, m.Contact, m.FormerName,
    ):  # fmt: skip
        assert model.objects.exists(), model
        for obj in model.objects.order_by("pk")[:25]:
            obj.full_clean()
    assert m.IPAsset.objects.filter(kind=IPKind.INVENTION_PATENT, ip_class="I").exists()
    assert not m.IPAsset.objects.filter(kind=IPKind.SOFTWARE_COPYRIGHT).exclude(ip_class="II").exists()
    assert m.Contact.objects.exclude(phone="").exists()
    assert m.Enterprise.tags.through.objects.exists()
    assert all(
        r.counterpart_uscc == "" or gb32100_valid(r.counterpart_uscc) for r in m.Relation.objects.all()
    )


def test_the_same_seed_gives_identical_data_and_another_seed_does_not(db) -> None:  # type: ignore[no-untyped-def]
    build(seed=5, n=150)
    first = fingerprint()
    build(seed=5, n=150, chunk_size=1000, reset=True)  # one chunk instead of two: same stream, same data
    assert fingerprint() == first
    build(seed=6, n=150, reset=True)
    assert fingerprint() != first


def test_a_second_run_without_reset_is_refused_and_reset_rebuilds_keeping_the_accounts(db) -> None:  # type: ignore[no-untyped-def]
    call_command("demo", enterprises=120, seed=3, as_of=AS_OF, verbosity=0)
    users = dict(User.objects.values_list("username", "pk"))
    with pytest.raises(CommandError, match="--reset"):
        call_command("demo", enterprises=120, seed=3, verbosity=0)
    with pytest.raises(DemoExistsError):
        build(seed=3, n=120)
    call_command("demo", enterprises=80, seed=4, reset=True, as_of=AS_OF, verbosity=0)
    assert m.Enterprise.objects.count() == 80
    assert dict(User.objects.values_list("username", "pk")) == users  # upserted, not recreated
    units = OrgUnit.objects.filter(kind=OrgUnitKind.ENTERPRISE)
    assert units.count() == 5 and all(m.Enterprise.objects.filter(uscc=u.uscc).exists() for u in units)
    assert AuditEntry.objects.filter(action="core.demo_district.built").count() == 2


def test_later_apps_can_register_builders_that_run_in_order(db) -> None:  # type: ignore[no-untyped-def]
    from wutong.core import demo as framework

    seen: list[tuple[str, int]] = []
    framework.register_builder(
        "zz.test", lambda ctx: seen.append(("zz", len(ctx.enterprise_ids))), order=10**6
    )
    try:
        names = [b.name for b in builders()]
        assert names.index("core.reference") < names.index("accounts.org") < names.index("enterprises")
        assert names[-1] == "zz.test"
        build(n=20)
        assert seen == [("zz", 20)]
    finally:
        framework._builders.pop("zz.test")
