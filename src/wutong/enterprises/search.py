"""The one search box of the registry: name fragment, former name, full pinyin, pinyin initials, USCC.

Results come in tiers, best first, and each tier is one indexed query that fills what is left of the
limit (so a common word never sorts a hundred thousand rows):

1. exact USCC  2. USCC prefix  3. exact name  4. name prefix  5. name contains
6. pinyin (initials prefix, then full pinyin / initials contains)  7. former name contains

USCC, exact names and core-name prefixes are B-tree lookups on the registry table (``models.py``).
Name fragments, pinyin and initials are matched in the **search index**, a copy of the three name
columns kept beside the registry so that its text indexes cost the registry's writes nothing:

- SQLite: an FTS5 ``trigram`` external-content table (``enterprises_enterprise_fts``).
- PostgreSQL: the table ``enterprises_enterprise_search`` with ``pg_trgm`` GIN indexes and a GIN
  index over the name's characters (trigrams need three characters; two-character fragments are
  looked up as "both characters present", then checked with ``LIKE``).

Triggers keep the index in step with every insert, rename and delete. :func:`bulk_load` suspends
that for large loads and catches up afterwards (docs/adr/0005-search-at-scale.md).

Short queries never scan the registry: a single character matches the start of a name (tiers 3–4);
two characters use the character index (PostgreSQL) or ``LIKE`` with a limit (SQLite, ≤ 200 k rows).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from wutong.enterprises.identity import normalize_name
from wutong.enterprises.models import Enterprise, FormerName

MIN_TRIGRAM = 3
ENTERPRISE_TABLE = "enterprises_enterprise"
FORMER_TABLE = "enterprises_formername"
SEARCH_TABLE = "enterprises_enterprise_search"  # PostgreSQL
FTS_TABLE = "enterprises_enterprise_fts"  # SQLite: the name
FTS_PINYIN_TABLE = "enterprises_enterprise_pinyin_fts"  # SQLite: pinyin and initials
# The character index's expression; a query must spell it the same way for the planner to use it.
CHARS_EXPR = "regexp_split_to_array(lower(name), '')"
_USCC_CHARS = re.compile(r"^[0-9A-Z]{2,18}$")
_PINYIN_CHARS = re.compile(r"^[a-z]{2,}$")
_HIGHEST = "\U0010ffff"


class Tier:
    USCC_EXACT = 1
    USCC_PREFIX = 2
    NAME_EXACT = 3
    NAME_PREFIX = 4
    NAME_CONTAINS = 5
    PINYIN = 6
    FORMER_NAME = 7


TIER_LABELS = {
    Tier.USCC_EXACT: _("信用代码"),
    Tier.USCC_PREFIX: _("信用代码"),
    Tier.NAME_EXACT: _("名称"),
    Tier.NAME_PREFIX: _("名称"),
    Tier.NAME_CONTAINS: _("名称"),
    Tier.PINYIN: _("拼音"),
    Tier.FORMER_NAME: _("曾用名"),
}


@dataclass
class SearchHit:
    enterprise: Enterprise
    tier: int
    matched: str = ""  # the former name that matched, for tier 7

    @property
    def reason(self) -> Any:
        return TIER_LABELS[self.tier]


def clean_query(query: str) -> str:
    text = unicodedata.normalize("NFKC", query or "").strip()
    return re.sub(r"\s+", "", text)[:100]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _vendor() -> str:
    return connection.vendor


def _prefix(qs: QuerySet[Any], field: str, value: str) -> QuerySet[Any]:
    """Prefix match on a registry column that a B-tree serves: a code-point range on SQLite (BINARY
    collation), ``LIKE 'x%'`` on PostgreSQL (``varchar_pattern_ops`` indexes, see models.py)."""
    return qs.filter(code_prefix_q(field, value))


USCC_LENGTH = 18


def code_prefix_q(field: str, value: str) -> Q:
    """``field`` starts with ``value``, as a condition its B-tree serves (see :func:`_prefix`).

    A USCC is 18 characters of [0-9A-Z] (a check constraint), and such strings sort alike under
    every collation: the codes starting with P are exactly those from P0…0 to PZ…Z, a range the
    USCC's unique index serves on either database (it has no pattern index of its own)."""
    if field == "uscc" and len(value) <= USCC_LENGTH:
        return Q(uscc__gte=value.ljust(USCC_LENGTH, "0"), uscc__lte=value.ljust(USCC_LENGTH, "Z"))
    if _vendor() == "sqlite":
        return Q(**{f"{field}__gte": value, f"{field}__lt": value + _HIGHEST})
    return Q(**{f"{field}__startswith": value})


