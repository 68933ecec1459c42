"""Import benchmark: the framework against the floor (raw COPY / executemany of the same rows) and the
ceiling nobody should use (a per-row ORM get_or_create, the django-import-export way).

    .venv/bin/python bench/bench_import.py                       # defaults below, SQLite + PostgreSQL
    .venv/bin/python bench/bench_import.py --rows 20000 --xlsx-rows 20000 --memory-rows 100000 --skip-pg

Every measurement runs in its own subprocess on a fresh database (so one cannot warm the other and
peak memory is per measurement). Prints a table and writes ``bench/results/import.json``. Files of
20,000+ rows are read in a second process (``--in-process`` measures without it); peak memory adds
that process's. The xlsx ratio is shown next to its floor: calamine's read plus a raw write of the
same rows, measured in the same run.

Targets (issue: registry import): CSV → PostgreSQL ≥ 100,000 rows/s and ≤ 3× raw COPY; CSV → SQLite
≤ 3× raw executemany; both ≥ 20× the per-row ORM path; xlsx of 200,000 rows ≤ 1.5× calamine's own
read time; a 1,000,000-row import ≤ 1 GB RSS.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    RESULTS,
    ROOT,
    max_rss_children_mb,
    max_rss_mb,
    recreate_postgres_database,
    setup_django,
    write_enterprise_csv,
    write_enterprise_xlsx,
)

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/wutong_h3_bench_import"


# --- Workers (each in its own process) --------------------------------------------------------


def _database(backend: str, pg_url: str) -> str | None:
    if backend == "postgres":
        recreate_postgres_database(pg_url)
        return pg_url
    return None


def _setup(args: argparse.Namespace) -> None:
    """A fresh database; with ``--no-search-index`` the enterprise search index (FTS5 trigram
    triggers on SQLite, pg_trgm GIN indexes on PostgreSQL) is dropped, to see the import's own cost."""
    setup_django(_database(args.backend, args.pg_url))
    if args.in_process:
        from wutong.core import imports

        imports.PIPELINE_MIN_ROWS = sys.maxsize
    if args.no_search_index:
        from wutong.enterprises.search import uninstall_search_index

        uninstall_search_index()


def _stored_rows(path: Path) -> list[dict[str, Any]]:
    """The rows exactly as the import stores them (derived columns included), prepared untimed for the
    raw baselines so they write the same bytes."""
    from django.utils import timezone

    from wutong.core.models import Street
    from wutong.enterprises.imports import name_columns

    streets: dict[str, int] = {}
    for pk, name in Street.objects.values_list("pk", "name"):
        streets[name] = streets[name.removesuffix("街道")] = pk
    now = timezone.now()
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for code, name, legal, established, capital, _status, address, industry, street in reader:
            normalized, pinyin, initials = name_columns(name)
            rows.append(
                {
                    "created_at": now,
                    "updated_at": now,
                    "source": "import",
                    "source_batch_id": None,
                    "as_of": now.date(),
                    "uscc": code,
                    "name": name,
                    "name_normalized": normalized,
                    "name_pinyin": pinyin,
                    "name_initials": initials,
                    "legal_representative": legal,
                    "established": dt.date.fromisoformat(established),
                    "registered_capital": (Decimal(capital) * 10000).quantize(Decimal("0.01")),
                    "status": "active",
                    "registered_address": address,
                    "operating_address": "",
                    "street_id": streets.get(street),
                    "park_id": None,
                    "industry_id": industry.lstrip("I"),
                    "high_tech_field": "",
                    "emerging_industry": "",
                    "size_class": "unknown",
                    "latest_revenue": None,
                    "latest_year": None,
                }
            )
    return rows


