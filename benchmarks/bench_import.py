"""Import benchmark: the demo city as spreadsheets through our pipeline, against rdflib + pySHACL on it all.

    python benchmarks/bench_import.py            # 10,000 actors (a few minutes)
    python benchmarks/bench_import.py --full     # also 100,000 actors (an hour or more; baseline ~10 GB)

Every measured side runs in its own subprocess; peak memory is sampled as the summed PSS of that process and
its children (worker processes included), and each side also reports its own ``ru_maxrss``. See README.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

__all__ = ["main"]

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
CITY = "dortmund"
GOALS = {"throughput": 3.0, "memory": 0.5, "weekly": 20.0}
BREAK_SHARE = 0.01
WEEKLY_ROWS = 1000
WEEKLY_CHANGED = 100


# -- the measured steps (each runs in a fresh subprocess) -------------------------------------------------


def step_prepare(n: int, work: Path) -> dict:
    """Demo city → store → CSV tables; the broken copy; the weekly spreadsheets; the baseline's Turtle."""
    from bildungsnetz.demo.city import generate
    from bildungsnetz.ingest.tables import export_tables, write_tables
    from bildungsnetz.iris import Iris
    from bildungsnetz.reference import reference_graphs
    from bildungsnetz.store import EmbeddedStore

    iris = Iris()
    demo = generate(city=CITY, actors=n, iris=iris)
    st = EmbeddedStore()
    st.replace_graphs({**demo.graphs, **reference_graphs([CITY], iris)})
    tables = export_tables(st, city=CITY, iris=iris, include_private=True)
    del st, demo
    clean, broken = work / "clean", work / "broken"
    write_tables(tables, clean, "csv")
    planted = _break(clean, broken, seed=n)
    _weekly(clean, work, seed=n)
    for variant in ("clean", "broken"):
        _baseline_turtle(work / variant, work / f"{variant}.ttl", iris)
    return {"rows": {k: len(v) for k, v in tables.items()}, "planted": planted}


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh, delimiter=";")
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, columns, delimiter=";", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)


def _earlier(iso: str, days: int = 400) -> str:
    return (date.fromisoformat(iso) - timedelta(days=days)).isoformat()


def _break(clean: Path, broken: Path, *, seed: int) -> dict[str, int]:
    """1 % of the rows of each table broken in ways that stay data, SHACL sees them (one it does not)."""
    rng = random.Random(seed)
    shutil.rmtree(broken, ignore_errors=True)
    shutil.copytree(clean, broken)
    planted: dict[str, int] = {}

    def pick(rows: list) -> list[int]:
        return sorted(rng.sample(range(len(rows)), max(1, round(len(rows) * BREAK_SHARE))))

    def count(kind: str) -> None:
        planted[kind] = planted.get(kind, 0) + 1

    columns, rows = _read(clean / "akteure.csv")
    for i in pick(rows):
        rows[i]["name"] = ""  # empty required name → bnsh:Akteur-name (sh:minCount)
        count("akteure: empty name")
    _write(broken / "akteure.csv", columns, rows)

    columns, rows = _read(clean / "kooperationen.csv")
    for j, i in enumerate(pick(rows)):
        r = rows[i]
        if j % 3 == 0:
            r["akteur_b"] = f"GIBT-ES-NICHT-{i}"  # partner id that does not exist → sh:class bn:Akteur
            count("kooperationen: unknown partner id")
        elif j % 3 == 1:
            r["beginn"] = r["beginn"] or "2024-08-01"
            r["ende"] = _earlier(r["beginn"])  # end before start → sh:lessThanOrEquals
            count("kooperationen: end before start")
        else:
            r["art"] = "Bildungspartnerschaftsvertrag"  # unknown code: the mapper refuses it (import problem)
            count("kooperationen: unknown vocabulary code (import-level, not SHACL)")
    _write(broken / "kooperationen.csv", columns, rows)

    columns, rows = _read(clean / "mitgliedschaften.csv")
    for i in pick(rows):
        rows[i]["netzwerk"] = f"NETZ-GIBT-ES-NICHT-{i}"  # unknown network → sh:class bn:Netzwerk
        count("mitgliedschaften: unknown network id")
    _write(broken / "mitgliedschaften.csv", columns, rows)

    columns, rows = _read(clean / "angebote.csv")
    for j, i in enumerate(pick(rows)):
        r = rows[i]
        if j % 2 == 0:
            r["titel"] = ""  # empty required title → bnsh:Angebot-titel
            count("angebote: empty title")
        else:
            r["beginn"] = r["beginn"] or "2024-08-01"
            r["ende"] = _earlier(r["beginn"])
            count("angebote: end before start")
    _write(broken / "angebote.csv", columns, rows)

    columns, rows = _read(clean / "foerderungen.csv")
    for i in pick(rows):
        rows[i]["empfaenger"] = f"EMPFAENGER-GIBT-ES-NICHT-{i}"  # recipient that does not exist
        count("foerderungen: unknown recipient id")
    _write(broken / "foerderungen.csv", columns, rows)
    return planted


