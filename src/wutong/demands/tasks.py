"""Background work of the demands app (``django.tasks``).

:func:`escalate_demands` is safe to run twice (see
:func:`wutong.demands.services.escalate_overdue_demands`); schedule it daily, or run
``wutong escalate_demands`` from cron.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from wutong.demands import services


@task()
def escalate_demands() -> dict[str, Any]:
    return services.escalate_overdue_demands()
