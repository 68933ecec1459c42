"""Background tasks of the registry.

Enterprise, annual-figure and IP imports run through the generic import tasks of the core
(:mod:`wutong.core.tasks`): validate the uploaded batch, then commit it once confirmed. They are
re-exported here so the registry's tasks are found where STYLE says an app's tasks live.

After a large load on PostgreSQL, :func:`catch_up_registry_indexes` rebuilds what
:func:`wutong.enterprises.search.bulk_load` suspended (safe to run twice).
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS
from django_tasks import task

from wutong.core.tasks import commit_import_batch, validate_import_batch

__all__ = ["catch_up_registry_indexes", "commit_import_batch", "validate_import_batch"]


@task(queue_name="imports")
def catch_up_registry_indexes(since_id: int, using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    from wutong.enterprises.search import catch_up_after_bulk_load

    return catch_up_after_bulk_load(since_id, using=using)
