"""The import framework: spreadsheets and CSV files in, validated, previewed, committed in bulk.

Every app that imports declares an :class:`ImportKind` in its ``imports.py`` (columns with Chinese
headers, aliases, types and units; how a chunk of parsed rows is matched against the database and
written). This module does the rest, the same way for every kind:

* **reading** ``.xlsx``/``.xls`` (python-calamine) and ``.csv`` in UTF-8, UTF-8 with BOM or
  GB18030/GBK (detected); the header row is the row matching the most known headers, so title rows
  merged above the table (``罗湖区重点企业名录（2025年）``) and blank rows are skipped; empty rows too.
* **parsing** the values a bureau's spreadsheets really hold: ``1,234.5``, ``1234.5万元``, ``1.2亿``,
  ``12,345,678元``, full-width digits, ``2019-03-05``, ``2019/3/5``, ``2019年3月5日``, ``20190305``,
  Excel serial dates, stray spaces. A money header may state its unit (``注册资本(万元)`` or
  ``注册资本(元)``); a value's own unit (``1.2亿``) wins over the header's.
* **validating every row** before anything is written: errors carry the row number as the
  spreadsheet shows it (the header row is its real row number) and the header text, with a reason
  in Chinese.
* **committing atomically**: rows with errors are *rejected* and listed; the accepted rows are
  written in ONE transaction — all of them or none (a database error mid-way leaves nothing). Rows
  whose values equal the database are *unchanged* and not written, so re-importing a file changes
  nothing. Blank cells never overwrite a known value.
* **set-based writes**: rows are streamed in chunks; each chunk is matched with one query and
  written with ``COPY`` (PostgreSQL) or ``executemany`` (SQLite), never a query per row.

Speed (a city's registry is millions of rows): a chunk is read **column by column**
(:class:`ColumnReader`, a cache per distinct cell: dates, streets, industries, labels and amounts
repeat), handed to the kind as a :class:`ParsedChunk`, and a kind that plans column-wise returns its
new rows as one :class:`RowBlock` (no dict per row; on PostgreSQL its COPY text is built column by
column). Files of :data:`PIPELINE_MIN_ROWS` rows or more are read and parsed in a forked process
while this one plans and writes (:func:`_in_reading_process`). Every shortcut is tested equal to the
path it replaces (``tests/test_import_fast_paths.py``, ``tests/test_import_reading_process.py``).

The preview (dry run) and the commit run the same code; the commit simply writes. The web flow
validates the whole file first (a task), shows the preview and commits on confirmation (a second
task, re-reading the file). The CLI commits in one streaming pass inside the single transaction:
each chunk is validated, then written; a row's verdict never depends on later rows (a repeated key
rejects the *later* row), so the outcome equals validate-everything-then-commit, with half the work.
A row with a cell error is rejected before the kind's own checks (reference lookups) run on it. Written rows
get ``source=import``, ``source_batch`` and ``as_of``; one :class:`~wutong.core.models.ImportBatch`
row per file and one audit entry per committed batch.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gc
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import partial
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

# --- Columns --------------------------------------------------------------------------------

TEXT = "text"
USCC = "uscc"
DATE = "date"
MONEY = "money"
INT = "int"
DECIMAL = "decimal"
CHOICE = "choice"
BOOL = "bool"

UNIT_FACTORS = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}
_UNIT_ALIASES = {"元": "元", "万元": "万元", "万": "万元", "亿元": "亿元", "亿": "亿元"}
_CENT = Decimal("0.01")
_TOO_MUCH = Decimal("1e16")


@dataclass(frozen=True)
class Column:
    """One column of an import kind: the model field it fills and how a cell becomes a value.

    ``unit`` is the money unit assumed when the header does not say (``注册资本`` → 万元 by default);
    ``choices`` maps Chinese labels (and values, and ``choice_aliases``) to stored values.
    """

    field: str
    header: str
    aliases: tuple[str, ...] = ()
    type: str = TEXT
    unit: str = "万元"
    required: bool = False
    choices: Any = None  # a TextChoices class
    choice_aliases: tuple[tuple[str, str], ...] = ()
    max_length: int = 0
    note: str = ""
    example: Any = ""
    validator: Callable[[Any], Any] | None = None  # for USCC (and any kind-specific text check)

    @property
    def template_header(self) -> str:
        """The header written in templates and exports (money headers state their unit)."""
        return f"{self.header}({self.unit})" if self.type == MONEY else self.header

    def choice_map(self) -> dict[str, str]:
        mapping: dict[str, str] = {}
        if self.choices is not None:
            for value, label in self.choices.choices:
                mapping[_norm_key(str(label))] = value
                mapping[_norm_key(str(value))] = value
        for alias, value in self.choice_aliases:
            mapping[_norm_key(alias)] = value
        return mapping

    def label_for(self, value: Any) -> str:
        if self.choices is None or value in (None, ""):
            return "" if value is None else str(value)
        for choice_value, label in self.choices.choices:
            if choice_value == value:
                return str(label)
        return str(value)


_HEADER_JUNK = re.compile(r"[\s*＊:：]")
_HEADER_UNIT = re.compile(r"^(.*?)[(（\[【]\s*(亿元|万元|元|亿|万)\s*[)）\]】]$")


def _norm_key(text: str) -> str:
    return _HEADER_JUNK.sub("", unicodedata.normalize("NFKC", text)).lower()


def split_header(text: Any) -> tuple[str, str | None]:
    """``注册资本（万元）`` → (``注册资本``, ``万元``); a header without a unit → (header, None)."""
    key = _norm_key(str(text or ""))
    match = _HEADER_UNIT.match(key)
    if match:
        return match.group(1), _UNIT_ALIASES[match.group(2)]
    return key, None


# --- Value parsers: each takes a raw cell and returns the value or raises ValueError(reason) ---


class CellError(ValueError):
    """A cell that cannot be read; the message is the Chinese reason shown to the user."""


_BLANKS = frozenset({"", "-", "—", "/", "无", "null", "NULL", "None", "N/A", "n/a", "#N/A"})
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_SEPARATED = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NUMBER_JUNK = re.compile(r"[,\s，]")
_MONEY_SUFFIX = re.compile(r"(亿元|万元|亿|万|元)$")


def clean_text(value: Any) -> str:
    """A cell as stripped text (full-width spaces too); integral floats lose their ``.0``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip().strip("\u3000\ufeff").strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return clean_text(value) in _BLANKS
    return False


def parse_text(value: Any, column: Column) -> str:
    text = value.strip("\ufeff") if value.__class__ is str else clean_text(value)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text) if column.type == USCC else text
    if column.max_length and len(text) > column.max_length:
        raise CellError(_("超过最大长度 %(n)d 个字符") % {"n": column.max_length})
    return text


def parse_date(value: Any, column: Column | None = None) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = int(value)
        if 19000101 <= number <= 29991231:
            return parse_date(str(number))
        if 1 <= number <= 2_958_465:  # Excel serial day numbers (1900 date system)
            return _EXCEL_EPOCH + dt.timedelta(days=number)
        raise CellError(_("无法识别的日期"))
    text = clean_text(value)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    match = _DATE_SEPARATED.match(text) or _DATE_COMPACT.match(text)
    if match is None and " " in text:  # "2019-03-05 00:00:00"
        match = _DATE_SEPARATED.match(text.split(" ", 1)[0])
    if match is None and text.replace(".", "", 1).isdigit():
        return parse_date(float(text))
    if match is None:
        raise CellError(_("无法识别的日期，请使用 2019-03-05 格式"))
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise CellError(_("日期不存在"))


