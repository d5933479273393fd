"""Reference data, the one builder: the ontology, the vocabularies and city profiles, as store graphs or rdflib.

Imports, validation and the demo all take their reference data from here, so what a file is checked against
is what the store receives.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

import pyoxigraph as ox
import rdflib

from bildungsnetz.iris import Iris
from bildungsnetz.resources import ontology_file, vocabulary_files

if TYPE_CHECKING:
    from pathlib import Path

    from bildungsnetz.cities import CityProfile, CityRegistry

__all__ = [
    "ontology_triples",
    "vocabulary_triples",
    "vocabulary_graph",
    "city_triples",
    "city_graph",
    "reference_graphs",
    "missing_reference_graphs",
    "reference_graph",
    "rdflib_to_triples",
]


def _parse(path: Path) -> list[ox.Triple]:
    with path.open("rb") as fh:
        return [q.triple for q in ox.parse(fh, ox.RdfFormat.TURTLE)]


def ontology_triples() -> list[ox.Triple]:
    """The ontology, parsed strictly."""
    return _parse(ontology_file())


def vocabulary_triples() -> list[ox.Triple]:
    """All SKOS vocabularies and the programmes, parsed strictly."""
    return [t for path in vocabulary_files() for t in _parse(path)]


@cache
def vocabulary_graph() -> rdflib.Graph:
    """The vocabularies as one rdflib graph (cached: do not modify it)."""
    try:
        from bildungsnetz.vocab import vocabulary_graph as built  # the vocabulary stage's own graph
    except ImportError:
        graph = rdflib.Graph()
        for path in vocabulary_files():
            graph.parse(path, format="turtle")
        return graph
    return built()


def rdflib_to_triples(graph: rdflib.Graph) -> list[ox.Triple]:
    """Move an rdflib graph into pyoxigraph terms through N-Triples (exact, and fast enough for reference data)."""
    data = graph.serialize(format="nt", encoding="utf-8")
    return [q.triple for q in ox.parse(data, ox.RdfFormat.N_TRIPLES)]


def _profile(city: str | CityProfile, registry: CityRegistry | None) -> CityProfile:
    from bildungsnetz.cities import CityProfile, CityRegistry

    if isinstance(city, CityProfile):
        return city
    return (registry or CityRegistry()).load(city)


def city_graph(city: str | CityProfile, iris: Iris, *, registry: CityRegistry | None = None) -> rdflib.Graph:
    """The district hierarchy of one city as rdflib graph; a name is loaded through ``registry``
    (default: the shipped profiles)."""
    from bildungsnetz.cities import profile_graph

    return profile_graph(_profile(city, registry), iris)


def city_triples(city: str | CityProfile, iris: Iris, *, registry: CityRegistry | None = None) -> list[ox.Triple]:
    """The district hierarchy of one city, for graph ``stadt/<name>``."""
    return rdflib_to_triples(city_graph(city, iris, registry=registry))


def reference_graphs(
    cities: Iterable[str | CityProfile], iris: Iris, *, registry: CityRegistry | None = None
) -> dict[str, list[ox.Triple]]:
    """Named graphs of the reference data: ``graph/ontologie``, ``graph/vokabulare``, ``graph/stadt/<city>``."""
    graphs = {
        str(iris.graph("ontologie")): ontology_triples(),
        str(iris.graph("vokabulare")): vocabulary_triples(),
    }
    for city in cities:
        profile = _profile(city, registry)
        graphs[str(iris.graph(f"stadt/{profile.name}"))] = city_triples(profile, iris)
    return graphs


def missing_reference_graphs(
    existing: Iterable[str], profile: CityProfile, iris: Iris, *, refresh_city: bool = False
) -> dict[str, list[ox.Triple]]:
    """The reference graphs a store lacks (``existing`` are its graph names), for writing with an import;
    ``refresh_city`` writes the city's graph even where the store has one (planning areas added to a profile)."""
    have = set(existing)
    out: dict[str, list[ox.Triple]] = {}
    if str(iris.graph("ontologie")) not in have:
        out[str(iris.graph("ontologie"))] = ontology_triples()
    if str(iris.graph("vokabulare")) not in have:
        out[str(iris.graph("vokabulare"))] = vocabulary_triples()
    if refresh_city or str(iris.graph(f"stadt/{profile.name}")) not in have:
        out[str(iris.graph(f"stadt/{profile.name}"))] = city_triples(profile, iris)
    return out


def reference_graph(
    iris: Iris | str | None = None, *, profiles: Iterable[CityProfile] | None = None
) -> rdflib.Graph:
    """What data is validated against: the vocabularies and the district graphs of ``profiles``.

    ``profiles`` defaults to all shipped profiles; pass a registry's profiles to check against added
    cities. Built once per IRI base and set of profiles: do not modify the result (copy it first).
    """
    base = iris.base if isinstance(iris, Iris) else (iris or Iris().base)
    profiles = _shipped_profiles() if profiles is None else tuple(sorted(profiles, key=lambda p: p.name))
    return _reference_graph(base, profiles)


@cache
def _shipped_profiles() -> tuple[CityProfile, ...]:
    from bildungsnetz.cities import list_profiles

    return tuple(list_profiles())  # the shipped files do not change while the process runs


_REFERENCE: dict[tuple, rdflib.Graph] = {}


def _reference_graph(base: str, profiles: tuple[CityProfile, ...]) -> rdflib.Graph:
    from bildungsnetz.cities import profile_graph

    # Keyed by the profiles themselves (frozen, compared by value): an edited profile builds a new graph.
    key = (base, profiles)
    hit = _REFERENCE.get(key)
    if hit is not None:
        return hit
    iris = Iris(base)
    graph = rdflib.Graph()
    graph += vocabulary_graph()
    for profile in profiles:
        graph += profile_graph(profile, iris)
    while len(_REFERENCE) >= 8:
        _REFERENCE.pop(next(iter(_REFERENCE)))
    _REFERENCE[key] = graph
    return graph

