"""Matching names to actors as an office meets it: the matcher on the NRW school list, decisions and the review
queue in the store, ``bildungsnetz abgleich`` and ``abgleich-queue``, and ``/reconcile`` for OpenRefine."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from bildungsnetz.cli import app
from bildungsnetz.iris import Iris
from bildungsnetz.matching import Candidate, Matcher
from bildungsnetz.matching.decisions import DECISIONS_GRAPH, QUEUE_GRAPH, decide, enqueue, queue, store_matcher
from bildungsnetz.matching.sources import school_list_candidates, store_candidates
from bildungsnetz.store import EmbeddedStore
from conftest import REDAKTION, SENTINEL_MAIL, SENTINEL_NAME, LiveServer, stored, virtuoso_settings

runner = CliRunner()
SCHEMAS = Path(__file__).parent / "data" / "reconciliation"
IRIS = Iris()
PROV = "http://www.w3.org/ns/prov#"


def _school_matcher(shared: Path, *cities: str) -> Matcher:
    candidates = []
    for city in cities:
        path = shared / "data" / "schulen" / f"schulen_{city}.csv"
        if not path.is_file():
            pytest.skip(f"../shared not available (missing {path})")
        candidates += school_list_candidates(path)
    return Matcher(candidates)


# -- The matcher on the official school list --------------------------------------------------------------


@pytest.mark.parametrize(
    ("city", "text", "schulnummer"),
    [
        ("Dortmund", "Herder-Grundschule", "129203"),  # plain similarity picks "Overberg-Grundschule"
        ("Dortmund", "KGS Josef Wickede", "129264"),  # Ortsteil from Schulbezeichnung_2
        ("Dortmund", "Gesamtschule Reinoldi", "100132"),  # word order
        ("Duisburg", "GS Am Röttgersbach", "101072"),  # abbreviation, "Schule am Röttgersbach"
        ("Dortmund", "129203", "129203"),  # an id is an id
    ],
)
def test_names_offices_write_link_the_right_school_without_asking(shared, city, text, schulnummer):
    matcher = _school_matcher(shared, "dortmund", "duisburg", "koeln")
    result = matcher.match(text, municipality=city)
    assert result.accepted, result
    assert result.best.candidate.id == schulnummer


def test_a_koeln_school_named_only_by_its_street_is_found(shared):
    # Köln's list often says only "Städt. Kath. Grundschule"; the Kurzbezeichnung and the street tell them apart.
    matcher = _school_matcher(shared, "koeln")
    result = matcher.match("KGS Gutnickstraße", municipality="Köln")
    assert result.best is not None and "Gutnick" in result.best.candidate.address
    assert result.accepted


def test_a_gymnasium_is_never_linked_to_a_grundschule_of_the_same_name(shared):
    matcher = _school_matcher(shared, "dortmund")
    result = matcher.match("Lessing-Gymnasium", municipality="Dortmund")
    assert not result.accepted
    assert result.status == "pruefen"


def test_blocking_by_municipality_keeps_schools_of_other_cities_out(shared):
    matcher = _school_matcher(shared, "dortmund", "koeln")
    result = matcher.match("KGS Josef Wickede", municipality="Köln")
    assert all(m.candidate.municipality == "Köln" for m in result.matches)
    assert not result.accepted


def test_two_candidates_close_together_go_to_a_person():
    matcher = Matcher([
        Candidate("x:1", "1", "Goethe-Grundschule Nord", municipality="A"),
        Candidate("x:2", "2", "Goethe-Grundschule Süd", municipality="A"),
    ])  # fmt: skip
    result = matcher.match("Goethe Grundschule")
    assert not result.accepted and result.status == "pruefen"
    assert {m.candidate.id for m in result.matches} == {"1", "2"}


def test_only_generic_words_give_no_candidate():
    matcher = Matcher([Candidate("x:1", "1", "Herderschule"), Candidate("x:2", "2", "Bachschule")])
    assert matcher.match("Städt. Grundschule").status == "kein_treffer"


# -- Decisions and the review queue as data ---------------------------------------------------------------


@pytest.fixture
def demo_store(demo_graphs):
    store = EmbeddedStore()
    store.replace_graphs(demo_graphs)
    yield store
    store.close()


def test_candidates_from_the_store_never_carry_contact_persons(demo_store):
    candidates = store_candidates(demo_store, iris=IRIS)
    assert len(candidates) >= 150
    text = json.dumps([c.__dict__ for c in candidates], ensure_ascii=False)
    assert SENTINEL_NAME not in text and SENTINEL_MAIL not in text
    assert all(c.kind for c in candidates) and any(c.address for c in candidates)


def test_a_confirmed_name_links_by_itself_on_every_later_import_with_prov(demo_store):
    actor = store_candidates(demo_store, iris=IRIS)[5]
    text = "Unsere Partnerin vom Eck"
    assert not store_matcher(demo_store, iris=IRIS).match(text).accepted
    assert enqueue(demo_store, [(text, "partner.xlsx, Spalte Partner")], iris=IRIS) == 1
    assert [q["text"] for q in queue(demo_store, iris=IRIS)] == [text]
    decision = decide(demo_store, text, actor.id, "bestaetigt", user="anna", iris=IRIS)
    assert decision["actor"] == actor.iri
    result = store_matcher(demo_store, iris=IRIS).match(text)
    assert result.accepted and result.best.candidate.iri == actor.iri and result.best.via == "bestaetigt"
    assert queue(demo_store, iris=IRIS) == []
    quads = list(demo_store.quads(str(IRIS.graph(DECISIONS_GRAPH))))
    node = ox.NamedNode(decision["decision"])
    predicates = {q.predicate.value for q in quads if q.subject == node}
    assert {PROV + "wasAttributedTo", PROV + "generatedAtTime", PROV + "value"} <= predicates
    alias = ox.Triple(ox.NamedNode(actor.iri), ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel"),
                      ox.Literal(text))  # fmt: skip
    assert alias in [q.triple for q in quads]


def test_a_rejected_candidate_is_never_proposed_again_for_that_name(demo_store):
    matcher = store_matcher(demo_store, iris=IRIS)
    name = matcher.candidates[0].name
    text = name + " e.V."
    first = matcher.match(text).best.candidate
    decide(demo_store, text, first.iri, "abgelehnt", user="anna", iris=IRIS)
    again = store_matcher(demo_store, iris=IRIS).match(text)
    assert first.iri not in [m.candidate.iri for m in again.matches]
    assert not list(demo_store.quads(str(IRIS.graph(QUEUE_GRAPH))))


def test_a_decision_about_an_unknown_actor_changes_nothing(demo_store):
    before = demo_store.count()
    with pytest.raises(Exception, match="GIBT-ES-NICHT"):
        decide(demo_store, "Irgendwer", "GIBT-ES-NICHT", user="anna", iris=IRIS)
    assert demo_store.count() == before


@pytest.mark.remote
def test_decisions_and_the_queue_work_the_same_on_virtuoso(demo_graphs):
    from bildungsnetz.store import open_store

    with open_store(virtuoso_settings()) as store:
        store.replace_graphs(demo_graphs)
        graphs = [str(IRIS.graph(DECISIONS_GRAPH)), str(IRIS.graph(QUEUE_GRAPH))]
        store.drop_graphs([g for g in graphs if g in store.named_graphs()])
        try:
            candidates = store_candidates(store, iris=IRIS)
            assert len(candidates) >= 150 and all(c.kind for c in candidates)
            actor = candidates[3]
            enqueue(store, [("Die vom Eck", "x.csv, Spalte P")], iris=IRIS)
            assert [q["text"] for q in queue(store, iris=IRIS)] == ["Die vom Eck"]
            decide(store, "Die vom Eck", actor.id, "bestaetigt", user="anna", iris=IRIS)
            assert store_matcher(store, iris=IRIS).match("Die vom Eck").best.candidate.iri == actor.iri
            assert queue(store, iris=IRIS) == []
        finally:
            store.drop_graphs([g for g in graphs if g in store.named_graphs()])


# -- The command line --------------------------------------------------------------------------------------


@pytest.fixture
def demo_cli_store(tmp_path):
    store = tmp_path / "store"
    assert runner.invoke(app, ["demo", "--actors", "150", "--store", str(store), "--no-serve"]).exit_code == 0
    return store


def test_abgleich_adds_id_name_score_and_status_columns_and_queues_the_unsure(tmp_path, demo_cli_store):
    sheet = tmp_path / "partner.csv"
    sheet.write_text("Partner;Notiz\nVolkshochschule;a\nGrundschule am Park;b\nGrundschule;c\n", encoding="utf-8")
    result = runner.invoke(app, ["abgleich", str(sheet), "--column", "partner", "--store", str(demo_cli_store)])
    assert result.exit_code == 0, result.output
    out = (tmp_path / "partner-abgleich.csv").read_text(encoding="utf-8-sig").splitlines()
    assert out[0] == "Partner;Notiz;abgleich_id;abgleich_name;abgleich_score;abgleich_status;abgleich_woerter"
    assert out[1].split(";")[5] == "automatisch" and "Volkshochschule" in out[1].split(";")[3]
    assert out[2].split(";")[5] == "pruefen" and out[2].split(";")[2] == ""
    assert out[3].split(";")[5] == "kein_treffer"
    assert sheet.read_text(encoding="utf-8").startswith("Partner;Notiz\n")  # the input is untouched
    listed = runner.invoke(app, ["abgleich-queue", "--format", "json", "--store", str(demo_cli_store)])
    assert listed.exit_code == 0, listed.output
    items = json.loads(listed.output)
    assert [i["text"] for i in items] == ["Grundschule am Park"]
    first = items[0]["candidates"][0]
    assert first["words"] and first["kind"] and first["address"]
    confirmed = runner.invoke(
        app, ["abgleich-queue", "confirm", "Grundschule am Park", first["id"], "--user", "anna",
              "--store", str(demo_cli_store)],
    )  # fmt: skip
    assert confirmed.exit_code == 0, confirmed.output
    again = runner.invoke(
        app, ["abgleich", str(sheet), "--column", "Partner", "--out", str(tmp_path / "zwei.xlsx"),
              "--store", str(demo_cli_store)],
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    from openpyxl import load_workbook

    rows = list(load_workbook(tmp_path / "zwei.xlsx").active.iter_rows(values_only=True))
    assert rows[2][2] == first["id"] and rows[2][5] == "automatisch"


def test_abgleich_names_a_missing_column_and_writes_nothing(tmp_path, demo_cli_store):
    sheet = tmp_path / "liste.csv"
    sheet.write_text("Name;Ort\nHerderschule;Dortmund\n", encoding="utf-8")
    result = runner.invoke(app, ["abgleich", str(sheet), "--column", "Partner", "--store", str(demo_cli_store)])
    assert result.exit_code == 2
    assert "liste.csv" in result.output and "'Partner'" in result.output and "Name, Ort" in result.output
    assert not (tmp_path / "liste-abgleich.csv").exists()


def test_abgleich_refuses_a_table_above_the_import_row_limit_and_writes_nothing(tmp_path, monkeypatch):
    from bildungsnetz.settings import get_settings

    monkeypatch.setenv("BILDUNGSNETZ_IMPORT_MAX_ROWS", "2")
    get_settings.cache_clear()
    sheet = tmp_path / "lang.csv"
    sheet.write_text("Name\nA-Schule\nB-Schule\nC-Schule\n", encoding="utf-8")
    result = runner.invoke(app, ["abgleich", str(sheet), "--column", "Name"])
    assert result.exit_code == 2 and "lang.csv" in result.output and "BILDUNGSNETZ_IMPORT_MAX_ROWS" in result.output
    assert not (tmp_path / "lang-abgleich.csv").exists()


def test_abgleich_never_overwrites_its_input(tmp_path, demo_cli_store):
    sheet = tmp_path / "liste.csv"
    sheet.write_text("Name\nHerderschule\n", encoding="utf-8")
    result = runner.invoke(
        app, ["abgleich", str(sheet), "--column", "Name", "--out", str(sheet), "--store", str(demo_cli_store)]
    )
    assert result.exit_code == 2 and "Eingabedatei" in result.output
    assert sheet.read_text(encoding="utf-8") == "Name\nHerderschule\n"


# -- /reconcile (W3C Reconciliation Service API v0.2) --------------------------------------------------------


def _validator(name: str):
    jsonschema_rs = pytest.importorskip("jsonschema_rs", reason="jsonschema_rs (comes with schemathesis) missing")
    return jsonschema_rs.validator_for(json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8")))


def test_the_manifest_follows_the_specification(embedded):
    body = httpx.get(f"{embedded.url}/reconcile").json()
    _validator("manifest").validate(body)
    assert "schule" in [t["id"] for t in body["defaultTypes"]]
    assert body["identifierSpace"] == IRIS.base + "akteur/"


def test_a_batch_of_queries_with_type_and_properties_is_answered_per_key(server):
    batch = {
        "q0": {"query": "Volkshochschule", "limit": 3},
        "q1": {"query": "Grundschule am Park", "type": "schule", "properties": [{"pid": "ort", "v": "Dortmund"}]},
        "q2": {"query": "Volkshochschule", "type": ["kita"]},
    }
    _validator("reconciliation-query-batch").validate(batch)
    for response in (
        httpx.get(f"{server.url}/reconcile", params={"queries": json.dumps(batch)}, timeout=60),
        httpx.post(f"{server.url}/reconcile", data={"queries": json.dumps(batch)}, timeout=60),
    ):
        assert response.status_code == 200, response.text
        body = response.json()
        _validator("reconciliation-result-batch").validate(body)
        assert set(body) == {"q0", "q1", "q2"}
        assert body["q0"]["result"][0]["match"] is True and "Volkshochschule" in body["q0"]["result"][0]["name"]
        assert len(body["q0"]["result"]) <= 3
        assert body["q1"]["result"] and all(r["type"][0]["id"] == "schule" for r in body["q1"]["result"])
        assert all(r["type"][0]["id"] == "kita" for r in body["q2"]["result"])


@pytest.mark.parametrize(
    "queries",
    ["kein json", "[]", json.dumps({"q0": {"limit": 3}}), json.dumps({"q0": {"query": "x", "type": "raumschiff"}}),
     json.dumps({"q0": {"query": "x", "limit": 0}})],
)  # fmt: skip
def test_a_malformed_batch_gets_one_clear_error_naming_the_parameter(embedded, queries):
    response = httpx.get(f"{embedded.url}/reconcile", params={"queries": queries})
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False and "queries" in body["error"]


def test_suggest_answers_while_typing_and_never_shows_contact_persons(embedded):
    response = httpx.get(f"{embedded.url}/reconcile/suggest/entity", params={"prefix": "Volksh"})
    assert response.status_code == 200
    body = response.json()
    _validator("suggest-entities-response").validate(body)
    assert body["result"] and body["result"][0]["name"].startswith("Volkshochschule")
    for prefix in (SENTINEL_NAME, SENTINEL_MAIL):
        answer = httpx.get(f"{embedded.url}/reconcile/suggest/entity", params={"prefix": prefix}).text
        assert SENTINEL_NAME not in answer and SENTINEL_MAIL not in answer
        batch = json.dumps({"q0": {"query": prefix}})
        answer = httpx.get(f"{embedded.url}/reconcile", params={"queries": batch}).text
        assert SENTINEL_NAME not in answer and SENTINEL_MAIL not in answer


# -- The review page (role redaktion) ------------------------------------------------------------------------


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_redaktion_reviews_a_waiting_name_on_the_web_page_and_it_becomes_an_alias(demo_graphs, tmp_path):
    settings = stored(demo_graphs, tmp_path)
    with EmbeddedStore(settings.store) as store:
        enqueue(store, [("Grundschule am Park", "partner.csv, Spalte Partner")], iris=IRIS)
    with LiveServer(settings) as live, httpx.Client(base_url=live.url, follow_redirects=True) as client:
        refused = client.get("/abgleich")
        assert refused.status_code == 401 and "Grundschule am Park" not in refused.text
        login = client.get("/anmelden")
        client.post("/anmelden", data={"token": REDAKTION, "csrf": _csrf(login.text), "next": "/abgleich"})
        page = client.get("/abgleich")
        assert page.status_code == 200 and "Grundschule am Park" in page.text and "partner.csv" in page.text
        actor = re.search(r'name="actor" value="([^"]+)"', page.text).group(1)
        answer = client.post(
            "/abgleich/entscheidung",
            data={"name": "Grundschule am Park", "actor": actor, "status": "bestaetigt", "csrf": _csrf(page.text)},
        )
        assert answer.status_code == 200 and "Die Prüfliste ist leer" in answer.text  # the name left the list
        matcher = store_matcher(live.service.store, iris=IRIS)
        assert matcher.match("Grundschule am Park").best.candidate.iri == actor
