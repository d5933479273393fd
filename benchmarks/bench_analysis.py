"""Full network analysis of the demo city against the baseline a Python developer writes first.

Usage::

    python benchmarks/bench_analysis.py                 # 2,000 and 10,000 actors, each with the baseline
    python benchmarks/bench_analysis.py --with-100k     # also 100,000 actors (no baseline: ~20 h of networkx)
    python benchmarks/bench_analysis.py --sizes 2000    # only some sizes

Each size runs in a fresh process (peak memory is that process's maximum RSS). The analysis is what
``bildungsnetz analyse`` and ``report gaps`` compute: reading the store through the named queries, every district
network with all measures and roles, the city network, isolates, the Bildungskette checks and need ranking.
The baseline reads the same graph and then, per district subgraph, runs networkx's exact betweenness,
Burt's constraint and isolates, plus exact betweenness of the whole city graph. Results must be identical:
the top-20 brokers of every district and of the city the same, betweenness and constraint within 1e-9.
A table is printed and the figures are written to ``benchmarks/results/analysis-<time>.json`` (gitignored).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATE = "2026-06-30"
TOL = 1e-9


def build_store(actors: int, directory: Path):
    from bildungsnetz.demo.city import generate
    from bildungsnetz.iris import Iris
    from bildungsnetz.reference import reference_graphs
    from bildungsnetz.store import EmbeddedStore

    iris = Iris()
    city = generate(city="dortmund", actors=actors, seed=1, iris=iris)
    graphs = dict(city.graphs)
    graphs.update(reference_graphs(["dortmund"], iris))
    store = EmbeddedStore(directory)
    store.replace_graphs(graphs)
    return store


def top(values: dict, n: int = 20) -> list:
    return sorted(values, key=lambda v: (-values[v], str(v)))[:n]


def baseline(store) -> dict:
    """What one writes first: networkx on each district subgraph, and on the whole city."""
    import networkx as nx

    from bildungsnetz.analysis import graphs as g

    data = g.load(store, date=DATE)
    G = g.cooperation_graph(data)
    out = {}
    for area in data.stadtbezirke():
        sub = G.subgraph([v for v, b in G.nodes(data="stadtbezirk") if b == area.iri])
        out[area.code] = {
            "betweenness": nx.betweenness_centrality(sub),
            "constraint": nx.constraint(sub, weight="weight"),
            "isolates": set(nx.isolates(sub)),
        }
    out["stadt"] = {"betweenness": nx.betweenness_centrality(G)}
    return out


def fast(store):
    from bildungsnetz.analysis import graphs as g
    from bildungsnetz.analysis import run_analysis

    return run_analysis(g.load(store, date=DATE))


def compare(analysis, base: dict) -> dict:
    worst_b = worst_c = 0.0
    same_top = same_isolates = True
    for d in analysis.districts:
        ref = base[d.area.code]
        mine_b = {v: m["betweenness"] for v, m in d.measures.items()}
        mine_c = {v: m["constraint"] for v, m in d.measures.items()}
        same_top &= top(mine_b) == top(ref["betweenness"])
        worst_b = max(worst_b, max((abs(mine_b[v] - ref["betweenness"][v]) for v in mine_b), default=0))
        for v, c in mine_c.items():
            r = ref["constraint"][v]
            if not (math.isnan(c) and math.isnan(r)):
                worst_c = max(worst_c, abs(c - r))
        same_isolates &= {v for v, m in d.measures.items() if m["degree"] == 0} == ref["isolates"]
    city = analysis.city_betweenness.values
    same_city = top(city) == top(base["stadt"]["betweenness"])
    worst_city = max(abs(city[v] - base["stadt"]["betweenness"][v]) for v in city)
    return {
        "top20_districts_equal": bool(same_top),
        "top20_city_equal": bool(same_city),
        "isolates_equal": bool(same_isolates),
        "max_abs_diff_betweenness": max(worst_b, worst_city),
        "max_abs_diff_constraint": worst_c,
        "identical": bool(same_top and same_city and same_isolates and max(worst_b, worst_city, worst_c) <= TOL),
    }


def worker(actors: int, with_baseline: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-analysis-") as tmp:
        t = time.perf_counter()
        store = build_store(actors, Path(tmp) / "store")
        build = time.perf_counter() - t
        t = time.perf_counter()
        analysis = fast(store)
        analyse_s = time.perf_counter() - t
        from bildungsnetz.report.gaps import render

        t = time.perf_counter()
        render(analysis, "html")
        report_s = time.perf_counter() - t
        row = {
            "actors": actors,
            "ties": analysis.graph.number_of_edges(),
            "districts": len(analysis.districts),
            "build_store_s": build,
            "analysis_s": analyse_s,
            "report_html_s": report_s,
            "city_betweenness": analysis.city_betweenness.summary(),
        }
        if with_baseline:
            t = time.perf_counter()
            base = baseline(store)
            row["baseline_s"] = time.perf_counter() - t
            row["speedup"] = row["baseline_s"] / analyse_s
            row.update(compare(analysis, base))
        row["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[2000, 10000])
    parser.add_argument("--with-100k", action="store_true", help="also 100,000 actors (without baseline)")
    parser.add_argument("--baseline-max", type=int, default=10000, help="largest size run with the baseline")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--no-baseline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        sys.stdout.write(json.dumps(worker(args.worker, not args.no_baseline)) + "\n")
        return
    sizes = list(args.sizes) + ([100_000] if args.with_100k else [])
    rows = []
    for n in sizes:
        cmd = [sys.executable, __file__, "--worker", str(n)]
        if n > args.baseline_max:
            cmd.append("--no-baseline")
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print_row(rows[-1])
    if len(rows) > 1 and {10000, 100000} <= {r["actors"] for r in rows}:
        a = next(r for r in rows if r["actors"] == 10000)["analysis_s"]
        b = next(r for r in rows if r["actors"] == 100000)["analysis_s"]
        print(f"growth 10,000 → 100,000 actors: {b / a:.1f}×")
    machine = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "processor": _cpu(),
    }
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = results / f"analysis-{stamp}.json"
    path.write_text(json.dumps({"machine": machine, "date": DATE, "rows": rows}, indent=2), encoding="utf-8")
    print(f"written: {path}")


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def print_row(r: dict) -> None:
    head = f"{r['actors']:>7} actors {r['ties']:>7} ties: analysis {r['analysis_s']:7.2f} s"
    head += f", html report {r['report_html_s']:5.2f} s, peak {r['peak_rss_mb']:7.0f} MB"
    if "baseline_s" in r:
        head += f" | baseline {r['baseline_s']:8.2f} s, speed-up {r['speedup']:5.1f}×, identical {r['identical']}"
        head += f" (Δb {r['max_abs_diff_betweenness']:.1e}, Δc {r['max_abs_diff_constraint']:.1e})"
    cb = r["city_betweenness"]
    state = "exact" if cb["exact"] else f"sampled ±{cb['error_bound']:.3f}"
    head += f" | city betweenness {state}"
    print(head, flush=True)


if __name__ == "__main__":
    main()
