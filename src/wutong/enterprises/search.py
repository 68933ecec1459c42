"""The one search box of the registry: name fragment, former name, full pinyin, pinyin initials, USCC.

Results come in tiers, best first, and each tier is one indexed query that fills what is left of the
limit (so a common word never sorts a hundred thousand rows):

1. exact USCC  2. USCC prefix  3. exact name  4. name prefix  5. name contains
6. pinyin (initials prefix, then full pinyin / initials contains)  7. former name contains

Each database uses its strength for "contains": SQLite an FTS5 ``trigram`` table (migration 0002),
PostgreSQL ``pg_trgm`` GIN indexes. Trigram indexes need at least three characters, so shorter
queries fall back to ``LIKE`` with a limit (a scan that stops at the first ``limit`` hits).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from wutong.enterprises.identity import normalize_name
from wutong.enterprises.models import Enterprise, FormerName

MIN_TRIGRAM = 3
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
    """Prefix match that uses a B-tree: a code-point range on SQLite (BINARY collation), ``LIKE 'x%'``
    on PostgreSQL (served by the ``varchar_pattern_ops`` indexes of migration 0002)."""
    if _vendor() == "sqlite":
        return qs.filter(**{f"{field}__gte": value, f"{field}__lt": value + _HIGHEST})
    return qs.filter(**{f"{field}__startswith": value})


def _contains_sql(
    table: str, columns: Iterable[str], text: str, id_column: str = "id"
) -> tuple[str, list[Any]]:
    """SQL selecting the ids of rows whose ``columns`` contain ``text`` (ASCII case-insensitively)."""
    columns = list(columns)
    if _vendor() == "sqlite" and len(text) >= MIN_TRIGRAM:
        fts = f"{table}_fts"
        match = "{" + " ".join(columns) + "}: " + _fts_phrase(text)
        return f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s", [match]
    # PostgreSQL: pg_trgm GIN indexes answer LIKE/ILIKE '%x%'. Short queries on either database:
    # LIKE, which the caller bounds with a limit (SQLite's LIKE is ASCII case-insensitive already).
    op = "ILIKE" if _vendor() == "postgresql" and re.search(r"[A-Za-z]", text) else "LIKE"
    condition = " OR ".join(f"{col} {op} %s ESCAPE '\\'" for col in columns)
    return f"SELECT {id_column} FROM {table} WHERE {condition}", [f"%{_like_escape(text)}%"] * len(columns)


def _contains_ids(table: str, columns: Iterable[str], text: str, exclude: set[int], limit: int) -> list[int]:
    """At most ``limit`` ids (not in ``exclude``) of rows whose ``columns`` contain ``text``."""
    sql, params = _contains_sql(table, columns, text)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} LIMIT %s", [*params, limit + len(exclude)])
        rows = [row[0] for row in cursor.fetchall()]
    return [pk for pk in rows if pk not in exclude][:limit]


def _contains_filter(
    qs: QuerySet[Any], table: str, columns: Iterable[str], text: str, field: str = "pk"
) -> QuerySet[Any]:
    sql, params = _contains_sql(table, columns, text)
    return qs.filter(**{f"{field}__in": RawSQL(sql, params)})


Fetch = Callable[[QuerySet[Enterprise], set[int], int], list[int]]


def _tiers(query: str, restricted: bool) -> list[tuple[int, Fetch]]:
    """The tiers for ``query``. ``restricted``: the user sees a small part of the registry, so
    "contains" is intersected with the scope inside the database rather than after a limit."""
    upper = query.upper()
    lower = query.lower()
    tiers: list[tuple[int, Fetch]] = []

    def ids(qs: QuerySet[Any], seen: set[int], n: int) -> list[int]:
        if seen:
            qs = qs.exclude(pk__in=seen)
        return list(qs.order_by().values_list("pk", flat=True)[:n])

    def contains(qs: QuerySet[Any], seen: set[int], n: int, columns: list[str], text: str) -> list[int]:
        if restricted:
            return ids(_contains_filter(qs, "enterprises_enterprise", columns, text), seen, n)
        found = _contains_ids("enterprises_enterprise", columns, text, seen, n)
        return ids(qs.filter(pk__in=found), seen, n) if found else []

    if _USCC_CHARS.match(upper) and any(ch.isdigit() for ch in upper):
        tiers.append((Tier.USCC_EXACT, lambda qs, seen, n: ids(qs.filter(uscc=upper), seen, n)))
        tiers.append((Tier.USCC_PREFIX, lambda qs, seen, n: ids(_prefix(qs, "uscc", upper), seen, n)))
    # Names keep their case (深圳TCL…): try the query as typed and upper-cased.
    variants = list(dict.fromkeys([query, upper]))

    # The core name (without 深圳市 and 有限公司) starting with the query counts as a name prefix too:
    # people type 华新 for 深圳市华新科技有限公司. Indexed, so short queries are served without a scan.
    core = normalize_name(query) if not query.isascii() else ""
    prefixes = [("name", variant) for variant in variants] + ([("name_normalized", core)] if core else [])

    def name_prefix(qs: QuerySet[Enterprise], seen: set[int], n: int) -> list[int]:
        found: list[int] = []
        for field, value in prefixes:
            if len(found) < n:
                found += ids(_prefix(qs, field, value), seen | set(found), n - len(found))
        return found

    def name_exact(qs: QuerySet[Enterprise], seen: set[int], n: int) -> list[int]:
        condition = Q(name__in=variants) | Q(name_normalized=core) if core else Q(name__in=variants)
        return ids(qs.filter(condition), seen, n)

    tiers.append((Tier.NAME_EXACT, name_exact))
    tiers.append((Tier.NAME_PREFIX, name_prefix))
    tiers.append((Tier.NAME_CONTAINS, lambda qs, seen, n: contains(qs, seen, n, ["name"], query)))
    if _PINYIN_CHARS.match(lower):

        def pinyin(qs: QuerySet[Enterprise], seen: set[int], n: int) -> list[int]:
            first = ids(_prefix(qs, "name_initials", lower), seen, n)
            if len(first) >= n:
                return first
            rest = contains(qs, seen | set(first), n - len(first), ["name_pinyin", "name_initials"], lower)
            return first + rest

        tiers.append((Tier.PINYIN, pinyin))

    def former(qs: QuerySet[Enterprise], seen: set[int], n: int) -> list[int]:
        owners = _contains_filter(FormerName.objects.all(), "enterprises_formername", ["name"], query)
        return ids(qs.filter(pk__in=owners.values("enterprise_id")), seen, n)

    tiers.append((Tier.FORMER_NAME, former))
    return tiers


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


def search_filter(queryset: QuerySet[Enterprise], query: str) -> QuerySet[Enterprise]:
    """The list page's search box: ``queryset`` narrowed to rows matching ``query`` in any tier
    (unranked; the list keeps its own sort and stops at one page).

    On SQLite, queries of three characters or more go through the FTS5 tables; shorter ones are plain
    ``LIKE`` conditions, so the list's index walk in name order stops at the first page of hits
    instead of materialising every match. On PostgreSQL the plain conditions are what the pg_trgm
    GIN indexes serve (``LIKE``, not ``UPPER() LIKE``: pinyin is stored lower-case)."""
    text = clean_query(query)
    if not text:
        return queryset
    upper, lower = text.upper(), text.lower()
    use_fts = _vendor() == "sqlite" and len(text) >= MIN_TRIGRAM
    if use_fts:
        condition = Q(pk__in=RawSQL(*_contains_sql("enterprises_enterprise", ["name"], text)))
    else:
        condition = Q(name__contains=text) | (Q(name__contains=upper) if upper != text else Q(pk__in=[]))
    if _USCC_CHARS.match(upper) and any(ch.isdigit() for ch in upper):
        condition |= code_prefix_q("uscc", upper)
    if _PINYIN_CHARS.match(lower):
        if use_fts:
            columns = ["name_pinyin", "name_initials"]
            condition |= Q(pk__in=RawSQL(*_contains_sql("enterprises_enterprise", columns, lower)))
        else:
            condition |= Q(name_pinyin__contains=lower) | Q(name_initials__contains=lower)
    if use_fts:
        former = _contains_filter(FormerName.objects.all(), "enterprises_formername", ["name"], text)
        condition |= Q(pk__in=former.values("enterprise_id"))
    else:
        condition |= Q(Exists(FormerName.objects.filter(enterprise=OuterRef("pk"), name__contains=text)))
    return queryset.filter(condition)


def code_prefix_q(field: str, value: str) -> Q:
    if _vendor() == "sqlite":
        return Q(**{f"{field}__gte": value, f"{field}__lt": value + _HIGHEST})
    return Q(**{f"{field}__startswith": value})


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


# --- The index itself (installed by migration 0002) --------------------------------------------

SQLITE_INSTALL = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS enterprises_enterprise_fts USING fts5(
         name, name_pinyin, name_initials,
         content='enterprises_enterprise', content_rowid='id', tokenize='trigram')""",
    """CREATE TRIGGER IF NOT EXISTS enterprises_enterprise_fts_ai AFTER INSERT ON enterprises_enterprise BEGIN
         INSERT INTO enterprises_enterprise_fts(rowid, name, name_pinyin, name_initials)
         VALUES (new.id, new.name, new.name_pinyin, new.name_initials);
       END""",
    """CREATE TRIGGER IF NOT EXISTS enterprises_enterprise_fts_ad AFTER DELETE ON enterprises_enterprise BEGIN
         INSERT INTO enterprises_enterprise_fts(
           enterprises_enterprise_fts, rowid, name, name_pinyin, name_initials)
         VALUES ('delete', old.id, old.name, old.name_pinyin, old.name_initials);
       END""",
    """CREATE TRIGGER IF NOT EXISTS enterprises_enterprise_fts_au
         AFTER UPDATE OF name, name_pinyin, name_initials ON enterprises_enterprise BEGIN
         INSERT INTO enterprises_enterprise_fts(
           enterprises_enterprise_fts, rowid, name, name_pinyin, name_initials)
         VALUES ('delete', old.id, old.name, old.name_pinyin, old.name_initials);
         INSERT INTO enterprises_enterprise_fts(rowid, name, name_pinyin, name_initials)
         VALUES (new.id, new.name, new.name_pinyin, new.name_initials);
       END""",
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
    "INSERT INTO enterprises_enterprise_fts(enterprises_enterprise_fts) VALUES ('rebuild')",
    "INSERT INTO enterprises_formername_fts(enterprises_formername_fts) VALUES ('rebuild')",
]
SQLITE_UNINSTALL = [
    *(
        f"DROP TRIGGER IF EXISTS enterprises_{table}_fts_{suffix}"
        for table in ("enterprise", "formername")
        for suffix in ("ai", "ad", "au")
    ),
    "DROP TABLE IF EXISTS enterprises_enterprise_fts",
    "DROP TABLE IF EXISTS enterprises_formername_fts",
]
POSTGRES_INSTALL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    *(
        f"CREATE INDEX IF NOT EXISTS enterprise_{col}_trgm ON enterprises_enterprise "
        f"USING gin ({col} gin_trgm_ops)"
        for col in ("name", "name_pinyin", "name_initials")
    ),
    "CREATE INDEX IF NOT EXISTS formername_name_trgm ON enterprises_formername USING gin (name gin_trgm_ops)",
    # Prefix lookups (USCC, name, core name, initials, industry code) use the varchar_pattern_ops
    # "_like" B-trees Django creates for every indexed CharField on PostgreSQL.
]
POSTGRES_UNINSTALL = [
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
    """Create (idempotently) the search index for the connection's database and fill it."""
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
