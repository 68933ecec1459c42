from django.db import models
from django.utils.translation import gettext_lazy as _


class EnterpriseStatus(models.TextChoices):
    ACTIVE = "active", _("存续/在业")
    MOVED_OUT = "moved_out", _("迁出")
    DEREGISTERED = "deregistered", _("注销")
    REVOKED = "revoked", _("吊销")


class SizeClass(models.TextChoices):
    """中小企业划型 (工信部联企业〔2011〕300号)."""

    LARGE = "large", _("大型")
    MEDIUM = "medium", _("中型")
    SMALL = "small", _("小型")
    MICRO = "micro", _("微型")
    UNKNOWN = "unknown", _("未划型")


class HighTechField(models.TextChoices):
    """《国家重点支持的高新技术领域》 top-level fields."""

    ELECTRONIC_INFORMATION = "electronic_information", _("电子信息")
    BIO_MEDICINE = "bio_medicine", _("生物与新医药")
    AEROSPACE = "aerospace", _("航空航天")
    NEW_MATERIALS = "new_materials", _("新材料")
    HIGH_TECH_SERVICES = "high_tech_services", _("高技术服务")
    NEW_ENERGY = "new_energy", _("新能源与节能")
    RESOURCES_ENVIRONMENT = "resources_environment", _("资源与环境")
    ADVANCED_MANUFACTURING = "advanced_manufacturing", _("先进制造与自动化")


class EmergingIndustry(models.TextChoices):
    """战略性新兴产业分类(2018) top-level categories."""

    NEXT_GEN_IT = "next_gen_it", _("新一代信息技术产业")
    HIGH_END_EQUIPMENT = "high_end_equipment", _("高端装备制造产业")
    NEW_MATERIALS = "new_materials", _("新材料产业")
    BIO = "bio", _("生物产业")
    NEW_ENERGY_VEHICLES = "new_energy_vehicles", _("新能源汽车产业")
    NEW_ENERGY = "new_energy", _("新能源产业")
    ENERGY_SAVING = "energy_saving", _("节能环保产业")
    DIGITAL_CREATIVE = "digital_creative", _("数字创意产业")
    RELATED_SERVICES = "related_services", _("相关服务业")


class IPKind(models.TextChoices):
    INVENTION_PATENT = "invention_patent", _("发明专利")
    UTILITY_MODEL = "utility_model", _("实用新型专利")
    DESIGN_PATENT = "design_patent", _("外观设计专利")
    SOFTWARE_COPYRIGHT = "software_copyright", _("软件著作权")
    IC_LAYOUT = "ic_layout", _("集成电路布图设计")
    PLANT_VARIETY = "plant_variety", _("植物新品种")
    NEW_DRUG = "new_drug", _("国家新药")
    NATIONAL_DEFENSE_PATENT = "defense_patent", _("国防专利")
    TCM_PROTECTED = "tcm_protected", _("国家一级中药保护品种")
    TRADEMARK = "trademark", _("商标")


# 高企工作指引: 按Ⅰ类评价 / 按Ⅱ类评价 (商标 counts as neither).
CLASS_ONE_KINDS = frozenset(
    {
        IPKind.INVENTION_PATENT,
        IPKind.IC_LAYOUT,
        IPKind.PLANT_VARIETY,
        IPKind.NEW_DRUG,
        IPKind.NATIONAL_DEFENSE_PATENT,
        IPKind.TCM_PROTECTED,
    }
)
CLASS_TWO_KINDS = frozenset({IPKind.UTILITY_MODEL, IPKind.DESIGN_PATENT, IPKind.SOFTWARE_COPYRIGHT})


class IPClass(models.TextChoices):
    ONE = "I", _("Ⅰ类")
    TWO = "II", _("Ⅱ类")
    NONE = "", _("不计")


class IPStatus(models.TextChoices):
    PENDING = "pending", _("申请中")
    VALID = "valid", _("有效")
    EXPIRED = "expired", _("已失效")
    INVALID = "invalid", _("无效")


class IPAcquisition(models.TextChoices):
    SELF = "self", _("自主研发")
    TRANSFER = "transfer", _("受让")
    GIFT = "gift", _("受赠")
    MERGER = "merger", _("并购")


class QualificationKind(models.TextChoices):
    GAOXIN = "gaoxin", _("国家高新技术企业")
    KEXIAO = "kexiao", _("科技型中小企业")
    CHUANGXIN = "chuangxin", _("创新型中小企业")
    ZHUANJINGTEXIN = "zhuanjingtexin", _("专精特新中小企业")
    XIAOJUREN = "xiaojuren", _("专精特新“小巨人”企业")
    GUISHANG = "guishang", _("规模以上企业")
    ENGINEERING_CENTER = "engineering_center", _("工程技术研究中心")
    KEY_LAB = "key_lab", _("重点实验室")
    NEW_RD_INSTITUTION = "new_rd_institution", _("新型研发机构")
    OTHER = "other", _("其他")


class QualificationLevel(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    MUNICIPAL = "municipal", _("市级")
    DISTRICT = "district", _("区级")


class RelationKind(models.TextChoices):
    OUTBOUND_INVESTMENT = "outbound_investment", _("对外投资")
    BRANCH = "branch", _("分支机构")
    SUBSIDIARY = "subsidiary", _("子公司")
    PARENT = "parent", _("母公司")


class DuplicateStatus(models.TextChoices):
    OPEN = "open", _("待核实")
    MERGED = "merged", _("已合并")
    DISMISSED = "dismissed", _("非重复")
