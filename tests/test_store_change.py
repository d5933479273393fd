"""Writing a change, not a graph (``Store.change_graphs``): exact, atomic, the landscape kept right, on every store."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from bildungsnetz.store import StoreError
from bildungsnetz.store.remote import DEFAULT_GRAPH_PREFIX, RemoteStore
from test_store import dump, runs, staging_graphs, virtuoso

SKOS = "http://www.w3.org/2004/02/skos/core#prefLabel"
EX = "https://example.org/"
GEO = "http://www.opengis.net/ont/geosparql#"
KITA = ox.NamedNode(DEFAULT_GRAPH_PREFIX.replace("graph/", "akteur/kita-1"))


def name(text: str) -> ox.Triple:
    return ox.Triple(KITA, ox.NamedNode(SKOS), ox.Literal(text, language="de"))


def fact(s: str, o: str) -> ox.Triple:
    return ox.Triple(ox.NamedNode(EX + s), ox.NamedNode(EX + "p"), ox.Literal(o))


def point(wkt: str) -> ox.Triple:
    """Coordinates: Virtuoso keeps WKT as a geometry type of its own, so removing one must match it."""
    return ox.Triple(KITA, ox.NamedNode(GEO + "asWKT"), ox.Literal(wkt, datatype=ox.NamedNode(GEO + "wktLiteral")))


def source(part: str, source_name: str) -> str:
    return f"{DEFAULT_GRAPH_PREFIX}{part}/{source_name}"


@pytest.fixture
def two_sources(each_store):
    """One Kita named by two sources; with equal rank and no import time, source ``b`` wins (by name)."""
    store = each_store
    if isinstance(store, RemoteStore):
        store.landscape_reads = True  # keep and read the landscape (docs/speicher.md)
    store.replace_graphs({
        source("quelle", "a"): [name("Kita Sonne (a)")],
        source("quelle", "b"): [name("Kita Sonne (b)"), fact("x", "1"), point("POINT(7.25 51.5)")],
    })
    return store


def shown_names(store) -> list[str]:
    return sorted(row[0].value for row in store.select(f"SELECT ?l WHERE {{ {KITA} <{SKOS}> ?l }}"))


def view(store) -> list[str]:
    return sorted(str(q.triple) for q in store.quads(store.landscape.view))


def test_a_change_adds_and_removes_exactly_and_the_landscape_shows_the_new_name(two_sources):
    store = two_sources
    b = source("quelle", "b")
    assert shown_names(store) == ["Kita Sonne (b)"]
    store.change_graphs({b: ([name("Kita Sonne (b)"), fact("nie", "da"), point("POINT(7.25 51.5)")],
                             [name("Kita Mond"), fact("y", "2"), point("POINT(7.5 51.75)")])})  # fmt: skip
    assert sorted(str(q.triple) for q in store.quads(b)) == sorted(
        str(t) for t in (name("Kita Mond"), fact("x", "1"), fact("y", "2"), point("POINT(7.5 51.75)"))
    )
    assert shown_names(store) == ["Kita Mond"]
    # the landscape kept up to date is the one built anew from the sources
    kept = view(store)
    store.rebuild_view()
    assert view(store) == kept


def test_a_removed_value_falls_back_to_the_other_sources_value(two_sources):
    store = two_sources
    store.change_graphs({source("quelle", "b"): ([name("Kita Sonne (b)")], [])})
    assert shown_names(store) == ["Kita Sonne (a)"]


def test_a_graph_left_empty_is_gone_and_an_empty_change_changes_nothing(two_sources):
    store = two_sources
    before = dump(store)
    store.change_graphs({source("quelle", "c"): ([], []), source("quelle", "a"): ([name("fremd")], [])})
    assert dump(store) == before
    store.change_graphs({source("quelle", "a"): ([name("Kita Sonne (a)")], [])})
    assert source("quelle", "a") not in store.named_graphs()
    assert shown_names(store) == ["Kita Sonne (b)"]


def test_a_change_with_blank_nodes_is_written_too(two_sources):
    store = two_sources
    g = source("quelle", "b")
    blank = ox.Triple(KITA, ox.NamedNode(EX + "adresse"), ox.BlankNode("adr"))
    street = ox.Triple(ox.BlankNode("adr"), ox.NamedNode(EX + "strasse"), ox.Literal("Hauptstraße 1"))
    store.change_graphs({g: ([fact("x", "1")], [blank, street])})
    rows = store.select(f"SELECT ?s WHERE {{ GRAPH <{g}> {{ ?a <{EX}strasse> ?s }} }}")
    assert [r[0].value for r in rows] == ["Hauptstraße 1"]
    assert fact("x", "1") not in {q.triple for q in store.quads(g)}


def test_a_change_refuses_what_a_replacement_refuses_and_changes_nothing(two_sources):
    store = two_sources
    before = dump(store)
    for bad in ("kein iri", "http://www.openlinksw.com/schemas/virtrdf#"):
        if bad.startswith("http") and not isinstance(store, RemoteStore):
            continue  # the embedded store holds no one else's graphs
        with pytest.raises((StoreError, ValueError)) as replaced:
            store.replace_graphs({bad: [fact("x", "2")]})
        with pytest.raises(type(replaced.value)):
            store.change_graphs({source("quelle", "b"): ([], [fact("z", "3")]), bad: ([], [fact("x", "2")])})
    assert dump(store) == before


def test_a_change_that_fails_half_way_is_finished_by_the_next_store_that_opens(two_sources, monkeypatch):
    store = two_sources
    if not isinstance(store, RemoteStore):
        pytest.skip("the embedded store writes a change in one transaction")
    a, b = source("quelle", "a"), source("quelle", "b")
    apply = RemoteStore._apply_change

    def failing_on_the_second_graph(self, run, key, graph, chunks=None):
        if graph == b:  # graph a is changed, b not yet: the server went away
            raise StoreError("HTTP 503")
        apply(self, run, key, graph, chunks)

    monkeypatch.setattr(RemoteStore, "_apply_change", failing_on_the_second_graph)
    with pytest.raises(StoreError, match="finishes it"):
        store.change_graphs({a: ([name("Kita Sonne (a)")], [name("Kita A")]), b: ([name("Kita Sonne (b)")], [])})
    monkeypatch.undo()
    later = virtuoso(DEFAULT_GRAPH_PREFIX)  # the next process: its first request finishes the change
    later.landscape_reads = True
    assert sorted(str(q.triple) for g in (a, b) for q in later.quads(g)) == sorted(
        str(t) for t in (name("Kita A"), fact("x", "1"), point("POINT(7.25 51.5)"))
    )
    assert staging_graphs(later) == [] and runs(later) == []
    assert shown_names(later) == ["Kita A"]


def ended(source_name: str, when: str) -> tuple[str, ox.Triple]:
    """A source's import time, as its ``meta/`` graph records it (precedence: within one rank the newer wins)."""
    activity = ox.NamedNode(f"{EX}import/{source_name}")
    return source("meta", source_name), ox.Triple(activity, ox.NamedNode("http://www.w3.org/ns/prov#endedAtTime"),
                                                  ox.Literal(when, datatype=ox.NamedNode(XSD_DATETIME)))


XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"


def test_moving_a_sources_import_time_before_the_others_lets_the_other_source_win(two_sources):
    """Undo restores an older import time: where that makes another source the newer one, its name shows,
    though the change names no statement of the thing (the landscape recomputes what the sources share)."""
    store = two_sources
    (meta_a, a), (meta_b, b) = ended("a", "2025-01-01T00:00:00Z"), ended("b", "2025-06-01T00:00:00Z")
    store.replace_graphs({meta_a: [a], meta_b: [b]})
    assert shown_names(store) == ["Kita Sonne (b)"]
    later = ended("b", "2025-07-01T00:00:00Z")[1]
    store.change_graphs({meta_b: ([b], [later])})  # still the newer: nothing turns
    assert shown_names(store) == ["Kita Sonne (b)"]
    earlier = ended("b", "2024-01-01T00:00:00Z")[1]
    store.change_graphs({meta_b: ([later], [earlier])})
    assert shown_names(store) == ["Kita Sonne (a)"]