def _match_sql(columns: Iterable[str], text: str, *, anchored: bool = False) -> tuple[str, list[Any]]:
    """SQL selecting the ids of enterprises whose name ``columns`` (name, name_pinyin,
    name_initials) start with (``anchored``) or contain ``text``, ASCII case-insensitively, answered
    by the search index. Callers add the limit."""
    columns = list(columns)
    pattern = f"{_like_escape(text)}%" if anchored else f"%{_like_escape(text)}%"
    if _vendor() == "postgresql":
        # Pinyin is stored lower-case (and asked for so), and name prefixes are asked for as typed
        # and upper-cased: plain LIKE, which the B-trees serve. Name fragments: ASCII in any case.
        letters = re.search(r"[A-Za-z]", text) and "name" in columns and not anchored
        op = "ILIKE" if letters else "LIKE"
        condition = " OR ".join(f"{col} {op} %s ESCAPE '\\'" for col in columns)
        params: list[Any] = [pattern] * len(columns)
        if not anchored and len(text) == 2 and columns == ["name"]:
            # No trigram in two characters: the character index finds the names holding both.
            return (
                f"SELECT id FROM {SEARCH_TABLE} WHERE {CHARS_EXPR} @> %s::text[] AND ({condition})",
                [list(text.lower()), *params],
            )
        return f"SELECT id FROM {SEARCH_TABLE} WHERE {condition}", params
    if len(text) >= MIN_TRIGRAM and not anchored:
        # Two FTS5 tables, so that a Latin fragment of a name does not read the pinyin's postings.
        table = FTS_TABLE if columns == ["name"] else FTS_PINYIN_TABLE
        match = "{" + " ".join(columns) + "}: " + _fts_phrase(text)
        return f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [match]
    # Shorter than a trigram (or a prefix, which the callers ask of B-trees on SQLite): LIKE on the
    # registry (ASCII case-insensitive on SQLite), bounded by the caller's limit. SQLite serves
    # districts (≤ 200 k rows), where that scan stays short.
    condition = " OR ".join(f"{col} LIKE %s ESCAPE '\\'" for col in columns)
    return f"SELECT id FROM {ENTERPRISE_TABLE} WHERE {condition}", [pattern] * len(columns)


def _former_sql(text: str) -> tuple[str, list[Any]]:
    """SQL selecting the owners of former names containing ``text`` (pg_trgm GIN / FTS5 trigram)."""
    if _vendor() == "sqlite" and len(text) >= MIN_TRIGRAM:
        match = "{name}: " + _fts_phrase(text)
        return (
            f"SELECT enterprise_id FROM {FORMER_TABLE} WHERE id IN "
            "(SELECT rowid FROM enterprises_formername_fts WHERE enterprises_formername_fts MATCH %s)",
            [match],
        )
    op = "ILIKE" if _vendor() == "postgresql" and re.search(r"[A-Za-z]", text) else "LIKE"
    return (
        f"SELECT enterprise_id FROM {FORMER_TABLE} WHERE name {op} %s ESCAPE '\\'",
        [f"%{_like_escape(text)}%"],
    )


def _first_ids(sql: str, params: list[Any], exclude: set[int], limit: int) -> list[int]:
    """At most ``limit`` ids from ``sql`` that are not in ``exclude``."""
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} LIMIT %s", [*params, limit + len(exclude)])
        rows = [row[0] for row in cursor.fetchall()]
    return [pk for pk in rows if pk not in exclude][:limit]


Fetch = Callable[[QuerySet[Enterprise], set[int], int], list[int]]


