"""A synthetic registry for screening tests and the benchmark: N enterprises with annual reports, IP
and holdings spread so that every verdict and every failing criterion occurs.

Written with :func:`wutong.core.demo.write_rows` (COPY on PostgreSQL) in chunks, ids after the current
maximum, so memory stays flat for millions of rows. Not the demo district (``wutong demo`` builds that).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from wutong.core.demo import reset_sequences, write_rows
from wutong.enterprises.choices import IPAcquisition, IPKind, IPStatus, QualificationKind
from wutong.enterprises.models import AnnualReport, Enterprise, IPAsset, QualificationHolding

ENTERPRISE_COLUMNS = [
    "id", "created_at", "updated_at", "source", "uscc", "name", "name_normalized", "name_pinyin",
    "name_initials", "legal_representative", "status", "registered_address", "operating_address",
    "high_tech_field", "emerging_industry", "size_class", "established",
]  # fmt: skip
REPORT_FIELDS = [
    "sales_revenue", "total_income", "high_tech_revenue", "rd_expense", "rd_expense_domestic",
    "cost_expense_total", "net_assets", "total_assets", "employees", "tech_staff",
]  # fmt: skip
REPORT_COLUMNS = ["created_at", "updated_at", "source", "enterprise_id", "year", *REPORT_FIELDS]
IP_COLUMNS = [
    "created_at", "updated_at", "source", "enterprise_id", "kind", "number", "title", "status",
    "acquisition", "ip_class", "used_for_gaoxin", "pledge_bank", "granted_on",
]  # fmt: skip
HOLDING_COLUMNS = [
    "created_at", "updated_at", "source", "enterprise_id", "kind", "level", "name", "certificate_no",
    "issued_on", "expires_on",
]  # fmt: skip
IP_KINDS = [
    (IPKind.INVENTION_PATENT, "I"),
    (IPKind.SOFTWARE_COPYRIGHT, "II"),
    (IPKind.UTILITY_MODEL, "II"),
    (IPKind.DESIGN_PATENT, "II"),
    (IPKind.TRADEMARK, ""),
]


def _now() -> Any:
    now = timezone.now()
    return now if connection.vendor == "postgresql" else connection.ops.adapt_datetimefield_value(now)


def _yuan(wan: float) -> str:
    """万元 → yuan with two decimals, as text (the value ``Decimal(round(…, 2)).quantize(0.01)`` gives,
    formatted without building a Decimal: both round the exact binary value half to even)."""
    return f"{round(wan * 10000, 2):.2f}"


def _rows(
    n: int, first_id: int, seed: int, years: tuple[int, ...], now: Any
) -> Iterator[tuple[str, tuple[Any, ...]]]:
    rng = random.Random(seed)
    for i in range(n):
        pk = first_id + i
        uscc = f"91{pk:016d}"[:18]
        name = f"合成科技企业{pk}有限公司"
        established = dt.date(2005, 1, 1) + dt.timedelta(days=rng.randrange(0, 7300))
        yield "e", (pk, now, now, "staff", uscc, name, name, "", "", "", "active", "", "", "",
                    "next_gen_it" if rng.random() < 0.3 else "", "small", established)  # fmt: skip
        sales = rng.lognormvariate(7.5, 1.2)  # 万元, median ≈ 1 800
        employees = max(3, int(rng.lognormvariate(3.8, 0.9)))
        tech_share = rng.choice([0.05, 0.08, 0.1, 0.12, 0.2, 0.35])
        rd_share = rng.choice([0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08])
        skip_year = rng.random() < 0.08
        for k, year in enumerate(years):
            if skip_year and k == 0:
                continue
            grow = (1 + rng.uniform(-0.1, 0.4)) ** k
            s = sales * grow
            missing_rd = rng.random() < 0.03
            values = [
                _yuan(s),
                _yuan(s * 1.05),
                _yuan(s * rng.uniform(0.3, 0.9)),
                None if missing_rd else _yuan(s * rd_share * rng.uniform(0.8, 1.2)),
                None if missing_rd else _yuan(s * rd_share * 0.95),
                _yuan(s * 0.85),
                _yuan(s * 0.4 * grow),
                _yuan(s * 1.3),
                employees,
                int(employees * tech_share * rng.uniform(0.8, 1.3)),
            ]
            yield "r", (now, now, "staff", pk, year, *values)
        for j in range(rng.choice([0, 0, 1, 2, 3, 5])):
            kind, ip_class = rng.choice(IP_KINDS)
            status = IPStatus.VALID if rng.random() < 0.85 else IPStatus.EXPIRED
            acquisition = IPAcquisition.SELF if rng.random() < 0.8 else IPAcquisition.TRANSFER
            granted = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(0, 4200))
            yield "i", (now, now, "staff", pk, kind, f"SYN{pk}-{j}", "", status, acquisition, ip_class,
                        rng.random() < 0.2, "", granted)  # fmt: skip
        roll = rng.random()
        if roll < 0.15:
            issued = dt.date(2022 + rng.randrange(0, 4), rng.randrange(1, 13), 15)
            expires = issued.replace(year=issued.year + 3) - dt.timedelta(days=1)
            yield "h", (now, now, "staff", pk, QualificationKind.GAOXIN, "national", "", "", issued, expires)
        if roll < 0.35:
            issued = dt.date(2025, rng.randrange(1, 13), 1)
            yield "h", (now, now, "staff", pk, QualificationKind.KEXIAO, "national", "", "", issued,
                        dt.date(2026, 12, 31))  # fmt: skip


def generate_registry(
    n: int, *, seed: int = 2026, years: tuple[int, ...] = (2023, 2024, 2025), chunk: int = 20_000
) -> tuple[int, int]:
    """Write ``n`` synthetic enterprises (ids after the current maximum); returns (first id, last id).

    The next chunk's rows are generated on a second thread while the database takes the current one
    (the rows are plain tuples; only this thread touches the database)."""
    first = (Enterprise.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    now = _now()
    plan = [(first + done, min(chunk, n - done), seed + done) for done in range(0, n, chunk)]

    def build(start: int, size: int, chunk_seed: int) -> dict[str, list[tuple[Any, ...]]]:
        buckets: dict[str, list[tuple[Any, ...]]] = {"e": [], "r": [], "i": [], "h": []}
        for key, row in _rows(size, start, chunk_seed, years, now):
            buckets[key].append(row)
        return buckets

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="synthetic") as pool:
        pending = pool.submit(build, *plan[0]) if plan else None
        for i in range(len(plan)):
            assert pending is not None
            buckets = pending.result()
            pending = pool.submit(build, *plan[i + 1]) if i + 1 < len(plan) else None
            with transaction.atomic():
                write_rows(Enterprise, ENTERPRISE_COLUMNS, buckets["e"])
                write_rows(AnnualReport, REPORT_COLUMNS, buckets["r"])
                if buckets["i"]:
                    write_rows(IPAsset, IP_COLUMNS, buckets["i"])
                if buckets["h"]:
                    write_rows(QualificationHolding, HOLDING_COLUMNS, buckets["h"])
    reset_sequences(Enterprise, AnnualReport, IPAsset, QualificationHolding)
    return first, first + n - 1
