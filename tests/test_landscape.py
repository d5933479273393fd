"""One actor, many sources: every answer shows each thing once, with the value the precedence chooses."""

from __future__ import annotations

import uuid
from pathlib import Path

import pyoxigraph as ox
import pytest

from bildungsnetz.ingest.pipeline import import_files
from bildungsnetz.ingest.sources import drop_source
from bildungsnetz.iris import Iris
from bildungsnetz.queries import load_catalogue, run
from bildungsnetz.store import EmbeddedStore
from bildungsnetz.store.view import Landscape, Precedence

IRIS = Iris()
BN = "https://w3id.org/bildungsnetz/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
#: Names and streets only the losing sources use: they must show nowhere.
LOSING = ("Büro-Schreibweise", "Netz-Schreibweise", "Falsche Straße 1", "Andere Straße 2")


def school_list(shared: Path, folder: Path, rows: int = 3) -> tuple[Path, list[str]]:
    """The first ``rows`` schools of Dortmund's official list, and their Schulnummern."""
    source = shared / "data" / "schulen" / "schulen_dortmund.csv"
    if not source.exists():
        pytest.skip(f"../shared not available (missing {source})")
    lines = source.read_text(encoding="utf-8").splitlines()
    out = folder / "schulliste.csv"
    out.write_text("\n".join(lines[: rows + 1]) + "\n", encoding="utf-8")
    return out, [line.split(";")[0].strip('"') for line in lines[1 : rows + 1]]


def other_source(folder: Path, name: str, numbers: list[str], label: str, street: str) -> Path:
    """A Turtle file that describes the same schools with its own name, street and field of action."""
    body = [f"@prefix bn: <{BN}> .", f"@prefix skos: <{SKOS}> .", f"@prefix schema: <{SCHEMA}> ."]
    for nr in numbers:
        school, address = IRIS.akteur(nr), IRIS.adresse(nr, 1)
        body.append(
            f'<{school}> skos:prefLabel "{label} {nr}"@de ; '
            f"bn:handlungsfeld <https://w3id.org/bildungsnetz/vocab/handlungsfeld/{name}> ."
        )
        body.append(f'<{address}> schema:streetAddress "{street}" .')
    path = folder / f"{name}.ttl"
    path.write_text("\n".join(body) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def three(each_store, tmp_path, shared):
    """The same three schools from the school list, the office's file and a network's file."""
    store = each_store
    csv, numbers = school_list(shared, tmp_path)
    for path, source in (
        (csv, "schulliste"),
        (other_source(tmp_path, "sprachbildung", numbers, "Büro-Schreibweise", "Falsche Straße 1"), "buero"),
        (other_source(tmp_path, "digitalisierung", numbers, "Netz-Schreibweise", "Andere Straße 2"), "netz"),
    ):
        result = import_files([path], store=store, source=source)
        assert result.exit_code == 0 and result.imported, result.to_dict()
    return store, numbers


def labels(store, numbers: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {nr: [] for nr in numbers}
    for row in store.select(f"SELECT ?s ?l WHERE {{ ?s <{SKOS}prefLabel> ?l }}"):
        nr = row[0].value.rsplit("/", 1)[1]
        if nr in out:
            out[nr].append(row[1].value)
    return out


def test_each_school_has_one_name_the_school_lists(three):
    store, numbers = three
    names = labels(store, numbers)
    assert all(len(v) == 1 for v in names.values()), names
    assert not any(word in n for v in names.values() for n in v for word in LOSING)


def test_multi_valued_properties_are_the_union_of_the_sources(three):
    store, numbers = three
    school = ox.NamedNode(str(IRIS.akteur(numbers[0])))
    rows = store.select(f"SELECT ?f WHERE {{ {school} <{BN}handlungsfeld> ?f }}")
    assert sorted(r[0].value.rsplit("/", 1)[1] for r in rows) == ["digitalisierung", "sprachbildung"]


def test_every_named_query_shows_no_losing_value_and_no_repeated_row(three):
    store, numbers = three
    for name, query in load_catalogue().items():
        values = {p.name: "" for p in query.params if not p.required}
        if any(p.required for p in query.params):
            continue
        result = run(query, values, store=store, iris=IRIS, city="dortmund")
        cells = [str(v) for row in result.rows for v in row.values()]
        assert not [c for c in cells if any(word in c for word in LOSING)], name
        keys = [tuple(sorted((k, str(v)) for k, v in row.items())) for row in result.rows]
        assert len(keys) == len(set(keys)), f"{name}: repeated rows"


def test_the_actor_detail_names_one_street(three):
    store, numbers = three
    result = run("actor-detail", {"actor": str(IRIS.akteur(numbers[0]))}, store=store, iris=IRIS, city="dortmund")
    streets = {row.get("street") for row in result.rows if row.get("street")}
    assert len(streets) <= 1 and not (streets & set(LOSING)), streets


def test_dropping_the_school_list_lets_the_next_source_win(three):
    store, numbers = three
    drop_source(store, IRIS, "schulliste")
    names = labels(store, numbers)
    # The office's file and the network's file are both RDF: the newer import (the network's) wins.
    assert names == {nr: [f"Netz-Schreibweise {nr}"] for nr in numbers}
    drop_source(store, IRIS, "netz")
    assert labels(store, numbers) == {nr: [f"Büro-Schreibweise {nr}"] for nr in numbers}
    drop_source(store, IRIS, "buero")
    assert labels(store, numbers) == {nr: [] for nr in numbers}


def test_a_source_graph_keeps_its_own_value_for_provenance(three):
    store, numbers = three
    school = ox.NamedNode(str(IRIS.akteur(numbers[0])))
    rows = store.select(f"SELECT ?g ?l WHERE {{ GRAPH ?g {{ {school} <{SKOS}prefLabel> ?l }} }}")
    by_graph = {r[0].value.rsplit("/graph/", 1)[1]: r[1].value for r in rows}
    assert by_graph["quelle/buero"] == f"Büro-Schreibweise {numbers[0]}"
    assert by_graph["quelle/netz"] == f"Netz-Schreibweise {numbers[0]}"


def test_a_store_written_before_the_landscape_gets_it_when_opened(tmp_path):
    path = tmp_path / "alt"
    a, p = ox.NamedNode("https://example.org/a"), ox.NamedNode(SKOS + "prefLabel")
    graphs = {str(IRIS.graph("quelle/eins")): [ox.Triple(a, p, ox.Literal("Eins"))],
              str(IRIS.graph("quelle/zwei")): [ox.Triple(a, p, ox.Literal("Zwei"))]}  # fmt: skip
    old = ox.Store(str(path))  # written as before the landscape: no view graph
    old.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g)) for g, ts in graphs.items() for t in ts)
    old.flush()
    del old
    with EmbeddedStore(path) as store:
        assert len(list(store.select(f"SELECT ?l WHERE {{ {a} {p} ?l }}"))) == 1