def _tiers(query: str, restricted: bool) -> list[tuple[int, Fetch]]:
    """The tiers for ``query``. ``restricted``: the user sees a small part of the registry, so
    index matches are intersected with the scope inside the database rather than after a limit."""
    upper = query.upper()
    lower = query.lower()
    tiers: list[tuple[int, Fetch]] = []

    def ids(qs: QuerySet[Any], seen: set[int], n: int) -> list[int]:
        if seen:
            qs = qs.exclude(pk__in=seen)
        return list(qs.order_by().values_list("pk", flat=True)[:n])

    def indexed(qs: QuerySet[Any], seen: set[int], n: int, sql: str, params: list[Any]) -> list[int]:
        if restricted:
            return ids(qs.filter(pk__in=RawSQL(sql, params)), seen, n)
        found = _first_ids(sql, params, seen, n)
        return ids(qs.filter(pk__in=found), seen, n) if found else []

    if _USCC_CHARS.match(upper) and any(ch.isdigit() for ch in upper):
        tiers.append((Tier.USCC_EXACT, lambda qs, seen, n: ids(qs.filter(uscc=upper), seen, n)))
        tiers.append((Tier.USCC_PREFIX, lambda qs, seen, n: ids(_prefix(qs, "uscc", upper), seen, n)))
    # Names keep their case (深圳TCL…): try the query as typed and upper-cased.
    variants = list(dict.fromkeys([query, upper]))

    # The core name (without 深圳市 and 有限公司) starting with the query counts as a name prefix too:
    # people type 华新 for 深圳市华新科技有限公司. Indexed, so short queries are served without a scan.
    core = normalize_name(query) if not query.isascii() else ""

    def name_prefix(qs: QuerySet[Enterprise], seen: set[int], n: int) -> list[int]:
        found: list[int] = []
        for variant in variants:
            if len(found) < n:
                if _vendor() == "sqlite":  # the name B-tree, as a code-point range
                    found += ids(_prefix(qs, "name", variant), seen | set(found), n - len(found))
                else:  # LIKE 'x%' on the search index (the name B-tree sorts by collation)
                    sql, params = _match_sql(["name"], variant, anchored=True)
                    found += indexed(qs, seen | set(found), n - len(found), sql, params)
        if core and len(found) < n:
            found += ids(_prefix(qs, "name_normalized", core), seen | set(found), n - len(found))
        return found

    def name_exact(qs: QuerySet[Enterprise], seen: set[int], n: int) -> list[int]:
        condition = Q(name__in=variants) | Q(name_normalized=core) if core else Q(name__in=variants)
        return ids(qs.filter(condition), seen, n)

    tiers.append((Tier.NAME_EXACT, name_exact))
    tiers.append((Tier.NAME_PREFIX, name_prefix))
    if len(query) < 2:
        return tiers  # one character: names that start with it, never a scan of the registry

    def name_contains(qs: QuerySet[Enterprise], seen: set[int], n: int) -> list[int]:
        return indexed(qs, seen, n, *_match_sql(["name"], query))

    tiers.append((Tier.NAME_CONTAINS, name_contains))
    if _PINYIN_CHARS.match(lower):

        def pinyin(qs: QuerySet[Enterprise], seen: set[int], n: int) -> list[int]:
            if _vendor() == "sqlite":  # a B-tree of the search index's (install_search_index)
                found = ids(_prefix(qs, "name_initials", lower), seen, n)
            else:
                found = indexed(qs, seen, n, *_match_sql(["name_initials"], lower, anchored=True))
            steps = [_syllable_match_sql(lower), _match_sql(PINYIN_COLUMNS, lower)]
            for sql, params in (step for step in steps if step is not None):
                if len(found) < n:
                    found += indexed(qs, seen | set(found), n - len(found), sql, params)
            return found

        tiers.append((Tier.PINYIN, pinyin))

    def former(qs: QuerySet[Enterprise], seen: set[int], n: int) -> list[int]:
        return ids(qs.filter(pk__in=RawSQL(*_former_sql(query))), seen, n)

    tiers.append((Tier.FORMER_NAME, former))
    return tiers


PINYIN_COLUMNS = ("name_pinyin", "name_initials")


@lru_cache(maxsize=1)
def _syllables() -> tuple[frozenset[str], frozenset[str]]:
    """Every pinyin syllable pypinyin writes for a Chinese character, and their beginnings."""
    from pypinyin import Style, pinyin
    from pypinyin.constants import PINYIN_DICT

    syllables = {
        reading
        for point in PINYIN_DICT
        if 0x3400 <= point <= 0x9FFF
        for reading in pinyin(chr(point), style=Style.NORMAL, heteronym=True)[0]
        if reading.isascii() and reading.isalpha()
    }
    beginnings = {syllable[:end] for syllable in syllables for end in range(1, len(syllable) + 1)}
    return frozenset(syllables), frozenset(beginnings)


def initials_readings(text: str, most: int = 4) -> list[str] | None:
    """The initials a name must hold, consecutively, when its pinyin contains ``text`` from the start
    of a syllable, for the readings of ``text`` in the fewest syllables (whole syllables, the last
    one possibly begun only): ``shengyuangong`` → ``syg`` (sheng·yuan·gong; sheng·yu·an·gong
    has four). Longer readings are left to the plain match that follows this one.

    None when ``text`` has no such reading, more than ``most`` of them, or one shorter than a
    trigram (then the initials would not narrow the search)."""
    syllables, beginnings = _syllables()
    # best[i]: (fewest syllables, their initials) for reading text[i:]; filled from the end.
    best: list[tuple[int, set[str]]] = [(0, set()) for _ in range(len(text) + 1)]
    for start in range(len(text) - 1, -1, -1):
        rest = text[start:]
        count, found = (1, {rest[0]}) if rest in beginnings else (len(text) + 1, set())
        for end in range(start + 1, min(start + 6, len(text) - 1) + 1):
            tail_count, tail = best[end]
            if text[start:end] not in syllables or not tail:
                continue
            if tail_count + 1 < count:
                count, found = tail_count + 1, set()
            if tail_count + 1 == count:
                found |= {rest[0] + initials for initials in tail}
        best[start] = (count, set(sorted(found)[: most + 1]))
    readings = sorted(best[0][1])
    if not readings or len(readings) > most or min(map(len, readings)) < MIN_TRIGRAM:
        return None
    return readings