def _decimal(text: str) -> Decimal:
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = _NUMBER_JUNK.sub("", text)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(_("不是有效的数字"))
    if not number.is_finite():
        raise CellError(_("不是有效的数字"))
    return number


def parse_money(value: Any, column: Column, unit: str | None = None) -> Decimal:
    """Yuan, from a number in the header's unit or a text carrying its own (``1.2亿``)."""
    factor = UNIT_FACTORS[unit or column.unit]
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = clean_text(value)
        if not text.isascii():
            text = unicodedata.normalize("NFKC", text).replace(" ", "")
            match = _MONEY_SUFFIX.search(text)
            if match:
                factor = UNIT_FACTORS[_UNIT_ALIASES[match.group(1)]]
                text = text[: match.start()]
        number = _decimal(text)
    amount = number * factor
    # Checked before rounding too: quantize() cannot round ``1e400`` to cents (it raised).
    if abs(amount) >= _TOO_MUCH or abs(result := amount.quantize(_CENT, rounding=ROUND_HALF_UP)) >= _TOO_MUCH:
        raise CellError(_("金额过大，请检查单位"))
    return result


def parse_int(value: Any, column: Column | None = None) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        number: Any = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellError(_("应为整数"))
        number = int(value)
    else:
        text = clean_text(value).removesuffix("人").removesuffix("个").removesuffix("年")
        dec = _decimal(text)
        if dec != dec.to_integral_value():
            raise CellError(_("应为整数"))
        number = int(dec)
    if number < 0:
        raise CellError(_("不能为负数"))
    return number


def parse_decimal(value: Any, column: Column | None = None) -> Decimal:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return _decimal(clean_text(value))


_TRUE = frozenset({"是", "y", "yes", "true", "1", "√", "✓", "有", "已用"})
_FALSE = frozenset({"否", "n", "no", "false", "0", "×", "✗", "无", "未用"})


def parse_bool(value: Any, column: Column | None = None) -> bool:
    if isinstance(value, bool):
        return value
    key = _norm_key(clean_text(value))
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise CellError(_("应填“是”或“否”"))


# --- Kinds ----------------------------------------------------------------------------------


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ParsedRow:
    """One accepted-so-far row: its spreadsheet row number and the parsed values of non-blank cells."""

    row: int
    values: dict[str, Any]


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"  # unpickles as the module's one instance: chunks cross processes


MISSING: Any = _Missing()
"""A blank cell in a parsed column (a row-wise :class:`ParsedRow` simply lacks the field)."""


class _Bad:
    """A cell that could not be read, standing in its column's place; ``message`` is the reason."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


@dataclass
class ParsedChunk:
    """The accepted-so-far rows of a chunk, column-wise: ``rows`` are the spreadsheet row numbers,
    ``columns`` maps each field present in the file (in the file's column order) to one value per
    row, :data:`MISSING` for a blank cell. Kinds that plan row by row use :meth:`records`."""

    rows: list[int]
    columns: dict[str, list[Any]]
    derived: dict[str, list[Any]] = field(default_factory=dict)  # see ImportKind.derive_columns

    def __len__(self) -> int:
        return len(self.rows)

    def records(self) -> list[ParsedRow]:
        fields = list(self.columns)
        return [
            ParsedRow(number, {f: v for f, v in zip(fields, values, strict=True) if v is not MISSING})
            for number, *values in zip(self.rows, *self.columns.values(), strict=True)
        ]


class Same:
    """One value for every row of a :class:`RowBlock` column (timestamps, provenance, defaults)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class Lazy:
    """A :class:`RowBlock` column computed only when the rows are written: a preview plans the
    same rows without paying for columns nobody reads before the commit (pinyin)."""

    __slots__ = ("_values", "compute")

    def __init__(self, compute: Callable[[], Sequence[Any]]) -> None:
        self.compute = compute
        self._values: Sequence[Any] | None = None

    def values(self) -> Sequence[Any]:
        if self._values is None:
            self._values = self.compute()
        return self._values


@dataclass
class RowBlock:
    """Rows to insert, column-wise: for each attname (every column the table needs) a list with
    one value per row, :class:`Same` or :class:`Lazy`. Kinds that plan column-wise build it instead
    of one dict per row; :func:`bulk_insert` zips it into rows only while writing."""

    attnames: list[str]
    columns: list[Any]  # per attname: a list, Same or Lazy
    length: int

    def __len__(self) -> int:
        return self.length

    def tuples(
        self, converters: Sequence[Callable[[Any], Any] | None] | None = None
    ) -> Iterator[tuple[Any, ...]]:
        """The rows, each column passed through its converter first (a :class:`Same` converts once)."""
        from itertools import repeat

        series: list[Iterable[Any]] = []
        for index, column in enumerate(self.columns):
            convert = converters[index] if converters is not None else None
            if isinstance(column, Same):
                series.append(repeat(convert(column.value) if convert else column.value, self.length))
                continue
            if isinstance(column, Lazy):
                column = column.values()
            series.append(map(convert, column) if convert else column)
        return zip(*series)  # noqa: B905 (every column has ``length`` values)

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.attnames, row, strict=True)) for row in self.tuples()]


@dataclass
class ChunkPlan:
    """What a kind decided for a chunk: rows to insert (attname → value; a kind planning column-wise
    gives them as one ``insert_block`` instead), rows to update (with pk), counts, row errors and
    warnings (probable duplicates)."""

    inserts: list[dict[str, Any]] = field(default_factory=list)
    insert_block: RowBlock | None = None
    updates: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


class ImportKind:
    """An importable kind: subclass per app, register with :func:`register`."""

    name: str = ""
    label: Any = ""  # a lazily translated string
    model: type[models.Model]
    columns: Sequence[Column] = ()
    audit_action: str = ""
    capability: str = ""
    template_notes: Sequence[Any] = ()

    def begin(self, run: ImportRun) -> None:
        """Load reference data once per file (industries, streets …)."""

    def plan_chunk(self, rows: list[ParsedRow], run: ImportRun) -> ChunkPlan:
        raise NotImplementedError

    def derive_columns(self, chunk: ParsedChunk, run: ImportRun) -> None:
        """Pure work on a chunk's accepted rows that the reading process can do ahead of the plan
        (no database, no state kept across chunks): put columns into ``chunk.derived``. Called
        only when the file is read in its own process; :meth:`plan_columns` computes what is
        missing itself."""

    def plan_columns(self, chunk: ParsedChunk, run: ImportRun) -> ChunkPlan:
        """The plan of a chunk read column-wise; by default row by row through :meth:`plan_chunk`.
        A kind whose imports are large overrides this to work on whole columns."""
        return self.plan_chunk(chunk.records(), run)

    def write_chunk(self, plan: ChunkPlan, run: ImportRun) -> None:
        bulk_insert(self.model, plan.inserts)
        bulk_update(self.model, plan.updates)

    def bulk_writes(self, run: ImportRun, expected_rows: int) -> AbstractContextManager[Any]:
        """Wraps the write phase of a commit, inside its transaction: a kind whose table keeps
        costly indexes can suspend and rebuild them around a large load. Default: nothing."""
        return nullcontext()

    def finish(self, run: ImportRun) -> None:
        """After all chunks are written, inside the commit transaction."""

    def export_rows(self, queryset: Any = None) -> Iterator[list[Any]]:
        raise NotImplementedError


