"""The embedded store: Oxigraph on disk (or in memory), crash-safe bulk loads, one-transaction swaps."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Self

import pyoxigraph as ox

from bildungsnetz.errors import StoreBusy, StoreError
from bildungsnetz.store.base import applied
from bildungsnetz.store.view import Landscape

__all__ = ["EmbeddedStore"]


#: Marks graphs being bulk-loaded; never user data, never listed.
_LOADING_GRAPH = ox.NamedNode("urn:bildungsnetz:laden")
_LOADING = ox.NamedNode("urn:bildungsnetz:laedt")
#: Marks a landscape that a write began to update and did not finish: rebuilt when the store is opened.
_STALE = ox.NamedNode("urn:bildungsnetz:landschaft-veraltet")
#: Marks a landscape that holds a copy of every graph reads see (``Landscape.dataset(complete=True)``): a store
#: without it (written before) is rebuilt once when opened for writing, and read the old way until then.
_COMPLETE = ox.NamedNode("urn:bildungsnetz:landschaft-vollstaendig")
#: From this many subjects on, the landscape is recomputed from one pass over the sources.
_SCAN_FROM = 5_000


class EmbeddedStore:
    """Oxigraph on disk (``path``) or in memory (``path=None``).

    >>> s = EmbeddedStore()
    >>> g = "https://example.org/g"
    >>> t = ox.Triple(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p"), ox.Literal("x"))
    >>> s.replace_graphs({g: [t]})
    >>> s.count(g), s.named_graphs()
    (1, ['https://example.org/g'])
    """

    def __init__(
        self, path: Path | str | None = None, *, read_only: bool = False, landscape: Landscape | None = None
    ) -> None:
        #: The landscape view this store keeps (:mod:`bildungsnetz.store.view`).
        self.landscape = landscape or Landscape()
        self.path = Path(path) if path is not None else None
        self.read_only = read_only and self.path is not None
        #: A file naming this process as the writer (see :mod:`bildungsnetz.store.access`), removed on close.
        self.owner_file: Path | None = None
        try:
            if self.path is None:
                self._store = ox.Store()
            elif self.read_only:
                # Beside a process that holds the store for writing: what it has flushed, as of now.
                self._store = ox.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(self.path))
        except OSError as exc:
            if "LOCK" in str(exc):
                raise StoreBusy(
                    f"Speicher {self.path} wird gerade von einem anderen Prozess benutzt / "
                    f"store {self.path} is in use by another process"
                ) from None
            raise StoreError(
                f"Speicher {self.path} kann nicht geöffnet werden / cannot open store {self.path}: {exc}"
            ) from None
        if not self.read_only:
            self._recover()
        #: The landscape holds every graph reads see: each read's default graph is the view alone.
        self.landscape_complete = self._marked(_COMPLETE)
        # One process holds the directory (RocksDB's LOCK); within it, one writer at a time.
        self._writing = threading.RLock()

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph store (for the query layer)."""
        return self._store

    def memory_copy(self) -> EmbeddedStore:
        """A copy in memory of everything the store holds now (a read copy that later writes do not touch).

        >>> s = EmbeddedStore()
        >>> t = ox.Triple(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p"), ox.Literal("x"))
        >>> s.replace_graphs({"https://example.org/g": [t]})
        >>> copy = s.memory_copy()
        >>> s.drop_graphs(["https://example.org/g"])
        >>> copy.count(), s.count()
        (1, 0)
        """
        copy = EmbeddedStore(landscape=self.landscape)
        copy._store.bulk_extend(self._store.quads_for_pattern(None, None, None, None))
        return copy

    def _run(self, sparql: str, union: bool):
        if union:
            return self._store.query(sparql, use_default_graph_as_union=True)
        # The landscape and every graph that is not a source's statements; GRAPH ?g still sees every graph.
        land = self.landscape
        if self.landscape_complete and self._store.contains_named_graph(ox.NamedNode(land.view)):
            # Two graphs, not the dozen a store holds (each one an index lookup per pattern), and no listing of
            # thousands of graph names per read.
            names = [land.view, land.private_view]
        else:
            names = land.dataset(self._all_graphs())
        graphs = [ox.NamedNode(g) for g in names]
        return self._store.query(sparql, default_graph=[*graphs, ox.DefaultGraph()])

    def select(self, sparql: str, *, union: bool = False) -> ox.QuerySolutions:
        return self._run(sparql, union)

    def ask(self, sparql: str, *, union: bool = False) -> bool:
        return bool(self._run(sparql, union))

    def named_graphs(self) -> list[str]:
        """The graphs that hold data; the landscape is derived from them and not listed (like an index)."""
        return [g for g in self._all_graphs() if g not in (self.landscape.view, self.landscape.private_view)]

    def _all_graphs(self) -> list[str]:
        return sorted(
            g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode) and g != _LOADING_GRAPH
        )

    def count(self, graph: str | None = None) -> int:
        if graph is None:  # without the landscape, which is not listed either, and the loader's marks
            hidden = (self.landscape.view, self.landscape.private_view, _LOADING_GRAPH.value)
            return len(self._store) - sum(self.count(g) for g in hidden)
        return sum(1 for _ in self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))

    def replace_graphs(self, graphs: Mapping[str, Iterable[ox.Triple]]) -> None:
        new = {ox.NamedNode(name): list(triples) for name, triples in graphs.items()}
        touched = self._view_before(new)
        if not any(self._store.contains_named_graph(g) for g in new):
            self._load_new(new)
        elif update := _swap_update(self._store, new):
            self._store.update(update)
        self._view_after(touched, new)
        self._store.flush()

    def change_graphs(self, changes: Mapping[str, tuple[Iterable[ox.Triple], Iterable[ox.Triple]]]) -> None:
        """Remove, then add triples per graph in one SPARQL update (one transaction: all graphs or none).

        Only the change is written and only its subjects' landscape recomputed (plus, when a source's import
        time changes, that source's subjects another source describes too, as :meth:`replace_graphs` does).
        A change with blank nodes (``DELETE DATA`` cannot name them) becomes a :meth:`replace_graphs` of its
        graphs, read and changed in memory.

        >>> s = EmbeddedStore()
        >>> a, p, g = ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p"), "https://example.org/g"
        >>> s.replace_graphs({g: [ox.Triple(a, p, ox.Literal("x")), ox.Triple(a, p, ox.Literal("y"))]})
        >>> s.change_graphs({g: ([ox.Triple(a, p, ox.Literal("x"))], [ox.Triple(a, p, ox.Literal("z"))])})
        >>> sorted(q.object.value for q in s.quads(g))
        ['y', 'z']
        """
        delta = {ox.NamedNode(g): (list(removed), list(added)) for g, (removed, added) in changes.items()}
        delta = {g: d for g, d in delta.items() if d[0] or d[1]}
        if any(_has_blank(t) for removed, added in delta.values() for t in (*removed, *added)):
            self.replace_graphs(applied(self, {g.value: d for g, d in delta.items()}))
            return
        if not delta:
            return
        touched = self._delta_before(delta)
        self._store.update(" ;\n".join(
            part for g, (removed, added) in delta.items()
            for part in ((_data_block("DELETE", g, removed) if removed else ""),
                         (_data_block("INSERT", g, added) if added else "")) if part
        ))  # fmt: skip
        for g, (removed, added) in delta.items():
            # as after replace_graphs: a graph left empty is no graph (Oxigraph would still list it)
            if removed and not added and next(self._store.quads_for_pattern(None, None, None, g), None) is None:
                self._store.remove_graph(g)
        self._view_after(touched)
        self._store.flush()

    def _delta_before(self, delta: Mapping[ox.NamedNode, tuple[list[ox.Triple], list[ox.Triple]]]) -> set | None:
        """Subjects whose landscape a change may alter, read before it; marks the view stale (as ``_view_before``)."""
        land = self.landscape
        found = {g: part for g in delta if (part := land.source_part(g.value)) is not None}
        through = [g for g in delta if self._passes_through(g)]  # copied into the view as they are
        if not found and not through:
            return None
        subjects = {t.subject for g, (kind, _) in found.items() if kind != "meta" for ts in delta[g] for t in ts}
        subjects |= {t.subject for g in through for ts in delta[g] for t in ts}
        meta: list[ox.Quad] | None = None
        for g, (kind, name) in found.items():
            if kind != "meta" or not land.moves_precedence([*delta[g][0], *delta[g][1]]):
                continue
            if meta is None:
                meta = self._meta_quads()
            if not land.turns_precedence(g.value, meta, *delta[g]):
                continue
            # The source's import time (or formats) changes: precedence may turn for what others describe too.
            own = {ox.NamedNode(f"{land.graph_prefix}{part}/{name}") for part in ("quelle", "privat")}
            held = {q.subject for o in own for q in self._store.quads_for_pattern(None, None, None, o)}
            subjects |= {s for s in held - subjects if self._shared(s, own)}
        self._store.add(ox.Quad(ox.NamedNode(land.view), _STALE, _STALE, _LOADING_GRAPH))
        return subjects

    def _load_new(self, new: dict[ox.NamedNode, list[ox.Triple]]) -> None:
        # Nothing to replace, so the fast bulk loader may write (one transaction of millions of quads costs
        # gigabytes). Crash safety comes from a marker written first and removed last: a store opened with the
        # marker still present drops the half-loaded graphs, which did not exist before.
        self._store.extend([ox.Quad(g, _LOADING, _LOADING, _LOADING_GRAPH) for g in new])
        self._store.flush()
        self._store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, g) for g, ts in new.items() for t in ts)
        for g, ts in new.items():
            if ts:  # a graph "replaced by nothing" that did not exist stays absent
                self._store.add_graph(g)
        self._store.flush()
        # Only the load's own marks (one transaction): a stale-landscape mark of the same write stays.
        self._store.update(f"DELETE WHERE {{ GRAPH {_LOADING_GRAPH} {{ ?g {_LOADING} ?x }} }}")

    def _recover(self) -> None:
        graphs = [q.subject for q in self._store.quads_for_pattern(None, _LOADING, None, _LOADING_GRAPH)]
        stale = self._marked(_STALE)
        for g in graphs:
            self._store.remove_graph(g)
        if graphs:  # only the load's marks: the graph keeps the landscape's (stale, complete)
            self._store.update(f"DELETE WHERE {{ GRAPH {_LOADING_GRAPH} {{ ?g {_LOADING} ?x }} }}")
            self._store.flush()
        # A write stopped between its sources and the landscape, or a store from before the landscape (or from
        # before it held a copy of every graph reads see).
        complete = self._marked(_COMPLETE)
        named = self._all_graphs()
        if stale or self.landscape.needs_build(named) or (named and not complete):
            self.rebuild_view()
        elif not complete:  # a new store: the landscape is kept complete from its first write on
            self._store.add(ox.Quad(ox.NamedNode(self.landscape.view), _COMPLETE, _COMPLETE, _LOADING_GRAPH))
            self._store.flush()

    def _marked(self, mark: ox.NamedNode) -> bool:
        """Whether the loader's graph holds ``mark`` (``_STALE``, ``_COMPLETE``)."""
        return next(self._store.quads_for_pattern(None, mark, None, _LOADING_GRAPH), None) is not None

    def construct(self, sparql: str, *, union: bool = False) -> list[ox.Triple]:
        return list(self._run(sparql, union))

    def drop_graphs(self, graphs: Iterable[str]) -> None:
        # One update, one transaction: all named graphs go, or none.
        names = list(graphs)
        text = " ;\n".join("DROP SILENT GRAPH " + str(ox.NamedNode(g)) for g in names)
        if text:
            touched = self._view_before({ox.NamedNode(g): [] for g in names})
            self._store.update(text)
            self._view_after(touched)
            self._store.flush()

    # -- the landscape (store/view.py) --------------------------------------------------------------------

    def _view_before(self, new: Mapping[ox.NamedNode, list[ox.Triple]]) -> set | None:
        """Subjects whose landscape a write of ``new`` may change, read before it; marks the view stale."""
        land = self.landscape
        names = {found[1] for g in new if (found := land.source_part(g.value)) is not None}
        through = [g for g in new if self._passes_through(g)]
        if not names and not through:
            return None
        subjects: set = set()
        for g in through:  # copied into the view as they are: what changed
            old = {q.triple for q in self._store.quads_for_pattern(None, None, None, g)}
            subjects |= {t.subject for t in old.symmetric_difference(new[g])}
        own = set()
        for name in names:
            for part in ("quelle", "privat"):
                g = ox.NamedNode(f"{land.graph_prefix}{part}/{name}")
                own.add(g)
                old = {q.triple for q in self._store.quads_for_pattern(None, None, None, g)}
                fresh = set(new.get(g, old))
                subjects |= {t.subject for t in old ^ fresh}
                # Precedence may turn on this source's import time: what another source also describes.
                subjects |= {s for s in {t.subject for t in old | fresh} - subjects if self._shared(s, own)}
        self._store.add(ox.Quad(ox.NamedNode(land.view), _STALE, _STALE, _LOADING_GRAPH))
        return subjects

    def _passes_through(self, graph: ox.Term) -> bool:
        land = self.landscape
        return isinstance(graph, ox.NamedNode) and graph != _LOADING_GRAPH and land.passes_through(graph.value)

    def _feeds_view(self, graph: ox.Term) -> bool:
        """A graph whose content the view shows: a source's statements (merged) or any other read graph (copied)."""
        return self._passes_through(graph) or (
            isinstance(graph, ox.NamedNode) and self.landscape.is_source_data(graph.value)
        )

    def _shared(self, subject: ox.Term, own: set[ox.NamedNode]) -> bool:
        return any(
            q.graph_name not in own and self.landscape.is_source_data(q.graph_name.value)
            for q in self._store.quads_for_pattern(subject, None, None, None)
            if isinstance(q.graph_name, ox.NamedNode)
        )

    def _meta_quads(self) -> list[ox.Quad]:
        """Every source's ``meta/`` graph: import times and formats, which precedence reads."""
        land = self.landscape
        return [q for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)
                and (found := land.source_part(g.value)) and found[0] == "meta"
                for q in self._store.quads_for_pattern(None, None, None, g)]  # fmt: skip

    def _view_after(self, subjects: set | None, written: Mapping[ox.NamedNode, list[ox.Triple]] | None = None) -> None:
        """Bring the landscape of ``subjects`` up to date with the sources, then clear the stale mark.

        ``written``: the graphs this write just stored, with their content; they are taken from memory rather
        than read back (reading a quad back from the on-disk store costs about 50 µs).
        """
        if subjects is None:
            return
        land = self.landscape
        view, private_view = ox.NamedNode(land.view), ox.NamedNode(land.private_view)
        skip = set(written or ())
        if len(subjects) > _SCAN_FROM:
            # Many subjects (a first load, a rebuild): one pass over the sources and the view beats a lookup each.
            graphs = [g for g in self._store.named_graphs() if g not in skip
                      and (self._feeds_view(g) or g in (view, private_view))]  # fmt: skip
            every = (q for g in graphs for q in self._store.quads_for_pattern(None, None, None, g))
            quads = [q for q in every if q.subject in subjects]
        else:
            quads = [q for s in subjects for q in self._store.quads_for_pattern(s, None, None, None)
                     if q.graph_name not in skip and q.graph_name != _LOADING_GRAPH]  # fmt: skip
        quads += [ox.Quad(t.subject, t.predicate, t.object, g) for g, ts in (written or {}).items()
                  if self._feeds_view(g) for t in ts if t.subject in subjects]  # fmt: skip
        public, private = land.merge(quads, land.sources(self._meta_quads()), copy_others=True)
        fresh = {ox.Quad(t.subject, t.predicate, t.object, view) for t in public}
        fresh |= {ox.Quad(t.subject, t.predicate, t.object, private_view) for t in private}
        old = {q for q in quads if q.graph_name in (view, private_view)}
        for q in old - fresh:
            self._store.remove(q)
        added = fresh - old
        if len(added) > _SCAN_FROM:
            # The bulk loader, about twice as fast as one transaction; the stale mark, cleared only after the
            # flush, has a store stopped half-way rebuild its landscape when it is opened.
            self._store.bulk_extend(added)
            self._store.flush()
        else:
            self._store.extend(added)
        self._store.remove(ox.Quad(view, _STALE, _STALE, _LOADING_GRAPH))

    def rebuild_view(self) -> int:
        """Build the landscape anew from every source (repair; a store from before the view). Returns its size."""
        land = self.landscape
        self._store.add(ox.Quad(ox.NamedNode(land.view), _STALE, _STALE, _LOADING_GRAPH))
        for g in (land.view, land.private_view):
            self._store.remove_graph(ox.NamedNode(g))
        feeding = [g for g in self._store.named_graphs() if self._feeds_view(g)]
        subjects = {q.subject for g in feeding for q in self._store.quads_for_pattern(None, None, None, g)}
        self._view_after(subjects)
        self._store.add(ox.Quad(ox.NamedNode(land.view), _COMPLETE, _COMPLETE, _LOADING_GRAPH))
        self.landscape_complete = True
        self._store.flush()
        return self.count(land.view) + self.count(land.private_view)

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        if graph is not None:
            return self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        hidden = (ox.NamedNode(self.landscape.view), ox.NamedNode(self.landscape.private_view), _LOADING_GRAPH)
        return (q for q in self._store.quads_for_pattern(None, None, None, None) if q.graph_name not in hidden)

    @contextmanager
    def writer(self) -> Iterator[None]:
        with self._writing:
            yield

    def leftovers(self) -> list[tuple[str, int]]:
        """None: a half-done bulk load is undone when the store is opened (see ``_recover``)."""
        return []

    def close(self) -> None:
        """Flush, and let go of the store: RocksDB releases its lock once no one holds the Oxigraph store.

        Flushing alone kept the lock while the object lived, so ``bildungsnetz demo`` could not serve the
        store it had just built in the same process.
        """
        if self.path is not None and self._store is not None and not self.read_only:
            self._store.flush()
        self._store = None  # type: ignore[assignment]
        if self.owner_file is not None:
            self.owner_file.unlink(missing_ok=True)
            self.owner_file = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _has_blank(t: ox.Triple) -> bool:
    return isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)


