"""Enterprise identity: name normalisation for duplicate matching and pinyin for search.

(The USCC validator and the duplicate/merge logic are added alongside; this module is pure.)
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

_PREFIXES = ("深圳市", "深圳", "广东省", "广东")
_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "公司")
_BRACKETS = re.compile(r"[()（）\[\]【】]")
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
    text = _SPACES.sub("", _BRACKETS.sub("", text)).upper()
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if text.startswith(prefix) and len(text) > len(prefix) + 1:
                text, changed = text[len(prefix):], True
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            text = text[: -len(suffix)]
            break
    return text


def name_search_columns(name: str) -> tuple[str, str, str]:
    """(normalised name, full pinyin without spaces, pinyin initials) for one enterprise name."""
    clean = unicodedata.normalize("NFKC", name or "")
    syllables = lazy_pinyin(clean, errors=lambda chars: list(chars.lower()))
    initials = lazy_pinyin(clean, style=Style.FIRST_LETTER, errors=lambda chars: list(chars.lower()))
    return normalize_name(name), "".join(syllables).lower()[:600], "".join(initials).lower()[:200]