_kinds: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> ImportKind:
    _kinds[kind.name] = kind
    return kind


def get_kind(name: str) -> ImportKind:
    if name not in _kinds:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("imports")
    try:
        return _kinds[name]
    except KeyError:
        raise LookupError(_("未知的导入类型：%(kind)s") % {"kind": name}) from None


def kinds() -> dict[str, ImportKind]:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("imports")
    return dict(_kinds)


# --- Reading files --------------------------------------------------------------------------

SPREADSHEET_SUFFIXES = {".xlsx", ".xls", ".csv"}


class FileError(Exception):
    """The file as a whole cannot be read (wrong type, no header row); message in Chinese."""


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) when the bytes decode as UTF-8, else GB18030 (a superset of GBK)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
        return "gb18030"
    except UnicodeDecodeError:
        raise FileError(_("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV"))


@dataclass
class Sheet:
    """The rows of a file as (row number as the spreadsheet shows it, cells), plus a size hint."""

    rows: Iterator[tuple[int, list[Any]]]
    total_hint: int
    close: Callable[[], None] = lambda: None


def open_sheet(path: str | Path) -> Sheet:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("rb") as raw_handle:
            sample = raw_handle.read(1 << 20)
        encoding = detect_encoding(sample)
        size = path.stat().st_size
        lines = sample.count(b"\n")
        total_hint = int(lines * size / len(sample)) if sample and size > len(sample) else lines + 1
        handle = path.open("r", encoding=encoding, newline="")

        def csv_rows() -> Iterator[tuple[int, list[Any]]]:
            try:
                yield from enumerate(csv.reader(handle), start=1)
            except UnicodeDecodeError:
                raise FileError(_("文件编码不一致，请另存为 UTF-8 或 GBK 编码的 CSV"))

        return Sheet(csv_rows(), total_hint, handle.close)
    if suffix in {".xlsx", ".xls"}:
        from python_calamine import CalamineWorkbook

        try:
            workbook = CalamineWorkbook.from_path(str(path))
            sheet = workbook.get_sheet_by_index(0)
        except Exception as exc:
            raise FileError(_("无法读取 Excel 文件：%(error)s") % {"error": exc})
        start_row = (sheet.start or (0, 0))[0] if hasattr(sheet, "start") else 0

        def xl_rows() -> Iterator[tuple[int, list[Any]]]:
            yield from enumerate(sheet.iter_rows(), start=start_row + 1)

        return Sheet(xl_rows(), sheet.height, workbook.close)
    raise FileError(_("不支持的文件类型 %(suffix)s：请上传 .xlsx、.xls 或 .csv") % {"suffix": suffix or "?"})


# --- Running an import ----------------------------------------------------------------------

MAX_STORED_ERRORS = 10_000
HEADER_SCAN_ROWS = 30


@dataclass
class ImportResult:
    kind: str
    committed: bool = False
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    rejected_rows: set[int] = field(default_factory=set)
    header_row: int = 0
    columns: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "total_rows": self.total_rows,
        }

    def as_json(self) -> dict[str, Any]:
        """The CLI's ``--json`` contract."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": [e.as_dict() for e in self.errors],
        }


@dataclass
class ImportRun:
    """State shared by the kind's hooks during one pass over a file."""

    kind: ImportKind
    commit: bool
    batch_id: int | None
    as_of: dt.date | None
    now: dt.datetime
    present: set[str] = field(default_factory=set)  # fields whose column is in the file
    headers: dict[str, str] = field(default_factory=dict)  # field → its header text in the file
    seen: dict[Any, int] = field(default_factory=dict)  # key → first row number (duplicates in file)
    cache: dict[str, Any] = field(default_factory=dict)
    touched: set[int] = field(default_factory=set)
    # While a reading process runs: a flag in shared memory, set by the plan when most rows of
    # the last chunk were new, so the reader derives what new rows need (and skips it for a
    # re-import). A hint only: the plan computes whatever was not derived.
    mostly_new: Any = None

    def expects_new_rows(self) -> bool:
        return self.mostly_new is None or bool(self.mostly_new.value)

    def provenance(self) -> dict[str, Any]:
        from wutong.core.choices import SourceKind

        return {"source": SourceKind.IMPORT.value, "source_batch_id": self.batch_id, "as_of": self.as_of}


def match_header(
    cells: Sequence[Any], columns: Sequence[Column]
) -> tuple[dict[int, tuple[Column, str | None]], int]:
    """Which cell is which column (and the unit the header states); the score is the number matched."""
    lookup: dict[str, Column] = {}
    for column in columns:
        for name in (column.header, *column.aliases):
            lookup.setdefault(split_header(name)[0], column)
    found: dict[int, tuple[Column, str | None]] = {}
    used: set[str] = set()
    for index, cell in enumerate(cells):
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        base, unit = split_header(cell)
        matched = lookup.get(base)
        if matched is not None and matched.field not in used:
            used.add(matched.field)
            found[index] = (matched, unit)
    return found, len(found)


def _parser_for(column: Column, unit: str | None) -> Callable[[Any], Any]:
    if column.type == MONEY:
        return lambda value: parse_money(value, column, unit)
    if column.type == DATE:
        return parse_date
    if column.type == INT:
        return parse_int
    if column.type == DECIMAL:
        return parse_decimal
    if column.type == BOOL:
        return parse_bool
    if column.type == CHOICE:
        mapping = column.choice_map()

        def parse_choice(value: Any) -> str:
            try:
                return mapping[_norm_key(clean_text(value))]
            except KeyError:
                labels = "、".join(str(label) for _v, label in column.choices.choices if label)
                raise CellError(_("不是可选值（可选：%(labels)s）") % {"labels": labels})

        return parse_choice
    if column.validator is not None:
        return column.validator
    return lambda value: parse_text(value, column)


_UNSEEN: Any = object()


def _cache_key(raw: Any) -> Any:
    """The key under which a non-text cell's result is cached, or None to parse it uncached.

    The class is part of the key (``True == 1 == 1.0`` would otherwise share one entry); a zero
    float is never cached (``0.0 == -0.0``), nor an aware datetime (equal across time zones)."""
    cls = raw.__class__
    if cls is int or cls is bool or cls is dt.date or (cls is float and raw):
        return (cls, raw)
    if cls is dt.datetime and raw.tzinfo is None:
        return (cls, raw)
    return None


