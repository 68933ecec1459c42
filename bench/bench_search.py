"""Search p95 at registry scale, against plain ``icontains`` over the same fields in the same run.

    .venv/bin/python bench/bench_search.py --backend sqlite --size 200000
    .venv/bin/python bench/bench_search.py --backend postgres --size 3000000 --baseline-queries 40

Builds the registry once (``bench/common_registry.py``; reused on later runs), samples realistic
queries from it (name fragments of 2–4 characters, exact names, name prefixes, pinyin initials and
full pinyin, USCC and USCC prefixes, former names, misses, single characters), and times
``search_enterprises`` for a staff user. Results are merged into ``bench/results/search.json``.
Target: p95 ≤ 100 ms. PostgreSQL databases: ``wutong_h2_bench_<size>`` (``BENCH_PG_PREFIX``).
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common_registry as common


def sample_queries(count: int, seed: int = 7) -> list[tuple[str, str]]:
    from wutong.enterprises.models import Enterprise, FormerName

    rng = random.Random(seed)
    top = Enterprise.objects.order_by("-id").values_list("id", flat=True).first() or 0
    picks = []
    while len(picks) < count // 8 + 5:
        row = (
            Enterprise.objects.filter(pk=rng.randint(1, top))
            .values("name", "name_pinyin", "name_initials", "uscc", "name_normalized")
            .first()
        )
        if row:
            picks.append(row)
    formers = list(FormerName.objects.values_list("name", flat=True)[:500])
    queries: list[tuple[str, str]] = []
    kinds = [
        "fragment3",
        "fragment2",
        "exact",
        "prefix",
        "initials",
        "pinyin",
        "pinyin_core",
        "uscc",
        "uscc_prefix",
        "former",
        "miss",
        "char1",
    ]
    for i in range(count):
        kind = kinds[i % len(kinds)]
        row = rng.choice(picks)
        core = row["name_normalized"]
        if kind == "fragment3":
            start = rng.randrange(max(1, len(core) - 3))
            q = core[start : start + rng.choice((3, 4))]
        elif kind == "fragment2":
            start = rng.randrange(max(1, len(core) - 2))
            q = core[start : start + 2]
        elif kind == "exact":
            q = row["name"]
        elif kind == "prefix":
            q = row["name"][: rng.choice((5, 6, 7))]
        elif kind == "initials":
            q = row["name_initials"][: rng.choice((4, 5, 6))]
        elif kind == "pinyin":
            start = rng.randrange(max(1, len(row["name_pinyin"]) - 8))
            q = row["name_pinyin"][start : start + 8]
        elif kind == "pinyin_core":  # what people type: the pinyin of the firm's own words (huaxinkeji)
            from pypinyin import lazy_pinyin

            q = "".join(lazy_pinyin(core[: rng.choice((2, 3, 4))])).lower()
        elif kind == "uscc":
            q = row["uscc"]
        elif kind == "uscc_prefix":
            q = row["uscc"][:14]
        elif kind == "char1":  # the autocomplete's first keystroke
            q = core[0]
        elif kind == "former" and formers:
            name = rng.choice(formers)
            q = name[3:8]
        else:
            q = "".join(rng.choice("鑫犇淼焱垚") for _ in range(4))
        queries.append((kind, q))
    return queries


def name_icontains(q, user, limit):  # type: ignore[no-untyped-def]
    """The cheapest yardstick: ``name__icontains`` alone, in list order (no pinyin, USCC or former names)."""
    from wutong.enterprises.models import Enterprise

    return list(Enterprise.objects.visible_to(user).filter(name__icontains=q).only("pk")[:limit])


def run(fn, queries, user, limit):  # type: ignore[no-untyped-def]
    samples, by_kind, counts = [], defaultdict(list), []
    for kind, q in queries:
        start = time.perf_counter()
        result = fn(q, user, limit=limit)
        elapsed = (time.perf_counter() - start) * 1000
        samples.append(elapsed)
        by_kind[kind].append(elapsed)
        counts.append(len(result))
    return samples, by_kind, counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--size", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--baseline-queries", type=int, default=100)
    parser.add_argument("--limit", type=int, default=20)
    args = parser.parse_args()

    url = common.setup_django(args.backend, args.size)
    build = common.build_registry(args.size)
    print(f"registry: {args.size} enterprises on {args.backend} ({url}); build {build}", flush=True)

    from wutong.enterprises.search import baseline_search, search_enterprises

    user = common.bench_user()
    queries = sample_queries(args.queries)
    run(search_enterprises, queries[:20], user, args.limit)  # warm caches
    samples, by_kind, counts = run(search_enterprises, queries, user, args.limit)
    base_queries = queries[: args.baseline_queries]
    run(baseline_search, base_queries[:1], user, args.limit)
    base_samples, base_by_kind, _ = run(baseline_search, base_queries, user, args.limit)
    name_samples, _, _ = run(name_icontains, base_queries, user, args.limit)
    # the same queries through the search, for a like-for-like ratio
    same = [s for s, _q in zip(samples, base_queries, strict=False)]

    search_stats = common.percentiles(samples)
    base_stats = common.percentiles(base_samples)
    result = {
        "backend": args.backend,
        "size": args.size,
        "build": build,
        "machine": f"{platform.machine()} {common.os.cpu_count()} cpu, Python {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "search": search_stats,
        "search_by_kind": {k: common.percentiles(v) for k, v in sorted(by_kind.items())},
        "mean_results": round(sum(counts) / len(counts), 1),
        "baseline_icontains": base_stats,
        "baseline_by_kind": {k: common.percentiles(v) for k, v in sorted(base_by_kind.items())},
        "baseline_name_icontains_only": common.percentiles(name_samples),
        "search_same_queries_as_baseline": common.percentiles(same),
        "p95_ratio_baseline_over_search": round(
            base_stats["p95_ms"] / max(common.percentiles(same)["p95_ms"], 0.01), 1
        ),
        "target_p95_ms": 100,
        "load_average": common.os.getloadavg(),
    }
    path = common.save_results(f"{args.backend}-{args.size}", "search", result)
    print(
        f"search p95 {search_stats['p95_ms']} ms (p50 {search_stats['p50_ms']}), "
        f"baseline p95 {base_stats['p95_ms']} ms, ratio {result['p95_ratio_baseline_over_search']}×, "
        f"name-only icontains p95 {result['baseline_name_icontains_only']['p95_ms']} ms"
    )
    for kind, stats in result["search_by_kind"].items():
        print(
            f"  {kind:12s} p95 {stats['p95_ms']:8.2f} ms   baseline p95 "
            f"{result['baseline_by_kind'].get(kind, {}).get('p95_ms', '-')}"
        )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
