"""A 20,000-actor city written to Virtuoso as an import writes it: staging, chunked swap, recovery.

Run against the server of .ci/virtuoso.sh (TransactionAfterImageLimit 5 MB, a tenth of Virtuoso's default):

    eval "$(.ci/virtuoso.sh start)"; python benchmarks/bench_virtuoso_import.py --actors 20000

Four writes of the demo city's graphs (plus ontology, vocabularies, city profile), each one ``replace_graphs``
under the writer lease: into an empty server, the same content again (only triples with blank nodes change:
skolem IRIs are minted per write), a different city of the same size (seed 2: most quads change), and everything
dropped. After each write the union default graph must count exactly the city's actors (no staged triple
visible) and no staging graph may be left.
Prints a Markdown table and writes ``benchmarks/results/bench_virtuoso_import-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from bildungsnetz.demo import generate
from bildungsnetz.iris import Iris
from bildungsnetz.reference import reference_graphs
from bildungsnetz.store.remote import DEFAULT_GRAPH_PREFIX, RemoteStore

__all__ = ["main"]

RESULTS = Path(__file__).resolve().parent / "results"
CITY = "dortmund"
ACTORS = "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a <https://w3id.org/bildungsnetz/ontology#akteursart> ?k }"


def _store(chunk_size: int) -> RemoteStore:
    endpoint = os.environ.get("BILDUNGSNETZ_TEST_VIRTUOSO")
    if not endpoint:
        raise SystemExit('no Virtuoso: eval "$(.ci/virtuoso.sh start)" first')
    return RemoteStore(
        endpoint,
        update_endpoint=os.environ.get("BILDUNGSNETZ_TEST_VIRTUOSO_UPDATE"),
        user=os.environ.get("BILDUNGSNETZ_TEST_VIRTUOSO_USER") or None,
        password=os.environ.get("BILDUNGSNETZ_TEST_VIRTUOSO_PASSWORD") or None,
        timeout=600,
        graph_prefix=DEFAULT_GRAPH_PREFIX,
        chunk_size=chunk_size,
    )


def _city(actors: int, seed: int) -> tuple[dict, int]:
    iris = Iris()
    demo = generate(city=CITY, actors=actors, seed=seed, iris=iris)
    graphs = {**demo.graphs, **reference_graphs([CITY], iris)}
    return graphs, sum(len(ts) for ts in graphs.values())


def _write(store: RemoteStore, label: str, graphs: dict, triples: int, actors: int) -> dict:
    start = time.perf_counter()
    store.replace_graphs(graphs)
    seconds = time.perf_counter() - start
    seen = int(next(iter(store.select(ACTORS)))[0].value)
    leftovers = store.leftovers()
    if seen != actors or leftovers:
        raise SystemExit(f"{label}: {seen} actors visible (expected {actors}), staging graphs left: {leftovers}")
    print(f"{label}: {triples:,} triples in {seconds:.1f} s", flush=True)  # noqa: T201 - progress of a long run
    return {"write": label, "triples": triples, "seconds": round(seconds, 2), "triples_per_s": round(triples / seconds)}


def main() -> None:  # noqa: D103
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actors", type=int, default=20_000)
    parser.add_argument("--chunk-size", type=int, default=10_000)
    args = parser.parse_args()
    store = _store(args.chunk_size)
    if store.named_graphs():
        raise SystemExit("the server already holds bildungsnetz graphs; use a fresh .ci/virtuoso.sh server")
    first, n_first = _city(args.actors, seed=1)
    rows = [_write(store, "into an empty server", first, n_first, args.actors)]
    rows.append(_write(store, "the same content again", first, n_first, args.actors))
    second, n_second = _city(args.actors, seed=2)
    del first
    rows.append(_write(store, "a different city of the same size", second, n_second, args.actors))
    start = time.perf_counter()
    store.drop_graphs(store.named_graphs())
    seconds = time.perf_counter() - start
    rows.append({"write": "drop everything", "triples": n_second, "seconds": round(seconds, 2),
                 "triples_per_s": round(n_second / seconds)})  # fmt: skip
    print(f"\n{args.actors:,} actors, chunk size {args.chunk_size:,}, {platform.node()}\n")  # noqa: T201
    print("| write | triples | time | triples/s |\n| --- | --- | --- | --- |")  # noqa: T201
    for r in rows:
        print(f"| {r['write']} | {r['triples']:,} | {r['seconds']:.1f} s | {r['triples_per_s']:,} |")  # noqa: T201
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"bench_virtuoso_import-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps({"actors": args.actors, "chunk_size": args.chunk_size, "rows": rows}, indent=2))
    print(f"\n{path}")  # noqa: T201


if __name__ == "__main__":
    main()
