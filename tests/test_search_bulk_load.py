"""bulk_load(): a large load suspends the search index and the registry's read-side indexes, and
leaves both exactly right afterwards (SQLite at the end of the block, PostgreSQL after the commit)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from wutong.enterprises import search
from wutong.enterprises.identity import name_search_columns
from wutong.enterprises.models import Enterprise
from wutong.enterprises.search import bulk_load, search_enterprises

pytestmark = pytest.mark.django_db

NAMES = [
    "深圳市梧桐山科技有限公司",
    "深圳市罗湖区翠竹电子有限公司",
    "深圳华新达供应链管理有限公司",
    "深圳市TCL智能装备有限公司",
    "深圳市盛信投资有限公司",
    "深圳市鑫犇淼文化传媒有限公司",
]


def rows(names: list[str], first: int = 1) -> list[Enterprise]:
    """Unsaved enterprises with their derived name columns (bulk_create skips save())."""
    made = []
    for offset, name in enumerate(names):
        normalized, pinyin, initials = name_search_columns(name)
        made.append(
            Enterprise(
                uscc=f"91440303MA{first + offset:08d}",
                name=name,
                name_normalized=normalized,
                name_pinyin=pinyin,
                name_initials=initials,
            )
        )
    return made


def registry_indexes() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = 'enterprises_enterprise'::regclass AND i.indisvalid"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'enterprises_enterprise'"
            )
        return {row[0] for row in cursor.fetchall()}


def assert_search_index_matches_the_registry() -> None:
    """The search index holds exactly the registry's names: PostgreSQL compares the copy row by row,
    SQLite asks FTS5 to check its index against the registry (``integrity-check`` with rank 1)."""
    expected = set(Enterprise.objects.values_list("pk", "name", "name_pinyin", "name_initials"))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT id, name, name_pinyin, name_initials FROM {search.SEARCH_TABLE}")
            assert set(cursor.fetchall()) == expected
        else:
            for table in (search.FTS_TABLE, search.FTS_PINYIN_TABLE):
                cursor.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")
                cursor.execute(f"SELECT count(*) FROM {table}")
                assert cursor.fetchone()[0] == len(expected)


def assert_uscc_still_unique() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Enterprise.objects.create(uscc=Enterprise.objects.values_list("uscc", flat=True)[0], name="重复")


def found(query: str, user) -> set[str]:  # type: ignore[no-untyped-def]
    return {hit.enterprise.name for hit in search_enterprises(query, user, limit=50)}


@pytest.mark.django_db(transaction=True)
def test_it_must_run_inside_a_transaction():
    with pytest.raises(RuntimeError, match="atomic"), bulk_load(10):
        pass


def test_a_small_load_keeps_every_index_up_to_date(alice):
    before = registry_indexes()
    with transaction.atomic(), bulk_load(len(NAMES)) as plan:
        Enterprise.objects.bulk_create(rows(NAMES))
        assert not plan.deferred
        assert registry_indexes() == before
        assert found("梧桐山", alice) == {"深圳市梧桐山科技有限公司"}  # indexed as it was written
    assert_search_index_matches_the_registry()


@pytest.fixture
def small_threshold(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(search, "BULK_LOAD_MIN_ROWS", 3)


def test_a_load_smaller_than_the_registry_keeps_its_read_side_indexes(alice, small_threshold):
    Enterprise.objects.bulk_create(rows(NAMES[:3], first=100))
    before = registry_indexes()
    with transaction.atomic(), bulk_load(3) as plan:
        Enterprise.objects.bulk_create(rows(NAMES[3:]))
        assert plan.dropped_indexes == []
        assert registry_indexes() == before
        # SQLite would rebuild its FTS5 tables over the whole registry: it indexes as it goes.
        assert plan.search_suspended == (connection.vendor == "postgresql")
    if connection.vendor == "sqlite":
        assert_search_index_matches_the_registry()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite rebuilds inside the block")
def test_sqlite_rebuilds_indexes_and_search_before_the_block_ends(alice, small_threshold):
    Enterprise.objects.bulk_create(rows(NAMES[:1], first=100))
    before = registry_indexes()
    with transaction.atomic():
        with bulk_load(len(NAMES) - 1) as plan:
            Enterprise.objects.bulk_create(rows(NAMES[1:]))
            assert plan.search_suspended
            # The load (5 rows) more than doubles the registry (1 row): read-side indexes go.
            assert set(plan.dropped_indexes) == before - registry_indexes()
            assert "enterprise_name_normalized" in registry_indexes()  # the import reads it
            assert_uscc_still_unique()
        assert registry_indexes() == before
        assert_search_index_matches_the_registry()
        assert found("新达供应", alice) == {"深圳华新达供应链管理有限公司"}
    # The triggers are back: a rename and a new enterprise are indexed as they happen.
    firm = Enterprise.objects.get(name="深圳市盛信投资有限公司")
    firm.name = "深圳市盛信新能源有限公司"
    firm.save()
    Enterprise.objects.create(uscc="91440303MA99999999", name="深圳市星河光电有限公司")
    assert_search_index_matches_the_registry()
    assert found("盛信新能", alice) == {"深圳市盛信新能源有限公司"}
    assert found("河光电", alice) == {"深圳市星河光电有限公司"}


def test_a_failed_load_leaves_indexes_and_triggers_as_they_were(alice, small_threshold):
    before = registry_indexes()
    with transaction.atomic():
        with pytest.raises(ValueError), bulk_load(len(NAMES)):
            Enterprise.objects.bulk_create(rows(NAMES))
            raise ValueError("a bad row")
        assert registry_indexes() == before
        assert not Enterprise.objects.exists()
        Enterprise.objects.create(uscc="91440303MA99999999", name="深圳市星河光电有限公司")
        assert found("河光电", alice) == {"深圳市星河光电有限公司"}  # inserts are indexed again
    assert_search_index_matches_the_registry()


@pytest.fixture
def immediate_tasks(settings):  # type: ignore[no-untyped-def]
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["imports"]}
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL catches up after the commit")
@pytest.mark.django_db(transaction=True)
def test_postgresql_catches_up_after_the_commit(alice, small_threshold, immediate_tasks):
    Enterprise.objects.bulk_create(rows(NAMES[:1], first=100))
    before = registry_indexes()
    with transaction.atomic():
        with bulk_load(len(NAMES) - 1) as plan:
            Enterprise.objects.bulk_create(rows(NAMES[1:]))
            assert plan.search_suspended
            assert set(plan.dropped_indexes) == before - registry_indexes()
            assert "enterprise_name_normalized" in registry_indexes()
            assert_uscc_still_unique()
        # Until the commit: found by USCC, exact name and core-name prefix, not yet by fragment.
        assert found("91440303MA00000002", alice) == {"深圳华新达供应链管理有限公司"}
        assert found("深圳华新达供应链管理有限公司", alice) == {"深圳华新达供应链管理有限公司"}
        assert found("新达供应", alice) == set()
    # The commit enqueued enterprises.tasks.catch_up_registry_indexes (run at once here).
    assert registry_indexes() == before
    assert_search_index_matches_the_registry()
    assert found("新达供应", alice) == {"深圳华新达供应链管理有限公司"}
    assert found("xinbenmiao", alice) == {"深圳市鑫犇淼文化传媒有限公司"}
    # Catching up again changes nothing.
    assert search.catch_up_after_bulk_load(0) == {"indexes": 0, "rows": 0}
    # The insert trigger is back for ordinary writes.
    Enterprise.objects.create(uscc="91440303MA99999999", name="深圳市星河光电有限公司")
    assert found("河光电", alice) == {"深圳市星河光电有限公司"}
    assert_search_index_matches_the_registry()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL catches up after the commit")
@pytest.mark.django_db(transaction=True)
def test_postgresql_catch_up_replaces_an_index_left_invalid(small_threshold):
    Enterprise.objects.bulk_create(rows(NAMES))
    with connection.cursor() as cursor:
        # A CREATE INDEX CONCURRENTLY that fails half-way leaves an invalid index behind.
        cursor.execute("DROP INDEX enterprise_park")
        with pytest.raises(IntegrityError):
            cursor.execute(
                "CREATE UNIQUE INDEX CONCURRENTLY enterprise_park ON enterprises_enterprise (status)"
            )
    assert "enterprise_park" not in registry_indexes()
    assert search.catch_up_after_bulk_load(0)["indexes"] == 1
    assert "enterprise_park" in registry_indexes()


def test_renames_and_deletes_follow_through_the_triggers(alice):
    firm, other = Enterprise.objects.bulk_create(rows(NAMES[:2]))
    Enterprise.objects.filter(pk=firm.pk).update(latest_year=2025)  # names untouched
    firm.name = "深圳市梧桐湖生物医药有限公司"
    firm.save()
    other.delete()
    assert_search_index_matches_the_registry()
    assert found("梧桐湖", alice) == {"深圳市梧桐湖生物医药有限公司"}
    assert found("翠竹电子", alice) == set()


def test_the_migrated_database_has_every_search_trigger():
    """A migration that rebuilds the registry table on SQLite drops its triggers: each such
    migration must install the search index again (0004, 0005 do)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'enterprises_enterprise'::regclass "
                "AND NOT tgisinternal"
            )
            expected = set(search.PG_TRIGGERS)
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'enterprises_enterprise'"
            )
            expected = set(search._SQLITE_ENTERPRISE_TRIGGER_NAMES)
        assert {row[0] for row in cursor.fetchall()} >= expected
