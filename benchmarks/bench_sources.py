"""Sources benchmark: re-import and undo of a 1,000-row sheet with the landscape, and the landscape's read cost.

    python benchmarks/bench_sources.py                 # 10,000 actors (several minutes)
    python benchmarks/bench_sources.py --sizes 100000  # 100,000 actors (long)

At each size: the demo city into an on-disk store (the landscape built for every subject), a separate 1,000-row
partnership sheet as its own source, next week's copy with 100 rows changed re-imported (change preview, version,
landscape update), that import undone, and the baseline: pySHACL re-validating the whole store. Then the
p95 latency of REST routes and web pages over the landscape against the same store before the landscape
(its quads without the view, read as the union of all graphs). Everything runs in this process, one step
after another. See README.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import shutil
import sys
import time
from pathlib import Path

__all__ = ["main"]

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
CITY = "dortmund"
GOALS = {"reimport": 20.0, "undo_s": 5.0, "p95": 1.20}
REQUESTS = 20
sys.path.insert(0, str(HERE))


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def _latencies(client, paths: list[str]) -> list[float]:
    out = []
    for path in paths:
        t0 = time.perf_counter()
        answer = client.get(path)
        out.append(time.perf_counter() - t0)
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {answer.status_code}")
    return out


def _reads(store_dir: Path, ids: list[str], *, union: bool) -> dict[str, float]:
    """p95 seconds per route over ``REQUESTS`` different actors (no two requests hit the result cache)."""
    from fastapi.testclient import TestClient

    from bildungsnetz.app import create_app
    from bildungsnetz.settings import Settings
    from bildungsnetz.store import EmbeddedStore

    settings = Settings(store=store_dir)
    if union:
        # The store as before the landscape: the same quads without the view, nothing read as a source.
        from bildungsnetz.store.view import Landscape

        old = store_dir.with_name("vorher")
        shutil.rmtree(old, ignore_errors=True)
        gc.collect()  # the view step's app let go of the store; RocksDB's lock goes with the last reference
        with EmbeddedStore(store_dir) as st:
            views = {st.landscape.view, st.landscape.private_view}
            quads = [q for q in st.oxigraph.quads_for_pattern(None, None, None, None)
                     if getattr(q.graph_name, "value", None) not in views]  # fmt: skip
        store = EmbeddedStore(old, landscape=Landscape("urn:x-ohne-landschaft/"))
        store.oxigraph.bulk_extend(quads)
        store.oxigraph.flush()
        settings = Settings(store=old)
    else:
        store = EmbeddedStore(store_dir)
    routes = {
        "GET /api/actors/{id}": [f"/api/actors/{i}" for i in ids],
        "GET /api/actors?offset=…": [f"/api/actors?limit=100&offset={k * 100}" for k in range(len(ids))],
        "web /akteur/{id}": [f"/akteur/{i}" for i in ids],
    }
    with TestClient(create_app(settings, store=store)) as client:
        _latencies(client, ["/api/actors?limit=10", f"/akteur/{ids[0]}"])  # warm: templates, catalogue
        out = {name: _p95(_latencies(client, paths)) for name, paths in routes.items()}
    store.close()
    return out


def run_size(n: int, work: Path) -> dict:
    import bench_import as bi
    import pyoxigraph as ox

    from bildungsnetz.demo.city import generate
    from bildungsnetz.ingest.pipeline import import_files
    from bildungsnetz.ingest.tables import export_tables, write_tables
    from bildungsnetz.ingest.versions import Versions, undo
    from bildungsnetz.iris import Iris
    from bildungsnetz.namespace import PREFIXES
    from bildungsnetz.reference import reference_graphs
    from bildungsnetz.store import EmbeddedStore

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    iris, store_dir = Iris(), work / "store"
    demo = generate(city=CITY, actors=n, iris=iris)
    st = EmbeddedStore(store_dir)
    t0 = time.perf_counter()
    st.replace_graphs({**demo.graphs, **reference_graphs([CITY], iris)})
    first_load = time.perf_counter() - t0
    view_triples = st.count(st.landscape.view)
    t0 = time.perf_counter()
    rebuilt = st.rebuild_view()
    rebuild = time.perf_counter() - t0
    tables = export_tables(st, city=CITY, iris=iris, include_private=True)
    write_tables({"kooperationen": tables["kooperationen"]}, work / "clean", "csv")
    bi._weekly(work / "clean", work, seed=n)
    ids = [str(r["id"]) for r in tables["akteure"][: REQUESTS]]
    del demo, tables

    versions = Versions(work / "versionen")
    import_files([work / "woche-1.csv"], store=st, city=CITY, source="woche", kind="kooperationen", versions=versions)
    t0 = time.perf_counter()
    second = import_files([work / "woche-2.csv"], store=st, city=CITY, source="woche", kind="kooperationen",
                          versions=versions)  # fmt: skip
    reimport = time.perf_counter() - t0
    latest = versions.history("woche")[-1]
    t0 = time.perf_counter()
    undo(store=st, iris=iris, versions=versions, target=latest.id)
    undo_s = time.perf_counter() - t0
    ontology = str(iris.graph("ontologie"))
    triples = [q.triple for g in st.named_graphs() if g != ontology for q in st.quads(g)]
    with (work / "store.ttl").open("wb") as fh:
        ox.serialize(triples, fh, ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    st.close()
    baseline = bi.step_baseline(work / "store.ttl", work / "baseline.json")
    print(f"{n:,} actors: re-import {reimport:.2f} s, undo {undo_s:.2f} s, re-validation {baseline['seconds']:.1f} s",
          flush=True)  # fmt: skip
    view = _reads(store_dir, ids, union=False)
    union = _reads(store_dir, ids, union=True)
    return {
        "actors": n, "store_triples": len(triples), "view_triples": view_triples, "first_load_s": first_load,
        "rebuild_view_s": rebuild, "rebuilt_triples": rebuilt, "reimport_s": reimport,
        "reimport_timings": second.timings, "change": second.change.to_dict() if second.change else None,
        "undo_s": undo_s, "baseline_s": baseline["seconds"], "baseline_validate_s": baseline["validate_s"],
        "p95_view": view, "p95_union": union,
    }  # fmt: skip


def table(results: list[dict]) -> str:
    lines = [
        "| actors | store triples | landscape triples | first load s | rebuild landscape s | re-import s | "
        "full re-validation s | ratio | undo s |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['actors']:,} | {r['store_triples']:,} | {r['view_triples']:,} | {r['first_load_s']:.1f} | "
            f"{r['rebuild_view_s']:.1f} | {r['reimport_s']:.2f} | {r['baseline_s']:.1f} | "
            f"{r['baseline_s'] / r['reimport_s']:.0f}× | {r['undo_s']:.2f} |"
        )
    lines += ["", "| actors | route | p95 landscape ms | p95 union ms | landscape / union |",
              "| ---: | --- | ---: | ---: | ---: |"]  # fmt: skip
    for r in results:
        for route, v in r["p95_view"].items():
            u = r["p95_union"][route]
            lines.append(f"| {r['actors']:,} | {route} | {v * 1000:.0f} | {u * 1000:.0f} | {v / u:.2f} |")
    return "\n".join(lines)


def goals(r: dict) -> list[str]:
    slowest = max(r["p95_view"], key=lambda k: r["p95_union"][k])
    ratio = r["p95_view"][slowest] / r["p95_union"][slowest]
    return [
        f"re-import {r['baseline_s'] / r['reimport_s']:.0f}× faster than re-validating "
        f"(goal ≥ {GOALS['reimport']:.0f}×)",
        f"undo {r['undo_s']:.2f} s (goal < {GOALS['undo_s']:.0f} s)",
        f"slowest route {slowest}: p95 {ratio:.2f} of the union's (goal ≤ {GOALS['p95']:.2f})",
    ]


def main() -> None:  # noqa: D103
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000], help="actors (default 10000)")
    parser.add_argument("--work", type=Path, default=RESULTS / "work-sources", help="scratch directory")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    results = []
    for n in args.sizes:
        r = run_size(n, args.work / str(n))
        results.append(r)
        print(f"{n:,} actors: " + "; ".join(goals(r)), flush=True)
    print(table(results))
    out = RESULTS / "bench_sources.json"
    out.write_text(json.dumps({"machine": platform.platform(), "python": platform.python_version(),
                               "results": results}, indent=2, default=str))  # fmt: skip
    print(f"written: {out}")
    shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    main()
