"""Forms of 招商. Money is typed in 万元 (what officials use) and stored in yuan."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wutong.accounts.models import User
from wutong.accounts.roles import INTERNAL_ROLES
from wutong.core.models import Industry
from wutong.enterprises.identity import compact_uscc
from wutong.enterprises.models import Enterprise
from wutong.investment.choices import ChainLinkKind, ChainPosition, LostReason, PlanMetric
from wutong.investment.models import Activity, Chain, ChainSegment, Project, Space, Target, TargetList
from wutong.investment.services import PROJECT_FIELDS, TARGET_FIELDS

WAN = Decimal(10_000)


class WanYuanField(forms.DecimalField):
    """A money field typed in 万元; ``cleaned_data`` holds yuan."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 4)
        kwargs.setdefault("min_value", 0)
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> Any:
        cleaned = super().clean(value)
        return None if cleaned is None else (cleaned * WAN).quantize(Decimal("0.01"))

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return (value / WAN).normalize()
        return value


class StyledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class StyledModelForm(forms.ModelForm):  # type: ignore[type-arg]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


def _style(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")
        if isinstance(widget, forms.DateInput):
            widget.input_type = "date"
            widget.format = "%Y-%m-%d"


def _staff() -> Any:
    return User.objects.filter(role__in=INTERNAL_ROLES, is_active=True).order_by("username")


class IndustryCodeField(forms.CharField):
    """A GB/T 4754 code typed as text (``6513`` or ``I6513``), checked against the reference table."""

    def clean(self, value: Any) -> Any:
        text = (super().clean(value) or "").strip().upper()
        if not text:
            return None
        code = text[1:] if text[:1].isalpha() else text
        industry = Industry.objects.filter(code=code).first()
        if industry is None:
            raise forms.ValidationError(_("行业代码不存在（GB/T 4754-2017）"))
        return industry

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Industry):
            return value.code
        return value


class TargetForm(StyledModelForm):
    industry = IndustryCodeField(label=_("行业代码"), required=False, max_length=5)

    class Meta:
        model = Target
        fields = [*TARGET_FIELDS[:-1], "lists", "notes"]  # the service's fields, lists before notes
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff()  # type: ignore[attr-defined]
        self.fields["lists"].queryset = TargetList.objects.all()  # type: ignore[attr-defined]
        if self.instance.pk and self.instance.industry_id:
            self.initial["industry"] = self.instance.industry_id

    def _post_clean(self) -> None:  # the services validate; skip model validation (unique uscc etc.)
        pass


class TargetListForm(StyledForm):
    name = forms.CharField(label=_("清单名称"), max_length=100)
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    owner = forms.ModelChoiceField(label=_("负责人"), queryset=User.objects.none(), required=False)
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff()  # type: ignore[attr-defined]


class ContactForm(StyledForm):
    name = forms.CharField(label=_("姓名"), max_length=50)
    role = forms.CharField(label=_("职务"), max_length=50, required=False)
    phone = forms.CharField(label=_("电话"), max_length=30, required=False)
    email = forms.EmailField(label=_("邮箱"), required=False)


class ProjectForm(StyledModelForm):
    industry = IndustryCodeField(label=_("行业代码"), required=False, max_length=5)
    investment_amount = WanYuanField(label=_("投资额(万元)"))
    registered_capital = WanYuanField(label=_("注册资本(万元)"))
    paid_in_capital = WanYuanField(label=_("承诺实缴资本(万元)"))
    expected_revenue = WanYuanField(label=_("预计年营业收入(万元)"))
    expected_tax = WanYuanField(label=_("预计年纳税(万元)"))

    class Meta:
        model = Project
        fields = list(PROJECT_FIELDS)
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            **{d: forms.DateInput() for d in ("signed_on", "move_in_on", "landed_on", "operating_on")},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff()  # type: ignore[attr-defined]
        self.fields["channel"].required = False
        self.fields["channel"].help_text = _("留空则沿用招商目标的渠道")
        if self.instance.pk and self.instance.industry_id:
            self.initial["industry"] = self.instance.industry_id

    def _post_clean(self) -> None:
        pass


class AdvanceForm(StyledForm):
    to_stage = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("说明"), required=False, max_length=300)


class LostForm(StyledForm):
    reason = forms.ChoiceField(label=_("流失原因"), choices=[("", "—"), *LostReason.choices], required=False)
    note = forms.CharField(label=_("说明"), required=False, max_length=300)


class ActivityForm(StyledModelForm):
    class Meta:
        model = Activity
        fields = [
            "kind",
            "title",
            "date",
            "city",
            "participants",
            "participant_count",
            "owner",
            "targets",
            "projects",
            "notes",
        ]
        widgets = {"date": forms.DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff()  # type: ignore[attr-defined]
        self.fields["targets"].widget.attrs["size"] = 6
        self.fields["projects"].widget.attrs["size"] = 6


class PlanTargetForm(StyledForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    metric = forms.ChoiceField(label=_("指标"), choices=PlanMetric.choices)
    target = forms.IntegerField(label=_("目标值"), min_value=0)
    note = forms.CharField(label=_("说明"), required=False, max_length=200)


class SpaceForm(StyledModelForm):
    class Meta:
        model = Space
        fields = [
            "park",
            "building",
            "floor",
            "area",
            "use",
            "rent",
            "available_from",
            "is_available",
            "note",
        ]
        widgets = {"available_from": forms.DateInput()}


class ChainLinkForm(StyledForm):
    """A chain leader's supplier or customer; enterprises are given by USCC (the registry is large)."""

    leader_uscc = forms.CharField(label=_("链主企业信用代码"), max_length=18)
    kind = forms.ChoiceField(label=_("关系"), choices=ChainLinkKind.choices)
    counterpart_uscc = forms.CharField(label=_("对方企业信用代码(区内)"), max_length=18, required=False)
    counterpart_target = forms.ModelChoiceField(
        label=_("对方企业(招商目标)"), queryset=Target.objects.all(), required=False
    )
    segment = forms.ModelChoiceField(
        label=_("产业链环节"), queryset=ChainSegment.objects.all(), required=False
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def _enterprise(self, name: str) -> Enterprise | None:
        code = compact_uscc(self.cleaned_data.get(name) or "")
        if not code:
            return None
        enterprise = Enterprise.objects.filter(uscc=code).first()
        if enterprise is None:
            self.add_error(name, _("一企一档中没有该信用代码的企业"))
        return enterprise

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["leader"] = self._enterprise("leader_uscc")
        data["counterpart_enterprise"] = self._enterprise("counterpart_uscc")
        return data


class ChainForm(StyledForm):
    name = forms.CharField(label=_("产业链"), max_length=50)
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    order = forms.IntegerField(label=_("排序"), min_value=0, initial=0)


class SegmentForm(StyledForm):
    chain = forms.ModelChoiceField(label=_("产业链"), queryset=Chain.objects.all())
    position = forms.ChoiceField(label=_("环节位置"), choices=ChainPosition.choices)
    name = forms.CharField(label=_("环节名称"), max_length=60)
    industry_codes = forms.CharField(
        label=_("行业代码"), max_length=200, required=False, help_text=_("GB/T 4754 代码，多个用逗号分隔")
    )
    keywords = forms.CharField(label=_("关键词"), max_length=300, required=False)
    order = forms.IntegerField(label=_("排序"), min_value=0, initial=0)