def test_a_remote_store_written_before_the_landscape_gets_it_on_its_first_request():
    """An office upgrading on Virtuoso: sources written without the landscape show one name at once."""
    from test_store import TEST_PREFIX, virtuoso

    prefix = f"{TEST_PREFIX}{uuid.uuid4().hex[:12]}/"
    a, p = ox.NamedNode("https://example.org/a"), ox.NamedNode(SKOS + "prefLabel")
    old = virtuoso(prefix, chunk_size=1000)
    old.landscape_reads = False  # as an older version (or BILDUNGSNETZ_ENDPOINT_LANDSCAPE=false) wrote it
    old.replace_graphs({prefix + "quelle/eins": [ox.Triple(a, p, ox.Literal("Eins"))],
                        prefix + "quelle/zwei": [ox.Triple(a, p, ox.Literal("Zwei"))]})  # fmt: skip
    store = virtuoso(prefix, chunk_size=1000)
    store.landscape_reads = True  # BILDUNGSNETZ_ENDPOINT_LANDSCAPE=true
    try:
        assert len(store.select(f"SELECT ?l WHERE {{ {a} {p} ?l }}")) == 1
    finally:
        store.drop_graphs(store.named_graphs())


def test_an_interrupted_landscape_update_is_rebuilt_when_the_store_is_opened(tmp_path):
    from bildungsnetz.store import embedded

    a, p = ox.NamedNode("https://example.org/a"), ox.NamedNode(SKOS + "prefLabel")
    with EmbeddedStore(tmp_path / "s") as store:
        store.replace_graphs({str(IRIS.graph("quelle/eins")): [ox.Triple(a, p, ox.Literal("Eins"))]})
        # A crash between the source's swap and the landscape: the stale mark stays, the view is old.
        store.oxigraph.remove_graph(ox.NamedNode(store.landscape.view))
        store.oxigraph.add(ox.Quad(ox.NamedNode(store.landscape.view), embedded._STALE, embedded._STALE,
                                   embedded._LOADING_GRAPH))  # fmt: skip
    with EmbeddedStore(tmp_path / "s") as store:
        assert [r[0].value for r in store.select(f"SELECT ?l WHERE {{ {a} {p} ?l }}")] == ["Eins"]