def _syllable_match_sql(text: str) -> tuple[str, list[Any]] | None:
    """Full pinyin containing ``text`` from a syllable's start, found through the initials.

    A long pinyin fragment is made of the commonest trigrams (she, eng, ong …): its own trigrams
    narrow 3 M names to a hundred thousand candidates. Its readings' initials (``syg``) narrow them
    to a few thousand, which are then checked for the fragment itself. Fragments starting inside a
    syllable, and names with Latin letters, are left to the plain match that follows."""
    readings = initials_readings(text)
    if readings is None:
        return None
    patterns = [f"%{reading}%" for reading in readings]
    if _vendor() == "postgresql":
        condition = " OR ".join("name_initials LIKE %s" for _ in patterns)
        # MATERIALIZED: the candidates come from the initials index, whatever the limit suggests.
        return (
            f"WITH candidates AS MATERIALIZED (SELECT id, name_pinyin FROM {SEARCH_TABLE} "
            f"WHERE {condition}) SELECT id FROM candidates WHERE strpos(name_pinyin, %s) > 0",
            [*patterns, text],
        )
    match = "{name_initials}: (" + " OR ".join(_fts_phrase(reading) for reading in readings) + ")"
    return (
        f"SELECT id FROM {ENTERPRISE_TABLE} WHERE id IN (SELECT rowid FROM {FTS_PINYIN_TABLE} "
        f"WHERE {FTS_PINYIN_TABLE} MATCH %s) AND instr(name_pinyin, %s) > 0",
        [match, text],
    )


def search_enterprises(query: str, user: Any, limit: int = 20) -> list[SearchHit]:
    """The enterprises ``user`` may see that match ``query``, best first (see the module docstring)."""
    from wutong.enterprises.access import enterprise_filter

    text = clean_query(query)
    if not text:
        return []
    base = Enterprise.objects.visible_to(user)
    restricted = enterprise_filter(user) is not None
    found: list[tuple[int, int]] = []  # (pk, tier)
    seen: set[int] = set()
    for tier, fetch in _tiers(text, restricted):
        remaining = limit - len(found)
        if remaining <= 0:
            break
        for pk in fetch(base, seen, remaining):
            if pk not in seen:
                seen.add(pk)
                found.append((pk, tier))
    if not found:
        return []
    rows = Enterprise.objects.select_related("street", "industry").in_bulk([pk for pk, _ in found])
    former_match = _former_names_matching(text, [pk for pk, tier in found if tier == Tier.FORMER_NAME])
    hits = [SearchHit(rows[pk], tier, former_match.get(pk, "")) for pk, tier in found if pk in rows]
    # Within a tier: shorter names first (the closer match), then by name for a stable order;
    # USCC tiers in code order.
    hits.sort(
        key=lambda hit: (
            (hit.tier, hit.enterprise.uscc)
            if hit.tier <= Tier.USCC_PREFIX
            else (hit.tier, len(hit.enterprise.name), hit.enterprise.name)
        )
    )
    return hits


# The list's search box hands at most this many matching ids to the list query; more matches mean
# a common fragment, which the list's walk in name order meets within its first page anyway.
FILTER_ID_CAP = 5000


def search_filter(queryset: QuerySet[Enterprise], query: str) -> QuerySet[Enterprise]:
    """The list page's search box: ``queryset`` narrowed to rows matching ``query`` in any tier
    (unranked; the list keeps its own sort and stops at one page).

    Which query serves the list depends on how common the fragment is, so the search index is asked
    first for up to :data:`FILTER_ID_CAP` + 1 matches: a rarer fragment becomes an id list (the list
    sorts a few thousand rows at most), a common one becomes plain conditions on the registry's
    columns, which the list checks row by row while it walks the name order and stops at the first
    page of hits. Both give the same rows (tested)."""
    text = clean_query(query)
    if not text:
        return queryset
    upper, lower = text.upper(), text.lower()
    pinyin = bool(_PINYIN_CHARS.match(lower))
    uscc = _USCC_CHARS.match(upper) and any(ch.isdigit() for ch in upper)
    code = code_prefix_q("uscc", upper) if uscc else Q(pk__in=[])
    if len(text) < 2:
        return queryset.filter(code | _filter_conditions(text, pinyin))
    # Former names first: a common fragment still has few of them, and their owners as a list
    # spare the row-by-row walk a subquery over every former name.
    owners = _first_ids(*_former_sql(text), set(), FILTER_ID_CAP + 1)
    former = _ids_q(owners) if len(owners) <= FILTER_ID_CAP else _former_condition(text)
    ids = _matching_ids(text, pinyin, FILTER_ID_CAP - len(owners))
    if ids is not None:
        return queryset.filter(code | former | _ids_q(ids))
    return queryset.filter(code | former | _filter_conditions(text, pinyin, former=False))


def _ids_q(ids: list[int]) -> Q:
    if not ids:
        return Q(pk__in=[])
    if _vendor() == "postgresql":  # one array parameter, however many ids
        return Q(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [ids]))
    return Q(pk__in=ids)


def _matching_ids(text: str, pinyin: bool, cap: int) -> list[int] | None:
    """The ids of every enterprise whose name or pinyin contains ``text``, or None when there are
    more than ``cap``. Each part stops at ``cap`` + 1 rows, so a common fragment costs a short
    scan, not its hundred thousand matches."""
    if cap < 0:
        return None
    parts = [_match_sql(["name"], text)]
    if pinyin:
        parts.append(_match_sql(PINYIN_COLUMNS, text.lower()))
    found: set[int] = set()
    for sql, params in parts:
        found.update(_first_ids(sql, params, set(), cap + 1))
        if len(found) > cap:
            return None
    return sorted(found)


