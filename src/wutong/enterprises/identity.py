"""Enterprise identity: the 统一社会信用代码 validator, name normalisation for duplicate matching,
pinyin for search, and the probable-duplicate lookup.

Everything here is pure except :func:`find_probable_duplicates`, which reads the registry.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from wutong.enterprises.models import Enterprise

# --- 统一社会信用代码 (GB 32100-2015) -----------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, …, 28
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714-1997

# Position 1 登记管理部门 → the 机构类别 codes allowed in position 2. 9/5/1/N/Y are verified in
# reference/qualifications.md §4.1; the tables for 2, 3, 4, 6, 7, 8 and A are from memory of the
# standard's appendix [M] and should be checked against its text.
USCC_AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {
            "1": "律师执业机构",
            "2": "公证处",
            "3": "基层法律服务所",
            "4": "司法鉴定机构",
            "5": "仲裁委员会",
            "9": "其他",
        },
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": (
        "旅游",
        {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"},
    ),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}

# GB/T 2260 province-level codes (first two digits of the region code); "10" is used for bodies
# registered by central authorities. An unknown province is a warning, not a rejection.
PROVINCE_CODES = frozenset(
    [
        "10",
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―－_]+")


@dataclass
class UsccResult:
    """The verdict on one code: ``valid`` is False when any error was found; warnings never reject."""

    code: str
    valid: bool
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.valid


def compact_uscc(code: str | None) -> str:
    """The code as typed, reduced to its 18 characters: full-width → half-width, no spaces or
    hyphens, upper case (people paste codes from PDFs and Word tables)."""
    text = unicodedata.normalize("NFKC", code or "")
    return _SEPARATORS.sub("", text).strip().upper()


def uscc_check_char(first17: str) -> str:
    """Position 18: C18 = (31 − Σ Ci·Wi mod 31) mod 31, mapped back through the alphabet."""
    total = sum(
        USCC_ALPHABET.index(char) * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str:
    """GB 11714 check character of the 8-character 主体标识码 body (digits, or letters A=10 … Z=35)."""
    total = sum(_org_value(char) * weight for char, weight in zip(body8, ORG_CODE_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def _org_value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - 55


def validate_uscc(code: str | None) -> UsccResult:
    """Check a 统一社会信用代码 against GB 32100-2015.

    Rejects (``errors``): wrong length, characters outside the 31-character set, an unknown
    登记管理部门 (position 1) or 机构类别 (position 2), a non-digit region code (3–8), a wrong check
    character (18). Warns only (``warnings``): an unknown province in the region code and a failing
    GB 11714 check of the embedded 组织机构代码 (9–17), which early codes of 个体工商户 do not carry.
    Unlike python-stdnum it accepts the letter authorities A (军队), N (农业) and Y (其他).
    """
    compact = compact_uscc(code)
    result = UsccResult(code=compact, valid=False)
    errors, warnings = result.errors, result.warnings
    if len(compact) != 18:
        errors.append(_("统一社会信用代码应为18位，实际为%(n)d位") % {"n": len(compact)})
        return result
    bad = [(i, char) for i, char in enumerate(compact, start=1) if char not in USCC_ALPHABET]
    for position, char in bad:
        errors.append(
            _("第%(pos)d位字符“%(char)s”不合法（只能是数字和除I、O、Z、S、V以外的大写字母）")
            % {"pos": position, "char": char}
        )
    if bad:
        return result
    authority = USCC_AUTHORITIES.get(compact[0])
    if authority is None:
        errors.append(_("第1位登记管理部门代码“%(c)s”不存在") % {"c": compact[0]})
    elif compact[1] not in authority[1]:
        errors.append(
            _("第2位机构类别代码“%(c)s”不适用于登记管理部门“%(dept)s”（可用：%(allowed)s）")
            % {"c": compact[1], "dept": authority[0], "allowed": "、".join(authority[1])}
        )
    region = compact[2:8]
    if not region.isdigit():
        errors.append(_("第3–8位登记管理机关行政区划码应为6位数字，实际为“%(r)s”") % {"r": region})
    elif region[:2] not in PROVINCE_CODES:
        warnings.append(_("行政区划码“%(r)s”的省级代码不存在，请核实") % {"r": region})
    expected = uscc_check_char(compact[:17])
    if compact[17] != expected:
        errors.append(_("校验码错误：第18位应为“%(e)s”，实际为“%(a)s”") % {"e": expected, "a": compact[17]})
    org_expected = org_code_check_char(compact[8:16])
    if compact[16] != org_expected:
        warnings.append(
            _("第9–17位组织机构代码的校验位应为“%(e)s”，实际为“%(a)s”，请核实")
            % {"e": org_expected, "a": compact[16]}
        )
    result.valid = not errors
    return result


def is_valid_uscc(code: str | None) -> bool:
    return validate_uscc(code).valid


# The fast path for a code already typed clean. 34 ≡ 3 (mod 31), so with the characters written as
# base-34 digits of their values, lowest position first, int(…, 34) ≡ Σ Ci·3^i = Σ Ci·Wi (mod 31).
_CLEAN_USCC = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}")
_AS_BASE34 = str.maketrans(dict(zip(USCC_ALPHABET, "0123456789abcdefghijklmnopqrstu", strict=True)))
_AUTHORITY_CATEGORIES = frozenset(
    a + c for a, (_name, categories) in USCC_AUTHORITIES.items() for c in categories
)


def is_clean_valid_uscc(code: str) -> bool:
    """True when ``code`` is already compact (18 characters of the alphabet, as typed) and
    :func:`validate_uscc` accepts it — in about a microsecond, for bulk imports. False says
    nothing: such a code takes the long way (tested equal)."""
    if _CLEAN_USCC.fullmatch(code) is None or code[:2] not in _AUTHORITY_CATEGORIES:
        return False
    total = int(code[16::-1].translate(_AS_BASE34), 34) % 31
    return code[17] == USCC_ALPHABET[(31 - total) % 31]


# --- Names --------------------------------------------------------------------------------------

_PREFIXES = ("深圳市", "深圳", "广东省", "广东")
_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "公司")
_BRACKETS = re.compile(r"[()（）\[\]【】〔〕［］]")
# A region in brackets anywhere in the name: 梧桐科技（深圳）有限公司 ≈ 深圳市梧桐科技有限公司.
_BRACKETED_REGION = re.compile(r"[(（\[【〔](?:深圳市?|广东省?)[)）\]】〕]")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def normalize_name(name: str) -> str:
    """The name reduced to what identifies the firm: full/half width, traditional → simplified,
    no spaces or brackets, without the 深圳市/(深圳) prefix and the 有限公司-type suffix."""
    text = unicodedata.normalize("NFKC", name or "")
    text = _t2s().convert(text)
    text = _BRACKETED_REGION.sub("", text) or text  # a name that is only "(深圳)" stays itself
    text = _SPACES.sub("", _BRACKETS.sub("", text)).upper()
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if text.startswith(prefix) and len(text) > len(prefix) + 1:
                text, changed = text[len(prefix) :], True
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            text = text[: -len(suffix)]
            break
    return text


def name_search_columns(name: str) -> tuple[str, str, str]:
    """(normalised name, full pinyin without spaces, pinyin initials) for one enterprise name."""
    clean = unicodedata.normalize("NFKC", name or "")
    # pypinyin accepts a list from ``errors`` (one item per character); its stubs say str.
    syllables = lazy_pinyin(clean, errors=lambda chars: list(chars.lower()))  # type: ignore[arg-type,return-value]
    initials = lazy_pinyin(
        clean,
        style=Style.FIRST_LETTER,
        errors=lambda chars: list(chars.lower()),  # type: ignore[arg-type,return-value]
    )
    return normalize_name(name), "".join(syllables).lower()[:600], "".join(initials).lower()[:200]


def find_probable_duplicates(name: str, exclude_pk: int | None = None) -> QuerySet[Enterprise]:
    """Enterprises whose name or any former name normalises to the same text as ``name``."""
    from wutong.enterprises.models import Enterprise

    normalized = normalize_name(name)
    if not normalized:
        return Enterprise.objects.none()
    matches = Enterprise.objects.filter(
        Q(name_normalized=normalized) | Q(pk__in=_former_name_owners(normalized))
    )
    if exclude_pk is not None:
        matches = matches.exclude(pk=exclude_pk)
    return matches.order_by("name", "pk")


def _former_name_owners(normalized: str):  # type: ignore[no-untyped-def]
    from wutong.enterprises.models import FormerName

    return FormerName.objects.filter(name_normalized=normalized).values("enterprise_id")
