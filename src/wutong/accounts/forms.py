from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from wutong.accounts.models import OrgUnit, User


class BootstrapFormMixin:
    """Bootstrap classes on every widget, so templates can render ``{{ form }}`` as is."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


class LoginForm(BootstrapFormMixin, AuthenticationForm):
    """The login form. Its errors say how lockout works, and when a locked account opens again."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.error_messages = {
            "invalid_login": _("用户名或密码错误。连续 %(n)d 次错误将锁定账号 %(minutes)d 分钟。")
            % {"n": settings.LOCKOUT_THRESHOLD, "minutes": settings.LOCKOUT_MINUTES},
            "inactive": _("该账号已停用。"),
        }

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            locked_until = getattr(self.request, "wutong_locked_until", None)
            if locked_until is not None:
                raise forms.ValidationError(
                    _("账号已锁定，请于 %(time)s 后再试。")
                    % {"time": timezone.localtime(locked_until).strftime("%H:%M")},
                    code="locked",
                ) from None
            raise


class UserForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["username", "display_name", "role", "org_unit", "title", "phone", "email", "is_active"]


def password_policy_help() -> Any:
    """The password rules as a list under the field, so nobody learns them by trial and error."""
    return lazy(password_validators_help_text_html, str)()


class UserCreateForm(UserForm):
    password = forms.CharField(
        label=_("初始密码"), widget=forms.PasswordInput, strip=False, help_text=password_policy_help()
    )


class PasswordChangeForm(BootstrapFormMixin, forms.Form):
    old_password = forms.CharField(label=_("原密码"), widget=forms.PasswordInput, strip=False)
    new_password1 = forms.CharField(
        label=_("新密码"), widget=forms.PasswordInput, strip=False, help_text=password_policy_help()
    )
    new_password2 = forms.CharField(label=_("确认新密码"), widget=forms.PasswordInput, strip=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致"))
        return data


class OrgUnitForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = OrgUnit
        fields = ["name", "short_name", "kind", "parent", "uscc", "is_active"]


class PasswordResetForm(BootstrapFormMixin, forms.Form):
    """An administrator sets a new password for someone (e.g. after a lockout or a forgotten one)."""

    new_password1 = forms.CharField(
        label=_("新密码"), widget=forms.PasswordInput, strip=False, help_text=password_policy_help()
    )
    new_password2 = forms.CharField(label=_("确认新密码"), widget=forms.PasswordInput, strip=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致"))
        return data
