"""Test-wide fixtures: personas per role (as in Healthchecks: Alice, Bob on her team, Charlie
with no access) and the audit-maintenance switch the test database needs for flushing."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.personas"]


def pytest_configure(config):  # type: ignore[no-untyped-def]
    """A fast password hasher for the suite: PBKDF2 with Django's iteration count makes every
    persona cost ~0.3 s. (Browser tests that start ``wutong serve`` use the real hashers.)"""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every transactional test (live_server, Open311 clients, browser journeys) restores the rows
    data migrations loaded (industries, parks, demand categories, rule-set versions): Django flushes
    the database after such a test, and without serialized_rollback later tests would find it empty."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if (
            marker is not None
            and marker.kwargs.get("transaction")
            and "serialized_rollback" not in marker.kwargs
        ):
            item.add_marker(
                pytest.mark.django_db(*marker.args, **marker.kwargs, serialized_rollback=True), append=False
            )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Let Django flush the audit table between transactional tests (the append-only triggers
    allow deletes only while core_auditmaintenance has a row; see core migration 0002)."""
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO core_auditmaintenance (reason) VALUES ('test suite flushes')")
    yield
