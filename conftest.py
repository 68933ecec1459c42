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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Let Django flush the audit table between transactional tests (the append-only triggers
    allow deletes only while core_auditmaintenance has a row; see core migration 0002)."""
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO core_auditmaintenance (reason) VALUES ('test suite flushes')")
    yield