def _weekly(clean: Path, work: Path, *, seed: int) -> None:
    """A separate 1,000-row partnership spreadsheet, and next week's copy with 100 rows changed."""
    rng = random.Random(seed + 1)
    columns, rows = _read(clean / "kooperationen.csv")
    week = [dict(r, id=f"W-{r['id']}") for r in rng.sample(rows, WEEKLY_ROWS)]
    _write(work / "woche-1.csv", columns, week)
    for i in rng.sample(range(len(week)), WEEKLY_CHANGED):
        r = week[i]
        if i % 2:
            r["beschreibung"] = (r["beschreibung"] + " Verlängert.").strip()
        else:
            r["ende"] = "2031-07-31"
    _write(work / "woche-2.csv", columns, week)


def _baseline_turtle(tables: Path, out: Path, iris) -> None:
    """Exactly the triples our mapper makes of the tables, plus vocabularies and city profile, as Turtle."""
    import pyoxigraph as ox

    from bildungsnetz.ingest.tables import map_tables
    from bildungsnetz.namespace import PREFIXES
    from bildungsnetz.reference import city_triples, vocabulary_triples

    staged = map_tables(sorted(tables.glob("*.csv")), city=CITY, iris=iris, source="stadt")
    triples = staged.data + staged.private + vocabulary_triples() + city_triples(CITY, iris)
    with out.open("wb") as fh:
        ox.serialize(triples, fh, ox.RdfFormat.TURTLE, prefixes=PREFIXES)


def _shacl_key(v) -> list:
    return [v.focus, v.path or "", v.shape, v.severity]


def step_ours(variant: str, work: Path, store_dir: Path) -> dict:
    """Our pipeline: CSV → map → chunked validation → bulk load into a fresh on-disk store."""
    from bildungsnetz.ingest.pipeline import import_files
    from bildungsnetz.store import EmbeddedStore

    shutil.rmtree(store_dir, ignore_errors=True)
    st = EmbeddedStore(store_dir)
    t0 = time.perf_counter()
    r = import_files(sorted((work / variant).glob("*.csv")), store=st, city=CITY, source="stadt")
    total = time.perf_counter() - t0
    st.close()
    problems = [v for v in r.report.violations if "#import-" in v.shape]
    shacl = [v for v in r.report.violations if "#import-" not in v.shape]
    (work / f"ours-{variant}.json").write_text(json.dumps(sorted(_shacl_key(v) for v in shacl)))
    return {
        "seconds": total, "timings": r.timings, "triples": r.triples + r.private_triples,
        "imported": r.imported, "shacl_results": len(shacl), "import_problems": len(problems),
        "rusage_self_mb": _maxrss(resource.RUSAGE_SELF),
        "rusage_children_mb": _maxrss(resource.RUSAGE_CHILDREN),
    }  # fmt: skip


