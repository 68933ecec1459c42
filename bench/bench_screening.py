"""Screening benchmark: gaoxin over N synthetic enterprises (3 annual reports each, IP, holdings), the
set-based screening (registry frames read set-based, the criteria's column forms, set-based upsert;
parallel chunks on PostgreSQL) against a per-enterprise ORM loop (``profile_from_enterprise`` + engine
+ ``update_or_create``) measured in the same run on a sample and scaled to N. Also reported: the CPU
seconds of this process and of its PostgreSQL backends during the screening (what a busy machine does
not inflate), and the row engine alone per enterprise (what the column forms replace).

    .venv/bin/python bench/bench_screening.py --n 100000                 # SQLite and PostgreSQL
    .venv/bin/python bench/bench_screening.py --n 3000000 --skip-sqlite  # the PostgreSQL target

Targets (issue 4): 3,000,000 on PostgreSQL in ≤ 30 s and ≥ 100× the per-enterprise loop. Each backend
runs in its own subprocess on a fresh database. Writes ``bench/results/screening.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS, max_rss_mb, recreate_postgres_database, setup_django

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/wutong_bench_screening")
D = dt.date(2026, 6, 1)


def measure(backend: str, n: int, sample: int, chunk: int, workers: int | None = None) -> dict[str, Any]:
    url = PG_URL if backend == "postgresql" else None
    if url:
        recreate_postgres_database(url)
    setup_django(url)
    from wutong.enterprises.models import Enterprise
    from wutong.qualifications import screening
    from wutong.qualifications.models import ScreeningResult, ScreeningRun
    from wutong.qualifications.profiles import normalize_profile, profile_from_enterprise
    from wutong.qualifications.rules import assess, version_in_force
    from wutong.qualifications.services import _version_row, current_estimates

    started = time.perf_counter()
    first, last = __import__("wutong.qualifications.synthetic", fromlist=["x"]).generate_registry(n)
    generate_s = time.perf_counter() - started
    if url:  # a registry is not screened the second it was loaded: autovacuum has set hint bits and stats
        from django.db import connection

        started = time.perf_counter()
        with connection.cursor() as cursor:
            for table in ("enterprises_enterprise", "enterprises_annualreport", "enterprises_ipasset",
                          "enterprises_qualificationholding"):  # fmt: skip
                cursor.execute(f"VACUUM (ANALYZE) {table}")
        vacuum_s = time.perf_counter() - started
    else:
        vacuum_s = 0.0
    version = _version_row(version_in_force("gaoxin", D))

    backend_cpu = _BackendCPU(url is not None)
    screening.screen_range = backend_cpu.wrap(screening.screen_range)
    run = ScreeningRun.objects.create(rule_version=version, on_date=D)
    load_before = os.getloadavg()
    started, cpu_started = time.perf_counter(), time.process_time()
    screening.execute_run(run, chunk=chunk, workers=workers)
    set_s = time.perf_counter() - started
    python_cpu_s = time.process_time() - cpu_started
    screening.screen_range = backend_cpu.wrapped
    assert ScreeningResult.objects.count() == n

    ids = random.Random(1).sample(range(first, last + 1), min(sample, n))
    started = time.perf_counter()
    for pk in ids:  # what a naive job would do: one enterprise at a time through the ORM
        firm = Enterprise.objects.get(pk=pk)
        outcome = assess(
            normalize_profile(profile_from_enterprise(firm, D)), "gaoxin", D,
            estimates=current_estimates(firm, "gaoxin"),
        )  # fmt: skip
        ScreeningResult.objects.update_or_create(
            enterprise=firm, rule_version=version,
            defaults={"verdict": outcome.verdict, "assessed_on": D, "run": run},
        )  # fmt: skip
    loop_s = (time.perf_counter() - started) / len(ids) * n

    # the engine alone on the same rows, to show where the set-based time goes
    profiles = screening.profiles_for_chunk(first, min(last, first + 4999), D)
    started = time.perf_counter()
    for profile in profiles.values():
        assess(screening.registry_normalized(profile), "gaoxin", D)
    engine_per_row_us = (time.perf_counter() - started) / len(profiles) * 1e6
    return {
        "backend": backend,
        "n": n,
        "chunk": chunk,
        "workers": workers or screening.default_workers(),
        "generate_s": round(generate_s, 1),
        "vacuum_analyze_s": round(vacuum_s, 1),
        "screening_s": round(set_s, 2),
        "python_cpu_s": round(python_cpu_s, 2),
        "database_cpu_s": backend_cpu.total(),
        "rows_per_s": round(n / set_s),
        "orm_loop_sample": len(ids),
        "orm_loop_scaled_s": round(loop_s, 1),
        "speedup": round(loop_s / set_s, 1),
        "engine_us_per_row": round(engine_per_row_us, 1),
        "peak_rss_mb": round(max_rss_mb()),
        "load_average_before": [round(x, 1) for x in load_before],
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }


class _BackendCPU:
    """CPU seconds used by the PostgreSQL backends that screened (local server: /proc/<pid>/stat), read
    after each chunk on the chunk's own connection."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.seen: dict[int, float] = {}
        self.start: dict[int, float] = {}
        self.wrapped: Any = None

    def read(self) -> tuple[int, float] | None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def wrap(self, fn: Any) -> Any:
        self.wrapped = fn
        if not self.enabled:
            return fn
        main = self.read()
        if main:
            self.start[main[0]] = main[1]

        def screened(*args: Any, **kwargs: Any) -> Any:
            result = fn(*args, **kwargs)
            found = self.read()
            if found:
                self.seen[found[0]] = found[1]
            return result

        return screened

    def total(self) -> float | None:
        if not self.seen:
            return None
        return round(sum(cpu - self.start.get(pid, 0.0) for pid, cpu in self.seen.items()), 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--workers", type=int, help="parallel chunks (default: one per core, at most 4)")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--one", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.n, args.sample, args.chunk, args.workers)))
        return
    results = []
    for backend in ("sqlite", "postgresql"):
        if (backend == "sqlite" and args.skip_sqlite) or (backend == "postgresql" and args.skip_pg):
            continue
        command = [sys.executable, __file__, "--one", backend, "--n", str(args.n), "--sample",
                   str(args.sample), "--chunk", str(args.chunk)]  # fmt: skip
        if args.workers:
            command += ["--workers", str(args.workers)]
        out = subprocess.run(command, check=True, capture_output=True, text=True)
        row = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(row)
        print(
            f"{backend:10} n={row['n']:>9,} screening {row['screening_s']:>8.2f} s "
            f"({row['rows_per_s']:>7,} rows/s)  per-enterprise ORM ≈ {row['orm_loop_scaled_s']:>9.1f} s  "
            f"speed-up {row['speedup']:>6.1f}×  workers {row['workers']}  CPU python {row['python_cpu_s']} s "
            f"database {row['database_cpu_s']} s  row engine {row['engine_us_per_row']} µs/row  "
            f"RSS {row['peak_rss_mb']} MB  load {row['load_average_before']} → {row['load_average']}"
        )
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "screening.json"
    path.write_text(
        json.dumps({"machine": platform.platform(), "cpus": os.cpu_count(), "results": results}, indent=2),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
