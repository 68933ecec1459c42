"""Login with lockout: five bad passwords lock the account for fifteen minutes (settings)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from wutong.accounts import services
from wutong.accounts.models import User


class LockoutModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            User().set_password(password)  # same work as a real check, so timing does not reveal names
            return None
        if user.is_locked():
            if request is not None:
                request.wutong_locked_until = user.locked_until  # type: ignore[attr-defined]
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            services.record_login_success(user)
            return user
        services.record_login_failure(user)
        if user.is_locked() and request is not None:
            request.wutong_locked_until = user.locked_until  # type: ignore[attr-defined]
        return None