def _data_block(keyword: str, graph: ox.NamedNode, triples: list[ox.Triple]) -> str:
    # The triples are written by Oxigraph's own N-Triples serializer, which escapes every term: the update text
    # holds only RDF terms, never raw user text.
    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    return keyword + " DATA { GRAPH " + str(graph) + " { " + body + " } }"


def _swap_update(store: ox.Store, new: dict[ox.NamedNode, list[ox.Triple]]) -> str:
    """One SPARQL update that turns each graph's old content into its new content.

    Oxigraph runs an update as a single transaction, so all graphs swap together or not at all. Only the
    difference is written, so re-importing a source that barely changed costs little. Graphs with blank nodes
    are replaced whole (DELETE DATA cannot name blank nodes).
    """
    parts: list[str] = []
    for graph, triples in new.items():
        old = {q.triple for q in store.quads_for_pattern(None, None, None, graph)}
        fresh = set(triples)
        if any(map(_has_blank, old)) or any(map(_has_blank, fresh)):
            parts.append("DROP SILENT GRAPH " + str(graph))
            if fresh:
                parts.append(_data_block("INSERT", graph, triples))
            continue
        removed = [t for t in old if t not in fresh]
        added = [t for t in dict.fromkeys(triples) if t not in old]
        if removed:
            parts.append(_data_block("DELETE", graph, removed))
        if added:
            parts.append(_data_block("INSERT", graph, added))
        if not fresh:
            parts.append("DROP SILENT GRAPH " + str(graph))
    return " ;\n".join(parts)
