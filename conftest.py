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


# Data migrations whose rows every test may rely on. Django flushes the database after each
# transactional test and then sends post_migrate; these loaders run again then (they are idempotent).
# (serialized_rollback is not used: with live_server and Playwright the restore may find no
# serialized copy on the test thread's connection, and it suppresses post_migrate.)
DATA_MIGRATIONS = [
    "wutong.core.migrations.0004_load_reference",
    "wutong.demands.migrations.0002_load_categories",
    "wutong.qualifications.migrations.0002_load_rule_set_versions",
]


def reload_data_migrations(sender, using="default", **kwargs):  # type: ignore[no-untyped-def]
    import importlib

    from django.apps import apps
    from django.db import connections

    from wutong.core.models import Industry

    if sender.label != "core" or Industry.objects.using(using).exists():
        return
    with connections[using].schema_editor() as schema_editor:
        for name in DATA_MIGRATIONS:
            importlib.import_module(name).load(apps, schema_editor)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Let Django flush the audit table between transactional tests (the append-only triggers
    allow deletes only while core_auditmaintenance has a row; see core migration 0002), and put
    the data-migration rows back after each flush."""
    from django.db import connection
    from django.db.models.signals import post_migrate

    post_migrate.connect(reload_data_migrations, weak=False, dispatch_uid="wutong-test-reload")
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO core_auditmaintenance (reason) VALUES ('test suite flushes')")
    yield
