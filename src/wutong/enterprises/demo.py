"""The demo district's registry: enterprises shaped like an urban service district (罗湖区).

Streams ``ctx.enterprises`` firms in chunks, each chunk generated and written (COPY on PostgreSQL,
executemany on SQLite) before the next is made, so memory stays flat from 300 to 3 million firms.
Every row carries ``source = demo`` and a sensible as-of date. Per firm:

* a valid, unique 统一社会信用代码 (``91`` 企业, a few ``92`` 个体工商户 and ``52`` 民办非企业单位)
  with the district's region code; a realistic name (深圳市 + 字号 + 行业词 + 有限公司 and variants);
* a GB/T 4754-2017 小类 weighted like an urban service district (信息/软件, 商务服务, 批发零售,
  科研技术服务, 房地产, 金融, 黄金珠宝, a little 制造 …), a street and often a park or building;
* founding date 1990– skewed recent, registered capital, status mix (mostly 存续), legal
  representative, 高新技术领域/战新 for tech firms;
* 1–3 annual reports (the three years before the as-of year) for most firms, internally consistent
  (R&D ≤ cost, domestic R&D ≤ R&D, R&D staff ≤ tech staff ≤ employees, net assets = assets −
  liabilities, high-tech revenue ≤ total income); tech firms come in three innovation tiers so a
  国高 screening finds some likely firms and many not;
* IP assets, qualifications (国高 with issue dates so some expire this year or next, 科小, 专精特新 …),
  contacts, leases, support received, outbound relations, talent housing, former names, tags;
* the derived columns ``latest_year``, ``latest_revenue`` and ``size_class``, set exactly as
  ``services.refresh_derived_figures`` would (``rules.size_class_for``, 工信部联企业〔2011〕300号), so
  the bulk writer needs no second pass.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from wutong.core.choices import ParkKind, SourceKind
from wutong.core.demo import DemoContext, register_builder, reset_sequences
from wutong.core.demo_data import (
    NameComposer,
    brand_name,
    make_uscc,
    mobile_phone,
    org_code_body,
    patent_number,
    person_name,
)
from wutong.enterprises.choices import (
    EmergingIndustry as EI,
)
from wutong.enterprises.choices import (
    EnterpriseStatus,
    IPAcquisition,
    IPKind,
    IPStatus,
    QualificationKind,
    QualificationLevel,
    RelationKind,
    SizeClass,
)
from wutong.enterprises.choices import (
    HighTechField as HT,
)
from wutong.enterprises.identity import normalize_name
from wutong.enterprises.rules import size_class_for

WAN = 10_000
YI = 100_000_000


@dataclass(frozen=True)
class Profile:
    """A kind of firm the district has: its 小类 codes, the words in its names, how techy it is,
    how many people it employs (median) and what a head earns (median yuan per year)."""

    key: str
    weight: float
    codes: tuple[str, ...]
    words: tuple[str, ...]
    tech_share: float = 0.0
    fields: tuple[str, ...] = ()
    emerging: tuple[str, ...] = ()
    staff_median: float = 8
    revenue_per_head: float = 600_000
    ip_style: str = "software"  # software | patent | brand


_I = HT.ELECTRONIC_INFORMATION
_S = HT.HIGH_TECH_SERVICES
PROFILES: tuple[Profile, ...] = (
    Profile("software", 14, ("6511", "6512", "6513", "6519", "6520", "6531", "6532", "6540", "6550", "6560",
                             "6572", "6579", "6599"),
            ("信息技术", "软件", "网络科技", "数字科技", "智能科技", "科技", "数据科技", "信息科技",
             "软件技术", "物联网科技", "区块链科技", "云计算科技"),
            0.55, (_I, _I, _I, _S), (EI.NEXT_GEN_IT, EI.NEXT_GEN_IT, EI.DIGITAL_CREATIVE), 12, 450_000),
    Profile("internet", 4, ("6421", "6422", "6429", "6431", "6432", "6433", "6440", "6450", "6490"),
            ("网络科技", "互联网科技", "电子商务", "网络技术", "信息服务"),
            0.4, (_I, _S), (EI.NEXT_GEN_IT, EI.DIGITAL_CREATIVE), 10, 500_000),
    Profile("telecom", 1, ("6311", "6312", "6319"), ("通信技术", "通讯技术", "通信科技"),
            0.3, (_I,), (EI.NEXT_GEN_IT,), 20, 700_000),
    Profile("business", 17, ("7211", "7212", "7221", "7222", "7224", "7231", "7241", "7242", "7243", "7249",
                             "7251", "7259", "7262", "7263", "7281", "7289", "7291", "7293", "7295", "7297",
                             "7299"),
            ("商务咨询", "管理咨询", "企业管理", "投资咨询", "文化传播", "广告", "供应链管理", "会展服务",
             "人力资源", "品牌管理", "实业", "企业服务", "财务咨询"),
            0.04, (_S,), (EI.RELATED_SERVICES,), 6, 500_000, "brand"),
    Profile("leasing", 1, ("7111", "7114", "7115", "7119"), ("租赁", "设备租赁", "汽车租赁"),
            0.0, (), (), 6, 800_000, "brand"),
    Profile("research", 9, ("7320", "7340", "7452", "7455", "7484", "7491", "7492", "7499", "7512", "7513",
                            "7514", "7515", "7516", "7520", "7530", "7540", "7590"),
            ("科技", "技术服务", "检测技术", "工程设计", "设计", "知识产权服务", "科技服务", "生物科技",
             "节能科技", "环保科技", "新材料科技", "新能源科技"),
            0.45, (_S, _S, HT.BIO_MEDICINE, HT.RESOURCES_ENVIRONMENT, HT.NEW_ENERGY, HT.NEW_MATERIALS),
            (EI.RELATED_SERVICES, EI.ENERGY_SAVING, EI.BIO, EI.NEW_MATERIALS), 10, 400_000, "patent"),
    Profile("wholesale", 13, ("5126", "5127", "5132", "5134", "5137", "5138", "5146", "5151", "5154", "5165",
                              "5172", "5174", "5175", "5176", "5177", "5179", "5181", "5191", "5193", "5199"),
            ("贸易", "商贸", "进出口", "国际贸易", "实业", "电子", "贸易发展", "商业"),
            0.03, (_I,), (), 5, 1_500_000, "brand"),
    Profile("retail", 8, ("5211", "5212", "5213", "5232", "5234", "5236", "5245", "5246", "5251", "5254",
                          "5261", "5271", "5273", "5292", "5299"),
            ("商贸", "百货", "商业", "零售", "连锁", "贸易"),
            0.0, (), (), 6, 700_000, "brand"),
    Profile("jewelry", 5, ("2438", "5146", "5245", "2438"),
            ("珠宝", "珠宝首饰", "黄金珠宝", "金饰", "首饰", "珠宝设计"),
            0.1, (HT.NEW_MATERIALS, HT.ADVANCED_MANUFACTURING), (EI.NEW_MATERIALS,), 15, 2_000_000, "patent"),
    Profile("real_estate", 6, ("7010", "7020", "7020", "7030", "7040", "7090"),
            ("房地产开发", "物业管理", "房地产经纪", "置业", "物业服务", "投资发展"),
            0.0, (), (), 12, 500_000, "brand"),
    Profile("finance", 4, ("6631", "6635", "6731", "6732", "6739", "6760", "6790", "6851", "6852", "6920",
                           "6930", "6940", "6999"),
            ("投资", "资本管理", "基金管理", "融资租赁", "金融信息服务", "保险代理", "股权投资", "金融科技"),
            0.06, (_I, _S), (EI.RELATED_SERVICES,), 8, 1_200_000, "software"),
    Profile("manufacturing", 4, ("3911", "3913", "3921", "3922", "3961", "3972", "3976", "3982", "3983",
                                 "3985", "4011", "4014", "4028", "3581", "3584", "3841", "3874"),
            ("电子", "精密", "智能装备", "光电", "医疗器械", "新材料", "电子科技", "智能制造"),
            0.5, (HT.ADVANCED_MANUFACTURING, _I, HT.NEW_MATERIALS, HT.BIO_MEDICINE, HT.NEW_ENERGY),
            (EI.HIGH_END_EQUIPMENT, EI.NEXT_GEN_IT, EI.NEW_MATERIALS, EI.BIO, EI.NEW_ENERGY), 35, 600_000,
            "patent"),
    Profile("health", 3, ("8415", "8425", "8491", "8492", "7340", "2720", "2761", "5151"),
            ("医疗", "健康管理", "医疗科技", "生物医药", "大健康", "医药"),
            0.35, (HT.BIO_MEDICINE,), (EI.BIO,), 15, 500_000, "patent"),
    Profile("culture", 3, ("8626", "8730", "8750", "8810", "8890", "9051", "9053"),
            ("文化传媒", "影视", "文化发展", "传媒", "文化艺术", "数字文化"),
            0.1, (_S, _I), (EI.DIGITAL_CREATIVE,), 8, 400_000, "software"),
    Profile("construction", 3, ("4790", "4910", "4999", "5011", "5012", "5013", "4861", "4891"),
            ("建筑工程", "装饰工程", "建设工程", "机电工程", "建筑装饰", "园林绿化"),
            0.05, (HT.RESOURCES_ENVIRONMENT,), (EI.ENERGY_SAVING,), 25, 600_000, "patent"),
    Profile("logistics", 2, ("5431", "5437", "5821", "5920", "5810"),
            ("物流", "供应链", "运输", "国际货运代理", "仓储"),
            0.02, (_S,), (), 15, 600_000, "brand"),
    Profile("hospitality", 3, ("6110", "6121", "6210", "6220", "6232", "6291"),
            ("餐饮管理", "酒店管理", "餐饮", "饮食"),
            0.0, (), (), 15, 250_000, "brand"),
    Profile("household", 2, ("8010", "8040", "8053", "8060", "8121", "8131"),
            ("家政服务", "美容", "养生", "摄影", "电器维修"),
            0.0, (), (), 6, 200_000, "brand"),
    Profile("education", 1, ("8391", "8393", "8394", "8399"),
            ("教育科技", "教育咨询", "培训", "文化艺术培训"),
            0.1, (_S,), (EI.DIGITAL_CREATIVE,), 10, 250_000, "software"),
)  # fmt: skip
PROFILE_BY_KEY = {p.key: p for p in PROFILES}
#: 个体工商户 and 民办非企业单位: their profiles and the words that end their names.
INDIVIDUAL_WORDS = {
    "retail": ("商行", "百货店", "便利店", "贸易商行", "电子商行"),
    "jewelry": ("珠宝行", "金行"),
    "hospitality": ("餐厅", "茶餐厅", "小吃店", "茶行"),
    "household": ("美容店", "家电维修部", "摄影工作室"),
}
NONPROFIT_WORDS = {
    "education": ("培训中心", "文化艺术培训中心", "教育培训中心"),
    "research": ("科技服务中心", "科技创新促进中心"),
    "household": ("社会工作服务中心", "养老服务中心"),
    "culture": ("文化艺术中心",),
}

STREET_WEIGHTS = {
    "桂园街道": 12, "黄贝街道": 10, "东门街道": 12, "翠竹街道": 10, "东晓街道": 7, "南湖街道": 14,
    "笋岗街道": 10, "东湖街道": 6, "莲塘街道": 7, "清水河街道": 8,
}  # fmt: skip
ROADS = {
    "桂园街道": ("深南东路", "红岭中路", "宝安南路", "松园路"),
    "黄贝街道": ("深南东路", "黄贝路", "文锦中路", "怡景路"),
    "东门街道": ("东门中路", "解放路", "湖贝路", "新园路"),
    "翠竹街道": ("翠竹路", "太宁路", "水贝一路", "贝丽北路"),
    "东晓街道": ("东晓路", "布心路", "太白路"),
    "南湖街道": ("人民南路", "建设路", "嘉宾路", "沿河南路"),
    "笋岗街道": ("宝安北路", "笋岗路", "梅园路"),
    "东湖街道": ("爱国路", "东湖路", "沿河北路"),
    "莲塘街道": ("国威路", "莲塘路", "罗沙路", "鹏兴路"),
    "清水河街道": ("清水河一路", "清水河三路", "泥岗东路"),
}
PARK_AFFINITY = {
    "software": ("罗湖科技创新大厦", "中设广场", "大梧桐新兴产业带"),
    "internet": ("罗湖科技创新大厦", "中设广场"),
    "research": ("罗湖科技创新大厦", "笋岗-清水河片区", "大梧桐新兴产业带"),
    "finance": ("京基100大厦", "红岭新兴金融产业带", "深圳国际贸易中心大厦"),
    "business": ("深圳国际贸易中心大厦", "京基100大厦", "红岭新兴金融产业带"),
    "health": ("清水河智丰大厦", "布心工业区"),
    "jewelry": ("布心工业区",),
    "manufacturing": ("布心工业区", "笋岗-清水河片区"),
    "logistics": ("笋岗-清水河片区",),
}
#: Regions firms invest in or open branches in (name, 行政区划码 of the registering authority).
RELATION_REGIONS = (
    ("东莞市", "441900"), ("惠州市", "441300"), ("广州市", "440100"), ("深圳市南山区", "440305"),
    ("深圳市龙岗区", "440307"), ("苏州市", "320500"), ("成都市", "510100"), ("香港特别行政区", ""),
)  # fmt: skip
SUPPORT_PROGRAMS = (
    ("罗湖区产业发展专项资金—国家高新技术企业认定奖励", "区科技创新局", 100_000, 300_000),
    ("罗湖区产业发展专项资金—企业研发投入支持", "区科技创新局", 100_000, 2_000_000),
    ("罗湖区产业发展专项资金—产业空间租金补贴", "区科技创新局", 50_000, 1_000_000),
    ("罗湖区产业发展专项资金—知识产权资助", "区科技创新局", 5_000, 200_000),
    ("罗湖区产业发展专项资金—股权投资资助", "区科技创新局", 200_000, 3_000_000),
    ("深圳市科技创新专项资金—企业研究开发资助", "深圳市科技创新局", 100_000, 5_000_000),
    ("罗湖区人才住房租金补贴", "区住房和建设局", 20_000, 200_000),
)
TAGS = (("链主", "danger"), ("重点企业", "primary"), ("上市", "success"), ("区领导挂点", "warning"))
TITLE_TECH = ("数据", "图像", "语音", "边缘计算", "区块链", "物联网", "人工智能", "云端", "分布式", "多模态")
TITLE_THING = ("识别", "调度", "监测", "存储", "加密", "检测", "控制", "分析", "推荐", "定位")
TITLE_OBJECT = ("系统", "平台", "管理系统", "终端", "服务平台", "引擎")
#: Registered capital in 万元 and how often firms choose it (round numbers, mostly 100–1000万).
CAPITAL_LEVELS = (10, 50, 100, 200, 300, 500, 1000, 2000, 3000, 5000, 10000, 50000)
CAPITAL_WEIGHTS = (5, 8, 20, 8, 8, 12, 12, 5, 3, 3, 2, 0.3)
PLEDGE_BANKS = ("中国银行罗湖支行", "招商银行深圳分行", "建设银行罗湖支行")
CONTACT_ROLES = ("总经理", "财务负责人", "行政主管", "董事长助理", "研发总监", "办公室主任")


def guishang_threshold(code: str) -> int:
    """规模以上/限额以上 revenue threshold (国家统计局; see reference/qualifications.md)."""
    division = int(code[:2])
    if 6 <= division <= 46 or division == 51:
        return 2000 * WAN
    if division == 52:
        return 500 * WAN
    if division in (61, 62):
        return 200 * WAN
    if division in (53, 54, 55, 56, 57, 58, 59, 60, 63, 64, 65, 84):
        return 2000 * WAN
    if division in (71, 72, 73, 74, 75, 83) or code in ("7020", "7030", "7040", "7090"):
        return 1000 * WAN
    return 500 * WAN


# --- Columns written per model (attnames; order = tuple order) --------------------------------

PROV = ("created_at", "updated_at", "source", "source_batch_id", "as_of")
ENTERPRISE_COLUMNS = (
    "id",
    *PROV,
    "uscc",
    "name",
    "name_normalized",
    "name_pinyin",
    "name_initials",
    "legal_representative",
    "established",
    "registered_capital",
    "status",
    "registered_address",
    "operating_address",
    "street_id",
    "park_id",
    "industry_id",
    "high_tech_field",
    "emerging_industry",
    "size_class",
    "latest_revenue",
    "latest_year",
)
REPORT_COLUMNS = (
    *PROV,
    "enterprise_id",
    "year",
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
IP_COLUMNS = (
    *PROV,
    "enterprise_id",
    "kind",
    "number",
    "title",
    "filed_on",
    "granted_on",
    "status",
    "acquisition",
    "ip_class",
    "used_for_gaoxin",
    "pledge_bank",
    "pledge_amount",
    "pledge_date",
)
QUAL_COLUMNS = (*PROV, "enterprise_id", "kind", "level", "name", "certificate_no", "issued_on", "expires_on")
LEASE_COLUMNS = (
    *PROV,
    "enterprise_id",
    "park_id",
    "building",
    "area_m2",
    "monthly_rent",
    "start_on",
    "end_on",
)
SUPPORT_COLUMNS = (*PROV, "enterprise_id", "program", "department", "amount", "granted_on")
RELATION_COLUMNS = (
    *PROV,
    "enterprise_id",
    "kind",
    "counterpart_name",
    "counterpart_uscc",
    "counterpart_region",
    "amount",
    "started_on",
)
HOUSING_COLUMNS = (*PROV, "enterprise_id", "project", "units", "allocated_on", "until")
CONTACT_COLUMNS = (*PROV, "enterprise_id", "name", "role", "phone", "email", "is_primary")
FORMER_COLUMNS = ("enterprise_id", "name", "name_normalized", "changed_on", "note")
TAG_COLUMNS = ("enterprise_id", "tag_id")

QUAL_NAMES: dict[str, str] = {
    QualificationKind.GAOXIN: "国家高新技术企业",
    QualificationKind.KEXIAO: "科技型中小企业",
    QualificationKind.CHUANGXIN: "创新型中小企业",
    QualificationKind.ZHUANJINGTEXIN: "广东省专精特新中小企业",
    QualificationKind.XIAOJUREN: "国家级专精特新“小巨人”企业",
    QualificationKind.GUISHANG: "规模以上企业",
    QualificationKind.ENGINEERING_CENTER: "深圳市工程技术研究中心",
    QualificationKind.KEY_LAB: "深圳市重点实验室",
}
IP_CLASS: dict[str, str] = {
    IPKind.INVENTION_PATENT: "I", IPKind.UTILITY_MODEL: "II", IPKind.DESIGN_PATENT: "II",
    IPKind.SOFTWARE_COPYRIGHT: "II", IPKind.TRADEMARK: "",
}  # fmt: skip


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _random_day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    span = (end - start).days
    return start + dt.timedelta(days=rng.randint(0, span)) if span > 0 else start


class _Reference:
    """Ids the generator needs from reference tables, read once per run."""

    def __init__(self) -> None:
        from wutong.core.models import Industry, Park, Street

        streets = list(Street.objects.order_by("order", "name").values_list("pk", "name"))
        if not streets:
            raise RuntimeError("no streets: load the reference data first (core.reference builder)")
        self.streets = streets
        self.street_weights = [STREET_WEIGHTS.get(name, 8) for _, name in streets]
        self.street_names = dict(streets)
        # (id, name, street id, whether the name can stand in an address: parks and buildings can,
        # areas and belts cannot)
        parks = [
            (pk, name, street, kind in (ParkKind.PARK, ParkKind.BUILDING))
            for pk, name, street, kind in Park.objects.order_by("name").values_list(
                "pk", "name", "street_id", "kind"
            )
        ]
        self.parks = parks
        by_name = {park[1]: park for park in parks}
        self.park_affinity = {
            key: [by_name[n] for n in names if n in by_name] for key, names in PARK_AFFINITY.items()
        }
        known = set(Industry.objects.filter(level="class").values_list("code", flat=True))
        missing = sorted({c for p in PROFILES for c in p.codes} - known)
        if missing:
            raise RuntimeError(f"demo industry codes missing from the reference table: {missing}")


@dataclass
class _Counters:
    """Serial numbers that must stay unique across chunks (IP numbers, certificates)."""

    patent: int = 0
    software: int = 0
    trademark: int = 0
    certificate: int = 0
    relation: int = 0


class EnterpriseGenerator:
    """Makes the rows of one chunk of enterprises at a time from one seeded random stream."""

    def __init__(self, ctx: DemoContext, first_id: int, tag_ids: dict[str, int]) -> None:
        self.ctx = ctx
        self.rng = ctx.rng("enterprises")
        self.salt = ctx.rng("enterprises.codes").randrange(1 << 30)
        self.first_id = first_id
        self.tag_ids = tag_ids
        self.ref = _Reference()
        self.names = NameComposer()
        self.counters = _Counters()
        self.region = settings.WUTONG_DISTRICT_CODE
        self.district = settings.WUTONG_DISTRICT_NAME
        self.as_of = ctx.as_of
        self.year = ctx.as_of.year
        self.profile_weights = [p.weight for p in PROFILES]
        self.prov = (ctx.db_now, ctx.db_now, SourceKind.DEMO, None)

    # --- one chunk ----------------------------------------------------------------------

    def chunk(self, start: int, stop: int) -> dict[str, list[tuple[Any, ...]]]:
        rows: dict[str, list[tuple[Any, ...]]] = {
            k: [] for k in ("enterprise", "report", "ip", "qual", "lease", "support", "relation", "housing",
                            "contact", "former", "tag")
        }  # fmt: skip
        for index in range(start, stop):
            self._one(index, rows)
        return rows

    def _one(self, index: int, rows: dict[str, list[tuple[Any, ...]]]) -> None:
        rng = self.rng
        ent_id = self.first_id + index
        as_of = self.as_of
        y = self.year

        # Kind of body, profile, industry.
        r = rng.random()
        registration = "92" if r < 0.03 else "52" if r < 0.04 else "91"
        if registration == "92":
            profile = PROFILE_BY_KEY[rng.choice(tuple(INDIVIDUAL_WORDS))]
        elif registration == "52":
            profile = PROFILE_BY_KEY[rng.choice(tuple(NONPROFIT_WORDS))]
        else:
            profile = rng.choices(PROFILES, self.profile_weights)[0]
        code = rng.choice(profile.codes)

        # Founding date: exponential ages (recent years dominate), 1990 at the earliest.
        age = min(int(rng.expovariate(1 / 7.0)), y - 1990)
        established = _random_day(rng, dt.date(y - age, 1, 1), min(dt.date(y - age, 12, 31), as_of))
        modern = established >= dt.date(2015, 10, 1)
        uscc = make_uscc(registration, self.region, org_code_body(index, modern=modern, salt=self.salt))

        # Name and its search columns.
        brand = brand_name(index, self.salt)
        name = self._name(rng, registration, profile, brand)

        # Status: mostly 存续; exits happen at least a year after founding.
        r = rng.random()
        status = EnterpriseStatus.ACTIVE
        exit_year = None
        if age >= 2 and r < 0.125:
            status = (
                EnterpriseStatus.DEREGISTERED if r < 0.065
                else EnterpriseStatus.REVOKED if r < 0.09
                else EnterpriseStatus.MOVED_OUT
            )  # fmt: skip
            exit_year = rng.randint(established.year + 1, y)
        active = status == EnterpriseStatus.ACTIVE

        # Place.
        park = None
        affinity = self.ref.park_affinity.get(profile.key)
        if affinity and rng.random() < 0.3:
            park = rng.choice(affinity)
        elif self.ref.parks and rng.random() < 0.05:
            park = rng.choice(self.ref.parks)
        street_id = (
            park[2] if park and park[2] else rng.choices(self.ref.streets, self.ref.street_weights)[0][0]
        )
        street_name = self.ref.street_names[street_id]
        road = rng.choice(ROADS.get(street_name, ("建设路",)))
        floor, room = rng.randint(2, 40), rng.randint(1, 30)
        building = park[1] if park and park[3] else rng.choice(("", "大厦", "商务中心", "广场", "大楼"))
        if building in ("大厦", "商务中心", "广场", "大楼"):
            building = road[:2] + building
        address = (
            f"深圳市{self.district}{street_name}{road}{rng.randint(1, 3000)}号{building}{floor}{room:02d}"
        )
        operating = address if rng.random() < 0.85 else ""

        # Tech profile and innovation tier (0 none, 1 weak, 2 medium, 3 strong).
        tech = registration == "91" and rng.random() < profile.tech_share
        tier = 0
        if tech:
            t = rng.random()
            tier = 3 if t < 0.3 else 2 if t < 0.7 else 1
        high_tech_field = rng.choice(profile.fields) if tech else ""
        emerging = ""
        if profile.emerging and ((tech and rng.random() < 0.7) or rng.random() < 0.03):
            emerging = rng.choice(profile.emerging)

        # Scale.
        if registration == "92":
            staff = rng.randint(1, 8)
        else:
            staff = max(1, min(20_000, round(rng.lognormvariate(math.log(profile.staff_median), 1.05))))
        per_head = rng.lognormvariate(math.log(profile.revenue_per_head), 0.6) * (1 + 0.15 * tier)
        revenue = int(round(staff * per_head, -3))
        if rng.random() < 0.05:  # shells and start-ups with next to no revenue
            revenue = rng.randrange(0, 100_000, 100)
        capital = None
        if registration == "91":
            capital_wan = rng.choices(CAPITAL_LEVELS, CAPITAL_WEIGHTS)[0]
            while capital_wan * WAN < revenue / 20 and capital_wan < 100_000:
                capital_wan *= 2
            capital = capital_wan * WAN
        elif registration == "92":
            capital = rng.choice((1, 3, 5, 10, 20, 50)) * WAN
        elif registration == "52":
            capital = rng.choice((3, 10, 30)) * WAN

        # Annual reports: the three years before the as-of year, for most firms.
        heavy = profile.key in ("real_estate", "finance", "leasing")
        report_rows, latest = self._reports(
            rng, ent_id, established, exit_year, active, staff, revenue, tier, heavy
        )
        rows["report"].extend(report_rows)
        latest_year: int | None = None
        latest_revenue: int | None = None
        size_class: str = SizeClass.UNKNOWN
        if latest is not None:
            latest_year, latest_revenue, latest_staff, latest_assets = latest
            size_class = size_class_for(code, latest_staff, latest_revenue, latest_assets)

        rows["enterprise"].append((
            ent_id, *self.prov, as_of, uscc, name.name, name.normalized, name.pinyin, name.initials,
            person_name(rng), established, capital, status, address, operating, street_id,
            park[0] if park else None, code, high_tech_field, emerging, size_class, latest_revenue,
            latest_year,
        ))  # fmt: skip

        # Everything else is about live firms.
        if not active:
            return
        quals = self._qualifications(rng, ent_id, established, tier, code, latest, size_class, rows["qual"])
        self._ip_assets(rng, ent_id, established, tier, profile, brand, "gaoxin" in quals, rows["ip"])
        self._contacts(rng, ent_id, rows["contact"])
        self._lease(rng, ent_id, park, staff, rows["lease"])
        if rng.random() < (0.2 if tech else 0.05):
            for _ in range(rng.randint(1, 2)):
                program, dept, low, high = rng.choice(SUPPORT_PROGRAMS)
                rows["support"].append((
                    *self.prov, as_of, ent_id, program, dept, rng.randrange(low, high, 1000),
                    _random_day(rng, max(established, dt.date(y - 3, 1, 1)), as_of),
                ))  # fmt: skip
        if rng.random() < (0.1 if staff >= 20 else 0.01):
            self._relations(rng, ent_id, established, brand, revenue, rows["relation"])
        if tech and rng.random() < 0.03:
            allocated = _random_day(rng, dt.date(y - 3, 1, 1), as_of)
            rows["housing"].append((
                *self.prov, as_of, ent_id, f"{self.district}人才住房·{rng.choice('安居悦园乐居和园')}苑",
                rng.randint(1, 6), allocated, _add_years(allocated, 3),
            ))  # fmt: skip
        if registration == "91" and age >= 3 and rng.random() < 0.04:
            self._former_name(rng, ent_id, established, profile, brand, name.name, rows["former"])
        self._tags(rng, ent_id, latest_revenue, staff, quals, rows["tag"])

    def _name(self, rng: random.Random, registration: str, profile: Profile, brand: str) -> Any:
        chars = list(brand)
        if registration == "92":
            word = rng.choice(INDIVIDUAL_WORDS[profile.key])
            return self.names.compose(["深圳市", self.district, *chars, word])
        if registration == "52":
            word = rng.choice(NONPROFIT_WORDS[profile.key])
            return self.names.compose(["深圳市", self.district, *chars, word])
        word = rng.choice(profile.words)
        form = rng.random()
        if form < 0.80:
            return self.names.compose(["深圳市", *chars, word, "有限公司"])
        if form < 0.88:
            return self.names.compose(["深圳市", *chars, word, "股份有限公司"])
        if form < 0.95:
            return self.names.compose([*chars, word, "（深圳）", "有限公司"])
        return self.names.compose(["深圳", *chars, word, "有限公司"])

    def _reports(
        self,
        rng: random.Random,
        ent_id: int,
        established: dt.date,
        exit_year: int | None,
        active: bool,
        staff: int,
        revenue: float,
        tier: int,
        heavy: bool,
    ) -> tuple[list[tuple[Any, ...]], tuple[int, int, int, int] | None]:
        y = self.year
        years = [
            yr for yr in (y - 3, y - 2, y - 1)
            if yr >= established.year and (exit_year is None or yr < exit_year)
        ]  # fmt: skip
        if not years or rng.random() >= (0.88 if active else 0.5):
            return [], None
        keep = rng.choices((3, 2, 1), (0.6, 0.25, 0.15))[0]
        years = years[-keep:]
        # Firm-level ratios, stable across its years (with a little yearly noise below).
        rd_ratio = (
            rng.uniform(0.05, 0.18) if tier == 3 else rng.uniform(0.03, 0.07) if tier == 2
            else rng.uniform(0.005, 0.04) if tier == 1
            else (rng.uniform(0, 0.01) if rng.random() < 0.2 else 0.0)
        )  # fmt: skip
        tech_share = (
            rng.uniform(0.15, 0.6) if tier == 3 else rng.uniform(0.08, 0.3) if tier == 2
            else rng.uniform(0.02, 0.15) if tier == 1
            else (rng.uniform(0, 0.05) if rng.random() < 0.3 else 0.0)
        )  # fmt: skip
        ht_share = (
            rng.uniform(0.62, 0.95) if tier == 3 else rng.uniform(0.4, 0.8) if tier == 2
            else rng.uniform(0.0, 0.5) if tier == 1 else None
        )  # fmt: skip
        domestic = (
            1.0
            if rng.random() < 0.7
            else rng.uniform(0.85, 1.0)
            if rng.random() < 0.9
            else rng.uniform(0.4, 0.7)
        )
        leverage = rng.uniform(0.15, 0.85) if rng.random() < 0.95 else rng.uniform(1.0, 1.3)
        asset_turn = rng.uniform(0.4, 2.0) * (5 if heavy else 1)
        out: list[tuple[Any, ...]] = []
        # Walk back from the latest year: earlier revenue = later / (1 + growth).
        figures: list[tuple[int, int]] = []
        rev, heads = float(revenue), float(staff)
        for _ in years:
            figures.append((int(round(rev, -2)), max(1, round(heads))))
            growth = max(-0.5, min(1.5, rng.gauss(0.08, 0.2)))
            rev = rev / (1 + growth)
            heads = heads / (1 + growth * 0.5)
        figures.reverse()
        latest: tuple[int, int, int, int] | None = None
        for yr, (rev_y, staff_y) in zip(years, figures, strict=True):
            noise = rng.uniform(0.9, 1.1)
            main = round(rev_y * rng.uniform(0.85, 1.0))
            total_income = rev_y + round(rev_y * rng.uniform(0, 0.05))
            rd = round(rev_y * rd_ratio * noise)
            rd_domestic = round(rd * domestic)
            cost = max(rd, round(rev_y * rng.uniform(0.75, 1.08)))
            assets = max(100_000, int(round(rev_y * asset_turn, -2)))
            liabilities = round(assets * leverage * rng.uniform(0.95, 1.05))
            tech_staff = min(staff_y, round(staff_y * tech_share))
            rd_staff = round(tech_staff * rng.uniform(0.5, 0.9))
            ht = None if ht_share is None else round(total_income * min(1.0, ht_share * noise))
            as_of = min(dt.date(yr + 1, 6, 30), self.as_of)
            out.append((
                *self.prov, as_of, ent_id, yr, rev_y, main, rev_y, total_income, ht, rd, rd_domestic, cost,
                assets - liabilities, assets, liabilities, round(rev_y * rng.uniform(0.005, 0.06)), staff_y,
                tech_staff, rd_staff,
            ))  # fmt: skip
            latest = (yr, rev_y, staff_y, assets)
        return out, latest

    def _qualifications(
        self,
        rng: random.Random,
        ent_id: int,
        established: dt.date,
        tier: int,
        code: str,
        latest: tuple[int, int, int, int] | None,
        size_class: str,
        out: list[tuple[Any, ...]],
    ) -> set[str]:
        y, as_of = self.year, self.as_of
        held: set[str] = set()
        revenue = latest[1] if latest else 0

        def add(kind: str, level: str, issued: dt.date, expires: dt.date | None, number: str) -> None:
            if issued > as_of or issued <= established:
                return
            held.add(kind)
            out.append((*self.prov, as_of, ent_id, kind, level, QUAL_NAMES[kind], number, issued, expires))

        def three_years(issued: dt.date) -> dt.date:
            return _add_years(issued, 3) - dt.timedelta(days=1)

        def serial() -> int:
            self.counters.certificate += 1
            return self.counters.certificate

        if tier and rng.random() < (0.65 if tier == 3 else 0.2 if tier == 2 else 0.03):
            # Certified in Nov/Dec of the year; valid three years — some lapse this year, some next.
            year = rng.choice((y - 3, y - 2, y - 1))
            issued = dt.date(year, rng.choice((10, 11, 12)), rng.randint(1, 28))
            add(QualificationKind.GAOXIN, QualificationLevel.NATIONAL, issued,
                three_years(issued), f"GR{year}4420{serial() % 10000:04d}")  # fmt: skip
        if (
            tier
            and size_class in (SizeClass.SMALL, SizeClass.MICRO, SizeClass.MEDIUM)
            and rng.random() < (0.5 if tier >= 2 else 0.15)
        ):
            year = y if as_of.month >= 6 and rng.random() < 0.6 else y - 1
            issued = _random_day(rng, dt.date(year, 4, 1), min(dt.date(year, 9, 30), as_of))
            add(QualificationKind.KEXIAO, QualificationLevel.NATIONAL, issued, dt.date(year, 12, 31),
                f"{year}{self.region}A{serial() % 100000:05d}")  # fmt: skip
        if tier >= 2 and rng.random() < 0.25:
            issued = _random_day(rng, dt.date(y - 2, 1, 1), as_of)
            add(QualificationKind.CHUANGXIN, QualificationLevel.PROVINCIAL, issued,
                three_years(issued), f"CX{issued.year}44{serial() % 100000:05d}")  # fmt: skip
        if tier >= 2 and revenue >= 1000 * WAN and rng.random() < 0.3:
            issued = _random_day(rng, dt.date(y - 3, 1, 1), as_of)
            add(QualificationKind.ZHUANJINGTEXIN, QualificationLevel.PROVINCIAL, issued,
                three_years(issued), f"ZJTX{issued.year}44{serial() % 100000:05d}")  # fmt: skip
        if tier == 3 and revenue >= YI and rng.random() < 0.25:
            issued = _random_day(rng, dt.date(y - 3, 7, 1), as_of)
            add(QualificationKind.XIAOJUREN, QualificationLevel.NATIONAL, issued,
                three_years(issued), f"XJR{issued.year}{serial() % 100000:05d}")  # fmt: skip
        if latest and revenue >= guishang_threshold(code) and rng.random() < 0.9:
            issued = min(dt.date(latest[0] + 1, 3, 15), as_of)
            add(QualificationKind.GUISHANG, QualificationLevel.DISTRICT, issued, None, "")
        if tier == 3 and revenue >= 5000 * WAN and rng.random() < 0.15:
            issued = _random_day(rng, dt.date(y - 5, 1, 1), as_of)
            kind = QualificationKind.KEY_LAB if rng.random() < 0.25 else QualificationKind.ENGINEERING_CENTER
            add(kind, QualificationLevel.MUNICIPAL, issued, None, f"SZ{issued.year}{serial() % 10000:04d}")
        return held

    def _ip_assets(
        self,
        rng: random.Random,
        ent_id: int,
        established: dt.date,
        tier: int,
        profile: Profile,
        brand: str,
        gaoxin: bool,
        out: list[tuple[Any, ...]],
    ) -> None:
        if tier == 0:
            if rng.random() < 0.25:
                counts = {IPKind.TRADEMARK: rng.randint(1, 3)}
            else:
                return
        else:
            inv = (rng.randint(1, 8), rng.randint(0, 2), 1 if rng.random() < 0.1 else 0)[3 - tier]
            util = (rng.randint(0, 10), rng.randint(0, 6), rng.randint(0, 3))[3 - tier]
            soft = (rng.randint(2, 20), rng.randint(1, 8), rng.randint(0, 4))[3 - tier]
            if profile.ip_style == "patent":
                util, soft = util * 2, soft // 3
            elif profile.ip_style == "brand":
                util, soft = util // 2, soft // 2
            counts = {
                IPKind.INVENTION_PATENT: inv, IPKind.UTILITY_MODEL: util,
                IPKind.DESIGN_PATENT: rng.randint(0, 3) if profile.ip_style == "patent" else 0,
                IPKind.SOFTWARE_COPYRIGHT: soft, IPKind.TRADEMARK: rng.randint(0, 4),
            }  # fmt: skip
        as_of = self.as_of
        earliest = max(established, dt.date(self.year - 10, 1, 1))
        c = self.counters
        for kind, n in counts.items():
            for _ in range(n):
                filed = _random_day(rng, earliest, as_of)
                if kind == IPKind.INVENTION_PATENT:
                    c.patent += 1
                    number = patent_number(filed.year, 1, (c.patent * 7919) % 10**7)
                    granted = filed + dt.timedelta(days=rng.randint(450, 1100))
                    tech, thing, obj = (
                        rng.choice(TITLE_TECH),
                        rng.choice(TITLE_THING),
                        rng.choice(TITLE_OBJECT),
                    )
                    title = f"一种基于{tech}的{thing}方法及{obj}"
                elif kind == IPKind.UTILITY_MODEL:
                    c.patent += 1
                    number = patent_number(filed.year, 2, (c.patent * 7919) % 10**7)
                    granted = filed + dt.timedelta(days=rng.randint(150, 400))
                    title = f"一种{rng.choice(TITLE_TECH)}{rng.choice(TITLE_THING)}装置"
                elif kind == IPKind.DESIGN_PATENT:
                    c.patent += 1
                    number = patent_number(filed.year, 3, (c.patent * 7919) % 10**7)
                    granted = filed + dt.timedelta(days=rng.randint(120, 300))
                    title = f"{rng.choice(TITLE_THING)}终端（{rng.choice(('A', 'B', 'S', 'Pro'))}型）"
                elif kind == IPKind.SOFTWARE_COPYRIGHT:
                    c.software += 1
                    number = f"{filed.year}SR{(c.software * 7919) % 10**7:07d}"
                    granted = filed + dt.timedelta(days=rng.randint(20, 90))
                    tech, thing, obj = (
                        rng.choice(TITLE_TECH),
                        rng.choice(TITLE_THING),
                        rng.choice(TITLE_OBJECT),
                    )
                    title = f"{brand}{tech}{thing}{obj}V{rng.randint(1, 5)}.0"
                else:
                    c.trademark += 1
                    number = f"{(c.trademark * 7919 + 10_000_000) % 10**8:08d}"
                    granted = filed + dt.timedelta(days=rng.randint(270, 540))
                    title = f"{brand}（第{rng.choice((9, 35, 42, 14, 36))}类）"
                status = IPStatus.VALID
                granted_on: dt.date | None = granted
                if granted > as_of:
                    granted_on, status = None, IPStatus.PENDING
                elif filed.year <= self.year - 5 and rng.random() < 0.15:  # lapsed: fees not paid
                    status = IPStatus.EXPIRED
                r = rng.random()
                acquisition = (
                    IPAcquisition.SELF if r < 0.9 else IPAcquisition.TRANSFER if r < 0.97
                    else IPAcquisition.MERGER if r < 0.99 else IPAcquisition.GIFT
                )  # fmt: skip
                ip_class = IP_CLASS[kind]
                used = gaoxin and ip_class == "II" and status == IPStatus.VALID and rng.random() < 0.5
                pledge = kind == IPKind.INVENTION_PATENT and granted_on is not None and rng.random() < 0.05
                bank = rng.choice(PLEDGE_BANKS) if pledge else ""
                out.append((
                    *self.prov, as_of, ent_id, kind, number, title, filed, granted_on, status, acquisition,
                    ip_class, used, bank,
                    rng.randrange(100, 3000) * WAN if pledge else None,
                    _random_day(rng, granted, as_of) if pledge else None,
                ))  # fmt: skip

    def _contacts(self, rng: random.Random, ent_id: int, out: list[tuple[Any, ...]]) -> None:
        if rng.random() >= 0.45:
            return
        for i in range(rng.randint(1, 3)):
            phone = mobile_phone(rng) if rng.random() < 0.85 else f"0755-{rng.randint(22000000, 89999999)}"
            role = rng.choice(CONTACT_ROLES[2:] if i else CONTACT_ROLES[:2])
            out.append((*self.prov, self.as_of, ent_id, person_name(rng), role, phone, "", i == 0))

    def _lease(
        self, rng: random.Random, ent_id: int, park: Any, staff: int, out: list[tuple[Any, ...]]
    ) -> None:
        if not (park and rng.random() < 0.85) and rng.random() >= 0.08:
            return
        area = max(30, round(staff * rng.uniform(6, 15)))
        start = _random_day(rng, _add_years(self.as_of, -5), self.as_of - dt.timedelta(days=30))
        end = _add_years(start, rng.choice((2, 3, 3, 5))) - dt.timedelta(days=1)
        out.append((
            *self.prov, self.as_of, ent_id, park[0] if park else None,
            f"{rng.choice('ABC')}座{rng.randint(2, 40)}{rng.randint(1, 20):02d}", area,
            round(area * rng.uniform(70, 260)), start, end,
        ))  # fmt: skip

    def _relations(
        self,
        rng: random.Random,
        ent_id: int,
        established: dt.date,
        brand: str,
        revenue: int,
        out: list[tuple[Any, ...]],
    ) -> None:
        for _ in range(rng.randint(1, 2)):
            region_name, region_code = rng.choice(RELATION_REGIONS)
            kind = rng.choice(
                (RelationKind.OUTBOUND_INVESTMENT, RelationKind.BRANCH, RelationKind.SUBSIDIARY)
            )
            self.counters.relation += 1
            counterpart = (
                f"{brand}{rng.choice(('科技', '实业', '贸易', '投资'))}（{region_name[:2]}）有限公司"
                if kind != RelationKind.BRANCH else f"{brand}深圳公司{region_name[:2]}分公司"
            )  # fmt: skip
            counterpart_uscc = ""
            if region_code:
                body = org_code_body(
                    20_000_000 + self.counters.relation % 8_000_000, modern=True, salt=self.salt
                )
                counterpart_uscc = make_uscc("91", region_code, body)
            amount = (
                None if kind == RelationKind.BRANCH else rng.choice((100, 300, 500, 1000, 2000, 5000)) * WAN
            )
            out.append((
                *self.prov, self.as_of, ent_id, kind, counterpart, counterpart_uscc, region_name, amount,
                _random_day(rng, established, self.as_of),
            ))  # fmt: skip

    def _former_name(
        self,
        rng: random.Random,
        ent_id: int,
        established: dt.date,
        profile: Profile,
        brand: str,
        name: str,
        out: list[tuple[Any, ...]],
    ) -> None:
        words = [w for w in (*profile.words, "实业", "投资", "贸易") if w not in name]
        word = rng.choice(words)
        former = f"深圳市{brand}{word}有限公司"
        out.append(
            (ent_id, former, normalize_name(former), _random_day(rng, established, self.as_of), "名称变更")
        )

    def _tags(
        self,
        rng: random.Random,
        ent_id: int,
        revenue: int | None,
        staff: int,
        quals: set[str],
        out: list[tuple[Any, ...]],
    ) -> None:
        revenue = revenue or 0
        key = revenue >= YI or (QualificationKind.GAOXIN in quals and revenue >= 5000 * WAN)
        key = (key and rng.random() < 0.8) or rng.random() < 0.003
        tags = self.tag_ids
        if key:
            out.append((ent_id, tags["重点企业"]))
            if rng.random() < 0.15:
                out.append((ent_id, tags["区领导挂点"]))
        if (revenue >= 5 * YI and rng.random() < 0.3) or (
            QualificationKind.XIAOJUREN in quals and rng.random() < 0.3
        ):
            out.append((ent_id, tags["链主"]))
        if (staff >= 500 and rng.random() < 0.2) or rng.random() < 0.0005:
            out.append((ent_id, tags["上市"]))


# --- The builder ------------------------------------------------------------------------------

MODELS_IN_ORDER = ("enterprise", "report", "ip", "qual", "lease", "support", "relation", "housing", "contact",
                   "former", "tag")  # fmt: skip


def _targets() -> dict[str, tuple[Any, Sequence[str]]]:
    from wutong.enterprises import models as m

    return {
        "enterprise": (m.Enterprise, ENTERPRISE_COLUMNS),
        "report": (m.AnnualReport, REPORT_COLUMNS),
        "ip": (m.IPAsset, IP_COLUMNS),
        "qual": (m.QualificationHolding, QUAL_COLUMNS),
        "lease": (m.Lease, LEASE_COLUMNS),
        "support": (m.SupportReceived, SUPPORT_COLUMNS),
        "relation": (m.Relation, RELATION_COLUMNS),
        "housing": (m.TalentHousing, HOUSING_COLUMNS),
        "contact": (m.Contact, CONTACT_COLUMNS),
        "former": (m.FormerName, FORMER_COLUMNS),
        "tag": (m.Enterprise.tags.through, TAG_COLUMNS),
    }


def build_enterprises(ctx: DemoContext) -> None:
    """Stream ``ctx.enterprises`` demo firms (and their records) into the registry, chunk by chunk."""
    from wutong.enterprises.models import Enterprise, Tag

    tag_ids = {}
    for name, color in TAGS:
        tag_ids[name] = Tag.objects.get_or_create(name=name, defaults={"color": color})[0].pk
    first_id = (Enterprise.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
    generator = EnterpriseGenerator(ctx, first_id, tag_ids)
    targets = _targets()
    total, started, written = ctx.enterprises, time.monotonic(), 0
    for start in range(0, total, ctx.chunk_size):
        stop = min(total, start + ctx.chunk_size)
        rows = generator.chunk(start, stop)
        with transaction.atomic():
            for key in MODELS_IN_ORDER:
                model, columns = targets[key]
                written += ctx.insert(model, columns, rows[key])
        del rows
        elapsed = max(time.monotonic() - started, 1e-6)
        ctx.log(f"企业 {stop:,}/{total:,}  共写入 {written:,} 行  {written / elapsed:,.0f} 行/秒")
    reset_sequences(Enterprise)
    ctx.enterprise_ids = range(first_id, first_id + total)


def demo_enterprises_exist(ctx: DemoContext) -> bool:
    from wutong.enterprises.models import Enterprise

    return Enterprise.objects.filter(source=SourceKind.DEMO).exists()


def reset_enterprises(ctx: DemoContext, batch: int = 2_000) -> None:
    """Delete the demo firms and everything hanging off them, a batch at a time (bounded memory;
    the ORM cascades, so later apps' rows that point at a firm go too)."""
    from wutong.enterprises.models import Enterprise

    demo = Enterprise.objects.filter(source=SourceKind.DEMO).order_by("pk")
    deleted = 0
    while ids := list(demo.values_list("pk", flat=True)[:batch]):
        with transaction.atomic():
            Enterprise.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
    ctx.log(f"已删除演示企业 {deleted:,} 家")


register_builder(
    "enterprises", build_enterprises, order=20, exists=demo_enterprises_exist, reset=reset_enterprises
)