def _filter_conditions(text: str, pinyin: bool, *, former: bool = True) -> Q:
    """What :func:`_matching_ids` (and, with ``former``, :func:`_former_sql`) selects, as
    conditions on the registry's own columns: ASCII case-insensitively, as the search index
    matches (pinyin is stored lower-case)."""
    letters = re.search(r"[A-Za-z]", text) is not None
    condition = Q(name__icontains=text) if letters else Q(name__contains=text)
    if pinyin:
        condition |= Q(name_pinyin__contains=text.lower()) | Q(name_initials__contains=text.lower())
    return condition | _former_condition(text) if former else condition


def _former_condition(text: str) -> Q:
    return Q(Exists(FormerName.objects.filter(enterprise=OuterRef("pk"), name__icontains=text)))


def _former_names_matching(text: str, enterprise_ids: list[int]) -> dict[int, str]:
    if not enterprise_ids:
        return {}
    result: dict[int, str] = {}
    for owner, name in FormerName.objects.filter(
        enterprise_id__in=enterprise_ids, name__icontains=text
    ).values_list("enterprise_id", "name"):
        result.setdefault(owner, name)
    return result


def baseline_search(query: str, user: Any, limit: int = 20) -> list[Enterprise]:
    """Plain ``icontains`` over the same fields, no search index and no ranking: the benchmark's
    yardstick (former names through a subquery, so no DISTINCT over the registry)."""
    text = clean_query(query)
    former = FormerName.objects.filter(name__icontains=text).values("enterprise_id")
    condition = (
        Q(name__icontains=text)
        | Q(name_pinyin__icontains=text)
        | Q(name_initials__icontains=text)
        | Q(uscc__istartswith=text)
        | Q(pk__in=former)
    )
    return list(Enterprise.objects.visible_to(user).filter(condition)[:limit])


# --- The index itself (installed by migrations 0002 and 0004) ----------------------------------

_FTS_INSERT = f"""
         INSERT INTO {FTS_TABLE}(rowid, name) VALUES (new.id, new.name);
         INSERT INTO {FTS_PINYIN_TABLE}(rowid, name_pinyin, name_initials)
         VALUES (new.id, new.name_pinyin, new.name_initials);"""
_FTS_DELETE = f"""
         INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, name) VALUES ('delete', old.id, old.name);
         INSERT INTO {FTS_PINYIN_TABLE}({FTS_PINYIN_TABLE}, rowid, name_pinyin, name_initials)
         VALUES ('delete', old.id, old.name_pinyin, old.name_initials);"""