def worker_raw(args: argparse.Namespace) -> dict[str, Any]:
    """The floor: one COPY (PostgreSQL) or one executemany (SQLite) of the prepared rows, one transaction."""
    _setup(args)
    import sqlite3

    from django.db import connection, transaction

    from wutong.core.imports import _db_converters, insert_columns
    from wutong.enterprises.models import Enterprise

    rows = _stored_rows(Path(args.file))
    names = insert_columns(Enterprise, rows)
    fields = {f.attname: f for f in Enterprise._meta.concrete_fields}
    qn = connection.ops.quote_name
    columns = ", ".join(qn(fields[n].column) for n in names)
    table = qn(Enterprise._meta.db_table)
    if connection.vendor == "postgresql":
        values = [[row[n] for n in names] for row in rows]
        start, cpu = time.perf_counter(), time.process_time()
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in values:
                copy.write_row(row)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    else:
        converters = _db_converters(Enterprise, names)
        values = [
            [c(row[n]) if c else row[n] for n, c in zip(names, converters, strict=True)] for row in rows
        ]
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(names))})"
        start, cpu = time.perf_counter(), time.process_time()
        with transaction.atomic(), connection.cursor() as cursor:
            sqlite3.Cursor.executemany(cursor.cursor, sql, values)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert Enterprise.objects.count() == len(rows)
    return {"rows": len(rows), "seconds": seconds, "cpu_seconds": cpu, "rows_per_s": len(rows) / seconds}


def worker_import(args: argparse.Namespace) -> dict[str, Any]:
    """The framework: ``run_import(commit=True)`` from the file, everything included (read, detect,
    parse, validate, look up, derive name columns, duplicate check, write, audit)."""
    _setup(args)
    from wutong.core.imports import run_import
    from wutong.core.models import ImportBatch
    from wutong.enterprises.models import Enterprise

    batch = ImportBatch.objects.create(kind="enterprises", file_name=Path(args.file).name)
    start, cpu = time.perf_counter(), time.process_time()
    result = run_import("enterprises", args.file, commit=not args.dry_run, batch=batch)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    out = {
        "rows": result.total_rows,
        "created": result.created,
        "rejected": result.rejected,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rows_per_s": result.total_rows / seconds,
        "max_rss_mb": max_rss_mb(),
        "max_rss_reading_process_mb": max_rss_children_mb(),
        "max_rss_total_mb": max_rss_mb() + max_rss_children_mb(),
    }
    if not args.dry_run:
        assert Enterprise.objects.count() == result.created
        start = time.perf_counter()
        again = run_import("enterprises", args.file, commit=True)
        out["reimport_seconds"] = time.perf_counter() - start
        out["reimport_unchanged"] = again.unchanged
        out["reimport_rows_per_s"] = again.total_rows / out["reimport_seconds"]
    return out


def worker_orm(args: argparse.Namespace) -> dict[str, Any]:
    """The per-row ORM path django-import-export takes: per row, parse, ``get_or_create`` (a SELECT
    and an INSERT through ``save()``) in its own transaction. Sampled, then scaled."""
    _setup(args)
    from django.db import transaction

    from wutong.core.models import Street
    from wutong.enterprises.models import Enterprise

    streets = {name: pk for pk, name in Street.objects.values_list("pk", "name")}
    with open(args.file, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        sample = [row for _i, row in zip(range(args.orm_sample), reader, strict=False)]
    start, cpu = time.perf_counter(), time.process_time()
    for code, name, legal, established, capital, _status, address, industry, street in sample:
        with transaction.atomic():
            Enterprise.objects.get_or_create(
                uscc=code,
                defaults={
                    "name": name,
                    "legal_representative": legal,
                    "established": dt.date.fromisoformat(established),
                    "registered_capital": Decimal(capital) * 10000,
                    "registered_address": address,
                    "industry_id": industry.lstrip("I"),
                    "street_id": streets.get(street) or streets.get(street + "街道"),
                    "source": "import",
                },
            )
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"rows": len(sample), "seconds": seconds, "cpu_seconds": cpu, "rows_per_s": len(sample) / seconds}


