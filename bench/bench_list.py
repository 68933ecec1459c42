"""The enterprise list page with three filters (street, industry, status), p95 of the whole request.

    .venv/bin/python bench/bench_list.py --backend sqlite --size 200000
    .venv/bin/python bench/bench_list.py --backend postgres --size 3000000

Reuses the registry ``bench_search.py`` built (``bench/common_registry.py``). Each request goes
through Django's test client as a logged-in staff user: middleware, FilterSet, one page of 50 rows
(LazyPaginator, no COUNT), the table and the template. Also times the search box (``q``) and a
revenue range, and the first page without filters. Target: p95 ≤ 150 ms at 3 M on PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common_registry as common


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--size", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()

    common.setup_django(args.backend, args.size)
    build = common.build_registry(args.size)

    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from wutong.enterprises.models import Enterprise

    user = common.bench_user()
    client = Client()
    client.force_login(user)
    url = reverse("enterprises:enterprise_list")
    row_link = re.compile(r'href="' + re.escape(url) + r'\d+/"')
    rng = random.Random(11)
    streets = list(Enterprise.objects.exclude(street=None).values_list("street_id", flat=True).distinct())
    divisions = sorted(
        {code[:2] for code in Enterprise.objects.values_list("industry_id", flat=True)[:5000] if code}
    )
    sections = ["C", "F", "I", "L", "M"]
    scenarios = {
        "three_filters_division": lambda: {
            "street": rng.choice(streets),
            "industry": rng.choice(divisions),
            "status": "active",
        },
        "three_filters_section": lambda: {
            "street": rng.choice(streets),
            "industry": rng.choice(sections),
            "status": "active",
        },
        "revenue_range_size": lambda: {
            "revenue_min": rng.choice([100, 500, 1000]),
            "size_class": "small",
            "status": "active",
        },
        "search_box": lambda: {"q": rng.choice(["科技", "华新", "电子", "shenzhen", "szs", "新材料"])},
        "no_filter_page": lambda: {"page": rng.randint(1, 20)},
        "htmx_three_filters": lambda: {
            "street": rng.choice(streets),
            "industry": rng.choice(divisions),
            "status": "active",
            "_htmx": True,
        },
    }
    from django.db import connection

    db_time = [0.0]

    def timed(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            db_time[0] += (time.perf_counter() - start) * 1000

    results = {}
    for name, make_params in scenarios.items():
        samples, rows, db_samples, cpu_samples = [], [], [], []
        for i in range(args.requests + 3):
            params = make_params()
            headers = {"HTTP_HX_REQUEST": "true"} if params.pop("_htmx", False) else {}
            db_time[0] = 0.0
            start, cpu_start = time.perf_counter(), time.process_time()
            with connection.execute_wrapper(timed):
                response = client.get(url, params, **headers)
            elapsed = (time.perf_counter() - start) * 1000
            cpu = (time.process_time() - cpu_start) * 1000  # this process only: not the DB server
            assert response.status_code == 200, response.status_code
            if i >= 3:  # the first requests warm caches
                samples.append(elapsed)
                db_samples.append(db_time[0])
                cpu_samples.append(cpu)
                rows.append(len(row_link.findall(response.content.decode())))
        db = common.percentiles(db_samples)
        results[name] = {
            **common.percentiles(samples),
            "db_p50_ms": db["p50_ms"],
            "db_p95_ms": db["p95_ms"],
            "app_cpu_p50_ms": common.percentiles(cpu_samples)["p50_ms"],
            "mean_rows": round(sum(rows) / len(rows), 1),
        }
        print(
            f"{name:24s} p50 {results[name]['p50_ms']:8.2f}  p95 {results[name]['p95_ms']:8.2f} ms  "
            f"(database p95 {db['p95_ms']:7.2f} ms, app CPU p50 {results[name]['app_cpu_p50_ms']:6.1f})  "
            f"rows/page {results[name]['mean_rows']}",
            flush=True,
        )
    per_street = Enterprise.objects.values("street_id").annotate(n=Count("id")).order_by("-n").first()
    data = {
        "backend": args.backend,
        "size": args.size,
        "build": build,
        "requests_per_scenario": args.requests,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "target_p95_ms": 150,
        "largest_street_rows": per_street["n"] if per_street else 0,
        "scenarios": results,
        "load_average": os.getloadavg(),
    }
    print(f"written to {common.save_results(f'{args.backend}-{args.size}', 'list', data)}")


if __name__ == "__main__":
    main()
