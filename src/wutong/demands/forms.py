"""Forms of the demand pages. They only parse input; every rule is in services/rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wutong.accounts.choices import OrgUnitKind
from wutong.accounts.models import OrgUnit
from wutong.demands.choices import DemandChannel, GroupStatus, RejectionReason
from wutong.demands.models import Demand, DemandCategory


class StyledForm(forms.Form):
    """Bootstrap classes on every widget (one look for every form)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


def department_choices() -> Any:
    return OrgUnit.objects.filter(
        kind__in=[OrgUnitKind.PARTNER_DEPARTMENT, OrgUnitKind.SECTION], is_active=True
    ).order_by("kind", "name")


class DemandForm(StyledForm):
    enterprise_uscc = forms.CharField(label=_("企业统一社会信用代码"), max_length=18)
    category = forms.ModelChoiceField(
        label=_("类别"),
        queryset=DemandCategory.objects.filter(is_active=True),
        required=False,
        empty_label=_("自动分类"),
        help_text=_("不选则按诉求内容中的关键词自动分类"),
    )
    title = forms.CharField(label=_("标题"), max_length=200, required=False)
    content = forms.CharField(label=_("诉求内容"), widget=forms.Textarea(attrs={"rows": 5}))
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    channel = forms.ChoiceField(
        label=_("来源渠道"),
        choices=[(c.value, c.label) for c in DemandChannel if c != DemandChannel.OPEN311],
        initial=DemandChannel.STAFF,
    )

    def __init__(self, *args: Any, enterprise_user: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if enterprise_user:
            del self.fields["enterprise_uscc"]
            del self.fields["channel"]


class NoteForm(StyledForm):
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AcceptForm(NoteForm):
    category = forms.ModelChoiceField(
        label=_("核定类别"), queryset=DemandCategory.objects.filter(is_active=True), required=False
    )


class RouteForm(StyledForm):
    lead_department = forms.ModelChoiceField(label=_("主办单位"), queryset=OrgUnit.objects.none())
    assisting_departments = forms.ModelMultipleChoiceField(
        label=_("协办单位"), queryset=OrgUnit.objects.none(), required=False
    )
    note = forms.CharField(label=_("交办意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_department"].queryset = department_choices()  # type: ignore[attr-defined]
        self.fields["assisting_departments"].queryset = department_choices()  # type: ignore[attr-defined]


class TransferForm(StyledForm):
    to_department = forms.ModelChoiceField(label=_("改派至"), queryset=OrgUnit.objects.none())
    reason = forms.CharField(label=_("改派理由"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_department"].queryset = department_choices()  # type: ignore[attr-defined]


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))


class ReplyForm(StyledForm):
    reply = forms.CharField(label=_("答复内容（办理结果）"), widget=forms.Textarea(attrs={"rows": 4}))


class RateForm(StyledForm):
    rating = forms.TypedChoiceField(
        label=_("满意度"),
        coerce=int,
        choices=[
            (5, _("5 非常满意")),
            (4, _("4 满意")),
            (3, _("3 基本满意")),
            (2, _("2 不满意")),
            (1, _("1 很不满意")),
        ],
    )
    comment = forms.CharField(label=_("评价意见"), max_length=500, required=False)


class RejectForm(StyledForm):
    reason = forms.ChoiceField(label=_("不予受理原因"), choices=RejectionReason.choices)
    note = forms.CharField(label=_("说明"), required=False, max_length=500)


class CommentForm(StyledForm):
    body = forms.CharField(label=_("留言"), widget=forms.Textarea(attrs={"rows": 2}))
    is_public = forms.BooleanField(label=_("企业可见"), required=False)


class MergeForm(StyledForm):
    into = forms.CharField(label=_("并入诉求编号"), max_length=20, help_text=_("保留的诉求，如 SQ2026000123"))

    def clean_into(self) -> Demand:
        number = self.cleaned_data["into"].strip().upper()
        demand = Demand.objects.filter(number=number).first()
        if demand is None:
            raise forms.ValidationError(_("没有编号为 %(n)s 的诉求"), params={"n": number})
        return demand


class CategoryForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = DemandCategory
        fields = [
            "code",
            "name",
            "description",
            "keywords",
            "default_department",
            "section",
            "accept_days",
            "reply_days",
            "order",
            "is_active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else "form-control"
            if isinstance(field.widget, forms.Select):
                css = "form-select"
            field.widget.attrs.setdefault("class", css)


class GroupCreateForm(StyledForm):
    title = forms.CharField(label=_("共性问题"), max_length=200)
    note = forms.CharField(label=_("推动措施"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    demand_ids = forms.CharField(widget=forms.HiddenInput)

    def clean_demand_ids(self) -> list[int]:
        try:
            return [int(x) for x in self.cleaned_data["demand_ids"].split(",") if x.strip()]
        except ValueError as exc:
            raise forms.ValidationError(_("诉求编号无效")) from exc


class GroupUpdateForm(StyledForm):
    note = forms.CharField(label=_("推动措施"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    status = forms.ChoiceField(label=_("状态"), choices=GroupStatus.choices)


class ApiKeyForm(StyledForm):
    name = forms.CharField(label=_("用途"), max_length=100, help_text=_("如：12345 热线系统对接"))
    org_unit = forms.ModelChoiceField(
        label=_("所属单位"), queryset=OrgUnit.objects.filter(is_active=True).order_by("kind", "name")
    )


class StatsPeriodForm(StyledForm):
    start = forms.DateField(label=_("受理起"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("受理止"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