def worker_xlsx(args: argparse.Namespace) -> dict[str, Any]:
    """calamine reading the workbook (every cell of every row, nothing else) against the import."""
    _setup(args)
    from python_calamine import CalamineWorkbook

    from wutong.core.imports import run_import

    start, cpu = time.perf_counter(), time.process_time()
    workbook = CalamineWorkbook.from_path(args.file)
    cells = 0
    for row in workbook.get_sheet_by_index(0).iter_rows():
        cells += len(row)
    read_seconds, read_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    preview = run_import("enterprises", args.file, commit=False)
    validate_seconds, validate_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    committed = run_import("enterprises", args.file, commit=True)
    commit_seconds, commit_cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "rows": committed.total_rows,
        "cells": cells,
        "calamine_read_seconds": read_seconds,
        "calamine_read_cpu_seconds": read_cpu,
        "validate_seconds": validate_seconds,
        "validate_cpu_seconds": validate_cpu,
        "commit_seconds": commit_seconds,
        "commit_cpu_seconds": commit_cpu,
        "validate_ratio": validate_seconds / read_seconds,
        "commit_ratio": commit_seconds / read_seconds,
        "created": committed.created,
        "preview_created": preview.created,
    }


WORKERS = {"raw": worker_raw, "import": worker_import, "orm": worker_orm, "xlsx": worker_xlsx}


# --- Orchestration ---------------------------------------------------------------------------


def run_worker(name: str, backend: str, file: Path, args: argparse.Namespace, *extra: str) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--worker",
        name,
        "--backend",
        backend,
        "--file",
        str(file),
        "--pg-url",
        args.pg_url,
        "--orm-sample",
        str(args.orm_sample),
        *(["--no-search-index"] if args.no_search_index else []),
        *(["--in-process"] if args.in_process else []),
        *extra,
    ]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=os.environ.copy())
    if done.returncode != 0:
        raise SystemExit(f"worker {name}/{backend} failed:\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = time.perf_counter() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000, help="CSV rows for the rows/s comparisons")
    parser.add_argument("--orm-sample", type=int, default=2_000)
    parser.add_argument("--xlsx-rows", type=int, default=200_000)
    parser.add_argument("--memory-rows", type=int, default=1_000_000)
    parser.add_argument(
        "--memory-commit-rows",
        type=int,
        default=None,
        help="rows of the committed memory run (default --memory-rows); the preview uses --memory-rows",
    )
    parser.add_argument("--memory-backend", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument(
        "--xlsx-backend",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="database of the xlsx measurement and of its floor (the raw write of the same rows)",
    )
    parser.add_argument("--pg-url", default=os.environ.get("WUTONG_BENCH_PG_URL", DEFAULT_PG))
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--worker", choices=sorted(WORKERS))
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--file")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--no-search-index", action="store_true", help="drop the name search index first")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="read and parse in the importing process even for large files (no reading process)",
    )
    parser.add_argument("--results", default=str(RESULTS / "import.json"))
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args), default=str))
        return

    work = Path(tempfile.mkdtemp(prefix="wutong-bench-files-"))
    csv_file = write_enterprise_csv(work / "enterprises.csv", args.rows)
    backends = ["sqlite"] + ([] if args.skip_pg else ["postgres"])
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load_avg": os.getloadavg()},
        "params": {
            "rows": args.rows,
            "orm_sample": args.orm_sample,
            "xlsx_rows": args.xlsx_rows,
            "memory_rows": args.memory_rows,
        },
        "csv": {},
    }
    for backend in backends:
        raw = run_worker("raw", backend, csv_file, args)
        imported = run_worker("import", backend, csv_file, args)
        orm = run_worker("orm", backend, csv_file, args)
        results["csv"][backend] = {
            "raw": raw,
            "import": imported,
            "orm": orm,
            "import_vs_raw": raw["rows_per_s"] / imported["rows_per_s"],
            "import_vs_orm": imported["rows_per_s"] / orm["rows_per_s"],
        }
        print(
            f"[{backend}] raw {raw['rows_per_s']:,.0f} rows/s · import {imported['rows_per_s']:,.0f} · "
            f"orm {orm['rows_per_s']:,.0f}",
            file=sys.stderr,
        )
    xlsx_file = write_enterprise_xlsx(work / "enterprises.xlsx", args.xlsx_rows)
    results["xlsx"] = run_worker("xlsx", args.xlsx_backend, xlsx_file, args)
    # The floor under the ratio: the same rows (same seed) written raw, in the same run. Reading
    # and writing could at best overlap (two cores), so max(read, write) bounds any import.
    same_rows = write_enterprise_csv(work / "xlsx-rows.csv", args.xlsx_rows)
    floor = run_worker("raw", args.xlsx_backend, same_rows, args)
    read = results["xlsx"]["calamine_read_seconds"]
    results["xlsx"].update(
        backend=args.xlsx_backend,
        raw_write_seconds=floor["seconds"],
        floor_ratio_sequential=(read + floor["seconds"]) / read,
        floor_ratio_overlapped=max(read, floor["seconds"]) / read,
    )
    print(f"[xlsx] {results['xlsx']}", file=sys.stderr)
    if not args.skip_memory:
        memory_file = write_enterprise_csv(work / "memory.csv", args.memory_rows)
        backend = "sqlite" if args.skip_pg else args.memory_backend
        results["memory"] = {
            "backend": backend,
            **run_worker("import", backend, memory_file, args, "--dry-run"),
        }
        commit_rows = args.memory_commit_rows or args.memory_rows
        if commit_rows != args.memory_rows:
            memory_file = write_enterprise_csv(work / "memory-commit.csv", commit_rows)
        results["memory_commit"] = {"backend": backend, **run_worker("import", backend, memory_file, args)}
    results["machine"]["load_avg_after"] = os.getloadavg()
    results["params"]["search_index"] = not args.no_search_index
    results["params"]["reading_process"] = not args.in_process
    Path(args.results).parent.mkdir(parents=True, exist_ok=True)
    Path(args.results).write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    print_table(results)


