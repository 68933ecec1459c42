"""Forms of the visit pages. Forms validate input shape; business rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wutong.accounts.choices import OrgUnitKind, Role
from wutong.accounts.models import OrgUnit, User
from wutong.visits.choices import Confidentiality, CoveragePeriod, VisitType
from wutong.visits.models import KeyList, KeyListTier

VISITOR_ROLES = [Role.STAFF, Role.SECTION_HEAD, Role.BUREAU_LEADER, Role.DISTRICT_LEADER]


class BootstrapForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        unit = obj.org_unit.name if obj.org_unit_id else ""
        return f"{obj.display_label}（{unit} {obj.get_role_display()}）"


class UsersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        unit = obj.org_unit.name if obj.org_unit_id else ""
        return f"{obj.display_label}（{unit}）"


def internal_users(roles: list[str] | None = None) -> Any:
    return (
        User.objects.filter(is_active=True, role__in=roles or VISITOR_ROLES)
        .select_related("org_unit")
        .order_by("org_unit__name", "display_name")
    )


def organising_units() -> Any:
    kinds = [OrgUnitKind.SECTION, OrgUnitKind.BUREAU, OrgUnitKind.DISTRICT]
    return OrgUnit.objects.filter(kind__in=kinds, is_active=True).order_by("kind", "name")


class VisitForm(BootstrapForm):
    """Plan a visit, or (``record=True``) record one that happened, with its notes."""

    enterprise_uscc = forms.CharField(label=_("企业统一社会信用代码"), max_length=18)
    visit_date = forms.DateField(label=_("走访日期"), widget=forms.DateInput(attrs={"type": "date"}))
    visit_type = forms.ChoiceField(label=_("走访类型"), choices=VisitType.choices)
    organising_unit = forms.ModelChoiceField(label=_("组织单位"), queryset=OrgUnit.objects.none())
    visitors = UsersChoiceField(
        label=_("走访人员"), queryset=User.objects.none(), widget=forms.SelectMultiple(attrs={"size": 6})
    )
    purpose = forms.CharField(label=_("走访事由"), max_length=300)
    confidentiality = forms.ChoiceField(
        label=_("密级"), choices=Confidentiality.choices, initial=Confidentiality.NORMAL
    )
    notes = forms.CharField(label=_("走访情况"), widget=forms.Textarea(attrs={"rows": 5}))
    next_steps = forms.CharField(
        label=_("下一步工作"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, record: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organising_unit"].queryset = organising_units()  # type: ignore[attr-defined]
        self.fields["visitors"].queryset = internal_users()  # type: ignore[attr-defined]
        if not record:
            del self.fields["notes"], self.fields["next_steps"]

    def clean_enterprise_uscc(self) -> str:
        return str(self.cleaned_data["enterprise_uscc"]).strip().upper()


class CompleteVisitForm(BootstrapForm):
    """Record a planned visit: when it happened and what was found."""

    visit_date = forms.DateField(label=_("实际走访日期"), widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(label=_("走访情况"), widget=forms.Textarea(attrs={"rows": 5}))
    next_steps = forms.CharField(
        label=_("下一步工作"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("visit_date", timezone.localdate())
        super().__init__(*args, **kwargs)


class CancelVisitForm(BootstrapForm):
    reason = forms.CharField(label=_("取消原因"), max_length=300)


class RaiseDemandForm(BootstrapForm):
    """A 诉求 heard during the visit (the demands app routes and tracks it)."""

    category: forms.ModelChoiceField = forms.ModelChoiceField(label=_("诉求类别"), queryset=None)  # type: ignore[type-arg,arg-type]
    title = forms.CharField(label=_("标题"), max_length=200, required=False)
    content = forms.CharField(label=_("诉求内容"), widget=forms.Textarea(attrs={"rows": 3}))
    contact_name = forms.CharField(label=_("企业联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from wutong.demands.models import DemandCategory

        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = DemandCategory.objects.filter(is_active=True).order_by(  # type: ignore[attr-defined]
            "order", "name"
        )


class KeyListForm(BootstrapForm):
    name = forms.CharField(label=_("名单名称"), max_length=100)
    description = forms.CharField(label=_("说明"), max_length=300, required=False)
    double_visit_days = forms.IntegerField(
        label=_("重复走访提醒天数"), min_value=0, max_value=365, required=False, help_text=_("留空为 14 天")
    )
    tiers = forms.CharField(
        label=_("档次与走访周期"),
        initial="A,30\nB,90\nC,180",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个档次：代码,周期天数（如 A,30）"),
    )

    def clean_tiers(self) -> list[tuple[str, str, int]]:
        out = []
        for line in str(self.cleaned_data["tiers"]).splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if len(parts) != 2 or not parts[1].isdigit():
                raise forms.ValidationError(_("格式应为 代码,天数：%(l)s") % {"l": line})
            out.append((parts[0], f"{parts[0]}类", int(parts[1])))
        return out


class AddMembersForm(BootstrapForm):
    usccs = forms.CharField(
        label=_("统一社会信用代码"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一个，可从 Excel 粘贴；也可从企业列表筛选后批量加入"),
    )
    tier = forms.ModelChoiceField(label=_("档次"), queryset=KeyListTier.objects.none())
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args: Any, key_list: KeyList, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tier"].queryset = key_list.tiers.all()  # type: ignore[attr-defined]

    def clean_usccs(self) -> list[str]:
        text = str(self.cleaned_data["usccs"]).replace(",", "\n").replace("，", "\n")
        return [u.strip().upper() for u in text.split() if u.strip()]


class AssignLeaderForm(BootstrapForm):
    enterprise_uscc = forms.CharField(label=_("企业统一社会信用代码"), max_length=18)
    leader = UserChoiceField(label=_("挂点领导"), queryset=User.objects.none())
    contact_staff = UserChoiceField(label=_("联络员"), queryset=User.objects.none(), required=False)
    since = forms.DateField(label=_("挂点起始日"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("since", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = internal_users()  # type: ignore[attr-defined]
        self.fields["contact_staff"].queryset = internal_users([Role.STAFF, Role.SECTION_HEAD])  # type: ignore[attr-defined]

    def clean_enterprise_uscc(self) -> str:
        return str(self.cleaned_data["enterprise_uscc"]).strip().upper()


class CoverageForm(BootstrapForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)
    period = forms.ChoiceField(label=_("周期"), choices=CoveragePeriod.choices, required=False)
