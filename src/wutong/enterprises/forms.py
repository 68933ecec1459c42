"""Forms of the registry's management pages. They only parse input: the services decide.

Plain forms (not ModelForms) on purpose: a ModelForm writes into the instance while validating, and
the service must see the enterprise as it was to diff it for the audit log. Money is typed in 万元
(what officials write) and handed to the services in yuan.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wutong.accounts.forms import BootstrapFormMixin
from wutong.enterprises import services
from wutong.enterprises.identity import compact_uscc, validate_uscc
from wutong.enterprises.models import AnnualReport, Enterprise, Tag

WAN = Decimal(10_000)

# The profile fields staff type (source and as-of are set by the service / the form below).
PROFILE_FIELDS = [name for name in services.ENTERPRISE_FIELDS if name not in {"source", "as_of"}]


def _wan_field(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=_("%(label)s(万元)") % {"label": label}, max_digits=16, decimal_places=4, required=False
    )


def to_wan(value: Decimal | None) -> Decimal | None:
    """Yuan → 万元 for a form's initial value, without trailing zeros or exponent (1500, 120.5)."""
    if value is None:
        return None
    wan = Decimal(value) / WAN
    return wan.quantize(Decimal(1)) if wan == wan.to_integral_value() else wan.normalize()


def to_yuan(value: Decimal | None) -> Decimal | None:
    return None if value is None else (Decimal(value) * WAN).quantize(Decimal("0.01"))


def _profile_fields() -> dict[str, forms.Field]:
    """The model's own fields (labels, choices, querysets), with the USCC loosened so a pasted code
    with spaces or hyphens reaches ``clean_uscc`` and the capital typed in 万元."""
    fields = forms.fields_for_model(Enterprise, fields=PROFILE_FIELDS)
    fields["uscc"] = forms.CharField(
        label=Enterprise._meta.get_field("uscc").verbose_name,
        max_length=30,
        help_text=_("18位，可含空格或连字符，保存时自动规范化"),
    )
    fields["registered_capital"] = _wan_field(_("注册资本"))
    fields["established"].widget = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    return fields


if TYPE_CHECKING:
    _EnterpriseFields = forms.Form
else:
    _EnterpriseFields = type("_EnterpriseFields", (forms.Form,), _profile_fields())


class EnterpriseForm(BootstrapFormMixin, _EnterpriseFields):
    """The enterprise profile. ``registered_capital`` is typed in 万元."""

    def __init__(self, *args: Any, enterprise: Enterprise | None = None, **kwargs: Any) -> None:
        if enterprise is not None and "initial" not in kwargs:
            initial = {name: getattr(enterprise, name) for name in PROFILE_FIELDS}
            initial["registered_capital"] = to_wan(enterprise.registered_capital)
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)

    def clean_uscc(self) -> str:
        code = compact_uscc(self.cleaned_data.get("uscc"))
        result = validate_uscc(code)
        if not result.valid:
            raise forms.ValidationError(result.errors)
        return code

    def clean_registered_capital(self) -> Decimal | None:
        return to_yuan(self.cleaned_data.get("registered_capital"))

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in PROFILE_FIELDS}


class EnterpriseCreateForm(EnterpriseForm):
    tags = forms.ModelMultipleChoiceField(label=_("标签"), queryset=Tag.objects.all(), required=False)
    confirm_duplicates = forms.BooleanField(
        label=_("我已核对疑似重复企业，确认这是另一家企业"), required=False, widget=forms.HiddenInput
    )

    def service_fields(self) -> dict[str, Any]:
        fields = super().service_fields()
        fields["tags"] = list(self.cleaned_data.get("tags") or [])
        return fields


ANNUAL_COUNT_FIELDS = ("employees", "tech_staff", "rd_staff")
ANNUAL_MONEY_FIELDS = tuple(name for name in AnnualReport.FIGURE_FIELDS if name not in ANNUAL_COUNT_FIELDS)


def _annual_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {
        "year": forms.IntegerField(label=_("年度"), min_value=1949, max_value=2100),
        "as_of": forms.DateField(
            label=_("数据截至日期"),
            required=False,
            widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        ),
    }
    for name in AnnualReport.FIGURE_FIELDS:
        label = getattr(AnnualReport._meta.get_field(name), "verbose_name", name)
        if name in ANNUAL_COUNT_FIELDS:
            fields[name] = forms.IntegerField(label=label, min_value=0, required=False)
        else:
            fields[name] = _wan_field(label)
    return fields


if TYPE_CHECKING:
    _AnnualFields = forms.Form
else:
    _AnnualFields = type("_AnnualFields", (forms.Form,), _annual_fields())


class AnnualReportForm(BootstrapFormMixin, _AnnualFields):
    """One year's figures; money in 万元, headcounts as annual averages."""

    MONEY_FIELDS = ANNUAL_MONEY_FIELDS
    COUNT_FIELDS = ANNUAL_COUNT_FIELDS

    def __init__(self, *args: Any, report: AnnualReport | None = None, **kwargs: Any) -> None:
        if report is not None and "initial" not in kwargs:
            initial: dict[str, Any] = {"year": report.year, "as_of": report.as_of}
            for name in self.MONEY_FIELDS:
                initial[name] = to_wan(getattr(report, name))
            for name in self.COUNT_FIELDS:
                initial[name] = getattr(report, name)
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        if report is not None:
            self.fields["year"].disabled = True

    def figures(self) -> dict[str, Any]:
        data = {name: to_yuan(self.cleaned_data.get(name)) for name in self.MONEY_FIELDS}
        data.update({name: self.cleaned_data.get(name) for name in self.COUNT_FIELDS})
        return data


class MergeReasonForm(BootstrapFormMixin, forms.Form):
    """Which of the two survives, and why (the reason goes into the audit log)."""

    survivor = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("合并原因"), max_length=200)


class DismissForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class MergeLookupForm(BootstrapFormMixin, forms.Form):
    """The enterprise page's merge: find the other enterprise by its USCC."""

    other_uscc = forms.CharField(label=_("另一企业的统一社会信用代码"), max_length=30)

    def clean_other_uscc(self) -> str:
        return compact_uscc(self.cleaned_data["other_uscc"])
