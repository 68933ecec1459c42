"""一企一档: the enterprise and everything the bureau knows about it.

Money is stored in yuan as Decimal (shown in 万元); every figure carries its source and as-of date
(:class:`~wutong.core.models.SourcedModel`). The 统一社会信用代码 is the identity; names change and
are kept as former names.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from wutong.core.access import AccessQuerySet
from wutong.core.models import ImportBatch, Industry, Park, SourcedModel, Street, TimeStampedModel
from wutong.enterprises.choices import (
    CLASS_ONE_KINDS,
    CLASS_TWO_KINDS,
    DuplicateStatus,
    EmergingIndustry,
    EnterpriseStatus,
    HighTechField,
    IPAcquisition,
    IPClass,
    IPKind,
    IPStatus,
    QualificationKind,
    QualificationLevel,
    RelationKind,
    SizeClass,
)


def money(verbose_name: Any, **extra: Any) -> models.DecimalField:  # type: ignore[type-arg]
    """An amount in yuan (shown in 万元): 18 digits, 2 decimals, optional (missing ≠ zero)."""
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=2, null=True, blank=True, **extra)


class Tag(models.Model):
    """A label staff put on enterprises: 链主, 重点企业, 上市, 区领导挂点 …"""

    name = models.CharField(_("名称"), max_length=30, unique=True)
    color = models.CharField(_("颜色"), max_length=20, default="secondary")

    class Meta:
        verbose_name = _("企业标签")
        verbose_name_plural = _("企业标签")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EnterpriseQuerySet(AccessQuerySet["Enterprise"]):
    pass


class Enterprise(SourcedModel):
    """An enterprise (or other registered body) in the district, keyed by its 统一社会信用代码."""

    # Indexes are declared in Meta, not with unique=/db_index= on the fields: on PostgreSQL those
    # flags add a second, varchar_pattern_ops index to every CharField (see Meta.indexes).
    uscc = models.CharField(_("统一社会信用代码"), max_length=18)
    name = models.CharField(_("企业名称"), max_length=200)
    name_normalized = models.CharField(_("规范化名称"), max_length=200, editable=False)
    name_pinyin = models.CharField(_("名称全拼"), max_length=600, blank=True, editable=False)
    name_initials = models.CharField(_("名称首字母"), max_length=200, blank=True, editable=False)
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    established = models.DateField(_("成立日期"), null=True, blank=True)
    registered_capital = money(_("注册资本(元)"))
    status = models.CharField(
        _("经营状态"),
        max_length=20,
        choices=EnterpriseStatus.choices,
        default=EnterpriseStatus.ACTIVE,
    )
    registered_address = models.CharField(_("注册地址"), max_length=300, blank=True)
    operating_address = models.CharField(_("经营地址"), max_length=300, blank=True)
    street = models.ForeignKey(
        Street,
        verbose_name=_("所属街道"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # (street, status, name) serves street lookups
    )
    park = models.ForeignKey(
        Park,
        verbose_name=_("园区/楼宇"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # declared in Meta.indexes, with the other indexes a bulk load may rebuild
    )
    industry = models.ForeignKey(
        Industry,
        verbose_name=_("国民经济行业"),
        to_field="code",
        db_column="industry_code",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # (industry, name) serves industry lookups
    )
    high_tech_field = models.CharField(
        _("高新技术领域"), max_length=30, choices=HighTechField.choices, blank=True
    )
    emerging_industry = models.CharField(
        _("战略性新兴产业"), max_length=30, choices=EmergingIndustry.choices, blank=True
    )
    size_class = models.CharField(
        _("企业规模"),
        max_length=10,
        choices=SizeClass.choices,
        default=SizeClass.UNKNOWN,
        help_text=_("按工信部联企业〔2011〕300号由最近年度从业人员和营业收入计算"),
    )
    latest_revenue = money(
        _("最近年度营业收入(元)"),
        editable=False,
        help_text=_("最近一年年报的营业收入，供筛选与排序使用"),
    )
    latest_year = models.PositiveSmallIntegerField(_("最近年报年度"), null=True, blank=True, editable=False)
    tags = models.ManyToManyField(Tag, verbose_name=_("标签"), blank=True, related_name="enterprises")
    # As in SourcedModel, without its index: no page filters enterprises by batch, and an import
    # would pay for one more index entry per row (a batch is never deleted; SET NULL would scan).
    source_batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("导入批次"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["name"]
        # Every index here is paid for by every row an import writes; each one has a reader
        # (docs/adr/0005-search-at-scale.md lists them with their query plans). Name fragments,
        # pinyin and initials are matched in the search index of ``search.py``, not here.
        indexes = [
            # Ordering of the unfiltered list; exact-name lookups.
            models.Index(fields=["name"], name="enterprise_name"),
            # Exact and prefix lookups of the core name (duplicates, the search box's name tiers).
            # varchar_pattern_ops serves LIKE 'x%' whatever the database collation (and "=").
            models.Index(
                fields=["name_normalized"],
                name="enterprise_name_normalized",
                opclasses=["varchar_pattern_ops"],
            ),
            # The list is ordered by name: these let a filtered page stop after 50 rows at 3 M,
            # and serve street / industry lookups (filters, foreign-key checks) by their first column.
            models.Index(fields=["street", "status", "name"], name="enterprise_street_status_name"),
            models.Index(fields=["industry", "name"], name="enterprise_industry_name"),
            # The park filter (a building holds a few hundred of 3 M) and park foreign-key checks.
            models.Index(fields=["park"], name="enterprise_park"),
            # Narrow established-date ranges; wide ones walk the name order instead.
            models.Index(fields=["established"], name="enterprise_established"),
            # The revenue-range filter and ordering by revenue.
            models.Index(fields=["latest_revenue"]),
        ]
        constraints = [
            # One index for identity, equality, ordering by code and USCC-prefix search, which asks
            # for a range (search.code_prefix_q): 18 characters of [0-9A-Z] sort alike under any
            # collation, so the codes starting with P are those from P00…0 to PZZ…Z.
            models.UniqueConstraint(fields=["uscc"], name="enterprise_uscc_unique"),
            models.CheckConstraint(
                condition=models.Q(uscc__regex=r"^[0-9A-Z]{18}$"), name="enterprise_uscc_format"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Derived columns of the same row only (STYLE: the one allowed save() override).
        from wutong.enterprises.identity import name_search_columns

        self.name_normalized, self.name_pinyin, self.name_initials = name_search_columns(self.name)
        super().save(*args, **kwargs)


class FormerName(models.Model):
    """A name the enterprise used before (renamed, or merged away): still searchable and matched."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="former_names"
    )
    name = models.CharField(_("曾用名"), max_length=200)
    name_normalized = models.CharField(_("规范化名称"), max_length=200, db_index=True, editable=False)
    changed_on = models.DateField(_("变更日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("曾用名")
        verbose_name_plural = _("曾用名")
        constraints = [models.UniqueConstraint(fields=["enterprise", "name"], name="formername_unique")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        from wutong.enterprises.identity import normalize_name

        self.name_normalized = normalize_name(self.name)
        super().save(*args, **kwargs)


class AnnualReport(SourcedModel):
    """An enterprise's figures for one fiscal year (money in yuan; headcounts as annual monthly averages)."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="annual_reports"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    sales_revenue = money(_("销售收入"))
    main_business_revenue = money(_("主营业务收入"))
    operating_revenue = money(_("营业收入"))
    total_income = money(_("总收入"))
    high_tech_revenue = money(_("高新技术产品(服务)收入"))
    rd_expense = money(_("研发费用"))
    rd_expense_domestic = money(_("境内研发费用"))
    cost_expense_total = money(_("成本费用总额"))
    net_assets = money(_("净资产"))
    total_assets = money(_("资产总额"))
    total_liabilities = money(_("负债总额"))
    tax_paid = money(_("纳税总额"))
    employees = models.PositiveIntegerField(_("从业人员(年平均)"), null=True, blank=True)
    tech_staff = models.PositiveIntegerField(_("科技人员"), null=True, blank=True)
    rd_staff = models.PositiveIntegerField(_("研发人员"), null=True, blank=True)

    FIGURE_FIELDS = (
        "sales_revenue",
        "main_business_revenue",
        "operating_revenue",
        "total_income",
        "high_tech_revenue",
        "rd_expense",
        "rd_expense_domestic",
        "cost_expense_total",
        "net_assets",
        "total_assets",
        "total_liabilities",
        "tax_paid",
        "employees",
        "tech_staff",
        "rd_staff",
    )

    class Meta:
        verbose_name = _("年度经营数据")
        verbose_name_plural = _("年度经营数据")
        ordering = ["enterprise", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year"], name="annualreport_unique_year"),
            models.CheckConstraint(
                condition=models.Q(year__gte=1949, year__lte=2100), name="annualreport_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year}"


class IPAsset(SourcedModel):
    """A patent, software copyright or other IP right held by the enterprise."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="ip_assets"
    )
    kind = models.CharField(_("类型"), max_length=30, choices=IPKind.choices)
    number = models.CharField(_("申请号/登记号"), max_length=50)
    title = models.CharField(_("名称"), max_length=300, blank=True)
    filed_on = models.DateField(_("申请日"), null=True, blank=True)
    granted_on = models.DateField(_("授权/登记日"), null=True, blank=True)
    status = models.CharField(_("法律状态"), max_length=20, choices=IPStatus.choices, default=IPStatus.VALID)
    acquisition = models.CharField(
        _("获得方式"), max_length=20, choices=IPAcquisition.choices, default=IPAcquisition.SELF
    )
    ip_class = models.CharField(
        _("高企评价类别"), max_length=2, choices=IPClass.choices, blank=True, editable=False
    )
    used_for_gaoxin = models.BooleanField(_("已用于高企申报"), default=False)
    pledge_bank = models.CharField(_("质押银行"), max_length=100, blank=True)
    pledge_amount = money(_("质押金额"))
    pledge_date = models.DateField(_("质押日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("知识产权")
        verbose_name_plural = _("知识产权")
        ordering = ["enterprise", "-granted_on"]
        constraints = [models.UniqueConstraint(fields=["kind", "number"], name="ipasset_unique_number")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.ip_class = ip_class_for(self.kind)
        super().save(*args, **kwargs)


def ip_class_for(kind: str) -> str:
    """Ⅰ类 / Ⅱ类 as the 高企工作指引 counts them; trademarks count as neither."""
    if kind in CLASS_ONE_KINDS:
        return IPClass.ONE
    if kind in CLASS_TWO_KINDS:
        return IPClass.TWO
    return IPClass.NONE


class QualificationHolding(SourcedModel):
    """A qualification the enterprise holds (国高, 科小, 专精特新 …) with its certificate and expiry."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="qualifications"
    )
    kind = models.CharField(_("资质类型"), max_length=30, choices=QualificationKind.choices, db_index=True)
    level = models.CharField(
        _("级别"), max_length=20, choices=QualificationLevel.choices, default=QualificationLevel.NATIONAL
    )
    name = models.CharField(_("资质名称"), max_length=200, blank=True)
    certificate_no = models.CharField(_("证书编号"), max_length=60, blank=True)
    issued_on = models.DateField(_("发证日期"), null=True, blank=True)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("资质")
        verbose_name_plural = _("资质")
        ordering = ["enterprise", "-issued_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.certificate_no}"


class Lease(SourcedModel):
    """Space the enterprise rents: the relocation early-warning reads the lease end."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="leases"
    )
    park = models.ForeignKey(
        Park, verbose_name=_("园区/楼宇"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    building = models.CharField(_("楼栋/房号"), max_length=100, blank=True)
    area_m2 = models.DecimalField(_("面积(㎡)"), max_digits=12, decimal_places=2, null=True, blank=True)
    monthly_rent = money(_("月租金(元)"))
    start_on = models.DateField(_("起租日"), null=True, blank=True)
    end_on = models.DateField(_("到期日"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("租赁")
        verbose_name_plural = _("租赁")
        ordering = ["enterprise", "-end_on"]

    def __str__(self) -> str:
        return f"{self.park or self.building} {self.area_m2 or ''}㎡"


class SupportReceived(SourcedModel):
    """Industrial support the enterprise received (扶持资金, 补贴)."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="support_received"
    )
    program = models.CharField(_("扶持项目"), max_length=200)
    department = models.CharField(_("资助部门"), max_length=100, blank=True)
    amount = money(_("金额(元)"))
    granted_on = models.DateField(_("拨付日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("享受扶持")
        verbose_name_plural = _("享受扶持")
        ordering = ["enterprise", "-granted_on"]

    def __str__(self) -> str:
        return self.program


class Relation(SourcedModel):
    """Outbound investment or a branch elsewhere: a relocation signal when it grows."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="relations"
    )
    kind = models.CharField(_("关系类型"), max_length=30, choices=RelationKind.choices)
    counterpart_name = models.CharField(_("对方名称"), max_length=200)
    counterpart_uscc = models.CharField(_("对方信用代码"), max_length=18, blank=True)
    counterpart_region = models.CharField(_("对方所在地"), max_length=100, blank=True)
    amount = money(_("金额(元)"))
    started_on = models.DateField(_("日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("关联关系")
        verbose_name_plural = _("关联关系")
        ordering = ["enterprise", "-started_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.counterpart_name}"


class TalentHousing(SourcedModel):
    """人才住房 allocated to the enterprise's staff."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="talent_housing"
    )
    project = models.CharField(_("房源项目"), max_length=200, blank=True)
    units = models.PositiveIntegerField(_("套数"))
    allocated_on = models.DateField(_("配租日期"), null=True, blank=True)
    until = models.DateField(_("到期日"), null=True, blank=True)

    class Meta:
        verbose_name = _("人才住房")
        verbose_name_plural = _("人才住房")
        ordering = ["enterprise", "-allocated_on"]

    def __str__(self) -> str:
        return f"{self.project} {self.units}套"


class Contact(SourcedModel):
    """A person at the enterprise. Phones are PII: masked for roles that may not see them."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("姓名"), max_length=50)
    role = models.CharField(_("职务"), max_length=50, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    is_primary = models.BooleanField(_("主要联系人"), default=False)

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")
        ordering = ["enterprise", "-is_primary", "name"]

    def __str__(self) -> str:
        return self.name


class DuplicateCandidate(TimeStampedModel):
    """Two enterprises that look like one (same normalised name): a review queue, merged or dismissed."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="+"
    )
    other = models.ForeignKey(
        Enterprise, verbose_name=_("疑似重复"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("原因"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=20, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN, db_index=True
    )

    class Meta:
        verbose_name = _("疑似重复企业")
        verbose_name_plural = _("疑似重复企业")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "other"], name="duplicate_unique_pair")]

    def __str__(self) -> str:
        return f"{self.enterprise} ~ {self.other}"