def test_reads_see_every_other_graph_through_the_landscape_as_it_is_written_and_dropped(tmp_path):
    """The landscape copies the graphs reads see besides the sources, so a read's default graph is the landscape
    alone: what is written to, changed in or dropped from such a graph shows in the next read, contact data only
    in the private part."""
    a, label = ox.NamedNode("https://example.org/a"), ox.NamedNode(SKOS + "prefLabel")
    note, phone = ox.NamedNode("https://example.org/note"), ox.NamedNode("https://example.org/phone")
    meta, private = str(IRIS.graph("meta/eins")), str(IRIS.graph("privat/befragung/r1"))
    query = f"SELECT ?o WHERE {{ {a} ?p ?o }} ORDER BY ?o"
    with EmbeddedStore(tmp_path / "s") as store:
        store.replace_graphs({str(IRIS.graph("quelle/eins")): [ox.Triple(a, label, ox.Literal("Eins"))],
                              meta: [ox.Triple(a, note, ox.Literal("importiert"))],
                              private: [ox.Triple(a, phone, ox.Literal("0231 1"))]})  # fmt: skip
        assert [r[0].value for r in store.select(query)] == ["0231 1", "Eins", "importiert"]
        assert ox.Triple(a, note, ox.Literal("importiert")) in {q.triple for q in store.quads(store.landscape.view)}
        assert ox.Triple(a, phone, ox.Literal("0231 1")) in {
            q.triple for q in store.quads(store.landscape.private_view)
        }
        store.replace_graphs({meta: [ox.Triple(a, note, ox.Literal("geändert"))]})
        assert [r[0].value for r in store.select(query)] == ["0231 1", "Eins", "geändert"]
        store.drop_graphs([meta, private])
        assert [r[0].value for r in store.select(query)] == ["Eins"]
        assert store.landscape_complete


def test_a_store_opened_again_keeps_its_landscape_and_does_not_rebuild_it(tmp_path, monkeypatch):
    """Opening a store for writing rebuilds the landscape only when it must: at 100,000 actors a rebuild takes
    minutes, and every start of the server or a command would pay it."""
    a, p = ox.NamedNode("https://example.org/a"), ox.NamedNode(SKOS + "prefLabel")
    with EmbeddedStore(tmp_path / "s") as store:
        store.replace_graphs({str(IRIS.graph("quelle/eins")): [ox.Triple(a, p, ox.Literal("Eins"))],
                              str(IRIS.graph("ontologie")): [ox.Triple(a, p, ox.Literal("Referenz"))]})  # fmt: skip
    rebuilt = []
    monkeypatch.setattr(EmbeddedStore, "rebuild_view", lambda self: rebuilt.append(1) or 0)
    for _ in range(2):
        with EmbeddedStore(tmp_path / "s") as store:
            assert store.landscape_complete
            assert sorted(r[0].value for r in store.select(f"SELECT ?l WHERE {{ {a} {p} ?l }}")) == ["Eins", "Referenz"]
    assert rebuilt == []


