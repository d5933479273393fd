"""Reference data as named graphs: the ontology, the vocabularies and city profiles, ready for the store."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import rdflib

from bildungsnetz.iris import Iris
from bildungsnetz.resources import ontology_file, vocabulary_files

__all__ = ["ontology_triples", "vocabulary_triples", "city_triples", "reference_graphs", "rdflib_to_triples"]


def _parse(path: Path) -> list[ox.Triple]:
    with path.open("rb") as fh:
        return [q.triple for q in ox.parse(fh, ox.RdfFormat.TURTLE)]


def ontology_triples() -> list[ox.Triple]:
    """The ontology, parsed strictly."""
    return _parse(ontology_file())


def vocabulary_triples() -> list[ox.Triple]:
    """All SKOS vocabularies and the programmes, parsed strictly."""
    return [t for path in vocabulary_files() for t in _parse(path)]


def rdflib_to_triples(graph: rdflib.Graph) -> list[ox.Triple]:
    """Move an rdflib graph into pyoxigraph terms through N-Triples (exact, and fast enough for reference data)."""
    data = graph.serialize(format="nt", encoding="utf-8")
    return [q.triple for q in ox.parse(data, ox.RdfFormat.N_TRIPLES)]


def city_triples(city: str, iris: Iris, *, extra_dirs: tuple[Path, ...] = ()) -> list[ox.Triple]:
    """The district hierarchy of one city profile."""
    from bildungsnetz.cities.profiles import load_profile, profile_graph

    return rdflib_to_triples(profile_graph(load_profile(city, extra_dirs=extra_dirs), iris))


def reference_graphs(
    cities: list[str], iris: Iris, *, extra_dirs: tuple[Path, ...] = ()
) -> dict[str, list[ox.Triple]]:
    """Named graphs of the reference data: ``graph/ontologie``, ``graph/vokabulare``, ``graph/stadt/<city>``."""
    graphs = {
        str(iris.graph("ontologie")): ontology_triples(),
        str(iris.graph("vokabulare")): vocabulary_triples(),
    }
    for city in cities:
        graphs[str(iris.graph(f"stadt/{city}"))] = city_triples(city, iris, extra_dirs=extra_dirs)
    return graphs
