"""Record-level access: the one place that decides which rows a user may see and touch.

Each app registers, per model, a *scope* (which rows a user may see) and optionally an *action
check* (may this user do X to this row). Views and services never filter by role themselves:

* ``Model.objects.visible_to(user)`` or :func:`scope` — a list the user may see;
* :func:`access_object` — one object by primary key, 404 when it is outside the user's scope and
  403 when the user may see it but not do the action. Apps wrap it as ``access_<model>()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _

M = TypeVar("M", bound=models.Model)
ScopeFn = Callable[[models.QuerySet[Any], Any], models.QuerySet[Any]]
ActionFn = Callable[[Any, str, Any], bool]

_scopes: dict[type[models.Model], ScopeFn] = {}
_actions: dict[type[models.Model], ActionFn] = {}

VIEW = "view"
CHANGE = "change"
DELETE = "delete"


def register(model: type[models.Model], *, scope: ScopeFn, can: ActionFn | None = None) -> None:
    _scopes[model] = scope
    if can is not None:
        _actions[model] = can


def registered_models() -> list[type[models.Model]]:
    return list(_scopes)


def scope(queryset: models.QuerySet[M], user: Any) -> models.QuerySet[M]:
    """The rows of ``queryset`` that ``user`` may see. Unknown models are closed, not open."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    try:
        scope_fn = _scopes[queryset.model]
    except KeyError:
        raise LookupError(f"no access scope registered for {queryset.model._meta.label}") from None
    return scope_fn(queryset, user)


def can(user: Any, action: str, obj: models.Model) -> bool:
    """Whether ``user`` may do ``action`` to ``obj`` (which must already be in their scope)."""
    if action == VIEW:
        return True
    check = _actions.get(type(obj))
    return bool(check and check(user, action, obj))


def access_object(queryset: models.QuerySet[M], user: Any, pk: Any, action: str = VIEW) -> M:
    obj = scope(queryset, user).filter(pk=pk).first()
    if obj is None:
        raise Http404(_("记录不存在或无权查看"))
    if not can(user, action, obj):
        raise PermissionDenied(_("无权执行此操作"))
    return obj


class AccessQuerySet(models.QuerySet[M]):
    """Base queryset for every protected model: gives it ``visible_to(user)``."""

    def visible_to(self, user: Any) -> AccessQuerySet[M]:
        return scope(self, user)  # type: ignore[return-value]