class ColumnReader:
    """Reads one column of a chunk of cells: each cell becomes :data:`MISSING` (blank), its value,
    or a :class:`_Bad` carrying the reason.

    :meth:`cell` is the reference: what the importer always did with one cell. :meth:`__call__`
    gives the same result for a whole column, caching it per distinct cell while that pays: dates,
    streets, industries, choice labels and amounts repeat a lot in a bureau's spreadsheets, names
    and codes do not; a column whose chunk was mostly new values stops caching."""

    CACHE_LIMIT = 100_000

    def __init__(self, column: Column, unit: str | None) -> None:
        self.parser = _parser_for(column, unit)
        self.cache: dict[Any, Any] | None = {}
        self.may_fail = False  # a _Bad was produced (so the chunk's column must be scanned for one)

    def cell(self, raw: Any) -> Any:
        if raw.__class__ is str:
            raw = raw.strip()  # str.strip() also removes full-width spaces (U+3000)
            if not raw or raw in _BLANKS:
                return MISSING
        elif raw is None:
            return MISSING
        try:
            return self.parser(raw)
        except CellError as exc:
            self.may_fail = True
            return _Bad(exc.args[0])

    def __call__(self, raws: list[Any]) -> list[Any]:
        cell = self.cell
        cache = self.cache
        if cache is None:
            return [cell(raw) for raw in raws]
        before = len(cache)
        out: list[Any] = []
        append = out.append
        get = cache.get
        for raw in raws:
            key = raw if raw.__class__ is str else _cache_key(raw)
            if key is None:
                append(cell(raw))
                continue
            value = get(key, _UNSEEN)
            if value is _UNSEEN:
                value = cache[key] = cell(raw)
            append(value)
        if (len(cache) - before) * 2 > len(raws) or len(cache) > self.CACHE_LIMIT:
            self.cache = None
        return out


def upsert_plan(
    rows: Sequence[tuple[ParsedRow, dict[str, Any]]],
    existing: dict[Any, dict[str, Any]],
    run: ImportRun,
    *,
    key: Callable[[dict[str, Any]], Any],
    attnames: Sequence[str],
    on_insert: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    on_update: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] | None = None,
    pk: str = "id",
) -> ChunkPlan:
    """Classify rows (already resolved to attname → value) as new, changed or unchanged.

    ``existing`` maps a key to the database row (its pk and every attname in ``attnames``). A value
    missing from the file row (blank cell) keeps the database value. Updated rows carry every
    attname, so one statement shape updates them all; written rows get provenance and updated_at."""
    plan = ChunkPlan()
    provenance = run.provenance()
    for _parsed, values in rows:
        current = existing.get(key(values))
        if current is None:
            row = {**values, **provenance, "created_at": run.now, "updated_at": run.now}
            plan.inserts.append(on_insert(row) if on_insert else row)
            continue
        if all(current.get(name) == value for name, value in values.items()):
            plan.unchanged += 1
            continue
        row = {name: values.get(name, current.get(name)) for name in attnames}
        row.update(provenance)
        row["updated_at"] = run.now
        row[pk] = current[pk]
        plan.updates.append(on_update(row, current) if on_update else row)
    return plan


