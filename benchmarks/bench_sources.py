"""Sources benchmark: re-import and undo of a 1,000-row sheet with the landscape, and the landscape's read cost.

    python benchmarks/bench_sources.py                 # 10,000 actors (several minutes)
    python benchmarks/bench_sources.py --sizes 100000  # 100,000 actors (long)

At each size: the demo city into an on-disk store (the landscape built for every subject), a separate 1,000-row
partnership sheet as its own source, next week's copy with 100 rows changed re-imported (change preview, version,
landscape update), that import undone, and the baseline: pySHACL re-validating the whole store
(``--skip-baseline``: not measured, the table says so; ``--only-undo``: load, re-import and undo only). Then the
p95 latency of REST routes and web pages over the landscape against the same store before the landscape (its quads
without the view, copied into a second store while the first is still open, read as the union of all graphs).
Everything runs in this process, one step after another; each step closes the store it opened, and waits for the
app's background analysis, before the next one. The load average is noted beside each figure. See README.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import sys
import threading
import time
from pathlib import Path

__all__ = ["main"]

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
CITY = "dortmund"
GOALS = {"reimport": 20.0, "undo_s": 5.0, "p95": 1.20}
REQUESTS = 20
#: Seconds to wait for the app's background analysis (web/data.py ``warm``) before measuring, and after.
SETTLE_S = 1800
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


def _load() -> float:
    """The 1-minute load average (the machine is shared: figures are read beside it)."""
    return round(os.getloadavg()[0], 1)


def _settle() -> bool:
    """Wait for the app's background analysis threads; True when they finished within ``SETTLE_S``."""
    deadline = time.monotonic() + SETTLE_S
    for t in [t for t in threading.enumerate() if t.name == "bildungsnetz-web-warm"]:
        t.join(max(0.0, deadline - time.monotonic()))
    return not any(t.name == "bildungsnetz-web-warm" and t.is_alive() for t in threading.enumerate())


def _reads(store, settings, ids: list[str]) -> dict:
    """p95 seconds per route over ``REQUESTS`` different actors (no two requests hit the result cache).

    The app owns ``store`` and closes it when the client ends. Measured after the app's background analysis
    (started at startup) has finished, so that it does not compete with the requests; the app freezes the heap
    (``gc.freeze``), which is undone here so that the store it closed is really let go (RocksDB's lock goes with
    the last reference).
    """
    from fastapi.testclient import TestClient

    from bildungsnetz.app import create_app

    routes = {
        "GET /api/actors/{id}": [f"/api/actors/{i}" for i in ids],
        "GET /api/actors?offset=…": [f"/api/actors?limit=100&offset={k * 100}" for k in range(len(ids))],
        "web /akteur/{id}": [f"/akteur/{i}" for i in ids],
    }
    with TestClient(create_app(settings, store=store)) as client:
        _latencies(client, ["/api/actors?limit=10", f"/akteur/{ids[0]}"])  # warm: templates, catalogue
        settled = _settle()
        load = _load()
        out = {name: _p95(_latencies(client, paths)) for name, paths in routes.items()}
    _settle()
    gc.unfreeze()
    gc.collect()
    return {"p95": out, "load": load, "settled": settled}


def _union_store(path: Path):
    """An embedded store that reads the union of its graphs, as every store did before the landscape (the
    baseline of the latency comparison; the product has no such switch)."""
    from bildungsnetz.store import EmbeddedStore
    from bildungsnetz.store.view import Landscape

    class UnionStore(EmbeddedStore):
        def _run(self, sparql: str, union: bool):
            return self.oxigraph.query(sparql, use_default_graph_as_union=True)

    return UnionStore(path, landscape=Landscape("urn:x-ohne-landschaft/"))