_SQLITE_ENTERPRISE_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON {ENTERPRISE_TABLE} BEGIN
         {_FTS_INSERT}
       END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON {ENTERPRISE_TABLE} BEGIN
         {_FTS_DELETE}
       END""",
    # Only a change of the names touches the index (imports rewrite unchanged names too).
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au
         AFTER UPDATE OF name, name_pinyin, name_initials ON {ENTERPRISE_TABLE}
         WHEN old.name IS NOT new.name OR old.name_pinyin IS NOT new.name_pinyin
           OR old.name_initials IS NOT new.name_initials
       BEGIN
         {_FTS_DELETE}
         {_FTS_INSERT}
       END""",
]
_SQLITE_ENTERPRISE_TRIGGER_NAMES = [f"{FTS_TABLE}_{suffix}" for suffix in ("ai", "ad", "au")]
_SQLITE_REBUILD = [
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
    f"INSERT INTO {FTS_PINYIN_TABLE}({FTS_PINYIN_TABLE}) VALUES ('rebuild')",
]
SQLITE_INSTALL = [
    # Version 1 kept the three columns in one FTS5 table and re-indexed every UPDATE OF the names,
    # changed or not: replaced (the tables are rebuilt below in any case).
    *(f"DROP TRIGGER IF EXISTS {name}" for name in _SQLITE_ENTERPRISE_TRIGGER_NAMES),
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
    f"""CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(
         name, content='{ENTERPRISE_TABLE}', content_rowid='id', tokenize='trigram')""",
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_PINYIN_TABLE} USING fts5(
         name_pinyin, name_initials, content='{ENTERPRISE_TABLE}', content_rowid='id', tokenize='trigram')""",
    # Initials prefixes (szslhq…): a B-tree, which the FTS5 table cannot be.
    f"CREATE INDEX IF NOT EXISTS enterprise_search_initials ON {ENTERPRISE_TABLE} (name_initials)",
    *_SQLITE_ENTERPRISE_TRIGGERS,
    """CREATE VIRTUAL TABLE IF NOT EXISTS enterprises_formername_fts USING fts5(
         name, content='enterprises_formername', content_rowid='id', tokenize='trigram')""",
    """CREATE TRIGGER IF NOT EXISTS enterprises_formername_fts_ai AFTER INSERT ON enterprises_formername BEGIN
         INSERT INTO enterprises_formername_fts(rowid, name) VALUES (new.id, new.name);
       END""",
    """CREATE TRIGGER IF NOT EXISTS enterprises_formername_fts_ad AFTER DELETE ON enterprises_formername BEGIN
         INSERT INTO enterprises_formername_fts(enterprises_formername_fts, rowid, name)
         VALUES ('delete', old.id, old.name);
       END""",
    """CREATE TRIGGER IF NOT EXISTS enterprises_formername_fts_au
         AFTER UPDATE OF name ON enterprises_formername BEGIN
         INSERT INTO enterprises_formername_fts(enterprises_formername_fts, rowid, name)
         VALUES ('delete', old.id, old.name);
         INSERT INTO enterprises_formername_fts(rowid, name) VALUES (new.id, new.name);
       END""",
    *_SQLITE_REBUILD,
    "INSERT INTO enterprises_formername_fts(enterprises_formername_fts) VALUES ('rebuild')",
]
SQLITE_UNINSTALL = [
    *(
        f"DROP TRIGGER IF EXISTS enterprises_{table}_fts_{suffix}"
        for table in ("enterprise", "formername")
        for suffix in ("ai", "ad", "au")
    ),
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
    f"DROP TABLE IF EXISTS {FTS_PINYIN_TABLE}",
    "DROP INDEX IF EXISTS enterprise_search_initials",
    "DROP TABLE IF EXISTS enterprises_formername_fts",
]

_NAMES = "name, name_pinyin, name_initials"
_UPSERT = (
    f"ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, name_pinyin = EXCLUDED.name_pinyin, "
    f"name_initials = EXCLUDED.name_initials WHERE ({SEARCH_TABLE}.name, {SEARCH_TABLE}.name_pinyin, "
    f"{SEARCH_TABLE}.name_initials) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.name_pinyin, "
    "EXCLUDED.name_initials)"
)
# A load suspends the search index for its own transaction with this setting (no lock, no DDL).
PG_SUSPEND_SETTING = "wutong.search_suspended"
# Inserts row by row unless a load suspended them (the WHEN clause costs no function call); renames
# only when a name really changed; deletes as one set per statement.
PG_TRIGGERS = {
    f"{SEARCH_TABLE}_ins": f"""CREATE TRIGGER {SEARCH_TABLE}_ins AFTER INSERT ON {ENTERPRISE_TABLE}
        FOR EACH ROW WHEN (current_setting('{PG_SUSPEND_SETTING}', true) IS DISTINCT FROM 'on')
        EXECUTE FUNCTION {SEARCH_TABLE}_copy()""",
    f"{SEARCH_TABLE}_upd": f"""CREATE TRIGGER {SEARCH_TABLE}_upd
        AFTER UPDATE OF {_NAMES} ON {ENTERPRISE_TABLE} FOR EACH ROW
        WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.name_pinyin IS DISTINCT FROM NEW.name_pinyin
              OR OLD.name_initials IS DISTINCT FROM NEW.name_initials)
        EXECUTE FUNCTION {SEARCH_TABLE}_copy()""",
    f"{SEARCH_TABLE}_del": f"""CREATE TRIGGER {SEARCH_TABLE}_del AFTER DELETE ON {ENTERPRISE_TABLE}
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {SEARCH_TABLE}_deleted()""",
    f"{SEARCH_TABLE}_trunc": f"""CREATE TRIGGER {SEARCH_TABLE}_trunc AFTER TRUNCATE ON {ENTERPRISE_TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION {SEARCH_TABLE}_truncated()""",
}
PG_SEARCH_INDEXES = {
    # Prefixes (name tier 4, initials szslhq…): a B-tree answers LIKE 'x%' where a trigram index
    # would read the huge posting lists of 深圳市 / szs.
    "name_prefix": "(name varchar_pattern_ops)",
    "initials_prefix": "(name_initials varchar_pattern_ops)",
    "name_trgm": "USING gin (name gin_trgm_ops)",
    "name_chars": f"USING gin (({CHARS_EXPR}))",
    "pinyin_trgm": "USING gin (name_pinyin gin_trgm_ops)",
    "initials_trgm": "USING gin (name_initials gin_trgm_ops)",
}
POSTGRES_INSTALL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # Version 1 indexed the registry table itself: every write to it paid for three GIN indexes.
    *(f"DROP INDEX IF EXISTS enterprise_{col}_trgm" for col in ("name", "name_pinyin", "name_initials")),
    f"""CREATE TABLE IF NOT EXISTS {SEARCH_TABLE} (
        id bigint PRIMARY KEY,
        name varchar(200) NOT NULL,
        name_pinyin varchar(600) NOT NULL,
        name_initials varchar(200) NOT NULL)""",
    f"""CREATE OR REPLACE FUNCTION {SEARCH_TABLE}_copy() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
            INSERT INTO {SEARCH_TABLE} (id, {_NAMES})
            VALUES (NEW.id, NEW.name, NEW.name_pinyin, NEW.name_initials) {_UPSERT};
            RETURN NULL;
        END $body$""",
    f"""CREATE OR REPLACE FUNCTION {SEARCH_TABLE}_deleted() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
            DELETE FROM {SEARCH_TABLE} s USING old_rows o WHERE s.id = o.id;
            RETURN NULL;
        END $body$""",
    f"""CREATE OR REPLACE FUNCTION {SEARCH_TABLE}_truncated() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
            TRUNCATE {SEARCH_TABLE};
            RETURN NULL;
        END $body$""",
    *(f"DROP TRIGGER IF EXISTS {name} ON {ENTERPRISE_TABLE}" for name in PG_TRIGGERS),
    f"DROP FUNCTION IF EXISTS {SEARCH_TABLE}_inserted(), {SEARCH_TABLE}_renamed()",  # first draft
    *PG_TRIGGERS.values(),
    # Fill before indexing: building a GIN index is about twice as fast as growing it row by row.
    f"INSERT INTO {SEARCH_TABLE} (id, {_NAMES}) SELECT id, {_NAMES} FROM {ENTERPRISE_TABLE} {_UPSERT}",
    f"DELETE FROM {SEARCH_TABLE} s WHERE NOT EXISTS (SELECT 1 FROM {ENTERPRISE_TABLE} e WHERE e.id = s.id)",
    *(
        f"CREATE INDEX IF NOT EXISTS {SEARCH_TABLE}_{name} ON {SEARCH_TABLE} {definition}"
        for name, definition in PG_SEARCH_INDEXES.items()
    ),
    "CREATE INDEX IF NOT EXISTS formername_name_trgm ON enterprises_formername USING gin (name gin_trgm_ops)",
    f"ANALYZE {SEARCH_TABLE}",
]
POSTGRES_UNINSTALL = [
    *(f"DROP TRIGGER IF EXISTS {name} ON {ENTERPRISE_TABLE}" for name in PG_TRIGGERS),
    f"DROP TABLE IF EXISTS {SEARCH_TABLE}",
    *(f"DROP FUNCTION IF EXISTS {SEARCH_TABLE}_{event}()" for event in ("copy", "deleted", "truncated")),
    *(f"DROP INDEX IF EXISTS enterprise_{col}_trgm" for col in ("name", "name_pinyin", "name_initials")),
    "DROP INDEX IF EXISTS formername_name_trgm",
]


def _run(conn: Any, statements: list[str], executor: Callable[[str], Any] | None) -> None:
    if executor is None:
        with conn.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
    else:
        for sql in statements:
            executor(sql)


def install_search_index(conn: Any = None, executor: Callable[[str], Any] | None = None) -> None:
    """Create (idempotently) the search index for the connection's database and bring it in step
    with the registry."""
    conn = conn or connection
    if conn.vendor == "sqlite":
        _run(conn, SQLITE_INSTALL, executor)
    elif conn.vendor == "postgresql":
        _run(conn, POSTGRES_INSTALL, executor)


def uninstall_search_index(conn: Any = None, executor: Callable[[str], Any] | None = None) -> None:
    conn = conn or connection
    if conn.vendor == "sqlite":
        _run(conn, SQLITE_UNINSTALL, executor)
    elif conn.vendor == "postgresql":
        _run(conn, POSTGRES_UNINSTALL, executor)


# --- Bulk loads ---------------------------------------------------------------------------------

# Below this many rows a load keeps every index up to date as it writes (a few seconds at most).
BULK_LOAD_MIN_ROWS = 10_000
# Indexes the import reads while it writes (duplicate names per chunk), never dropped by a load;
# the primary key and the USCC unique index are constraints and are never dropped either.
INDEXES_KEPT_DURING_LOAD = frozenset({"enterprise_name_normalized"})


@dataclass
class BulkLoad:
    """What :func:`bulk_load` decided for one load (also what its tests look at)."""

    expected_rows: int
    existing_rows: int  # counted up to ``expected_rows``
    since_id: int = 0  # rows with a larger id are the ones the load inserted
    search_suspended: bool = False
    dropped_indexes: list[str] = field(default_factory=list)

    @property
    def deferred(self) -> bool:
        return self.search_suspended or bool(self.dropped_indexes)


def _droppable_indexes() -> list[Any]:
    return [index for index in Enterprise._meta.indexes if index.name not in INDEXES_KEPT_DURING_LOAD]


@contextmanager
def bulk_load(expected_rows: int, *, using: str = DEFAULT_DB_ALIAS) -> Iterator[BulkLoad]:
    """Wrap the write phase of a load of about ``expected_rows`` enterprise rows.

    Must run inside the caller's ``transaction.atomic()`` (the import's one transaction); opens a
    savepoint of its own, so an exception undoes what it suspended together with the rows.

    From :data:`BULK_LOAD_MIN_ROWS` rows on:

    - when the load at least doubles the registry, its read-side indexes (every ``Meta.indexes``
      entry except :data:`INDEXES_KEPT_DURING_LOAD`) are dropped for the load: inside the block only
      the primary key, the USCC and the core-name indexes exist (what the import reads per chunk);
    - on **PostgreSQL** the search index stops following inserts (renames and deletes still follow).
      The catching-up waits for the commit and runs in the background task
      ``enterprises.tasks.catch_up_registry_indexes`` (:func:`catch_up_after_bulk_load`): new rows are
      found by USCC, exact name and core-name prefix at once, by fragments and pinyin when the task
      has run (seconds per 100 k rows);
    - on **SQLite** (districts, ≤ 200 k rows) everything is rebuilt before the block ends, and the
      FTS5 tables are suspended only when the load at least doubles the registry too.
    """
    conn = connections[using]
    if not conn.in_atomic_block:
        raise RuntimeError("bulk_load() must run inside transaction.atomic()")
    with transaction.atomic(using=using), conn.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {ENTERPRISE_TABLE} LIMIT %s) t", [expected_rows])
        plan = BulkLoad(expected_rows=expected_rows, existing_rows=cursor.fetchone()[0])
        if expected_rows < BULK_LOAD_MIN_ROWS:
            yield plan
            return
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {ENTERPRISE_TABLE}")
        plan.since_id = cursor.fetchone()[0]
        if plan.existing_rows < expected_rows:
            plan.dropped_indexes = [index.name for index in _droppable_indexes()]
            for name in plan.dropped_indexes:
                cursor.execute(f"DROP INDEX IF EXISTS {conn.ops.quote_name(name)}")
        if conn.vendor == "postgresql":
            cursor.execute("SELECT set_config(%s, 'on', true)", [PG_SUSPEND_SETTING])
            plan.search_suspended = True
            yield plan
            cursor.execute("SELECT set_config(%s, 'off', true)", [PG_SUSPEND_SETTING])
            since = plan.since_id
            transaction.on_commit(lambda: _enqueue_catch_up(since, using), using=using)
        else:
            # Rebuilding the FTS5 tables reads the whole registry: only worth it for a load that
            # at least doubles it (otherwise the triggers index the new rows as they come).
            plan.search_suspended = plan.existing_rows < expected_rows
            if plan.search_suspended:
                for name in _SQLITE_ENTERPRISE_TRIGGER_NAMES:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            yield plan
            _create_indexes(conn, cursor, plan.dropped_indexes)
            if plan.search_suspended:
                for sql in [*_SQLITE_REBUILD, *_SQLITE_ENTERPRISE_TRIGGERS]:
                    cursor.execute(sql)


def _create_indexes(conn: Any, cursor: Any, names: Iterable[str], *, concurrently: bool = False) -> None:
    """Create the named ``Meta.indexes`` of the registry with Django's own DDL (idempotently)."""
    wanted = set(names)
    editor = conn.schema_editor()  # only to render SQL: not entered, so no transaction of its own
    for index in _droppable_indexes():
        if index.name in wanted:
            extra = {"concurrently": True} if concurrently else {}
            sql = str(index.create_sql(Enterprise, editor, **extra))
            cursor.execute(re.sub(r"^CREATE INDEX( CONCURRENTLY)?", r"CREATE INDEX\1 IF NOT EXISTS", sql))