@contextmanager
def _young_gc_only() -> Iterator[None]:
    """While a file is imported, the objects that existed before (Django, reference data) are kept
    out of the cyclic collector's full passes (``gc.freeze``) and young collections run ten times
    less often: an import allocates millions of short-lived containers, and full passes over an
    ever larger heap cost a third of its time. Restored afterwards."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(thresholds[0], 10_000), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def run_import(
    kind: ImportKind | str,
    path: str | Path,
    *,
    commit: bool,
    actor: Any = None,
    batch: Any = None,
    as_of: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
    chunk_size: int = 5000,
) -> ImportResult:
    """Validate every row of ``path`` and, when ``commit``, write the accepted ones in one transaction.

    Without ``commit`` nothing is written (the preview). With it, the pass runs inside
    ``transaction.atomic()``: an exception anywhere rolls back every row of the file, and one audit
    entry (``<kind>.audit_action``) with the counts is written at the end.
    """
    kind = get_kind(kind) if isinstance(kind, str) else kind
    if commit and actor is not None and kind.capability:
        from wutong.accounts.services import require

        require(actor, kind.capability)
    run = ImportRun(
        kind=kind,
        commit=commit,
        batch_id=getattr(batch, "pk", None),
        as_of=as_of or timezone.localdate(),
        now=timezone.now(),
    )
    with _young_gc_only():
        return _run_import(kind, path, run, commit, actor, batch, progress, chunk_size)


def _run_import(
    kind: ImportKind,
    path: str | Path,
    run: ImportRun,
    commit: bool,
    actor: Any,
    batch: Any,
    progress: Callable[[int, int], None] | None,
    chunk_size: int,
) -> ImportResult:
    if commit:
        with transaction.atomic():
            result = _run(kind, path, run, progress, chunk_size)
            kind.finish(run)
            if batch is not None:
                from wutong.core import audit

                audit.record(
                    kind.audit_action,
                    actor=actor,
                    target=batch,
                    target_label=batch.file_name,
                    data={"kind": kind.name, **result.counts()},
                )
            result.committed = True
        return result
    return _run(kind, path, run, progress, chunk_size)


def _run(
    kind: ImportKind,
    path: str | Path,
    run: ImportRun,
    progress: Callable[[int, int], None] | None,
    chunk_size: int,
) -> ImportResult:
    result = ImportResult(kind=kind.name)
    sheet = open_sheet(path)
    try:
        head: list[tuple[int, list[Any]]] = []
        best: tuple[int, int, dict[int, tuple[Column, str | None]]] = (0, 0, {})
        for number, cells in sheet.rows:
            head.append((number, cells))
            found, score = match_header(cells, kind.columns)
            if score > best[1]:
                best = (len(head) - 1, score, found)
            if len(head) >= HEADER_SCAN_ROWS:
                break
        header_index, score, mapping = best
        if score == 0:
            raise FileError(_("未找到表头：前 %(n)d 行中没有可识别的列名") % {"n": HEADER_SCAN_ROWS})
        header_row, header_cells = head[header_index]
        result.header_row = header_row
        result.columns = [clean_text(c) for c in header_cells]
        present = {column.field for column, _unit in mapping.values()}
        missing = [c.header for c in kind.columns if c.required and c.field not in present]
        if missing:
            raise FileError(_("缺少必填列：%(columns)s") % {"columns": "、".join(missing)})
        run.present = present
        # Column-wise plan, in the file's column order: (cell index, field, header text, reader)
        readers = [
            (index, column.field, clean_text(header_cells[index]), ColumnReader(column, unit))
            for index, (column, unit) in sorted(mapping.items())
        ]
        header_of = {f: h for _i, f, h, _r in readers}
        required = [
            (column.field, header_of.get(column.field, column.header))
            for column in kind.columns
            if column.required and column.field in present
        ]
        run.headers = {column.field: column.header for column in kind.columns} | header_of
        kind.begin(run)

        def rows_after_header() -> Iterator[tuple[int, list[Any]]]:
            yield from head[header_index + 1 :]
            yield from sheet.rows

        total_hint = max(sheet.total_hint - header_row, 0)
        piped = total_hint >= PIPELINE_MIN_ROWS and _can_fork()
        parsed = _parsed_chunks(
            rows_after_header(), readers, required, chunk_size, kind.derive_columns if piped else None, run
        )
        with kind.bulk_writes(run, total_hint) if run.commit else nullcontext():
            for chunk, rejected, counted, size in _in_reading_process(parsed, run) if piped else parsed:
                result.total_rows += counted
                for errors in rejected:
                    _reject(result, errors)
                if chunk.rows:
                    _flush(kind, chunk, run, result)
                if progress is not None and size == chunk_size:
                    progress(result.total_rows, max(total_hint, result.total_rows))
        if progress is not None:
            progress(result.total_rows, result.total_rows)
    finally:
        sheet.close()
    result.errors.sort(key=lambda e: e.row)
    return result


PIPELINE_MIN_ROWS = 20_000
"""Files with at least this many rows are read and parsed in a second process (see
:func:`_in_reading_process`); smaller ones in the importing process."""

_Parsed = tuple[ParsedChunk, list[list[RowError]], int, int]


def _parsed_chunks(
    rows: Iterator[tuple[int, list[Any]]],
    readers: list[tuple[int, str, str, ColumnReader]],
    required: list[tuple[str, str]],
    chunk_size: int,
    derive: Callable[[ParsedChunk, ImportRun], None] | None,
    run: ImportRun,
) -> Iterator[_Parsed]:
    """The file after its header, read in chunks: (accepted rows, rejected rows' errors, rows
    that were not empty, rows read)."""
    while True:
        block = list(islice(rows, chunk_size))
        if not block:
            return
        chunk, rejected, counted = _parse_chunk(block, readers, required)
        if derive is not None and chunk.rows:
            derive(chunk, run)
        yield chunk, rejected, counted, len(block)


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


class _ReadingFailed(Exception):
    """The reading process ended without saying why (killed, out of memory)."""


def _in_reading_process(parsed: Iterator[_Parsed], run: ImportRun) -> Iterator[_Parsed]:
    """Run ``parsed`` in a forked process and yield its chunks here, so reading and parsing chunk
    n + 1 (one core) overlaps planning and writing chunk n (the other core, with the database).

    The fork inherits the open file or workbook, the header already found and the column readers;
    the child only reads, parses and pickles (it never touches the database connection it also
    inherited, and leaves with ``os._exit``, so nothing of the parent's is closed or flushed).
    The pipe holds about one chunk, so the child is never more than a chunk or two ahead: memory
    stays flat. An exception in the child (a ``FileError`` for a file whose encoding changes
    half-way) is raised here; if this side stops early the child is terminated."""
    import multiprocessing
    import os

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    run.mostly_new = context.Value("b", 1, lock=False)

    def produce() -> None:
        import signal

        # The worker's handlers (django-tasks' db_worker finishes its task on SIGTERM) are the
        # parent's business: terminate() must end the child at once.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        status = 0
        try:
            for item in parsed:
                sender.send(("chunk", item))
            sender.send(("done", None))
        except BaseException as exc:  # handed over to the parent, whatever it is
            status = 1
            try:
                sender.send(("error", exc))
            except Exception:
                sender.send(("error", RuntimeError(repr(exc))))
        finally:
            sender.close()
            os._exit(status)

    process = context.Process(target=produce, daemon=True)
    process.start()
    sender.close()
    try:
        while True:
            try:
                tag, payload = receiver.recv()
            except EOFError:
                raise _ReadingFailed(_("读取文件的进程意外退出")) from None
            if tag == "chunk":
                yield payload
            elif tag == "error":
                raise payload
            else:
                return
    finally:
        run.mostly_new = None
        receiver.close()
        if process.is_alive():
            process.terminate()
        process.join()


def _parse_chunk(
    block: list[tuple[int, list[Any]]],
    readers: list[tuple[int, str, str, ColumnReader]],
    required: list[tuple[str, str]],
) -> tuple[ParsedChunk, list[list[RowError]], int]:
    """Read a chunk of file rows column by column: the accepted rows (as a :class:`ParsedChunk`),
    the errors of each rejected row (cell errors in column order, then missing required cells),
    and how many rows were not empty. A row whose mapped cells are all blank is skipped."""
    numbers = [number for number, _cells in block]
    rows = [cells for _number, cells in block]
    width = readers[-1][0] + 1
    for cells in rows:
        if len(cells) < width:
            cells.extend([None] * (width - len(cells)))
    columns: dict[str, list[Any]] = {}
    problems: dict[int, list[RowError]] = {}
    for index, field_name, header, reader in readers:
        values = reader(list(map(itemgetter(index), rows)))
        columns[field_name] = values
        if reader.may_fail:
            for i, value in enumerate(values):
                if value.__class__ is _Bad:
                    problems.setdefault(i, []).append(RowError(numbers[i], header, value.message))
    empty: set[int] = set()
    parsed = list(columns.values())
    if MISSING in parsed[0]:
        others = parsed[1:]
        empty = {
            i
            for i, value in enumerate(parsed[0])
            if value is MISSING and all(other[i] is MISSING for other in others)
        }
    for field_name, header in required:
        values = columns[field_name]
        if MISSING in values:
            for i, value in enumerate(values):
                if value is MISSING and i not in empty:
                    problems.setdefault(i, []).append(RowError(numbers[i], header, _("必填")))
    rejected = [problems[i] for i in sorted(problems)]
    if problems or empty:
        keep = [i for i in range(len(rows)) if i not in problems and i not in empty]
        numbers = [numbers[i] for i in keep]
        columns = {name: [values[i] for i in keep] for name, values in columns.items()}
    return ParsedChunk(numbers, columns), rejected, len(rows) - len(empty)


def _reject(result: ImportResult, errors: list[RowError]) -> None:
    row = errors[0].row
    if row not in result.rejected_rows:
        result.rejected_rows.add(row)
        result.rejected += 1
    if len(result.errors) < MAX_STORED_ERRORS:
        result.errors.extend(errors)


def _flush(kind: ImportKind, chunk: ParsedChunk, run: ImportRun, result: ImportResult) -> int:
    plan = kind.plan_columns(chunk, run)
    if run.mostly_new is not None:
        run.mostly_new.value = 2 * (len(plan.inserts) + len(plan.insert_block or ())) >= len(chunk)
    by_row: dict[int, list[RowError]] = {}
    for error in plan.errors:
        by_row.setdefault(error.row, []).append(error)
    for errors in by_row.values():
        _reject(result, errors)
    if run.commit:
        kind.write_chunk(plan, run)
    result.created += len(plan.inserts) + len(plan.insert_block or ())
    result.updated += len(plan.updates)
    result.unchanged += plan.unchanged
    result.duplicates += len(plan.warnings)
    if len(result.warnings) < MAX_STORED_ERRORS:
        result.warnings.extend(plan.warnings)
    return len(chunk)


# --- Set-based writes -----------------------------------------------------------------------


def _prep_save(model_field: models.Field, value: Any) -> Any:  # type: ignore[type-arg]
    return model_field.get_db_prep_save(value, connection)


def _db_converters(model: type[models.Model], attnames: Sequence[str]) -> list[Callable[[Any], Any] | None]:
    """Per column, how a Python value becomes a parameter for this backend (None = as is)."""
    converters: list[Callable[[Any], Any] | None] = []
    vendor = connection.vendor
    fields = {f.attname: f for f in model._meta.concrete_fields}
    for name in attnames:
        model_field = fields[name]
        internal = model_field.get_internal_type()
        if vendor == "sqlite" and internal == "DecimalField":
            converters.append(lambda v: None if v is None else str(v))
        elif vendor == "sqlite" and internal == "DateField":
            converters.append(lambda v: None if v is None else v.isoformat())
        elif internal == "DateTimeField":
            converters.append(partial(_prep_save, model_field))
        elif vendor == "sqlite" and internal == "BooleanField":
            converters.append(lambda v: None if v is None else int(v))
        else:
            converters.append(None)
    return converters


def _rows_for(
    rows: Iterable[dict[str, Any]], attnames: Sequence[str], converters: list[Any]
) -> list[list[Any]]:
    out = []
    pairs = list(zip(attnames, converters, strict=True))
    for row in rows:
        out.append([conv(row.get(name)) if conv else row.get(name) for name, conv in pairs])
    return out


def insert_columns(model: type[models.Model], rows: list[dict[str, Any]]) -> list[str]:
    """Every concrete column except an auto primary key; values missing from a row take the default."""
    names = []
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key and isinstance(model_field, models.AutoField):
            continue
        names.append(model_field.attname)
    return names


def _executemany(cursor: Any, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    """``executemany`` with ``%s`` placeholders. On SQLite it goes to the DB-API cursor itself
    (``?`` placeholders), skipping Django's per-call query rewriting; errors still surface as
    Django's IntegrityError/DatabaseError."""
    if connection.vendor == "sqlite":
        import sqlite3

        with connection.wrap_database_errors:
            sqlite3.Cursor.executemany(cursor.cursor, sql.replace("%s", "?"), rows)
    else:
        cursor.executemany(sql, rows)


def bulk_insert(model: type[models.Model], rows: list[dict[str, Any]] | RowBlock) -> None:
    """INSERT many rows in one statement stream: ``COPY`` on PostgreSQL, ``executemany`` elsewhere.

    Rows are dicts of attname → value; missing columns take the field default (``created_at`` and
    ``updated_at`` must be given by the caller, as auto_now does not run here). A :class:`RowBlock`
    carries every column already and is written as it is."""
    if not rows:
        return
    if isinstance(rows, RowBlock):
        _insert_block(model, rows)
        return
    attnames = insert_columns(model, rows)
    fields = {f.attname: f for f in model._meta.concrete_fields}
    defaults = {name: fields[name].get_default() for name in attnames}
    filled = [{**defaults, **row} for row in rows]
    table = model._meta.db_table
    qn = connection.ops.quote_name
    column_sql = ", ".join(qn(fields[name].column) for name in attnames)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {qn(table)} ({column_sql}) FROM STDIN") as copy:
                for row in filled:
                    copy.write_row([row[name] for name in attnames])
        else:
            converters = _db_converters(model, attnames)
            placeholders = ", ".join(["%s"] * len(attnames))
            _executemany(
                cursor,
                f"INSERT INTO {qn(table)} ({column_sql}) VALUES ({placeholders})",
                _rows_for(filled, attnames, converters),
            )


def _insert_block(model: type[models.Model], block: RowBlock) -> None:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    qn = connection.ops.quote_name
    column_sql = ", ".join(qn(fields[name].column) for name in block.attnames)
    table = qn(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({column_sql}) FROM STDIN") as copy:
                try:
                    copy.write(copy_text(block))
                except TypeError:  # a value of a type copy_text does not write: psycopg does
                    for row in block.tuples():
                        copy.write_row(row)
        else:
            # sqlite3 adapts Decimal and date values itself (Django registers ``str`` and
            # ``isoformat`` adapters, what _db_converters does by hand): a column of such values
            # goes as it is, a constant one is converted once. Datetimes need Django's conversion
            # (aware → naive in the connection's time zone).
            converters = [
                convert
                if isinstance(column, Same) or fields[name].get_internal_type() == "DateTimeField"
                else None
                for name, column, convert in zip(
                    block.attnames, block.columns, _db_converters(model, block.attnames), strict=True
                )
            ]
            placeholders = ", ".join(["%s"] * len(block.attnames))
            _executemany(
                cursor,
                f"INSERT INTO {table} ({column_sql}) VALUES ({placeholders})",
                block.tuples(converters),
            )


_COPY_ESCAPES = str.maketrans(
    {"\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f", "\r": "\\r"}
)


def copy_field(value: Any) -> str:
    """One value as psycopg writes it in COPY's text format (tested equal): text escaped, NULL
    as ``\\N``, numbers, dates and aware datetimes in ISO form. Other types raise TypeError."""
    cls = value.__class__
    if cls is not str and isinstance(value, str):  # a TextChoices member (a field default)
        value, cls = str.__str__(value), str
    if cls is str:
        return value if value.isprintable() and "\\" not in value else _copy_escaped(value)
    if value is None:
        return "\\N"
    if cls is bool:
        return "t" if value else "f"
    if cls is int or (cls is Decimal and value.is_finite()):
        return str(value)
    if cls is dt.date:
        return value.isoformat()
    if cls is dt.datetime and value.tzinfo is not None:
        return value.isoformat(sep=" ")
    raise TypeError(f"copy_field: {cls.__name__}")


def _copy_escaped(text: str) -> str:
    if "\x00" in text:  # PostgreSQL text cannot hold NUL: let psycopg refuse it as it always did
        raise TypeError("NUL in text")
    return text.translate(_COPY_ESCAPES)


def _copy_column(values: Sequence[Any]) -> list[str]:
    out: list[str] = []
    append = out.append
    dates: dict[dt.date, str] = {}
    for value in values:
        cls = value.__class__
        if cls is str:
            append(value if value.isprintable() and "\\" not in value else _copy_escaped(value))
        elif value is None:
            append("\\N")
        elif cls is dt.date:
            text = dates.get(value)
            if text is None:
                text = dates[value] = value.isoformat()
            append(text)
        else:
            append(copy_field(value))
    return out


def copy_text(block: RowBlock) -> bytes:
    """A :class:`RowBlock` as the body of ``COPY … FROM STDIN`` in text format, built column by
    column: a constant column is written once, dates once per distinct day. It is what
    ``write_row`` would send for each row (tested equal) at half the cost, most of which was
    writing the same timestamps and defaults on every row."""
    from itertools import repeat

    if not block.length:
        return b""
    texts: list[Iterable[str]] = []
    for column in block.columns:
        if isinstance(column, Same):
            texts.append(repeat(copy_field(column.value), block.length))
        else:
            texts.append(_copy_column(column.values() if isinstance(column, Lazy) else column))
    return ("\n".join(map("\t".join, zip(*texts))) + "\n").encode()  # noqa: B905 (same lengths)


def filter_in(queryset: Any, field_name: str, values: Iterable[Any]) -> Any:
    """``queryset.filter(<field>__in=values)`` with the values as ONE parameter (an array on
    PostgreSQL, a JSON list on SQLite): a chunk's thousands of keys are not prepared one by one."""
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    values = list(values)
    qn = connection.ops.quote_name
    meta = queryset.model._meta
    column = f"{qn(meta.db_table)}.{qn(meta.get_field(field_name).column)}"
    params: list[Any]
    if connection.vendor == "postgresql":
        sql, params = f"{column} = ANY(%s)", [values]
    elif connection.vendor == "sqlite" and all(isinstance(v, str) for v in values):
        import json

        sql = f"{column} IN (SELECT value FROM json_each(%s))"
        params = [json.dumps(values, ensure_ascii=False)]
    else:
        return queryset.filter(**{f"{field_name}__in": values})
    return queryset.filter(RawSQL(sql, params, output_field=BooleanField()))


def bulk_update(model: type[models.Model], rows: list[dict[str, Any]], key: str = "id") -> None:
    """UPDATE many rows by primary key. All rows must carry the same columns (the kind makes sure).

    On PostgreSQL the values are COPYed into a temporary table and applied with one UPDATE … FROM;
    elsewhere one ``executemany``."""
    if not rows:
        return
    attnames = [name for name in rows[0] if name != key]
    fields = {f.attname: f for f in model._meta.concrete_fields}
    table = model._meta.db_table
    qn = connection.ops.quote_name
    key_column = fields[key].column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) > 50:
            temp = f"wt_upd_{table}"[:60]
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {qn(temp)} ON COMMIT DROP AS "
                f"SELECT {qn(key_column)}, {', '.join(qn(fields[n].column) for n in attnames)} "
                f"FROM {qn(table)} WITH NO DATA"
            )
            cursor.execute(f"TRUNCATE {qn(temp)}")
            cols = [key, *attnames]
            with cursor.cursor.copy(
                f"COPY {qn(temp)} ({', '.join(qn(fields[n].column) for n in cols)}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row([row.get(n) for n in cols])
            assignments = ", ".join(f"{qn(fields[n].column)} = t.{qn(fields[n].column)}" for n in attnames)
            cursor.execute(
                f"UPDATE {qn(table)} AS m SET {assignments} FROM {qn(temp)} AS t "
                f"WHERE m.{qn(key_column)} = t.{qn(key_column)}"
            )
            cursor.execute(f"DROP TABLE {qn(temp)}")
        else:
            converters = _db_converters(model, [*attnames, key])
            assignments = ", ".join(f"{qn(fields[n].column)} = %s" for n in attnames)
            _executemany(
                cursor,
                f"UPDATE {qn(table)} SET {assignments} WHERE {qn(key_column)} = %s",
                _rows_for(rows, [*attnames, key], converters),
            )


# --- Templates, rejected rows ---------------------------------------------------------------


def template_xlsx(kind: ImportKind | str) -> bytes:
    """The downloadable template: headers, one example row, and a notes sheet explaining each column."""
    import xlsxwriter

    kind = get_kind(kind) if isinstance(kind, str) else kind
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(str(kind.label)[:31] or kind.name)
    bold = workbook.add_format({"bold": True, "bg_color": "#E8F0EA", "border": 1})
    required = workbook.add_format({"bold": True, "bg_color": "#FCE8E6", "border": 1})
    for col, column in enumerate(kind.columns):
        sheet.write(0, col, column.template_header, required if column.required else bold)
        example = column.example
        if isinstance(example, int | float) and not isinstance(example, bool):
            sheet.write_number(1, col, example)
        else:
            sheet.write_string(1, col, str(example))
        sheet.set_column(col, col, max(12, len(column.template_header) * 2 + 2))
    sheet.freeze_panes(1, 0)
    notes = workbook.add_worksheet(_("填写说明"))
    for col, title in enumerate([_("列名"), _("别名"), _("类型"), _("必填"), _("说明")]):
        notes.write(0, col, title, bold)
    type_names = {
        TEXT: _("文本"),
        USCC: _("统一社会信用代码"),
        DATE: _("日期"),
        MONEY: _("金额"),
        INT: _("整数"),
        DECIMAL: _("数字"),
        CHOICE: _("选项"),
        BOOL: _("是/否"),
    }
    for row, column in enumerate(kind.columns, start=1):
        note = column.note
        if column.type == MONEY:
            note = (note + " " if note else "") + _(
                "默认单位%(unit)s；表头可写明“(元)”或“(万元)”，单元格也可写“1.2亿”“500万元”"
            ) % {"unit": column.unit}
        if column.type == CHOICE and column.choices is not None:
            labels = "、".join(str(label) for _v, label in column.choices.choices if label)
            note = (note + " " if note else "") + _("可选：%(labels)s") % {"labels": labels}
        if column.type == DATE:
            note = (note + " " if note else "") + _("如 2019-03-05、2019/3/5、2019年3月5日、20190305")
        notes.write(row, 0, column.template_header)
        notes.write(row, 1, "、".join(column.aliases))
        notes.write(row, 2, str(type_names[column.type]))
        notes.write(row, 3, _("是") if column.required else "")
        notes.write(row, 4, note)
    notes.set_column(0, 1, 24)
    notes.set_column(4, 4, 80)
    for offset, line in enumerate(kind.template_notes, start=len(kind.columns) + 2):
        notes.write(offset, 0, str(line))
    workbook.close()
    return buffer.getvalue()


def rejected_rows_xlsx(path: str | Path, errors: Sequence[dict[str, Any]], header_row: int) -> bytes:
    """The rejected rows of a file as they were, with a 错误原因 column (for correcting and re-importing).

    The header row is copied as found in the file, so the corrected file imports as the original."""
    import xlsxwriter

    reasons: dict[int, list[str]] = {}
    for error in errors:
        reasons.setdefault(int(error["row"]), []).append(f"{error['column']}：{error['message']}")
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(_("被拒绝的行"))
    bold = workbook.add_format({"bold": True, "bg_color": "#FCE8E6", "border": 1})
    out = 0
    width = 0
    source = open_sheet(path)
    try:
        for number, cells in source.rows:
            if number == header_row:
                width = len(cells)
                for col, title in enumerate([*cells, _("错误原因")]):
                    sheet.write(0, col, clean_text(title), bold)
                out = 1
            elif number in reasons:
                for col, value in enumerate(cells):
                    sheet.write(out, col, clean_text(value))
                sheet.write(out, max(len(cells), width), "；".join(reasons[number]))
                out += 1
    finally:
        source.close()
    workbook.close()
    return buffer.getvalue()


def export_file(kind: ImportKind | str, path: str | Path) -> int:
    """Write every row of ``kind`` to ``.xlsx`` (constant memory) or ``.csv`` (UTF-8 with BOM, which
    Excel opens correctly); the headers are the template headers. Returns the number of rows."""
    kind = get_kind(kind) if isinstance(kind, str) else kind
    path = Path(path)
    headers = [column.template_header for column in kind.columns]
    count = 0
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(headers)
            for row in kind.export_rows():
                writer.writerow(
                    ["" if v is None else v.isoformat() if isinstance(v, dt.date) else v for v in row]
                )
                count += 1
        return count
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet(str(kind.label)[:31] or kind.name)
    bold = workbook.add_format({"bold": True, "bg_color": "#E8F0EA", "border": 1})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for col, title in enumerate(headers):
        sheet.write_string(0, col, title, bold)
        sheet.set_column(col, col, max(12, len(title) * 2 + 2))
    for number, row in enumerate(kind.export_rows(), start=1):
        for col, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(
                    number, col, dt.datetime(value.year, value.month, value.day), date_format
                )
            elif isinstance(value, int | float):
                sheet.write_number(number, col, value)
            else:
                sheet.write_string(number, col, str(value))
        count += 1
    workbook.close()
    return count


# --- The web workflow: upload → validate (task) → preview → confirm → commit (task) -----------


def save_result(batch: Any, result: ImportResult, *, committed: bool) -> None:
    """Copy a run's counts and errors onto its batch (the preview and the history read them)."""
    from wutong.core.choices import ImportStatus

    batch.total_rows = result.total_rows
    batch.processed_rows = result.total_rows
    batch.created_count = result.created
    batch.updated_count = result.updated
    batch.unchanged_count = result.unchanged
    batch.rejected_count = result.rejected
    batch.duplicate_count = result.duplicates
    batch.errors = [e.as_dict() for e in result.errors]
    batch.options = {
        **(batch.options or {}),
        "header_row": result.header_row,
        "warnings": [w.as_dict() for w in result.warnings[:1000]],
    }
    if committed:
        batch.status = ImportStatus.COMMITTED
        batch.finished_at = timezone.now()
    else:
        accepted = result.total_rows - result.rejected
        batch.status = ImportStatus.VALIDATED if accepted > 0 else ImportStatus.REJECTED
        if accepted <= 0:
            batch.message = _("没有可导入的行：所有行都有错误或文件为空")
    batch.save()


def _app_action(kind: ImportKind, verb: str) -> str:
    return f"{kind.audit_action.rsplit('.', 1)[0]}.{verb}"


def start_import(kind: ImportKind | str, upload: Any, *, actor: Any, as_of: dt.date | None = None) -> Any:
    """An uploaded file becomes an :class:`ImportBatch` (pending) and its validation is queued.

    The file is kept with the batch (provenance: every imported figure can say which file it
    came from); validation runs as a background task once this transaction commits."""
    import hashlib

    from wutong.accounts.services import require
    from wutong.core import audit
    from wutong.core.choices import ImportStatus
    from wutong.core.models import ImportBatch

    kind = get_kind(kind) if isinstance(kind, str) else kind
    require(actor, kind.capability)
    digest = hashlib.sha256()
    for block in upload.chunks():
        digest.update(block)
    upload.seek(0)
    with transaction.atomic():
        batch = ImportBatch(
            kind=kind.name,
            file_name=Path(upload.name).name[:255],
            file_sha256=digest.hexdigest(),
            uploaded_by=actor,
            status=ImportStatus.PENDING,
            as_of=as_of or timezone.localdate(),
        )
        batch.file.save(Path(upload.name).name, upload, save=False)
        batch.save()
        audit.record(
            _app_action(kind, "uploaded"),
            actor=actor,
            target=batch,
            target_label=batch.file_name,
            data={"kind": kind.name, "sha256": batch.file_sha256},
        )
        transaction.on_commit(lambda: _enqueue("validate_import_batch", batch.pk))
    return batch


def confirm_import(batch: Any, *, actor: Any) -> Any:
    """The user confirmed the preview: queue the commit of the accepted rows."""
    from wutong.accounts.services import require
    from wutong.core import audit
    from wutong.core.choices import ImportStatus
    from wutong.core.exceptions import DomainError
    from wutong.core.models import ImportBatch

    kind = get_kind(batch.kind)
    require(actor, kind.capability)
    with transaction.atomic():
        claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.VALIDATED).update(
            status=ImportStatus.COMMITTING, processed_rows=0, updated_at=timezone.now()
        )
        if not claimed:
            raise DomainError(_("该批次当前状态不能确认导入"))
        batch.refresh_from_db()
        audit.record(
            _app_action(kind, "confirmed"),
            actor=actor,
            target=batch,
            target_label=batch.file_name,
            data={"kind": kind.name},
        )
        transaction.on_commit(lambda: _enqueue("commit_import_batch", batch.pk))
    return batch


