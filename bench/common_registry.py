"""A minimal, fast registry generator for the search and list benchmarks.

Names are composed from parts whose pinyin is computed once, so millions of rows cost no pypinyin
calls; rows go in with ``executemany`` (SQLite) or ``COPY`` (PostgreSQL), with the search index's
triggers off during the load and the index rebuilt afterwards (the time is reported).

Use: ``setup_django(backend, size)`` before importing models, then ``build_registry(size)``.
PostgreSQL databases are named ``wutong_h2_bench_<size>`` (``BENCH_PG_PREFIX`` changes the prefix).
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
PG_BASE = "postgres://postgres@127.0.0.1:5432/"
# The PostgreSQL benchmark databases are ``<prefix><size>``; override with BENCH_PG_PREFIX.
PG_PREFIX = os.environ.get("BENCH_PG_PREFIX", "wutong_h2_bench_")

CHARS = (
    "华新达盛信科创源宏泰兴恒鑫瑞博联智汇通安捷佳德嘉金银海天中长远成丰富康和美顺利晟昌隆腾飞云光明星辰"
    "凯越卓立诚誉璟昊琪铭轩宇浩然思睿哲启航"
)
TRADES = [
    "科技",
    "电子",
    "信息技术",
    "生物医药",
    "新材料",
    "贸易",
    "投资",
    "文化传媒",
    "珠宝",
    "实业",
    "物流",
    "建筑工程",
    "咨询",
    "软件",
    "网络",
    "智能装备",
    "新能源",
    "医疗器械",
    "供应链",
    "数据服务",
    "光电",
    "半导体",
    "教育科技",
    "金融服务",
    "餐饮管理",
]
PREFIXES = ["深圳市"] * 16 + ["深圳"] + ["深圳市罗湖区"] * 2 + [""]
SUFFIXES = ["有限公司"] * 7 + ["股份有限公司", "有限责任公司"]
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def setup_django(backend: str, size: int, data_dir: str | None = None) -> str:
    """Point Wutong at a benchmark database (its own SQLite file / PostgreSQL database) and set up Django."""
    data_dir = (
        data_dir or os.environ.get("BENCH_DATA_DIR") or str(Path(tempfile.gettempdir()) / "wutong-bench")
    )
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    os.environ["WUTONG_DATA_DIR"] = data_dir
    if backend == "postgres":
        name = f"{PG_PREFIX}{size}"
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], capture_output=True)
        os.environ["WUTONG_DATABASE_URL"] = PG_BASE + name
    else:
        os.environ["WUTONG_DATABASE_URL"] = f"sqlite:///{data_dir}/bench-{size}.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wutong.config.settings")
    import django

    django.setup()
    return os.environ["WUTONG_DATABASE_URL"]


def _pinyin_tables() -> tuple[dict[str, str], dict[str, str]]:
    from pypinyin import Style, lazy_pinyin

    parts = set(CHARS) | {c for t in TRADES + PREFIXES + SUFFIXES for c in t}
    full = {c: lazy_pinyin(c)[0].lower() for c in parts}
    first = {c: lazy_pinyin(c, style=Style.FIRST_LETTER)[0].lower() for c in parts}
    return full, first


def _uscc(i: int) -> str:
    digits = []
    n = i
    for _ in range(9):
        n, r = divmod(n, len(USCC_ALPHABET))
        digits.append(USCC_ALPHABET[r])
    return "91440303" + "".join(reversed(digits)) + USCC_ALPHABET[i % len(USCC_ALPHABET)]


def generate_rows(
    size: int, former: list[tuple[Any, ...]], seed: int = 20261124
) -> Iterator[tuple[Any, ...]]:
    """Enterprise rows as tuples in the column order of ``ENTERPRISE_COLUMNS``, streamed (3 M rows
    held at once would take gigabytes); former-name rows are appended to ``former`` on the way.
    The reference rows are read here, before the caller starts its ``COPY`` on the connection."""
    from wutong.core.models import Industry, Park, Street

    streets = list(Street.objects.values_list("pk", flat=True)) or [None]
    parks = list(Park.objects.values_list("pk", flat=True)) + [None] * 5
    industries = list(Industry.objects.filter(level="class").values_list("code", flat=True)) or [None]
    return _rows(size, former, seed, streets, parks, industries)


def _rows(
    size: int,
    former: list[tuple[Any, ...]],
    seed: int,
    streets: list[Any],
    parks: list[Any],
    industries: list[Any],
) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(seed)
    full, first = _pinyin_tables()
    now = dt.datetime.now(dt.UTC)
    sizes = ["large", "medium", "small", "small", "micro", "micro", "micro", "unknown"]
    for i in range(1, size + 1):
        core = "".join(rng.choice(CHARS) for _ in range(rng.choice((2, 2, 3, 4))))
        trade = rng.choice(TRADES)
        prefix = rng.choice(PREFIXES)
        suffix = rng.choice(SUFFIXES)
        name = f"{prefix}{core}{trade}{suffix}"
        pinyin = "".join(full[c] for c in name)
        initials = "".join(first[c] for c in name)
        normalized = core + trade
        revenue = Decimal(int(rng.lognormvariate(15, 2))) if rng.random() < 0.7 else None
        yield (
            i,
            now,
            now,
            "import",
            None,
            None,
            _uscc(i),
            name,
            normalized,
            pinyin,
            initials,
            "",
            dt.date(1990, 1, 1) + dt.timedelta(days=rng.randrange(12000)),
            None,
            "active" if rng.random() < 0.9 else "deregistered",
            "",
            "",
            rng.choice(streets),
            rng.choice(parks),
            rng.choice(industries),
            "",
            "",
            rng.choice(sizes),
            revenue,
            2024 if revenue else None,
        )
        if rng.random() < 0.05:
            old = f"深圳市{''.join(rng.choice(CHARS) for _ in range(3))}{rng.choice(TRADES)}有限公司"
            former.append((len(former) + 1, i, old, old[3:], None, ""))


ENTERPRISE_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "source",
    "source_batch_id",
    "as_of",
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
    "industry_code",
    "high_tech_field",
    "emerging_industry",
    "size_class",
    "latest_revenue",
    "latest_year",
)
FORMER_COLUMNS = ("id", "enterprise_id", "name", "name_normalized", "changed_on", "note")


def build_registry(size: int) -> dict[str, float]:
    """Create the schema and ``size`` enterprises unless they are there already; return timings."""
    from django.core.management import call_command
    from django.db import connection

    from wutong.enterprises.models import Enterprise
    from wutong.enterprises.search import install_search_index, uninstall_search_index

    timings: dict[str, float] = {}
    try:
        existing = Enterprise.objects.count()
    except Exception:  # no schema yet
        existing = -1
    if existing == size:
        # Reused: bring the schema up to date (index changes in later migrations apply here).
        start = time.perf_counter()
        call_command("migrate", verbosity=0)
        return {"reused": 1.0, "migrate_s": round(time.perf_counter() - start, 1)}
    call_command("migrate", verbosity=0)
    existing = Enterprise.objects.count()
    if existing:
        raise SystemExit(f"database holds {existing} enterprises, not {size}: drop it first")
    former: list[tuple[Any, ...]] = []
    uninstall_search_index()
    start = time.perf_counter()
    # Rows are generated while they are written, so generate_s is part of load_s here.
    _load("enterprises_enterprise", ENTERPRISE_COLUMNS, generate_rows(size, former))
    _load("enterprises_formername", FORMER_COLUMNS, former)
    timings["load_s"] = time.perf_counter() - start
    start = time.perf_counter()
    install_search_index()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    timings["index_s"] = time.perf_counter() - start
    return timings


def _load(table: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> None:
    from django.db import connection, transaction

    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            # Drop the secondary indexes during the load and build them once afterwards.
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [table],
            )
            indexes = cursor.fetchall()
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            copy_sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            )
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the deferred foreign keys now
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for _name, definition in indexes:
                cursor.execute(definition)
        return
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
    converted = (tuple(_sqlite_value(v) for v in row) for row in rows)
    with transaction.atomic(), connection.cursor() as cursor:
        while chunk := list(itertools.islice(converted, 50000)):
            cursor.executemany(sql, chunk)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def save_results(key: str, section: str, data: dict[str, Any]) -> Path:
    """Merge ``data`` into bench/results/search.json under ``key`` (e.g. ``sqlite-200000``) / ``section``."""
    import json

    path = ROOT / "bench" / "results" / "search.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    results = json.loads(path.read_text()) if path.exists() else {}
    results.setdefault(key, {})[section] = data
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    return path


def bench_user() -> Any:
    from wutong.accounts.models import User

    user, _ = User.objects.get_or_create(
        username="bench", defaults={"role": "staff", "display_name": "bench"}
    )
    return user


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)

    def pick(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))], 2)

    return {
        "n": len(ordered),
        "p50_ms": pick(0.5),
        "p95_ms": pick(0.95),
        "max_ms": round(ordered[-1], 2),
        "mean_ms": round(statistics.fmean(ordered), 2),
    }
