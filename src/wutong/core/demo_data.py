"""Building blocks of the synthetic demo district: valid credit codes, Chinese names, people.

Everything here is pure and deterministic (no database, no clock): the demo builders feed it a
seeded :class:`random.Random` and an index, and the same inputs always give the same output.

* :func:`make_uscc` writes a 统一社会信用代码 whose check digit follows GB 32100-2015 (mod 31) and
  whose 主体标识码 is a GB 11714-1997-valid 组织机构代码 (with its own mod-11 check digit);
  :func:`org_code_body` maps an enterprise index to a distinct body, so codes are unique by
  construction without remembering the ones already issued (the demo streams millions of rows).
* :class:`NameComposer` builds enterprise names from parts and derives the search columns: the
  normalised name from :func:`~wutong.enterprises.identity.normalize_name` itself (cheap), pinyin
  and initials from cached per-part pinyin (pypinyin is the slow part). The result equals
  :func:`wutong.enterprises.identity.name_search_columns` for every name the demo can make (the
  字号 characters were chosen so no two of them form a pinyin phrase; ``tests/test_demo.py``
  checks the equality), at a fraction of its cost.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

# --- 统一社会信用代码 (GB 32100-2015) and 组织机构代码 (GB 11714-1997) ----------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, …
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

#: How many distinct bodies each style of 主体标识码 can hold (see :func:`org_code_body`).
MODERN_SPACE = 31**5  # "MA5" + five characters: codes issued since the 2015 reform
LEGACY_SPACE = 10**8  # eight digits: the old 组织机构代码 of firms registered before it
_MODERN_STEP = 1_000_003  # prime, coprime to both spaces: index → body is a bijection
_LEGACY_STEP = 7_654_321


def uscc_check_char(first17: str) -> str:
    """Position 18 of a USCC: (31 − Σ Ci·3^(i−1) mod 31) mod 31, through the 31-letter alphabet."""
    total = sum(_USCC_VALUE[ch] * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def _org_value(ch: str) -> int:
    return int(ch) if ch.isdigit() else ord(ch) - 55  # GB 11714: A=10, B=11 … over the full alphabet


def org_code_check_char(body8: str) -> str:
    """Position 9 of a 组织机构代码: 11 − Σ Ci·Wi mod 11; 10 → X, 11 → 0."""
    value = 11 - sum(_org_value(ch) * w for ch, w in zip(body8, ORG_CODE_WEIGHTS, strict=True)) % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def org_code_body(index: int, *, modern: bool, salt: int = 0) -> str:
    """Eight characters of 主体标识码 for enterprise number ``index``, distinct for distinct indexes.

    Modern bodies look like those 市场监管 issues since 2015 (``MA5`` + 5 characters of the USCC
    alphabet); legacy bodies are 8 digits. An affine map modulo the space size scatters
    consecutive indexes so neighbouring firms do not get neighbouring codes.
    """
    if modern:
        if not 0 <= index < MODERN_SPACE:
            raise ValueError("index outside the modern code space")
        n = (index * _MODERN_STEP + salt) % MODERN_SPACE
        tail = []
        for _ in range(5):
            n, digit = divmod(n, 31)
            tail.append(USCC_ALPHABET[digit])
        return "MA5" + "".join(reversed(tail))
    if not 0 <= index < LEGACY_SPACE:
        raise ValueError("index outside the legacy code space")
    return f"{(index * _LEGACY_STEP + salt) % LEGACY_SPACE:08d}"


def make_uscc(registration: str, region: str, body8: str) -> str:
    """A full 18-character code: 登记管理部门+机构类别 (``"91"`` 企业, ``"92"`` 个体工商户, ``"52"``
    民办非企业单位 …), 6-digit 行政区划码, 8-character body, its GB 11714 check, the GB 32100 check."""
    first17 = registration + region + body8 + org_code_check_char(body8)
    if len(first17) != 17 or any(ch not in _USCC_VALUE for ch in first17):
        raise ValueError(f"not a USCC prefix: {first17!r}")
    return first17 + uscc_check_char(first17)


def is_valid_uscc(code: str) -> bool:
    """Check digit 18 and the embedded organisation code (the demo only makes codes that pass both)."""
    if len(code) != 18 or any(ch not in _USCC_VALUE for ch in code):
        return False
    return code[17] == uscc_check_char(code[:17]) and code[16] == org_code_check_char(code[8:16])


# --- Chinese patent application numbers (the check digit of CN 12-digit numbers) --------------


def patent_number(year: int, kind_digit: int, serial: int) -> str:
    """申请号 like ``202310123456.7``: year, type (1 发明 2 实用新型 3 外观设计), 7-digit serial, check."""
    digits = f"{year:04d}{kind_digit}{serial:07d}"
    weights = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
    check = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return f"{digits}.{'X' if check == 10 else check}"


# --- Names -------------------------------------------------------------------------------------

#: Characters of 字号 (trade names). No two of them form a pinyin phrase (so per-character pinyin
#: composes), none is 深/广 (which normalize_name would take for a region prefix).
BRAND_CHARS = (
    "华新达盛鑫恒泰源创科信联通宏远博瑞祥美嘉安捷凯力德海天睿智云星辰光明东方中汇锦富荣腾飞龙凤金银"
    "宝昌隆盈丰利合众诚兴旺佳优品骏鹏越卓然致思哲易普康健益悦欣雅正道元亨兆基峰岚弘毅格凌启航蓝图朗"
    "润泓澜晟煜炜琪瑾璟璞翰墨书宸宇轩昊磊森林沐霖雨晴川岳崇峻巍耀辉熠灿炫彩虹霓翔鸿鹤雁鲸豹麒麟狮虎"
    "象艺匠维度展迈进立本真实好成功"
)
_BRAND_N = len(BRAND_CHARS)
BRAND2_SPACE = _BRAND_N * (_BRAND_N - 1)
BRAND3_SPACE = _BRAND_N**3


def brand_name(index: int, salt: int = 0) -> str:
    """A distinct 字号 per index: two different characters first, three once those run out."""
    if index < BRAND2_SPACE:
        n = (index * 7919 + salt) % BRAND2_SPACE
        first, second = divmod(n, _BRAND_N - 1)
        second = second if second < first else second + 1
        return BRAND_CHARS[first] + BRAND_CHARS[second]
    n = ((index - BRAND2_SPACE) * 104_729 + salt) % BRAND3_SPACE
    a, rest = divmod(n, _BRAND_N * _BRAND_N)
    b, c = divmod(rest, _BRAND_N)
    return BRAND_CHARS[a] + BRAND_CHARS[b] + BRAND_CHARS[c]


SURNAMES = (
    "王" * 8 + "李" * 8 + "张" * 7 + "刘" * 6 + "陈" * 6 + "杨" * 4 + "黄" * 4 + "赵" * 3 + "吴" * 3
    + "周" * 3
    + "徐孙马朱胡郭何林罗高郑梁谢宋唐许邓韩冯曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆"
    "范汪廖石金贾夏付方邹熊白孟秦邱侯江尹薛段雷龙黎史陶贺毛郝顾龚邵万武钱戴严赖温莫欧"
)  # fmt: skip
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚文华辉玲建红鹏林飞宇浩凯晨婷雪琳欣佳俊峰斌波宁颖梅晓"
    "志海亮鑫蕾思睿子怡嘉博瑶萱轩泽昊航彤然悦诗雨涵琪梓欣铭锐哲晗煜宏振国庆东伦家新海荣永健毅"
)


def person_name(rng: random.Random) -> str:
    """A Chinese full name: a common surname, one or two given-name characters."""
    given = rng.choice(GIVEN_CHARS)
    if rng.random() < 0.7:
        given += rng.choice(GIVEN_CHARS)
    return rng.choice(SURNAMES) + given


def mobile_phone(rng: random.Random) -> str:
    return rng.choice(("13", "15", "18", "17", "19")) + f"{rng.randrange(10**9):09d}"


# --- Enterprise names and their search columns ------------------------------------------------


@dataclass(frozen=True, slots=True)
class EnterpriseName:
    name: str
    normalized: str
    pinyin: str
    initials: str


class NameComposer:
    """Builds names from parts (``["深圳市", "恒", "达", "信息技术", "有限公司"]``) and their search
    columns from cached per-part pinyin."""

    def __init__(self) -> None:
        from pypinyin import Style, lazy_pinyin

        from wutong.enterprises.identity import normalize_name

        self._normalize = normalize_name
        self._lazy_pinyin = lazy_pinyin
        self._first_letter = Style.FIRST_LETTER
        self._cache: dict[str, tuple[str, str]] = {}

    def part(self, text: str) -> tuple[str, str]:
        hit = self._cache.get(text)
        if hit is None:
            clean = unicodedata.normalize("NFKC", text)
            errors = lambda chars: list(chars.lower())  # noqa: E731  (same rule as identity.py)
            hit = (
                "".join(self._lazy_pinyin(clean, errors=errors)).lower(),  # type: ignore[arg-type]
                "".join(self._lazy_pinyin(clean, style=self._first_letter, errors=errors)).lower(),  # type: ignore[arg-type]
            )
            self._cache[text] = hit
        return hit

    def compose(self, parts: list[str]) -> EnterpriseName:
        pinyin: list[str] = []
        initials: list[str] = []
        for part in parts:
            p, i = self.part(part)
            pinyin.append(p)
            initials.append(i)
        name = "".join(parts)
        return EnterpriseName(name, self._normalize(name), "".join(pinyin)[:600], "".join(initials)[:200])


def brand_parts(brand: str) -> list[str]:
    """A 字号 as one part per character (see :data:`BRAND_CHARS`)."""
    return list(brand)