def _enqueue(task_name: str, batch_id: int) -> None:
    from wutong.core import tasks

    getattr(tasks, task_name).enqueue(batch_id)


def _progress_saver(batch_id: int) -> Callable[[int, int], None]:
    from wutong.core.models import ImportBatch

    state = {"last": -1}

    def save(done: int, total: int) -> None:
        if done - state["last"] >= 5000 or done == total:
            state["last"] = done
            ImportBatch.objects.filter(pk=batch_id).update(processed_rows=done, total_rows=max(total, done))

    return save


def validate_batch(batch_id: int) -> None:
    """Validation pass of a pending batch (the task body). Safe to run twice: a batch that is no
    longer pending or validating is left alone."""
    from wutong.core.choices import ImportStatus
    from wutong.core.models import ImportBatch

    claimed = ImportBatch.objects.filter(
        pk=batch_id, status__in=[ImportStatus.PENDING, ImportStatus.VALIDATING]
    ).update(status=ImportStatus.VALIDATING, processed_rows=0)
    if not claimed:
        return
    batch = ImportBatch.objects.get(pk=batch_id)
    try:
        result = run_import(
            batch.kind, batch.file.path, commit=False, as_of=batch.as_of, progress=_progress_saver(batch_id)
        )
    except FileError as exc:
        ImportBatch.objects.filter(pk=batch_id).update(
            status=ImportStatus.REJECTED, message=str(exc), finished_at=timezone.now()
        )
        return
    except Exception as exc:
        ImportBatch.objects.filter(pk=batch_id).update(
            status=ImportStatus.FAILED,
            message=_("校验失败：%(error)s") % {"error": exc},
            finished_at=timezone.now(),
        )
        raise
    batch.refresh_from_db()
    save_result(batch, result, committed=False)