def test_a_store_from_before_the_complete_landscape_reads_right_then_gets_it_when_opened(tmp_path):
    from bildungsnetz.store import embedded

    a, p = ox.NamedNode("https://example.org/a"), ox.NamedNode(SKOS + "prefLabel")
    note = ox.NamedNode("https://example.org/note")
    with EmbeddedStore(tmp_path / "s") as store:
        store.replace_graphs({str(IRIS.graph("quelle/eins")): [ox.Triple(a, p, ox.Literal("Eins"))]})
        # As an older version wrote it: the reference graph outside the landscape, no mark of a complete one.
        store.oxigraph.add(ox.Quad(a, note, ox.Literal("Referenz"), ox.NamedNode(str(IRIS.graph("ontologie")))))
        store.oxigraph.remove(ox.Quad(ox.NamedNode(store.landscape.view), embedded._COMPLETE, embedded._COMPLETE,
                                      embedded._LOADING_GRAPH))  # fmt: skip
    query = f"SELECT ?o WHERE {{ {a} ?p ?o }} ORDER BY ?o"
    with EmbeddedStore(tmp_path / "s", read_only=True) as store:  # read beside a writer: the old way
        assert not store.landscape_complete
        assert [r[0].value for r in store.select(query)] == ["Eins", "Referenz"]
    with EmbeddedStore(tmp_path / "s") as store:  # opened for writing: rebuilt once
        assert store.landscape_complete
        assert [r[0].value for r in store.select(query)] == ["Eins", "Referenz"]


def test_an_office_precedence_file_puts_its_own_source_first(tmp_path):
    own = tmp_path / "rangfolge.toml"
    own.write_text('[praefixe]\nskos = "http://www.w3.org/2004/02/skos/core#"\n'
                   '[standard]\nrang = ["quelle:eins", "*"]\n', encoding="utf-8")  # fmt: skip
    land = Landscape(str(IRIS.graph("x"))[:-1], Precedence.load(own))
    a, p = ox.NamedNode("https://example.org/a"), ox.NamedNode(SKOS + "prefLabel")
    quads = [ox.Quad(a, p, ox.Literal(v), ox.NamedNode(str(IRIS.graph(f"quelle/{s}")))) for v, s in
             (("Eins", "eins"), ("Zwei", "zwei"))]  # fmt: skip
    public, _ = land.merge(quads, {})
    assert [t.object.value for t in public] == ["Eins"]


def test_a_broken_precedence_file_is_named_in_the_message(tmp_path):
    from bildungsnetz.errors import UsageError

    own = tmp_path / "rangfolge.toml"
    own.write_text('[eigenschaften]\neinwertig = ["xyz:name"]\n', encoding="utf-8")
    with pytest.raises(UsageError, match="rangfolge.toml.*xyz:name"):
        Precedence.load(own)


def test_a_path_walk_spelt_out_gives_every_row_where_virtuoso_may_lose_the_star_path(each_store):
    """Why no query may walk a `*` path (queries/check.py refuses them): Virtuoso 7.2 answered this one with 1 row
    of 9 or none, on some fresh servers and not others, over the landscape's default graphs and over the union.
    The spelt-out steps the queries use instead give every row on every store; the path is the record of the
    quirk (docs/speicher.md) and skips where Virtuoso answered it right this time."""
    from bildungsnetz.store.remote import DEFAULT_GRAPH_PREFIX
    from test_store import load_fixture_city

    store, reference = each_store, EmbeddedStore()
    if hasattr(store, "landscape_reads"):  # read over the landscape's default graphs, and over the union below
        store.landscape_reads = True
    for s in (store, reference):
        s.graph_prefix = getattr(s, "graph_prefix", DEFAULT_GRAPH_PREFIX)  # the embedded store has none
        load_fixture_city(s)
    district = "<https://w3id.org/bildungsnetz/id/gebiet/musterstadt/stadtbezirk/1>"
    within, lies = "<http://www.opengis.net/ont/geosparql#sfWithin>", f"<{BN}liegtIn>"
    tail = f"?a <http://www.w3.org/ns/org#hasSite> ?s . ?c <{BN}partner> ?a }}"
    path = f"SELECT DISTINCT ?a ?c WHERE {{ ?x {within}* {district} . ?s {lies} ?x . {tail}"
    spelt = (f"SELECT DISTINCT ?a ?c WHERE {{ {{ ?s {lies} {district} }} UNION {{ ?x {within} {district} . "
             f"?s {lies} ?x }} UNION {{ ?x {within}/{within} {district} . ?s {lies} ?x }} {tail}")  # fmt: skip

    def answer(query: str, **union: bool) -> set[tuple[str, ...]]:
        return {tuple(term.value for term in row) for row in store.select(query, **union)}

    expected = {tuple(term.value for term in row) for row in reference.select(path)}
    assert len(expected) == 9
    assert answer(spelt) == expected and answer(spelt, union=True) == expected
    if hasattr(store, "landscape_reads") and answer(path) == expected == answer(path, union=True):
        pytest.skip("the path was answered right this time (Virtuoso does not always)")