def run_size(n: int, work: Path, *, baseline: bool = True, full: bool = True) -> dict:
    import bench_import as bi
    import pyoxigraph as ox

    from bildungsnetz.demo.city import generate
    from bildungsnetz.ingest.pipeline import import_files
    from bildungsnetz.ingest.tables import export_tables, write_tables
    from bildungsnetz.ingest.versions import Versions, undo
    from bildungsnetz.iris import Iris
    from bildungsnetz.namespace import PREFIXES
    from bildungsnetz.reference import reference_graphs
    from bildungsnetz.settings import Settings
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
    rebuilt = rebuild = None
    if full:
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
    reimport_load = _load()
    t0 = time.perf_counter()
    undo(store=st, iris=iris, versions=versions, target=latest.id)
    undo_s = time.perf_counter() - t0
    undo_load = _load()
    out = {
        "actors": n, "view_triples": view_triples, "first_load_s": first_load, "rebuild_view_s": rebuild,
        "rebuilt_triples": rebuilt, "reimport_s": reimport, "reimport_load": reimport_load,
        "reimport_timings": second.timings, "change": second.change.to_dict() if second.change else None,
        "undo_s": undo_s, "undo_load": undo_load, "baseline_s": None, "baseline_validate_s": None,
        "baseline_load": None, "p95_view": {}, "p95_union": {}, "reads_load": [], "settled": None,
    }  # fmt: skip
    if not full:
        out["store_triples"] = st.count()
        st.close()
        print(f"{n:,} actors: re-import {reimport:.2f} s, undo {undo_s:.2f} s (only these measured)", flush=True)
        return out
    ontology = str(iris.graph("ontologie"))
    triples = [q.triple for g in st.named_graphs() if g != ontology for q in st.quads(g)]
    if baseline:
        with (work / "store.ttl").open("wb") as fh:
            ox.serialize(triples, fh, ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    store_triples = len(triples)
    del triples
    # The store as before the landscape: the same quads without the view and without the survey's answer graphs
    # (which reads never see), read as the union of all graphs as the store read then. Copied now, from the open
    # store, so that no step reopens a directory another step may still hold.
    land = st.landscape
    before = _union_store(work / "vorher")
    before.oxigraph.bulk_extend(q for q in st.oxigraph.quads_for_pattern(None, None, None, None)
                                if not isinstance(q.graph_name, ox.NamedNode)
                                or land.passes_through(q.graph_name.value)
                                or land.is_source_data(q.graph_name.value))  # fmt: skip
    before.oxigraph.flush()
    st.close()
    del st
    gc.collect()
    checked = bi.step_baseline(work / "store.ttl", work / "baseline.json") if baseline else None
    checked_load = _load()
    print(f"{n:,} actors: re-import {reimport:.2f} s, undo {undo_s:.2f} s, re-validation "
          + (f"{checked['seconds']:.1f} s" if checked else "not measured"), flush=True)  # fmt: skip
    view = _reads(EmbeddedStore(store_dir), Settings(store=store_dir), ids)
    union = _reads(before, Settings(store=work / "vorher"), ids)
    return out | {
        "store_triples": store_triples, "baseline_s": checked["seconds"] if checked else None,
        "baseline_validate_s": checked["validate_s"] if checked else None, "baseline_load": checked_load,
        "p95_view": view["p95"], "p95_union": union["p95"], "reads_load": [view["load"], union["load"]],
        "settled": view["settled"] and union["settled"],
    }  # fmt: skip


def table(results: list[dict]) -> str:
    lines = [
        "| actors | store triples | landscape triples | first load s | rebuild landscape s | re-import s | "
        "full re-validation s | ratio | undo s | load (re-import / undo / re-validation) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        base = r["baseline_s"]
        checked = f"{base:.1f}" if base is not None else "not measured"
        ratio = f"{base / r['reimport_s']:.0f}×" if base is not None else "–"
        rebuild = f"{r['rebuild_view_s']:.1f}" if r["rebuild_view_s"] is not None else "not measured"
        lines.append(
            f"| {r['actors']:,} | {r['store_triples']:,} | {r['view_triples']:,} | {r['first_load_s']:.1f} | "
            f"{rebuild} | {r['reimport_s']:.2f} | {checked} | {ratio} | {r['undo_s']:.2f} | "
            f"{r['reimport_load']} / {r['undo_load']} / {r['baseline_load'] if base is not None else '–'} |"
        )
    lines += ["", "| actors | route | p95 landscape ms | p95 before the landscape ms | ratio | load |",
              "| ---: | --- | ---: | ---: | ---: | --- |"]  # fmt: skip
    for r in results:
        for route, v in r["p95_view"].items():
            u = r["p95_union"][route]
            lines.append(f"| {r['actors']:,} | {route} | {v * 1000:.0f} | {u * 1000:.0f} | {v / u:.2f} | "
                         f"{r['reads_load'][0]} / {r['reads_load'][1]} |")  # fmt: skip
    return "\n".join(lines)


def goals(r: dict) -> list[str]:
    out = []
    if r["baseline_s"] is not None:
        out.append(f"re-import {r['baseline_s'] / r['reimport_s']:.0f}× faster than re-validating "
                   f"(goal ≥ {GOALS['reimport']:.0f}×)")  # fmt: skip
    else:
        out.append("re-validation not measured")
    out.append(f"undo {r['undo_s']:.2f} s (goal < {GOALS['undo_s']:.0f} s)")
    rest = [k for k in r["p95_view"] if not k.startswith("web ")]
    for kind, names in (("REST route", rest), ("web page", [k for k in r["p95_view"] if k.startswith("web ")])):
        if names:
            slowest = max(names, key=lambda k: r["p95_union"][k])
            ratio = r["p95_view"][slowest] / r["p95_union"][slowest]
            out.append(f"slowest {kind} {slowest}: p95 {ratio:.2f} of the store before the landscape "
                       f"(goal ≤ {GOALS['p95']:.2f})")  # fmt: skip
    return out


def main() -> None:  # noqa: D103
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000], help="actors (default 10000)")
    parser.add_argument("--work", type=Path, default=RESULTS / "work-sources", help="scratch directory")
    parser.add_argument("--only-undo", type=int, nargs="+", default=[], metavar="ACTORS",
                        help="sizes at which only load, re-import and undo are measured")
    parser.add_argument("--skip-baseline", type=int, nargs="*", default=None, metavar="ACTORS",
                        help="sizes whose full re-validation is not measured (all sizes when none is named)")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    results = []
    for n in args.sizes:
        skip = args.skip_baseline is not None and (not args.skip_baseline or n in args.skip_baseline)
        r = run_size(n, args.work / str(n), baseline=not skip, full=n not in args.only_undo)
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
