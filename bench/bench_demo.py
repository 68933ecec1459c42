"""``wutong demo`` throughput and memory: rows per second and the peak RSS of the whole process.

    .venv/bin/python bench/bench_demo.py --size 20000                       # SQLite, fresh data dir
    .venv/bin/python bench/bench_demo.py --size 200000
    .venv/bin/python bench/bench_demo.py --size 1000000 \\
        --database-url postgres://postgres@127.0.0.1:5432/wutong_bench_demo  # dropped and recreated

Each run is a child process (``wutong migrate`` then ``wutong demo --enterprises N``) on an empty
database, so start-up, reference data, users and the audit entry are all in the time; the peak
RSS is the child's ``ru_maxrss`` (``resource.getrusage(RUSAGE_CHILDREN)``). Memory must stay flat
as N grows: the generator writes a chunk before it makes the next. The RSS of every progress line
is sampled from /proc to show it. Results are merged into ``bench/results/demo.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WUTONG = [sys.executable, "-m", "wutong"]
RESULTS = Path(__file__).resolve().parent / "results" / "demo.json"


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _recreate_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def run(size: int, seed: int, chunk: int, database_url: str | None) -> dict[str, object]:
    data_dir = tempfile.mkdtemp(prefix="wutong-bench-demo-")
    env = {**os.environ, "WUTONG_DATA_DIR": data_dir}
    if database_url:
        _recreate_postgres(database_url)
        env["WUTONG_DATABASE_URL"] = database_url
    else:
        env.pop("WUTONG_DATABASE_URL", None)
    subprocess.run([*WUTONG, "migrate", "-v0"], env=env, check=True, cwd=ROOT)

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_before = before.ru_utime + before.ru_stime
    started = time.monotonic()
    cmd = [*WUTONG, "demo", "--enterprises", str(size), "--seed", str(seed), "--chunk-size", str(chunk)]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    samples: list[tuple[int, float]] = []
    lines: list[str] = []

    def reader() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            match = re.match(r"企业 ([\d,]+)/", line)
            if match:
                done = int(match.group(1).replace(",", ""))
                samples.append((done, _rss_mb(proc.pid)))
                if len(samples) % 10 == 0 or done == size:
                    print(f"  {line.strip()}  RSS {samples[-1][1]:.0f} MB", flush=True)

    thread = threading.Thread(target=reader)
    thread.start()
    proc.wait()
    thread.join()
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        sys.stdout.write("".join(lines[-20:]))
        raise SystemExit(f"wutong demo failed with {proc.returncode}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    total = re.search(r"([\d,]+) 家企业, ([\d,]+) 行", "".join(lines))
    rows = int(total.group(2).replace(",", "")) if total else 0
    quarter = [mb for done, mb in samples if done >= size // 4]
    return {
        "backend": "postgresql" if database_url else "sqlite",
        "enterprises": size,
        "rows": rows,
        "seconds": round(seconds, 1),
        "rows_per_s": round(rows / seconds),
        "enterprises_per_s": round(size / seconds),
        # The machine is shared: CPU seconds of the demo process say more than wall time under load
        # (the database server's own CPU is not in it).
        "cpu_seconds": round(cpu, 1),
        "rows_per_cpu_s": round(rows / cpu) if cpu else None,
        "load_average_1m": round(os.getloadavg()[0], 1),
        "peak_rss_mb": round(peak_mb),
        "rss_at_25pct_mb": round(quarter[0]) if quarter else None,
        "rss_at_end_mb": round(samples[-1][1]) if samples else None,
        "chunk": chunk,
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--chunk-size", type=int, default=5_000)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (the database is recreated)")
    args = parser.parse_args()
    result = run(args.size, args.seed, args.chunk_size, args.database_url)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    RESULTS.parent.mkdir(exist_ok=True)
    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    stored[f"{result['backend']}-{args.size}"] = result
    RESULTS.write_text(json.dumps(stored, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
