from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STAFF = "staff", _("科员")
    SECTION_HEAD = "section_head", _("科室负责人")
    BUREAU_LEADER = "bureau_leader", _("局领导")
    DISTRICT_LEADER = "district_leader", _("区领导")
    PARTNER = "partner", _("协办部门经办人")
    REVIEWER = "reviewer", _("评审专家")
    AGENCY = "agency", _("第三方机构")
    ENTERPRISE = "enterprise", _("企业联络人")
    ADMIN = "admin", _("系统管理员")


class OrgUnitKind(models.TextChoices):
    BUREAU = "bureau", _("局机关")
    SECTION = "section", _("业务科室")
    DISTRICT = "district", _("区领导")
    PARTNER_DEPARTMENT = "partner_department", _("协办部门")
    AGENCY = "agency", _("第三方机构")
    ENTERPRISE = "enterprise", _("企业")
    EXPERT_POOL = "expert_pool", _("专家库")