def print_table(results: dict[str, Any]) -> None:
    lines = [f"{'measurement':<44}{'value':>16}  target", "-" * 80]
    for backend, r in results["csv"].items():
        floor = "COPY" if backend == "postgres" else "executemany"
        lines += [
            f"CSV → {backend}: import rows/s{'':<14}{r['import']['rows_per_s']:>16,.0f}  "
            + ("≥ 100,000" if backend == "postgres" else ""),
            f"CSV → {backend}: raw {floor} rows/s{'':<6}{r['raw']['rows_per_s']:>16,.0f}",
            f"CSV → {backend}: raw / import{'':<15}{r['import_vs_raw']:>16.2f}  ≤ 3",
            f"CSV → {backend}: per-row ORM rows/s{'':<9}{r['orm']['rows_per_s']:>16,.0f}",
            f"CSV → {backend}: import / ORM{'':<15}{r['import_vs_orm']:>16.1f}  ≥ 20",
            f"CSV → {backend}: re-import (unchanged) rows/s{r['import']['reimport_rows_per_s']:>15,.0f}",
        ]
    x = results["xlsx"]
    lines += [
        f"xlsx {x['rows']:,} rows: calamine read s{'':<10}{x['calamine_read_seconds']:>16.2f}",
        f"xlsx: validate (preview) / read{'':<13}{x['validate_ratio']:>16.2f}  ≤ 1.5",
        f"xlsx: import with commit / read{'':<13}{x['commit_ratio']:>16.2f}  ≤ 1.5",
        f"xlsx ({x.get('backend', 'sqlite')}): raw write of the same rows s{x['raw_write_seconds']:>11.2f}",
        f"xlsx: floor (read + raw write) / read{'':<7}{x['floor_ratio_sequential']:>16.2f}",
        f"xlsx: floor, read and write overlapped / read{x['floor_ratio_overlapped']:>15.2f}",
    ]
    for key in ("memory", "memory_commit"):
        if key in results:
            m = results[key]
            label = "preview" if key == "memory" else "commit"
            lines.append(
                f"{m['rows']:,} rows {label} ({m['backend']}): peak RSS MB "
                f"{m['max_rss_total_mb']:>12,.0f}  ≤ 1024"
                f"  ({m['seconds']:.0f} s; importing {m['max_rss_mb']:,.0f} + reading process "
                f"{m['max_rss_reading_process_mb']:,.0f})"
            )
    lines.append(
        f"load average before/after: {results['machine']['load_avg']} / "
        f"{results['machine']['load_avg_after']}"
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