def _enqueue_catch_up(since_id: int, using: str) -> None:
    from wutong.enterprises.tasks import catch_up_registry_indexes

    catch_up_registry_indexes.enqueue(since_id, using)


def catch_up_after_bulk_load(since_id: int, *, using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Bring the registry's indexes and the search index in step after a :func:`bulk_load`
    (PostgreSQL; safe to run twice, and at any time): recreate missing or invalid indexes without
    blocking writers (``CREATE INDEX CONCURRENTLY``), then copy the rows with an id above
    ``since_id`` into the search index. Must run outside a transaction. Returns counts."""
    conn = connections[using]
    if conn.vendor != "postgresql":
        return {"indexes": 0, "rows": 0}
    if conn.in_atomic_block:
        raise RuntimeError("catch_up_after_bulk_load() runs CREATE INDEX CONCURRENTLY: not in a transaction")
    names = [index.name for index in _droppable_indexes()]
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass AND c.relname = ANY(%s)",
            [ENTERPRISE_TABLE, names],
        )
        present = dict(cursor.fetchall())
        for name, valid in present.items():
            if not valid:  # left behind by an interrupted CREATE INDEX CONCURRENTLY
                cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {conn.ops.quote_name(name)}")
        missing = [name for name in names if not present.get(name)]
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for name in missing:
            _create_indexes(conn, cursor, [name], concurrently=True)
        cursor.execute("RESET maintenance_work_mem")
        cursor.execute(
            f"INSERT INTO {SEARCH_TABLE} (id, {_NAMES}) SELECT id, {_NAMES} FROM {ENTERPRISE_TABLE} "
            f"WHERE id > %s {_UPSERT}",
            [since_id],
        )
        rows = cursor.rowcount
        if missing or rows:
            cursor.execute(f"ANALYZE {ENTERPRISE_TABLE}")
            cursor.execute(f"ANALYZE {SEARCH_TABLE}")
    return {"indexes": len(missing), "rows": rows}