def test_the_conflicts_report_lists_each_disagreement_with_the_winner(three):
    from bildungsnetz.report.conflicts import conflict_rows, conflicts

    store, numbers = three
    rows = conflict_rows(conflicts(store, IRIS))
    names = [r for r in rows if r["akteur"] == str(IRIS.akteur(numbers[0])) and r["eigenschaft"] == "prefLabel"]
    assert sorted(r["quelle"] for r in names) == ["buero", "netz", "schulliste"]
    assert [r["quelle"] for r in names if r["gewaehlt"] == "ja"] == ["schulliste"]
    streets = [r for r in rows if r["akteur"] == str(IRIS.adresse(numbers[0], 1))]
    assert {r["wert"] for r in streets} >= {"Falsche Straße 1", "Andere Straße 2"}
    assert all(r["stand"][:2] == "20" for r in rows)


def test_bildungsnetz_report_konflikte_writes_the_report_as_csv(tmp_path, shared, settings):
    from typer.testing import CliRunner

    from bildungsnetz.cli import app
    from bildungsnetz.store import open_store

    csv, numbers = school_list(shared, tmp_path)
    with open_store(settings) as store:
        for path, source in ((csv, "schulliste"),
                             (other_source(tmp_path, "sprachbildung", numbers, "Büro-Schreibweise", "X 1"), "buero")):
            assert import_files([path], store=store, source=source).imported  # fmt: skip
    out = tmp_path / "konflikte.csv"
    result = CliRunner().invoke(app, ["report", "konflikte", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].split(";")[:3] == ["akteur", "name", "eigenschaft"]
    assert f"Büro-Schreibweise {numbers[0]}" in text and "X 1" in text


def test_the_actor_page_and_answer_name_their_sources_once_each(three, settings):
    from fastapi.testclient import TestClient

    from bildungsnetz.app import create_app

    store, numbers = three
    with TestClient(create_app(settings, store=store)) as client:
        answer = client.get(f"/api/actors/{numbers[0]}")
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert sorted(s["source"] for s in body["sources"]) == ["buero", "netz", "schulliste"]
        assert all(s["stand"][:2] == "20" for s in body["sources"])
        assert not any(word in answer.text for word in LOSING)
        assert len(body["sites"]) == 1  # one site, not one per source
        page = client.get(f"/akteur/{numbers[0]}")
        assert page.status_code == 200
        assert "buero, Stand 20" in page.text and "schulliste, Stand 20" in page.text
        assert not any(word in page.text for word in LOSING)
        listing = client.get("/api/actors", params={"limit": 100})
        ids = [a["id"] for a in listing.json()["items"]]
        assert sorted(i for i in ids if i in numbers) == sorted(numbers)


def test_the_conflicts_page_and_route_list_the_same_disagreements_for_redaktion(three, settings):
    import re

    from fastapi.testclient import TestClient

    from bildungsnetz.app import create_app
    from conftest import REDAKTION, TOKENS

    store, numbers = three
    own = settings.model_copy(update={"api_tokens": TOKENS})
    with TestClient(create_app(own, store=store)) as client:
        assert client.get("/api/sources/conflicts").status_code == 401
        answer = client.get("/api/sources/conflicts", headers={"Authorization": f"Bearer {REDAKTION}"})
        assert answer.status_code == 200
        items = answer.json()["items"]
        assert {i["wert"] for i in items} >= {f"Büro-Schreibweise {numbers[0]}", "Andere Straße 2"}
        assert client.get("/konflikte").status_code == 401
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/anmelden").text)[1]
        assert client.post("/anmelden", data={"token": REDAKTION, "csrf": csrf, "next": "/quellen"},
                           follow_redirects=False).status_code == 303  # fmt: skip
        assert 'href="/konflikte"' in client.get("/quellen").text
        page = client.get("/konflikte")
        assert page.status_code == 200 and f"Büro-Schreibweise {numbers[0]}" in page.text
        assert page.text.count("<tr") - 1 == len(items)
        sheet = client.get("/konflikte?format=xlsx")
        assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
