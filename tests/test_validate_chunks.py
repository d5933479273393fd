"""Chunked validation gives exactly the results of one validate() over all, on the demo city with faults."""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
import pytest
from rdflib import RDF, SH, Graph, URIRef

from bildungsnetz.demo.city import DEMO_SOURCE, generate
from bildungsnetz.ingest.pipeline import to_rdflib
from bildungsnetz.iris import Iris
from bildungsnetz.namespace import BN
from bildungsnetz.validate.chunks import locality, plan_chunks, validate_chunked
from bildungsnetz.validate.shacl import reference_graph, validate

IRIS = Iris()
N = ox.NamedNode
TYPE = N(str(RDF.type))
BNO = "https://w3id.org/bildungsnetz/ontology#"
SCHEMA = "https://schema.org/"
VOCAB = "https://w3id.org/bildungsnetz/vocab/"


def _data() -> list[ox.Triple]:
    demo = generate(actors=1000, seed=7, iris=IRIS)
    return list(demo.graphs[str(IRIS.graph(f"quelle/{DEMO_SOURCE}"))]) + list(
        demo.graphs[str(IRIS.graph(f"privat/{DEMO_SOURCE}"))])


def _plant(data: list[ox.Triple]) -> list[ox.Triple]:
    """Faults of every kind the shapes check, spread over the data so they land in different chunks."""
    label, partner = N("http://www.w3.org/2004/02/skos/core#prefLabel"), N(BNO + "partner")
    start, end = N(SCHEMA + "startDate"), N(SCHEMA + "endDate")
    actors = [t.subject for t in data if t.predicate == N(BNO + "akteursart")]
    coops = sorted({t.subject for t in data if t.predicate == partner}, key=str)
    offers = sorted({t.subject for t in data if t.predicate == N(BNO + "anbieter")}, key=str)
    sites = sorted({t.subject for t in data if t.predicate == N("http://www.w3.org/ns/org#siteOf")}, key=str)
    nameless = set(actors[::97])
    out = [t for t in data if not (t.predicate == label and t.subject in nameless)]
    date = N("http://www.w3.org/2001/XMLSchema#date")
    for i, k in enumerate(coops[::53]):
        out.append(ox.Triple(k, partner, N(str(IRIS.akteur(f"GIBT-ES-NICHT-{i}")))))  # unknown partner
        out.append(ox.Triple(k, end, ox.Literal("1999-01-01", datatype=date)))  # before the start; 2 ends
    for k in offers[::61]:
        out.append(ox.Triple(k, N(BNO + "zielgruppe"), N(VOCAB + "zielgruppe/x")))
        out.append(ox.Triple(k, start, ox.Literal("2024-02-30")))  # a date as plain text
    for i, s in enumerate(sites[::71]):
        shared = N(f"https://w3id.org/bildungsnetz/id/standort/geteilt/{i % 3}/adresse")
        out.append(ox.Triple(s, N(SCHEMA + "address"), shared))  # untyped address without street, shared
    z = N(str(IRIS.sdg_zuordnung("verwaist", "4")))  # an SDG assignment no offer points at, target of goal 13
    out += [ox.Triple(z, TYPE, N(BNO + "SDGZuordnung")),
            ox.Triple(z, N(BNO + "sdg"), N(VOCAB + "sdg/4")),
            ox.Triple(z, N(BNO + "sdgUnterziel"), N(VOCAB + "sdg/13.1"))]  # fmt: skip
    return out


@pytest.fixture(scope="module")
def city() -> tuple[list[ox.Triple], Graph]:
    return _plant(_data()), reference_graph(IRIS.base)


@pytest.fixture(scope="module")
def whole(city) -> Counter:
    data, ref = city
    return Counter(validate(to_rdflib(data), reference=ref).violations)


def test_the_demo_shapes_are_node_local_so_chunking_is_used():
    assert locality() is not None


def test_chunked_validation_finds_exactly_what_one_validation_over_everything_finds(city, whole):
    data, ref = city
    chunked = validate_chunked(data, reference=ref, size=4000, workers=1)
    assert len(plan_chunks(data, size=4000, loc=locality())) > 5
    assert Counter(chunked.violations) == whole
    shapes = {v.shape.rsplit("#", 1)[1] for v in whole}
    # the planted faults are among them, so the comparison covers every kind of cross-node check
    assert {"Akteur-name", "Kooperation-partnerAkteur", "Zeitraum-reihenfolge", "Angebot-zielgruppe",
            "Zeitraum-startDate", "Adresse-strasse", "SDGZuordnung-angebot",
            "SDGUnterzielZuordnung-passtZumZiel"} <= shapes  # fmt: skip


def test_two_worker_processes_give_the_same_results(city, whole):
    data, ref = city
    assert Counter(validate_chunked(data, reference=ref, size=15_000, workers=2).violations) == whole


def test_types_of_actors_in_the_store_count_as_reference(city):
    data, ref = city
    kinds = {t.subject for t in data if t.predicate == N(BNO + "akteursart")}
    elsewhere = set(sorted(kinds, key=str)[::5])  # these actors were imported by another source
    mine = [t for t in data if t.subject not in elsewhere]
    store_types = [t for t in data if t.subject in elsewhere and t.predicate == TYPE]
    with_types = Graph()
    with_types += ref
    with_types += to_rdflib(store_types)
    expected = Counter(validate(to_rdflib(mine), reference=with_types).violations)
    got = validate_chunked(mine, reference=ref, reference_types=store_types, size=4000, workers=1)
    assert Counter(got.violations) == expected
    assert not any(v.shape.endswith("Kooperation-partnerAkteur") and v.value in {s.value for s in elsewhere}
                   for v in got.violations)  # fmt: skip


def test_all_triples_of_a_subject_and_linked_nodes_share_a_chunk(city):
    data, _ = city
    chunk_of: dict = {}
    for k, chunk in enumerate(plan_chunks(data, size=3000, loc=locality())):
        for i in chunk:
            assert chunk_of.setdefault(data[i].subject, k) == k
    address = N(SCHEMA + "address")
    for t in data:
        if t.predicate == address and t.object in chunk_of:
            assert chunk_of[t.object] == chunk_of[t.subject]


def test_shapes_that_read_other_nodes_are_validated_in_one_piece():
    shapes = Graph()
    shape = URIRef("https://example.org/s")
    shapes.add((shape, RDF.type, SH.NodeShape))
    shapes.add((shape, SH.targetClass, BN.Akteur))
    shapes.add((shape, SH.node, URIRef("https://example.org/t")))
    assert locality(shapes) is None
