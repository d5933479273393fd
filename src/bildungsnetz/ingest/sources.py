"""Sources in the store: which graphs make one, what each graph holds, and removing a source as a whole."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from bildungsnetz.errors import UsageError
from bildungsnetz.iris import Iris
from bildungsnetz.queries import get, run
from bildungsnetz.store import Store

__all__ = [
    "REFERENCE_GRAPHS",
    "SOURCE_NAME",
    "SOURCE_PARTS",
    "GraphInfo",
    "ReferenceGraph",
    "UnknownGraph",
    "drop_graph",
    "drop_source",
    "graph_overview",
    "reference_graph_iris",
    "resolve_graph",
    "source_graphs",
    "source_of",
]

#: The graphs that make one source, as ``graph/<part>/<source>``: its data, its contact persons (personal
#: data) and its import history. An import writes them together; removing a source removes all three.
SOURCE_PARTS = ("quelle", "privat", "meta")
#: Reference data every import validates against (``stadt`` stands for every ``stadt/<city>``): never removed
#: by :func:`drop_source` or :func:`drop_graph`.
REFERENCE_GRAPHS = ("ontologie", "vokabulare", "stadt")
#: What a source may be called: one IRI segment that reads the same in a file name and a URL.
SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


class UnknownGraph(UsageError, LookupError):
    """No such source or graph in the store (HTTP 404)."""

    http_status = 404

    def __str__(self) -> str:  # LookupError would quote the message like a dict key
        return str(self.args[0])


class ReferenceGraph(UsageError):
    """Reference data (ontology, vocabularies, a city profile) is not removed (HTTP 409)."""

    http_status = 409


def source_graphs(iris: Iris, name: str) -> list[str]:
    """The IRIs of the graphs that make source ``name``, in the order of :data:`SOURCE_PARTS`.

    >>> [g.rsplit("/graph/", 1)[1] for g in source_graphs(Iris(), "schulen")]
    ['quelle/schulen', 'privat/schulen', 'meta/schulen']
    >>> source_graphs(Iris(), "a/b")
    Traceback (most recent call last):
    ...
    bildungsnetz.errors.UsageError: Quelle "a/b": nur Buchstaben, Ziffern, . _ - (höchstens 80, ...
    """
    if not SOURCE_NAME.match(name):
        raise UsageError(
            f'Quelle "{name[:80]}": nur Buchstaben, Ziffern, . _ - (höchstens 80, am Anfang Buchstabe oder Ziffer) / '
            f'source "{name[:80]}": only letters, digits, . _ - (at most 80, starting with a letter or digit)'
        )
    return [str(iris.graph(f"{part}/{name}")) for part in SOURCE_PARTS]


def reference_graph_iris(iris: Iris) -> tuple[str, ...]:
    """The reference graphs: exact IRIs, and the prefix (ending in ``/``) of the city profiles.

    >>> [g.rsplit("/graph/", 1)[1] for g in reference_graph_iris(Iris())]
    ['ontologie', 'vokabulare', 'stadt/']
    """
    return tuple(str(iris.graph(p)) + ("/" if p == "stadt" else "") for p in REFERENCE_GRAPHS)


def resolve_graph(iris: Iris, name: str) -> str:
    """The graph IRI a short name (``quelle/schulen``) or a full IRI stands for, empty segments dropped.

    Doubled slashes, a leading or trailing slash and ``.`` segments do not make another graph, so
    ``//stadt/dortmund`` is the city profile, as is its full IRI written with ``graph//stadt``.

    >>> resolve_graph(Iris(), "//stadt//dortmund/") == str(Iris().graph("stadt/dortmund"))
    True
    >>> resolve_graph(Iris(), "https://w3id.org/bildungsnetz/id/graph//quelle/./a")
    'https://w3id.org/bildungsnetz/id/graph/quelle/a'
    """
    text = name.strip()
    base = str(iris.graph("x"))[: -len("x")]  # .../graph/
    root = base.rstrip("/")
    if "://" in text and not (text == root or text.startswith(root + "/")):
        return text  # a graph outside the project's base: looked up as written
    rest = text[len(root) :] if "://" in text else text
    segments = [s for s in rest.split("/") if s not in ("", ".")]
    if not segments or ".." in segments:
        raise UsageError(
            f'Graph "{name[:120]}": kein Graphname / not a graph name (z. B. / e.g. quelle/schulen)'
        )
    return base + "/".join(segments) if "://" in text else str(iris.graph("/".join(unquote(s) for s in segments)))


def source_of(iris: Iris, graph: str) -> str | None:
    """The source a graph belongs to (``…/graph/privat/schulen`` → ``schulen``), else None.

    >>> source_of(Iris(), str(Iris().graph("meta/schulen"))), source_of(Iris(), str(Iris().graph("ontologie")))
    ('schulen', None)
    """
    for part in SOURCE_PARTS:
        prefix = str(iris.graph(part)) + "/"
        if graph.startswith(prefix):
            name = unquote(graph[len(prefix) :])
            return name if SOURCE_NAME.match(name) else None
    return None


def _is_reference(iris: Iris, graph: str) -> bool:
    *exact, cities = reference_graph_iris(iris)
    return graph in exact or graph == cities.rstrip("/") or graph.startswith(cities)


def drop_source(store: Store, iris: Iris, name: str) -> list[str]:
    """Remove source ``name``: every graph of :func:`source_graphs` the store holds. Returns those IRIs.

    The command ``bildungsnetz drop-source`` and ``DELETE /api/graphs/…`` both call this, so they remove the
    same graphs. Raises :class:`UnknownGraph` when the store holds none of them.
    """
    wanted = source_graphs(iris, name)
    present = set(store.named_graphs())
    dropped = [g for g in wanted if g in present]
    if not dropped:
        raise UnknownGraph(f'Quelle "{name}" gibt es nicht / no source named "{name}"')
    store.drop_graphs(dropped)
    return dropped


def drop_graph(store: Store, iris: Iris, name: str) -> list[str]:
    """Remove what a graph name stands for; returns the IRIs removed.

    A graph of a source (``quelle/``, ``privat/``, ``meta/``) removes the whole source (:func:`drop_source`);
    reference data (ontology, vocabularies, any city profile) raises :class:`ReferenceGraph`, judged on the
    resolved IRI (:func:`resolve_graph`), never on the name as typed; any other graph is removed alone.
    """
    graph = resolve_graph(iris, name)
    if _is_reference(iris, graph):
        raise ReferenceGraph(
            f'Referenzgraph "{graph}" wird nicht gelöscht (Ontologie, Vokabulare, Stadtprofile) / '
            f'reference graph "{graph}" is not deleted (ontology, vocabularies, city profiles)'
        )
    source = source_of(iris, graph)
    if source is not None:
        return drop_source(store, iris, source)
    if graph not in set(store.named_graphs()):
        raise UnknownGraph(f'Graph "{graph}" gibt es nicht / graph not found')
    store.drop_graphs([graph])
    return [graph]


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
    query = get("graphs", folder="system")
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
