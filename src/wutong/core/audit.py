"""Writing the audit log. Every service calls :func:`record` exactly once inside its transaction.

Action names are dotted and past tense: ``app.model.verb_ed`` (``enterprises.enterprise.merged``).
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection, models

from wutong.core.context import current_request
from wutong.core.models import AuditEntry

ACTION_PATTERN = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+){2,}$")


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The concrete field values of ``obj`` as JSON-safe data (foreign keys as their ids)."""
    names = (
        list(fields)
        if fields is not None
        else [f.name for f in obj._meta.concrete_fields if f.name not in {"created_at", "updated_at"}]
    )
    result: dict[str, Any] = {}
    for name in names:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        result[name] = _jsonable(getattr(obj, attname))
    return result


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields whose value changed."""
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    return {
        key: [_jsonable(before.get(key)), _jsonable(after.get(key))]
        for key in keys
        if _jsonable(before.get(key)) != _jsonable(after.get(key))
    }


def record(
    action: str,
    *,
    actor: Any,
    target: models.Model | None = None,
    target_label: str | None = None,
    changes: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one audit entry. Must run inside the transaction of the change it describes, so the
    entry and the change commit or roll back together."""
    if not ACTION_PATTERN.match(action):
        raise ValueError(f"audit action must be dotted lower-case like app.model.verbed: {action!r}")
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record() must be called inside the service's transaction.atomic()")
    request_info = current_request.get()
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        actor=actor if is_user else None,
        actor_label=(getattr(actor, "display_label", None) or str(actor)) if is_user else "系统",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=(
            target_label if target_label is not None else str(target) if target is not None else ""
        )[:300],
        changes=_jsonable(dict(changes or {})),
        data=_jsonable(dict(data or {})),
        ip=request_info.ip if request_info else None,
        user_agent=request_info.user_agent[:300] if request_info else "",
    )


def history_for(obj: models.Model) -> models.QuerySet[AuditEntry]:
    """The audit entries about one object, newest first (the history tab of every object page)."""
    return AuditEntry.objects.filter(target_type=obj._meta.label_lower, target_id=str(obj.pk))