def step_baseline(ttl: Path, out_json: Path) -> dict:
    """What a Python developer writes first: rdflib parses the Turtle, pySHACL validates the whole graph."""
    import pyshacl
    import rdflib
    from rdflib import RDF, SH

    from bildungsnetz.validate.shacl import load_ontology, load_shapes
    from bildungsnetz.validate.shacl import path_text as _path_text

    shapes, ontology = load_shapes(), load_ontology()
    t0 = time.perf_counter()
    g = rdflib.Graph().parse(ttl, format="turtle")
    parse = time.perf_counter() - t0
    t0 = time.perf_counter()
    # advanced=True: the shapes use one SPARQL-based target (SHACL-AF); without it those results are missing.
    _, results, _ = pyshacl.validate(
        g, shacl_graph=shapes, ont_graph=ontology, inference="none", advanced=True)
    validate = time.perf_counter() - t0
    found = set()
    for res in results.subjects(RDF.type, SH.ValidationResult):
        path = results.value(res, SH.resultPath)
        severity = str(results.value(res, SH.resultSeverity)).rsplit("#", 1)[-1]
        shown = _path_text(results, path) if path is not None else ""
        found.add((str(results.value(res, SH.focusNode)), shown,
                   str(results.value(res, SH.sourceShape)), severity))  # fmt: skip
    out_json.write_text(json.dumps(sorted(map(list, found))))
    return {"parse_s": parse, "validate_s": validate, "seconds": parse + validate, "triples": len(g),
            "shacl_results": len(found), "rusage_self_mb": _maxrss(resource.RUSAGE_SELF)}  # fmt: skip


