"""Background tasks of the core: the two passes of a web import (``django.tasks``, queue ``imports``).

Each takes the :class:`~wutong.core.models.ImportBatch` pk, reports progress in
``processed_rows`` and is safe to run twice (see :func:`wutong.core.imports.validate_batch` and
:func:`~wutong.core.imports.commit_batch`). Every import kind of every app uses these two.
"""

from __future__ import annotations

from django_tasks import task

from wutong.core import imports


@task(queue_name="imports")
def validate_import_batch(batch_id: int) -> None:
    imports.validate_batch(batch_id)


@task(queue_name="imports")
def commit_import_batch(batch_id: int) -> None:
    imports.commit_batch(batch_id)
