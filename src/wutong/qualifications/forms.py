"""Forms of the qualifications pages: start a screening, create a pool, move a stage, assign, coach,
open a batch, store an assessment and record an expert estimate."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wutong.accounts.choices import OrgUnitKind
from wutong.accounts.models import OrgUnit, User
from wutong.accounts.roles import EDITOR_ROLES
from wutong.qualifications.choices import PoolStage
from wutong.qualifications.models import ApplicationBatch
from wutong.qualifications.rules import rulesets


def _rule_choices() -> list[tuple[str, str]]:
    return [(code, f"{code} {rs.name}") for code, rs in sorted(rulesets().items()) if rs.assessable]


class _Bootstrap(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class ScreeningForm(_Bootstrap):
    rule_code = forms.ChoiceField(label=_("资质"), choices=_rule_choices)
    on_date = forms.DateField(label=_("评估日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on_date"].initial = timezone.localdate()
        self.fields["rule_code"].initial = "gaoxin"


class PoolForm(_Bootstrap):
    name = forms.CharField(label=_("名称"), max_length=100)
    rule_code = forms.ChoiceField(label=_("资质"), choices=_rule_choices)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    target = forms.IntegerField(label=_("认定目标(家)"), min_value=0, required=False)
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class StageForm(_Bootstrap):
    stage = forms.ChoiceField(label=_("新阶段"), choices=PoolStage.choices)
    batch = forms.ModelChoiceField(
        label=_("申报批次"), queryset=ApplicationBatch.objects.none(), required=False
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args: Any, pool: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if pool is not None:
            self.fields["batch"].queryset = pool.batches.all()  # type: ignore[attr-defined]


class AssignForm(_Bootstrap):
    owner = forms.ModelChoiceField(
        label=_("负责人"), queryset=User.objects.filter(role__in=EDITOR_ROLES, is_active=True), required=False
    )
    agency = forms.ModelChoiceField(
        label=_("辅导机构"), queryset=OrgUnit.objects.filter(kind=OrgUnitKind.AGENCY), required=False
    )


class CoachingForm(_Bootstrap):
    date = forms.DateField(label=_("辅导日期"), widget=forms.DateInput(attrs={"type": "date"}))
    content = forms.CharField(label=_("辅导内容"), widget=forms.Textarea(attrs={"rows": 3}))
    next_step = forms.CharField(label=_("下一步"), max_length=300, required=False)


class BatchForm(_Bootstrap):
    name = forms.CharField(label=_("批次"), max_length=60)
    submitted_on = forms.DateField(
        label=_("申报日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class EstimateForm(_Bootstrap):
    rule_code = forms.CharField(widget=forms.HiddenInput)
    item_id = forms.CharField(label=_("评分项"))
    min_points = forms.DecimalField(label=_("下限"), min_value=0, decimal_places=2)
    max_points = forms.DecimalField(label=_("上限"), min_value=0, decimal_places=2)
    note = forms.CharField(label=_("依据说明"), required=False)


class AddMembersForm(_Bootstrap):
    usccs = forms.CharField(
        label=_("统一社会信用代码"),
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "每行一个或以逗号分隔"}),
    )

    def clean_usccs(self) -> list[str]:
        raw = self.cleaned_data["usccs"].replace(",", "\n").replace("，", "\n")
        codes = [line.strip().upper() for line in raw.splitlines() if line.strip()]
        if not codes:
            raise forms.ValidationError(_("请填写统一社会信用代码"))
        return list(dict.fromkeys(codes))