def step_weekly(work: Path, store_dir: Path) -> dict:
    """Into the store holding the city: import week 1 (a new source), re-import week 2 (100 rows changed)."""
    from bildungsnetz.ingest.pipeline import import_files
    from bildungsnetz.store import EmbeddedStore

    st = EmbeddedStore(store_dir)
    first = import_files([work / "woche-1.csv"], store=st, city=CITY, source="woche", kind="kooperationen")
    t0 = time.perf_counter()
    second = import_files([work / "woche-2.csv"], store=st, city=CITY, source="woche", kind="kooperationen")
    total = time.perf_counter() - t0
    # The whole store as Turtle for the baseline's full re-validation (not timed: the baseline's input).
    import pyoxigraph as ox

    from bildungsnetz.iris import Iris
    from bildungsnetz.namespace import PREFIXES

    ontology = str(Iris().graph("ontologie"))
    triples = [q.triple for g in st.named_graphs() if g != ontology for q in st.quads(g)]
    with (work / "store.ttl").open("wb") as fh:
        ox.serialize(triples, fh, ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    st.close()
    return {"first": first.timings, "timings": second.timings, "seconds": total, "imported": second.imported,
            "conforms": second.report.conforms, "triples": second.triples, "store_triples": len(triples),
            "rusage_self_mb": _maxrss(resource.RUSAGE_SELF)}  # fmt: skip


def _maxrss(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


# -- the orchestrator ----------------------------------------------------------------------------------------


def _tree_pss_kb(pid: int) -> int:
    """Summed proportional set size of a process and all its descendants (shared pages counted once)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def _run_step(*args: str) -> dict:
    """Run one step in a fresh interpreter; sample its memory; return its JSON plus ``peak_mb``."""
    out = RESULTS / f".step-{os.getpid()}.json"
    proc = subprocess.Popen([sys.executable, __file__, "--step", *args, "--step-out", str(out)])
    peak = 0

    def sample() -> None:
        nonlocal peak
        while proc.poll() is None:
            peak = max(peak, _tree_pss_kb(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    if proc.wait() != 0:
        raise SystemExit(f"step {args} failed with exit code {proc.returncode}")
    sampler.join()
    result = json.loads(out.read_text())
    out.unlink()
    result["peak_mb"] = max(peak / 1024, result.get("rusage_self_mb", 0))
    return result


def _compare(work: Path) -> dict:
    ours = {tuple(r) for r in json.loads((work / "ours-broken.json").read_text())}
    base = {tuple(r) for r in json.loads((work / "baseline-broken.json").read_text())}
    return {"equal": ours == base, "ours": len(ours), "baseline": len(base),
            "only_ours": sorted(ours - base)[:10], "only_baseline": sorted(base - ours)[:10]}  # fmt: skip


def run_size(n: int, work_root: Path, *, keep: bool, clean_only: bool = False) -> dict:
    work = work_root / str(n)
    work.mkdir(parents=True, exist_ok=True)
    say = lambda msg: print(f"[{n:,} actors] {msg}", flush=True)  # noqa: E731, T201
    say("preparing the demo city as CSV, the broken copy, the weekly files, the baseline's Turtle …")
    out: dict = {"actors": n, "prepare": _run_step("prepare", str(n), str(work))}
    say(f"planted breaks: {out['prepare']['planted']}")
    for variant in ("clean",) if clean_only else ("clean", "broken"):
        say(f"ours ({variant}) …")
        out[f"ours_{variant}"] = _run_step("ours", variant, str(work), str(work / f"store-{variant}"))
        say(f"baseline ({variant}) …")
        out[f"baseline_{variant}"] = _run_step(
            "baseline", str(work / f"{variant}.ttl"), str(work / f"baseline-{variant}.json"))
    if clean_only:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
        return out
    out["same_results"] = _compare(work)
    say(f"same SHACL results on the broken copy: {out['same_results']['equal']}")
    say("weekly re-import into the store holding the city …")
    out["weekly"] = _run_step("weekly", str(work), str(work / "store-clean"))
    say("baseline: full re-validation of the whole store …")
    out["weekly_baseline"] = _run_step("baseline", str(work / "store.ttl"), str(work / "baseline-store.json"))
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return out


def ratios(r: dict) -> dict:
    """Ours against the baseline: throughput (×), peak memory (fraction), weekly validation + swap (×)."""
    ours, base = r["ours_clean"], r["baseline_clean"]
    ours_tps = ours["triples"] / ours["seconds"]
    base_tps = base["triples"] / base["seconds"]
    out = {"throughput_x": ours_tps / base_tps, "memory_fraction": ours["peak_mb"] / base["peak_mb"],
           "ours_tps": ours_tps, "baseline_tps": base_tps}  # fmt: skip
    if "weekly" not in r:  # --clean-only
        return out
    weekly = r["weekly"]["timings"]
    ours_weekly = weekly["validate"] + weekly["load"]
    return {
        **out,
        "weekly_x": r["weekly_baseline"]["validate_s"] / ours_weekly,
        "weekly_x_with_parse": r["weekly_baseline"]["seconds"] / ours_weekly,
        "ours_tps": ours_tps, "baseline_tps": base_tps, "ours_weekly_s": ours_weekly,
    }  # fmt: skip


def table(results: list[dict]) -> str:
    rows = ["| actors | side | triples | parse/map s | validate s | load s | total s | triples/s | peak MB |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
    for r in results:
        o, b = r["ours_clean"], r["baseline_clean"]
        t = o["timings"]
        rows.append(f"| {r['actors']:,} | ours | {o['triples']:,} | {t['map']:.1f} | {t['validate']:.1f} | "
                    f"{t['load']:.1f} | {o['seconds']:.1f} | {o['triples'] / o['seconds']:,.0f} | "
                    f"{o['peak_mb']:,.0f} |")  # fmt: skip
        rows.append(f"| {r['actors']:,} | baseline | {b['triples']:,} | {b['parse_s']:.1f} | "
                    f"{b['validate_s']:.1f} | – | {b['seconds']:.1f} | {b['triples'] / b['seconds']:,.0f} | "
                    f"{b['peak_mb']:,.0f} |")  # fmt: skip
    rows += ["", "| actors | weekly: ours validate + swap s | baseline full re-validation s (+ parse) | "
             "same results (broken copy) | SHACL results | import problems |",
             "| --- | ---: | ---: | --- | ---: | ---: |"]  # fmt: skip
    for r in results:
        if "weekly" not in r:
            continue
        q, w = ratios(r), r["weekly_baseline"]
        same = r["same_results"]
        rows.append(f"| {r['actors']:,} | {q['ours_weekly_s']:.2f} | "
                    f"{w['validate_s']:.1f} (+{w['parse_s']:.1f}) | "
                    f"{'yes' if same['equal'] else 'NO'} | {same['ours']:,} / {same['baseline']:,} | "
                    f"{r['ours_broken']['import_problems']:,} |")  # fmt: skip
    return "\n".join(rows)


def goals(r: dict) -> list[str]:
    q = ratios(r)
    ok = lambda b: "met" if b else "NOT met"  # noqa: E731
    lines = [
        f"throughput {q['throughput_x']:.1f}× the baseline (goal ≥ {GOALS['throughput']:.0f}×): "
        f"{ok(q['throughput_x'] >= GOALS['throughput'])}",
        f"peak memory {q['memory_fraction']:.2f} of the baseline's (goal ≤ {GOALS['memory']}): "
        f"{ok(q['memory_fraction'] <= GOALS['memory'])}",
    ]
    if "weekly" not in r:
        return lines + ["(--clean-only: no broken copy, no weekly re-import in this run)"]
    return [
        *lines,
        f"weekly re-import {q['weekly_x']:.0f}× faster than re-validating the store "
        f"({q['weekly_x_with_parse']:.0f}× counting its parse) (goal ≥ {GOALS['weekly']:.0f}×): "
        f"{ok(q['weekly_x'] >= GOALS['weekly'])}",
        f"same SHACL results on the broken copy: {'yes' if r['same_results']['equal'] else 'NO'}",
    ]


def machine() -> dict:
    mem = next((int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0)
    import pyoxigraph
    import pyshacl
    import rdflib

    return {"cores": os.cpu_count(), "memory_gib": round(mem / 2**20, 1), "python": platform.python_version(),
            "rdflib": rdflib.__version__, "pyshacl": pyshacl.__version__,
            "pyoxigraph": pyoxigraph.__version__,
            "platform": platform.platform()}  # fmt: skip


def main() -> None:  # noqa: D103
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000], help="actors (default 10000)")
    parser.add_argument("--full", action="store_true", help="also 100,000 actors")
    parser.add_argument("--work", type=Path, default=RESULTS / "work", help="scratch directory")
    parser.add_argument("--keep", action="store_true", help="keep CSV, Turtle and stores after the run")
    parser.add_argument("--clean-only", action="store_true",
                        help="only the clean import and its baseline (throughput, memory): no broken copy, no weekly")
    parser.add_argument("--step", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--step-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        name, *rest = args.step
        fn = {"prepare": lambda n, w: step_prepare(int(n), Path(w)),
              "ours": lambda v, w, s: step_ours(v, Path(w), Path(s)),
              "baseline": lambda t, o: step_baseline(Path(t), Path(o)),
              "weekly": lambda w, s: step_weekly(Path(w), Path(s))}[name]  # fmt: skip
        args.step_out.write_text(json.dumps(fn(*rest)))
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    sizes = sorted(set(args.sizes) | ({100_000} if args.full else set()))
    results = []
    for n in sizes:
        results.append(run_size(n, args.work, keep=args.keep, clean_only=args.clean_only))
        print(table(results), flush=True)  # noqa: T201
    report = {"machine": machine(), "goals": GOALS, "runs": results,
              "ratios": {r["actors"]: ratios(r) for r in results}}  # fmt: skip
    stamp = time.strftime("%Y%m%dT%H%M%S")
    path = RESULTS / f"bench_import-{stamp}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nmachine: {report['machine']}")  # noqa: T201
    for r in results:
        print(f"\n{r['actors']:,} actors:")  # noqa: T201
        for line in goals(r):
            print(f"  {line}")  # noqa: T201
    print(f"\nwritten: {path}")  # noqa: T201
    if not all(r["same_results"]["equal"] for r in results if "same_results" in r):
        raise SystemExit("the SHACL results differ between our pipeline and the baseline")


if __name__ == "__main__":
    main()
