"""Idle session timeout and login-required-by-default."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

SESSION_KEY = "wutong_last_activity"


class IdleTimeoutMiddleware:
    """Logs a user out after ``WUTONG_SESSION_IDLE_MINUTES`` without a request (default 30).

    The timeout is read from ``settings.SESSION_IDLE_TIMEOUT`` (seconds) on every request, so tests
    and deployments can change it. The clock is the session's own last-activity stamp, not the
    cookie age, so an open tab that is left alone expires while an active one does not.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            last = request.session.get(SESSION_KEY)
            if last is not None and now - float(last) > settings.SESSION_IDLE_TIMEOUT:
                return self.expire(request)
            request.session[SESSION_KEY] = now
        return self.get_response(request)

    def expire(self, request: HttpRequest) -> HttpResponse:
        logout(request)
        # This middleware runs before MessageMiddleware, so it brings its own message storage and
        # writes it onto the response itself (the login page then shows why the user is there).
        storage = default_storage(request)
        request._messages = storage  # type: ignore[attr-defined]
        messages.warning(request, _("长时间未操作，已自动退出，请重新登录。"))
        if request.headers.get("HX-Request") == "true":
            # An HTMX swap must not paste the login page into a table: ask for a full navigation.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = redirect_to_login(request.get_full_path())["Location"]
        else:
            response = redirect_to_login(request.get_full_path())
        storage.update(response)
        return response


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Every page needs a login unless its view is marked ``@login_not_required``."""
