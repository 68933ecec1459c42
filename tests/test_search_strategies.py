"""The search's fast paths against the plain reference (``icontains`` over the same fields): the
character index for two-character fragments, pinyin found through its readings' initials, prefix
B-trees, and the list filter's two plans. Same answers, on SQLite and PostgreSQL."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wutong.enterprises import search
from wutong.enterprises.identity import normalize_name
from wutong.enterprises.models import Enterprise, FormerName
from wutong.enterprises.search import (
    Tier,
    baseline_search,
    clean_query,
    initials_readings,
    search_enterprises,
    search_filter,
)

pytestmark = pytest.mark.django_db

# A small alphabet, so that two-character fragments recur across names (and some never occur).
CORE = "华新达盛信科创源宏泰兴恒鑫瑞博联智汇通安"
TRADES = ["科技", "电子", "供应链管理", "生物医药", "文化传媒", "投资", "光电", "TCL智能"]
PREFIXES = ["深圳市", "深圳", "深圳市罗湖区", ""]
SUFFIXES = ["有限公司", "股份有限公司", "有限责任公司"]


@pytest.fixture
def registry(db):  # type: ignore[no-untyped-def]
    rng = random.Random(20261124)
    names: set[str] = set()
    while len(names) < 90:
        core = "".join(rng.choice(CORE) for _ in range(rng.choice((2, 2, 3, 4))))
        names.add(rng.choice(PREFIXES) + core + rng.choice(TRADES) + rng.choice(SUFFIXES))
    firms = [
        Enterprise.objects.create(name=name, uscc=f"91440303MA{i:08d}")
        for i, name in enumerate(sorted(names))
    ]
    for firm in firms[::9]:
        core = "".join(rng.choice(CORE) for _ in range(3))
        FormerName.objects.create(enterprise=firm, name=f"深圳市{core}实业有限公司")
    return list(Enterprise.objects.all())


def reference(query: str, user) -> set[int]:  # type: ignore[no-untyped-def]
    return {firm.pk for firm in baseline_search(query, user, limit=10_000)}


def justified(firm: Enterprise, query: str) -> bool:
    """Why a hit may be shown: one of the tiers' own conditions, checked in Python."""
    text = clean_query(query)
    lower, upper = text.lower(), text.upper()
    names = [firm.name, *firm.former_names.values_list("name", flat=True)]
    core = normalize_name(text) if not text.isascii() else ""
    return (
        any(lower in name.lower() for name in names)
        or lower in firm.name_pinyin
        or lower in firm.name_initials
        or firm.uscc.startswith(upper)
        or (bool(core) and firm.name_normalized.startswith(core))
    )


def fragments(firms: list[Enterprise]):  # type: ignore[no-untyped-def]
    """Pieces of the registry's own strings, as people type them, plus strangers."""

    def piece(source: str, sizes: tuple[int, int]):  # type: ignore[no-untyped-def]
        return st.integers(0, max(0, len(source) - sizes[0])).flatmap(
            lambda start: st.integers(*sizes).map(lambda size: source[start : start + size])
        )

    pool = st.sampled_from(firms)
    return st.one_of(
        pool.flatmap(lambda f: piece(f.name, (2, 6))),
        pool.flatmap(lambda f: piece(f.name_pinyin, (2, 14))),
        pool.flatmap(lambda f: piece(f.name_initials, (2, 6))),
        st.text(alphabet=CORE + "犇淼", min_size=2, max_size=2),
    ).filter(lambda q: len(clean_query(q)) >= 2)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_search_finds_what_icontains_finds_and_nothing_unjustified(registry, alice, data):
    query = data.draw(fragments(registry))
    hits = search_enterprises(query, alice, limit=500)
    found = {hit.enterprise.pk for hit in hits}
    assert reference(query, alice) <= found, query
    by_pk = {firm.pk: firm for firm in registry}
    assert all(justified(by_pk[pk], query) for pk in found), query


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_list_filter_gives_the_same_rows_through_either_plan(registry, alice, data, monkeypatch):
    query = data.draw(fragments(registry))
    base = Enterprise.objects.all()
    plans = []
    # Id lists; the former names' owners as a list and the rest as conditions; all conditions.
    for cap in (search.FILTER_ID_CAP, 4, 0):
        monkeypatch.setattr(search, "FILTER_ID_CAP", cap)
        plans.append(set(search_filter(base, query).values_list("pk", flat=True)))
    monkeypatch.undo()
    assert plans[0] == plans[1] == plans[2] == reference(query, alice), query


