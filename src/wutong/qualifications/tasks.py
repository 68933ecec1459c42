"""Background work of the qualifications app (``django.tasks``, queue ``screening``)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from wutong.qualifications import screening
from wutong.qualifications.models import ScreeningRun


@task(queue_name="screening")
def run_screening(run_pk: int) -> dict[str, Any]:
    """Screen the registry for one :class:`ScreeningRun` (by primary key). Safe to run twice."""
    run = screening.execute_run(ScreeningRun.objects.select_related("rule_version").get(pk=run_pk))
    return {"run": run.pk, "processed": run.processed, "counts": run.counts}
