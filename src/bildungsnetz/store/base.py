"""The store seam: the :class:`Store` protocol every stage above the store uses, and :class:`StoreError`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Protocol, Self

import pyoxigraph as ox

from bildungsnetz.errors import StoreError
from bildungsnetz.store.view import Landscape

__all__ = ["Store", "StoreError", "applied"]


class Store(Protocol):
    """What every stage above the store may use; the embedded and the remote store both implement it.

    ``select`` returns solutions with ``.variables`` (a list of ``pyoxigraph.Variable``) that iterate as
    sequences of pyoxigraph terms (``NamedNode``, ``Literal``, ``BlankNode``) or ``None`` for unbound, in the
    order of ``.variables``. Every query's default graph is the landscape (:mod:`bildungsnetz.store.view`: one
    value per single-valued property, whatever number of sources describe a thing) and every graph that is not
    a source's statements; ``GRAPH ?g`` sees every named graph (provenance). ``union=True`` reads the union of
    all named graphs instead (a source's raw statements, as before the landscape).
    """

    #: The landscape view the store keeps (graph names, precedence; :mod:`bildungsnetz.store.view`).
    landscape: Landscape

    def select(self, sparql: str, *, union: bool = False) -> ox.QuerySolutions:
        """Run a SELECT query."""

    def ask(self, sparql: str, *, union: bool = False) -> bool:
        """Run an ASK query."""

    def construct(self, sparql: str, *, union: bool = False) -> list[ox.Triple]:
        """Run a CONSTRUCT or DESCRIBE query."""

    def named_graphs(self) -> list[str]:
        """IRIs of all named graphs that hold data."""

    def count(self, graph: str | None = None) -> int:
        """Number of quads in one graph, or in the whole store."""

    def replace_graphs(self, graphs: Mapping[str, Iterable[ox.Triple]]) -> None:
        """Replace the content of each named graph atomically: all graphs swap, or none."""

    def drop_graphs(self, graphs: Iterable[str]) -> None:
        """Remove named graphs atomically."""

    def change_graphs(self, changes: Mapping[str, tuple[Iterable[ox.Triple], Iterable[ox.Triple]]]) -> None:
        """Remove and add triples in named graphs: ``{graph: (removed, added)}``, removals before additions.

        A write proportional to the change, not to the graphs: what ``removed`` names and the graph does not
        hold is ignored, as is an added triple the graph holds already. As atomic as :meth:`replace_graphs`
        on the same store, with the same refusals, and the landscape kept up to date for the subjects touched.
        A graph left with no triple is removed, as by :meth:`replace_graphs`.
        """

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """All quads, or those of one graph."""

    def writer(self) -> AbstractContextManager:
        """Be the only writer while the block runs (an import: check what is stored, then replace it)."""

    def rebuild_view(self) -> int:
        """Build the landscape anew from every source (repair); returns its number of triples."""

    def leftovers(self) -> list[tuple[str, int]]:
        """Temporary graphs of an unfinished write, with their sizes (``bildungsnetz graphs`` shows them)."""

    def close(self) -> None:
        """Flush and release the store."""

    def __enter__(self) -> Self:
        """``with open_store(settings) as store:`` closes the store when the block ends."""

    def __exit__(self, *exc: object) -> None:
        """Close the store."""


def applied(store: Store, changes: Mapping[str, tuple[Iterable[ox.Triple], Iterable[ox.Triple]]]) -> dict[str, list]:
    """Each changed graph's content after the change, ``(held − removed) ∪ added``, read from ``store``: what
    :meth:`Store.change_graphs` writes whole where it cannot write the change alone (blank nodes)."""
    out: dict[str, list[ox.Triple]] = {}
    for g, (removed, added) in changes.items():
        gone = set(removed)
        out[g] = list(dict.fromkeys([*(q.triple for q in store.quads(g) if q.triple not in gone), *added]))
    return out