@pytest.mark.parametrize(
    "query",
    ["华新", "新达", "犇淼", "科技", "达供", "TC", "tc", "技有"],
)
def test_two_characters_match_anywhere_in_the_name(registry, alice, query):
    expected = {firm.pk for firm in registry if query.lower() in firm.name.lower()}
    hits = search_enterprises(query, alice, limit=500)
    by_name = {
        hit.enterprise.pk
        for hit in hits
        if hit.tier in (Tier.NAME_EXACT, Tier.NAME_PREFIX, Tier.NAME_CONTAINS)
    }
    assert by_name == expected


def test_one_character_matches_the_start_of_a_name_only(alice):
    starts = Enterprise.objects.create(name="华强电子有限公司", uscc="91440303MA00000001")
    core_starts = Enterprise.objects.create(name="深圳市华新科技有限公司", uscc="91440303MA00000002")
    Enterprise.objects.create(name="深圳市中华科技有限公司", uscc="91440303MA00000003")  # 华 inside
    hits = search_enterprises("华", alice)
    assert [(hit.enterprise.pk, hit.tier) for hit in hits] == [
        (starts.pk, Tier.NAME_PREFIX),
        (core_starts.pk, Tier.NAME_PREFIX),
    ]


@pytest.mark.parametrize(
    ("fragment", "readings"),
    [
        ("shengyuangong", ["syg"]),  # sheng·yuan·gong; sheng·yu·an·gong has more syllables
        ("wutongshan", ["wts"]),
        ("huaxinkeji", ["hxkj"]),
        ("luohuqu", ["lhq"]),
        ("shenzhenshi", ["szs"]),
        ("touziyou", ["tzy"]),  # ends inside a syllable: you… begins one
        ("zhongguo", None),  # two syllables: zg is no trigram
        ("szslhq", None),  # initials, not pinyin: s, z … are no syllables
        ("xian", None),
    ],
)
def test_a_pinyin_fragment_is_read_in_the_fewest_syllables(fragment, readings):
    assert initials_readings(fragment) == readings


def test_a_pinyin_fragment_finds_names_through_its_initials_and_without(alice):
    through_initials = Enterprise.objects.create(name="深圳市盛远供应链有限公司", uscc="91440303MA00000001")
    # Latin letters are their own "syllables": only the plain match that follows finds this one.
    latin = Enterprise.objects.create(name="深圳市shengyuangong科技有限公司", uscc="91440303MA00000002")
    Enterprise.objects.create(name="深圳市盛世元宫文化有限公司", uscc="91440303MA00000003")  # s·s·y·g
    hits = search_enterprises("shengyuangong", alice)
    assert {hit.enterprise.pk for hit in hits} == {through_initials.pk, latin.pk}


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@settings(max_examples=40, deadline=None)
@given(
    codes=st.lists(st.text(USCC_CHARS, min_size=10, max_size=10), min_size=5, max_size=30, unique=True),
    data=st.data(),
)
def test_a_uscc_prefix_as_a_range_is_a_prefix_under_the_database_collation(codes, data):
    """USCC prefixes are asked for as a range on the unique index (no pattern index): the same rows
    as LIKE 'P%' under whatever collation the database has."""
    Enterprise.objects.all().delete()
    Enterprise.objects.bulk_create(
        Enterprise(uscc=f"91440303{code}", name=f"企业{i}") for i, code in enumerate(codes)
    )
    code = data.draw(st.sampled_from(codes))
    for prefix in {f"91440303{code}"[:size] for size in (2, 9, 10, 14, 17, 18)}:
        ranged = set(
            Enterprise.objects.filter(search.code_prefix_q("uscc", prefix)).values_list("uscc", flat=True)
        )
        like = set(Enterprise.objects.filter(uscc__startswith=prefix).values_list("uscc", flat=True))
        assert ranged == like, prefix
