"""Shared helpers for the benchmarks: a throw-away Django environment per database, realistic
registry rows, timing and memory measurement. Benchmarks measure; tests never time anything."""

from __future__ import annotations

import csv
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

_CHARS = (
    "华中国深圳南山罗湖福田龙岗宝安前海东门翠竹笋岗清水河莲塘黄贝桂园东晓东湖南湖大鹏光明坪山"
    "创新智能数字未来星云海天宏达信诚恒通瑞祥鑫源博远盛世新锐卓越精密微电子光电软件网络数据云端"
    "医疗生物健康材料能源环保汽车机器人芯片半导体通信传感激光视觉金融珠宝黄金供应链物流文化传媒"
)
_TRADES = (
    "科技",
    "电子",
    "信息技术",
    "贸易",
    "投资",
    "建筑工程",
    "珠宝",
    "供应链管理",
    "生物科技",
    "网络科技",
)
_SUFFIXES = ("有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司")
ENTERPRISE_HEADER = [
    "统一社会信用代码",
    "企业名称",
    "法定代表人",
    "成立日期",
    "注册资本(万元)",
    "经营状态",
    "注册地址",
    "行业代码",
    "所属街道",
]
STREETS = [
    "桂园街道",
    "黄贝",
    "东门街道",
    "翠竹",
    "笋岗街道",
    "清水河街道",
    "南湖街道",
    "东晓街道",
    "东湖街道",
    "莲塘街道",
]
INDUSTRIES = ["6513", "I6511", "5191", "7212", "3973", "6421", "5179", "7511"]


def setup_django(database_url: str | None) -> Path:
    """Configure a fresh data directory (and database) and migrate it. Returns the data dir."""
    data_dir = Path(tempfile.mkdtemp(prefix="wutong-bench-"))
    os.environ["WUTONG_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "wutong.config.settings"
    if database_url:
        os.environ["WUTONG_DATABASE_URL"] = database_url
    else:
        os.environ.pop("WUTONG_DATABASE_URL", None)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    return data_dir


def recreate_postgres_database(url: str) -> None:
    """Drop and create the benchmark database named in ``url`` (a scratch database, never the app's)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def valid_uscc(rng: random.Random) -> str:
    from wutong.enterprises.identity import uscc_check_char

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91440303" + "".join(rng.choice(alphabet) for _ in range(9))
    return body + uscc_check_char(body)


def enterprise_rows(n: int, seed: int = 20251124) -> Iterator[list[str]]:
    """``n`` distinct, valid, realistic 企业名录 rows (USCC unique, names mostly unique)."""
    rng = random.Random(seed)
    seen: set[str] = set()
    while len(seen) < n:
        code = valid_uscc(rng)
        if code in seen:
            continue
        seen.add(code)
        name = "深圳市" + "".join(rng.choice(_CHARS) for _ in range(rng.randint(2, 4))) + rng.choice(_TRADES)
        name += rng.choice(_SUFFIXES)
        yield [
            code,
            name,
            rng.choice("王李张刘陈杨黄赵吴周") + rng.choice("伟芳娜敏静丽强磊军洋"),
            f"{rng.randint(1995, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            f"{rng.randint(1, 50000)}.{rng.randint(0, 99):02d}",
            "存续/在业",
            f"深圳市罗湖区{rng.choice(_CHARS)}{rng.choice(_CHARS)}路{rng.randint(1, 999)}号",
            rng.choice(INDUSTRIES),
            rng.choice(STREETS),
        ]


def write_enterprise_csv(path: Path, n: int, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ENTERPRISE_HEADER)
        writer.writerows(enterprise_rows(n))
    return path


def write_enterprise_xlsx(path: Path, n: int) -> Path:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ENTERPRISE_HEADER)
    for r, row in enumerate(enterprise_rows(n), start=1):
        row_out: list[Any] = list(row)
        row_out[4] = float(row[4])
        sheet.write_row(r, 0, row_out)
    workbook.close()
    return path


@contextmanager
def timer() -> Iterator[dict[str, float]]:
    box: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["seconds"] = time.perf_counter() - start


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def max_rss_mb() -> float:
    """Peak resident memory of this process in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def max_rss_children_mb() -> float:
    """Peak resident memory of the largest finished child process in MB (the import's reading
    process); pages shared with the parent after the fork count in both, so parent + child
    overstates the pair's real peak."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
