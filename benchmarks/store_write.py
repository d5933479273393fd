"""Write speed of replace_graphs: embedded Oxigraph vs Virtuoso, by write path and chunk size.

Run against the test server of .ci/virtuoso.sh:

    eval "$(.ci/virtuoso.sh start)"; python benchmarks/store_write.py --triples 100000
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import pyoxigraph as ox

from bildungsnetz.store import EmbeddedStore
from bildungsnetz.store.remote import DEFAULT_GRAPH_PREFIX, RemoteStore

__all__ = ["synthetic", "main"]

XSD = "http://www.w3.org/2001/XMLSchema#"


def synthetic(n: int) -> list[ox.Triple]:
    """``n`` triples shaped like actor data: IRIs, German labels, dates, integers."""
    p = [ox.NamedNode(f"https://w3id.org/bildungsnetz/ontology#p{i}") for i in range(5)]
    out = []
    for i in range(n):
        s = ox.NamedNode(f"https://w3id.org/bildungsnetz/id/akteur/A-{i // 5}")
        k = i % 5
        if k == 0:
            o = ox.Literal(f"Grundschule Nummer {i} – Straße „{i}“", language="de")
        elif k == 1:
            o = ox.Literal(f"20{i % 30:02d}-0{1 + i % 9}-1{i % 9}", datatype=ox.NamedNode(XSD + "date"))
        elif k == 2:
            o = ox.Literal(str(i), datatype=ox.NamedNode(XSD + "integer"))
        elif k == 3:
            o = ox.NamedNode(f"https://w3id.org/bildungsnetz/id/akteur/A-{(i * 7) % n}")
        else:
            o = ox.Literal(f"Beschreibung {i}")
        out.append(ox.Triple(s, p[k], o))
    return out


def _time(store, graph: str, triples: list[ox.Triple], runs: int) -> float:
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        store.replace_graphs({graph: triples})
        seconds.append(time.perf_counter() - start)
        assert store.count(graph) == len(triples)
    return statistics.median(seconds)


def main() -> None:  # noqa: D103
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    triples = synthetic(args.triples)
    graph = DEFAULT_GRAPH_PREFIX + "bench/quelle"
    rows = [("embedded (memory)", _time(EmbeddedStore(), graph, triples, args.runs))]
    endpoint = os.environ.get("BILDUNGSNETZ_TEST_VIRTUOSO")
    if endpoint:
        common = {
            "update_endpoint": os.environ.get("BILDUNGSNETZ_TEST_VIRTUOSO_UPDATE"),
            "user": os.environ.get("BILDUNGSNETZ_TEST_VIRTUOSO_USER"),
            "password": os.environ.get("BILDUNGSNETZ_TEST_VIRTUOSO_PASSWORD"),
            "timeout": 600,
            "graph_prefix": DEFAULT_GRAPH_PREFIX + "bench/",
        }
        gsp = os.environ.get("BILDUNGSNETZ_TEST_VIRTUOSO_GSP")
        for label, options in [
            ("virtuoso INSERT DATA, 5,000 per request", {"chunk_size": 5_000}),
            ("virtuoso INSERT DATA, 10,000 per request", {"chunk_size": 10_000}),
            ("virtuoso INSERT DATA, 20,000 per request", {"chunk_size": 20_000}),
            ("virtuoso GSP POST, 10,000 per request", {"chunk_size": 10_000, "gsp_endpoint": gsp}),
            ("virtuoso GSP POST, 50,000 per request", {"chunk_size": 50_000, "gsp_endpoint": gsp}),
        ]:
            if "gsp_endpoint" in options and not gsp:
                continue
            store = RemoteStore(endpoint, **common, **options)
            try:
                rows.append((label, _time(store, graph, triples, args.runs)))
            finally:
                store.drop_graphs(store.named_graphs())
    for label, seconds in rows:
        print(f"| {label} | {seconds:.2f} s | {len(triples) / seconds:,.0f} triples/s |")  # noqa: T201


if __name__ == "__main__":
    main()
