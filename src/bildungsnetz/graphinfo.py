"""What the store holds: every named graph with its source, size, last import and validation status."""

from __future__ import annotations

from dataclasses import dataclass

from .iris import Iris
from .queries import parse_query_file, run
from .resources import queries_dir
from .store import Store

__all__ = ["GraphInfo", "graph_overview"]


@dataclass(frozen=True)
class GraphInfo:
    """One named graph as ``bildungsnetz graphs`` and ``/api/graphs`` show it."""

    graph: str
    short: str
    source: str | None
    triples: int
    modified: str | None
    conforms: bool | None
    private: bool
    synthetic: bool
    #: A temporary graph of a write at work or interrupted (remote store); its triples show in union queries.
    leftover: bool = False


def graph_overview(store: Store, iris: Iris) -> list[GraphInfo]:
    """All named graphs; sizes are counted, the rest comes from the graphs' metadata (``graph/meta/<source>``).

    Temporary graphs of a write that is at work, or was interrupted and not yet recovered, come last with
    ``leftover=True``: their triples show in every query until the write ends or recovery drops them.
    """
    query = parse_query_file(queries_dir() / "system" / "graphs.rq")
    meta = {row["graph"]: row for row in run(query, {}, store=store).rows}
    base = iris.base + "graph/"
    out = []
    for g in store.named_graphs():
        row = meta.get(g, {})
        out.append(
            GraphInfo(
                graph=g,
                short=g[len(base) :] if g.startswith(base) else g,
                source=row.get("source"),
                triples=store.count(g),
                modified=str(row["modified"])[:19] if row.get("modified") else None,
                conforms=row.get("conforms"),
                private=bool(row.get("private")) or g.startswith(str(iris.graph("privat"))),
                synthetic=bool(row.get("synthetic")),
            )
        )
    for g, n in store.leftovers():
        out.append(GraphInfo(graph=g, short=f"{g} (unvollständig / incomplete)", source=None, triples=n,
                             modified=None, conforms=None, private=True, synthetic=False, leftover=True))  # fmt: skip
    return out
