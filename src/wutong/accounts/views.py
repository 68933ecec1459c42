"""Login, logout, password change and the user administration pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wutong.accounts import services
from wutong.accounts.access import access_org_unit, access_user
from wutong.accounts.filters import OrgUnitFilterSet, UserFilterSet
from wutong.accounts.forms import (
    LoginForm,
    OrgUnitForm,
    PasswordChangeForm,
    PasswordResetForm,
    UserCreateForm,
    UserForm,
)
from wutong.accounts.models import OrgUnit, User
from wutong.accounts.roles import has_capability
from wutong.accounts.tables import OrgUnitTable, UserTable
from wutong.core import access
from wutong.core.audit import history_for
from wutong.core.exceptions import DomainError
from wutong.core.views import ObjectListView


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(
                request.user,  # type: ignore[arg-type]
                actor=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except DomainError as exc:
            form.add_error(exc.field, exc.message)
        else:
            update_session_auth_hash(request, request.user)  # type: ignore[arg-type]
            messages.success(request, _("密码已修改。"))
            return redirect("core:dashboard")
    return render(
        request,
        "accounts/form.html",
        {"form": form, "title": _("修改密码"), "cancel_url": reverse("core:dashboard")},
    )


class UserListView(ObjectListView):
    model = User
    filterset_class = UserFilterSet
    table_class = UserTable
    capability = "accounts.view_users"
    title = gettext_lazy("用户管理")
    export_name = "users"
    template_name = "accounts/user_list.html"

    def get_queryset(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        return User.objects.visible_to(request.user).select_related("org_unit")

    def get_extra_context(self, request: HttpRequest) -> dict[str, object]:
        return {"can_create": has_capability(request.user, "accounts.manage_users")}


def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = access_user(request.user, pk)
    can_manage = access.can(request.user, access.CHANGE, target)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "target": target,
            "history": history_for(target)[:50],
            "can_manage": can_manage,
            "title": target.display_label,
        },
    )


def user_create(request: HttpRequest) -> HttpResponse:
    if not has_capability(request.user, "accounts.manage_users"):
        raise PermissionDenied
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "password"}
        try:
            user = services.create_user(actor=request.user, password=form.cleaned_data["password"], **data)
        except DomainError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, _("已创建用户 %(name)s。") % {"name": user.display_label})
            return redirect("accounts:user_detail", pk=user.pk)
    context = {"form": form, "title": _("新建用户"), "cancel_url": reverse("accounts:user_list")}
    return render(request, "accounts/form.html", context)


def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = access_user(request.user, pk, access.CHANGE)
    form = UserForm(request.POST or None, instance=User.objects.get(pk=target.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_user(target, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, _("已保存。"))
            return redirect("accounts:user_detail", pk=target.pk)
    cancel_url = reverse("accounts:user_detail", args=[target.pk])
    return render(
        request, "accounts/form.html", {"form": form, "title": _("编辑用户"), "cancel_url": cancel_url}
    )


@require_POST
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    target = access_user(request.user, pk, access.CHANGE)
    services.unlock_user(target, actor=request.user)
    messages.success(request, _("已解除锁定。"))
    return redirect("accounts:user_detail", pk=target.pk)


def user_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    target = access_user(request.user, pk, access.CHANGE)
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(
                target, actor=request.user, old_password=None, new_password=form.cleaned_data["new_password1"]
            )
        except DomainError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, _("已重置 %(name)s 的密码。") % {"name": target.display_label})
            return redirect("accounts:user_detail", pk=target.pk)
    title = _("重置密码：%(name)s") % {"name": target.display_label}
    cancel_url = reverse("accounts:user_detail", args=[target.pk])
    return render(request, "accounts/form.html", {"form": form, "title": title, "cancel_url": cancel_url})


class OrgUnitListView(ObjectListView):
    model = OrgUnit
    filterset_class = OrgUnitFilterSet
    table_class = OrgUnitTable
    capability = "accounts.manage_users"
    title = gettext_lazy("组织单位")
    export_name = "org-units"
    template_name = "accounts/orgunit_list.html"

    def get_queryset(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        return (
            OrgUnit.objects.visible_to(request.user)
            .select_related("parent")
            .annotate(user_count=Count("users"))
        )


def orgunit_create(request: HttpRequest) -> HttpResponse:
    if not has_capability(request.user, "accounts.manage_users"):
        raise PermissionDenied
    form = OrgUnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.create_org_unit(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, _("已创建单位 %(name)s。") % {"name": unit.name})
            return redirect("accounts:orgunit_list")
    context = {"form": form, "title": _("新建单位"), "cancel_url": reverse("accounts:orgunit_list")}
    return render(request, "accounts/form.html", context)


def orgunit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access_org_unit(request.user, pk, access.CHANGE)
    form = OrgUnitForm(request.POST or None, instance=OrgUnit.objects.get(pk=unit.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_org_unit(unit, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, _("已保存。"))
            return redirect("accounts:orgunit_list")
    return render(
        request,
        "accounts/form.html",
        {
            "form": form,
            "title": _("编辑单位：%(name)s") % {"name": unit.name},
            "cancel_url": reverse("accounts:orgunit_list"),
        },
    )
