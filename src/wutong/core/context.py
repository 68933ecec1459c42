"""The request that is being served, for the audit log (IP, user agent) without threading it
through every service call."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    ip: str | None
    user_agent: str


current_request: ContextVar[RequestInfo | None] = ContextVar("wutong_current_request", default=None)
