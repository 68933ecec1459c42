"""The one search box: tiers and their order, pinyin, former names, the search index staying in sync."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from wutong.enterprises.models import Enterprise, FormerName
from wutong.enterprises.search import Tier, baseline_search, search_enterprises, search_filter

pytestmark = pytest.mark.django_db

_counter = iter(range(1, 10**6))


def make(name: str, uscc: str | None = None, **extra: object) -> Enterprise:
    uscc = uscc or f"91440303MA{next(_counter):08d}"
    return Enterprise.objects.create(name=name, uscc=uscc, **extra)


def names(hits) -> list[str]:  # type: ignore[no-untyped-def]
    return [hit.enterprise.name for hit in hits]


def test_pinyin_initials_find_the_enterprise(alice):
    target = make("深圳市罗湖区梧桐科技有限公司")
    make("深圳市福田区星河有限公司")
    hits = search_enterprises("szslhq", alice)
    assert [hit.enterprise.pk for hit in hits] == [target.pk]
    assert hits[0].tier == Tier.PINYIN


def test_full_pinyin_fragment_finds_the_enterprise(alice):
    target = make("深圳市梧桐山科技有限公司")
    make("深圳市星河科技有限公司")
    assert names(search_enterprises("wutongshan", alice)) == [target.name]
    assert names(search_enterprises("WuTong", alice)) == [target.name]


def test_results_are_ranked_uscc_then_name_then_pinyin_then_former_name(alice):
    exact_uscc = make("甲公司", uscc="91440303MA5GABC123")
    prefix_uscc = make("乙公司", uscc="91440303MA5GABC999")
    by_name = make("91440303MA5GABC 研究所")  # the code in a name ranks below the code itself
    full = search_enterprises("91440303MA5GABC123", alice)
    assert [(h.enterprise.pk, h.tier) for h in full] == [(exact_uscc.pk, Tier.USCC_EXACT)]
    partial = search_enterprises("91440303ma5gabc", alice)
    assert [(h.enterprise.pk, h.tier) for h in partial] == [
        (exact_uscc.pk, Tier.USCC_PREFIX),
        (prefix_uscc.pk, Tier.USCC_PREFIX),
        (by_name.pk, Tier.NAME_PREFIX),
    ]

    contains = make("深圳市华夏梧桐智造有限公司")
    exact = make("梧桐智造")
    prefix = make("梧桐智造研究院有限公司")
    former = make("深圳市凤凰新材料有限公司")
    FormerName.objects.create(enterprise=former, name="原梧桐智造材料厂")
    hits = search_enterprises("梧桐智造", alice)
    assert names(hits) == [exact.name, prefix.name, contains.name, former.name]
    assert [h.tier for h in hits] == [Tier.NAME_EXACT, Tier.NAME_PREFIX, Tier.NAME_CONTAINS, Tier.FORMER_NAME]
    assert hits[3].matched == "原梧桐智造材料厂"


def test_the_core_name_without_city_and_company_form_counts_as_the_name(alice):
    full = make("深圳市华新智造有限公司")
    make("深圳市星河有限公司")
    longer = make("深圳市华新智造研究院有限公司")
    hits = search_enterprises("华新智造", alice)
    assert [(h.enterprise.pk, h.tier) for h in hits] == [
        (full.pk, Tier.NAME_EXACT),
        (longer.pk, Tier.NAME_PREFIX),
    ]
    assert [(h.enterprise.pk, h.tier) for h in search_enterprises("华新", alice)] == [
        (full.pk, Tier.NAME_PREFIX),
        (longer.pk, Tier.NAME_PREFIX),
    ]


def test_name_matches_rank_above_pinyin_matches(alice):
    by_name = make("深圳wtzz实验室")
    by_pinyin = make("梧桐智造有限公司")
    hits = search_enterprises("wtzz", alice)
    assert names(hits) == [by_name.name, by_pinyin.name]
    assert [h.tier for h in hits] == [Tier.NAME_CONTAINS, Tier.PINYIN]


def test_two_character_queries_fall_back_to_like_and_still_match(alice):
    target = make("深圳市罗湖区梧桐科技有限公司")
    make("深圳市星河有限公司")
    FormerName.objects.create(enterprise=make("深圳市凤凰有限公司"), name="罗湖老字号")
    assert names(search_enterprises("罗湖", alice)) == [target.name, "深圳市凤凰有限公司"]


def test_the_limit_caps_the_results(alice):
    for i in range(30):
        make(f"深圳市梧桐第{i:02d}科技有限公司")
    assert len(search_enterprises("梧桐第", alice, limit=20)) == 20
    assert len(search_enterprises("梧桐第", alice, limit=5)) == 5


def test_the_search_index_follows_renames_and_deletions(alice):
    firm = make("深圳市老名字科技有限公司")
    assert names(search_enterprises("老名字", alice)) == [firm.name]
    firm.name = "深圳市新名字科技有限公司"
    firm.save()
    assert search_enterprises("老名字", alice) == []
    assert names(search_enterprises("新名字", alice)) == [firm.name]
    assert names(search_enterprises("xinmingzi", alice)) == [firm.name]
    firm.delete()
    assert search_enterprises("新名字", alice) == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 table exists on SQLite only")
def test_sqlite_uses_the_fts5_trigram_table(alice):
    firm = make("深圳市罗湖区梧桐科技有限公司")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid FROM enterprises_enterprise_fts WHERE enterprises_enterprise_fts MATCH %s",
            ['{name}: "罗湖区梧桐"'],
        )
        assert [row[0] for row in cursor.fetchall()] == [firm.pk]


def test_an_enterprise_user_finds_only_their_own_enterprise(enterprise_user):
    own = make("深圳市梧桐示范科技有限公司", uscc="91440300MA5F000001")
    make("深圳市梧桐另一家科技有限公司")
    assert names(search_enterprises("梧桐", enterprise_user)) == [own.name]
    assert names(search_enterprises("梧桐另一家", enterprise_user)) == []


def test_a_partner_department_finds_nothing(partner):
    make("深圳市梧桐科技有限公司")
    assert search_enterprises("梧桐", partner) == []


def test_list_filter_matches_the_same_fields_as_the_box(alice):
    a = make("深圳市梧桐科技有限公司")
    b = make("深圳市凤凰有限公司", uscc="91440303MA5GZZZ001")
    c = make("深圳市星河有限公司")
    FormerName.objects.create(enterprise=c, name="梧桐旧厂")
    base = Enterprise.objects.all()
    assert set(search_filter(base, "梧桐").values_list("pk", flat=True)) == {a.pk, c.pk}
    assert set(search_filter(base, "梧桐科技").values_list("pk", flat=True)) == {a.pk}
    assert set(search_filter(base, "91440303MA5GZZZ").values_list("pk", flat=True)) == {b.pk}
    assert set(search_filter(base, "fenghuang").values_list("pk", flat=True)) == {b.pk}


def test_the_baseline_finds_the_same_set_unranked(alice):
    a = make("深圳市梧桐科技有限公司")
    assert [e.pk for e in baseline_search("梧桐科技", alice)] == [a.pk]


def test_the_autocomplete_endpoint_returns_json_and_an_htmx_dropdown(client, alice):
    firm = make("深圳市罗湖区梧桐科技有限公司")
    client.force_login(alice)
    data = client.get(reverse("enterprises:search"), {"q": "szslhq", "format": "json"}).json()
    assert data["results"] == [
        {
            "id": firm.pk,
            "name": firm.name,
            "uscc": firm.uscc,
            "matched": "拼音",
            "former_name": "",
            "url": reverse("enterprises:enterprise_detail", args=[firm.pk]),
        }
    ]
    html = client.get(reverse("enterprises:search"), {"q": "梧桐"}, HTTP_HX_REQUEST="true").content.decode()
    assert firm.name in html
    assert reverse("enterprises:enterprise_detail", args=[firm.pk]) in html
    assert "<html" not in html


def test_the_autocomplete_is_closed_to_partner_departments(client, partner):
    client.force_login(partner)
    assert client.get(reverse("enterprises:search"), {"q": "梧桐"}).status_code == 403