def commit_batch(batch_id: int) -> None:
    """Commit pass of a confirmed batch (the task body): the accepted rows in one transaction with
    the batch's status, so running it twice commits once (the second run finds it committed)."""
    from wutong.core.choices import ImportStatus
    from wutong.core.models import ImportBatch

    try:
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
            if batch.status != ImportStatus.COMMITTING:
                return
            result = run_import(
                batch.kind,
                batch.file.path,
                commit=True,
                actor=batch.uploaded_by,
                batch=batch,
                as_of=batch.as_of,
            )
            save_result(batch, result, committed=True)
    except Exception as exc:
        ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.COMMITTING).update(
            status=ImportStatus.FAILED,
            message=_("写入失败，未写入任何数据：%(error)s") % {"error": exc},
            finished_at=timezone.now(),
        )
        raise


def rejected_rows_download(batch: Any) -> tuple[bytes, str]:
    """The rejected rows of ``batch`` as they were in the file, with a 错误原因 column, and a file name."""
    from django.http import Http404

    if not batch.errors or not batch.file:
        raise Http404(_("没有被拒绝的行"))
    content = rejected_rows_xlsx(batch.file.path, batch.errors, (batch.options or {}).get("header_row", 1))
    return content, f"{Path(batch.file_name).stem}-被拒绝的行.xlsx"


def template_download(kind: str) -> tuple[bytes, str]:
    """The blank template of ``kind`` (headers, an example row, a notes sheet) and its file name."""
    return template_xlsx(kind), f"{get_kind(kind).label}导入模板.xlsx"
