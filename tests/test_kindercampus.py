"""Kindercampus: the sheet, the demo's two model campuses, the CLI and the REST API; the manager stays private."""

from __future__ import annotations

import gc
from pathlib import Path

import httpx
from typer.testing import CliRunner

from bildungsnetz.cli import app
from bildungsnetz.ingest.tables import map_tables
from bildungsnetz.iris import Iris
from bildungsnetz.namespace import BN
from bildungsnetz.store import EmbeddedStore
from conftest import LiveServer

IRIS = Iris()
runner = CliRunner()
FOAF_NAME = "http://xmlns.com/foaf/0.1/name"

CAMPUS = (
    "id;name;schule;stadtteil;mitglieder;programm;campusmanagement;email;telefon\n"
    "KC-1;Kindercampus Test;100132;Hörde;100132; KITA-1;kindercampus;Erika Campus;erika@campus.example;0231 1\n"
)


def _sheet(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_campus_manager_goes_only_into_the_private_graph(tmp_path):
    staged = map_tables([_sheet(tmp_path, "kindercampus.csv", CAMPUS.replace("100132; KITA-1", '"100132; KITA-1"'))],
                        city="dortmund", iris=IRIS, source="test")
    assert not staged.problems
    public = " ".join(f"{t.subject.value} {t.predicate.value} {t.object.value}" for t in staged.data)
    private = " ".join(t.object.value for t in staged.private)
    assert "Erika Campus" not in public and "erika@campus.example" not in public
    assert "Erika Campus" in private and "erika@campus.example" in private
    campus = str(IRIS.kindercampus("KC-1"))
    assert {t.object.value for t in staged.data if t.subject.value == campus and t.predicate.value == str(
        BN.campusMitglied)} == {str(IRIS.akteur("100132")), str(IRIS.akteur("KITA-1"))}


def test_a_campus_needs_a_stadtteil_the_city_knows_and_an_offer_a_real_weekday(tmp_path):
    bad = CAMPUS.replace(";Hörde;", ";Hoerdee;").replace("100132; KITA-1", "100132")
    folder = tmp_path / "in"
    folder.mkdir()
    _sheet(folder, "kindercampus.csv", bad)
    _sheet(folder, "angebotsorte.csv", "angebot;ort;wochentage\nA-1;KC-1;\"Dienstag; Dinstag\"\n")
    staged = map_tables([folder], city="dortmund", iris=IRIS, source="test")
    found = sorted((Path(p.source_file).name, p.row, p.column, p.value) for p in staged.problems)
    assert found == [("angebotsorte.csv", 2, "wochentage", "Dinstag"), ("kindercampus.csv", 2, "stadtteil", "Hoerdee")]


def test_the_demo_city_has_the_two_model_campuses_with_offers_on_site(demo_graphs):
    triples = [t for ts in demo_graphs.values() for t in ts]
    campuses = {t.subject.value for t in triples if t.predicate.value.endswith("#type") and t.object.value == str(
        BN.Kindercampus)}
    assert campuses == {str(IRIS.kindercampus("KC-HOERDE")), str(IRIS.kindercampus("KC-WESTERFILDE"))}
    on_site = {t.object.value for t in triples if t.predicate.value == str(BN.findetStattAn)}
    assert on_site == campuses


def _get(live: LiveServer, path: str) -> httpx.Response:
    return httpx.get(live.url + path, timeout=120)


def _manager_names(demo_graphs) -> set[str]:
    managers = {t.object.value for ts in demo_graphs.values() for t in ts if t.predicate.value == str(
        BN.campusmanagement)}
    return {t.object.value for ts in demo_graphs.values() for t in ts
            if t.subject.value in managers and t.predicate.value == FOAF_NAME}


def test_the_api_lists_the_campuses_and_shows_one_without_its_manager(server, demo_graphs):
    listed = _get(server, "/api/campuses").json()
    assert [c["id"] for c in listed] == ["KC-HOERDE", "KC-WESTERFILDE"]
    assert all(c["offers"] == 5 and c["members"] >= 1 for c in listed)
    one = _get(server, "/api/campuses/Hörde")
    assert one.status_code == 200
    body = one.json()
    assert body["campus"]["stadtteil_label"] == "Hörde"
    assert [d for d, _ in body["by_weekday"]] == ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"]
    assert sum(n for _, n in body["by_field"]) >= len(body["offers"]) == 5
    assert body["gaps"] and {g["stadtteil"] for g in body["gaps"]} == {body["campus"]["stadtteil_code"]}
    names = _manager_names(demo_graphs)
    assert names and not any(name in one.text for name in names)


def test_an_unknown_campus_is_a_404_naming_the_closest(server):
    response = _get(server, "/api/campuses/Kindercampus%20Hoerde")
    assert response.status_code == 404
    assert "Kindercampus Hörde" in response.json()["error"]


def test_the_cli_shows_a_campus_with_members_offers_weekdays_and_gaps(settings, demo_graphs):
    with EmbeddedStore(settings.store) as store:
        store.replace_graphs(demo_graphs)
    gc.collect()  # the store's lock goes with the object; the command opens it again
    listed = runner.invoke(app, ["campus", "list"])
    assert listed.exit_code == 0, listed.output
    assert "KC-HOERDE" in listed.output and "KC-WESTERFILDE" in listed.output
    shown = runner.invoke(app, ["campus", "show", "KC-WESTERFILDE"])
    assert shown.exit_code == 0, shown.output
    assert "Westerfilde" in shown.output and "offers on site (5)" in shown.output
    assert "Mo 2 · Di 2 · Mi 2 · Do 2 · Fr 1 · Sa 0 · So 0" in shown.output.replace("\n", " ")
    assert "Bildungskette" in shown.output
    assert not any(name in shown.output for name in _manager_names(demo_graphs))


def test_offers_mediated_to_a_campus_school_show_under_that_campus(tmp_path, demo_graphs):
    import pyoxigraph as ox

    from bildungsnetz.namespace import VOCAB
    from bildungsnetz.queries import get, run

    RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

    campus = IRIS.kindercampus("KC-HOERDE")
    school = next(t.object for ts in demo_graphs.values() for t in ts
                  if t.subject.value == str(campus) and t.predicate.value == str(BN.campusSchule))  # fmt: skip
    offer = next(t.subject for ts in demo_graphs.values() for t in ts if t.predicate.value == str(BN.findetStattAn))
    node = ox.NamedNode(str(IRIS.base) + "vermittlung/V-T1")
    extra = [
        ox.Triple(node, ox.NamedNode(RDF_TYPE), ox.NamedNode(str(BN.Vermittlung))),
        ox.Triple(node, ox.NamedNode(str(BN.vermitteltAn)), school),
        ox.Triple(node, ox.NamedNode(str(BN.vermitteltesAngebot)), offer),
        ox.Triple(node, ox.NamedNode(str(BN.vermittlungsstatus)),
                  ox.NamedNode(str(VOCAB["vermittlungsstatus/vermittelt"]))),
        ox.Triple(node, ox.NamedNode("http://purl.org/dc/terms/date"), ox.Literal("2026-05-04", datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#date"))),
    ]  # fmt: skip
    def mediations(graphs: dict, name: str, day: str = "2026-12-01") -> list[dict]:
        with EmbeddedStore(tmp_path / name) as st:
            st.replace_graphs(graphs)
            return {
                key: run(get("campus-mediations", folder="api"), {"campus": str(IRIS.kindercampus(key)), "date": day},
                         store=st, iris=IRIS, city="dortmund").rows
                for key in ("KC-HOERDE", "KC-WESTERFILDE")
            }  # fmt: skip

    before = mediations(demo_graphs, "before")
    after = mediations({**demo_graphs, str(IRIS.graph("quelle/vermittlungen-test")): extra}, "after")
    # At a Stichtag before the mediation it has not happened yet.
    earlier = mediations({**demo_graphs, str(IRIS.graph("quelle/vermittlungen-test")): extra}, "earlier", "2026-05-03")
    assert "2026-05-04" not in [r["date"] for r in earlier["KC-HOERDE"]]
    assert all(r["date"] is None or r["date"] <= "2026-05-03" for r in earlier["KC-HOERDE"])
    added = [r for r in after["KC-HOERDE"] if r not in before["KC-HOERDE"]]
    assert len(after["KC-HOERDE"]) == len(before["KC-HOERDE"]) + 1
    assert added[0]["date"] == "2026-05-04" and added[0]["title"] and added[0]["status"]
    assert after["KC-WESTERFILDE"] == before["KC-WESTERFILDE"]
    dates = [r["date"] for r in after["KC-HOERDE"]]
    assert dates == sorted(dates, reverse=True)


def test_the_end_of_the_kindercampus_programme_shows_both_campuses_and_their_offers(server):
    dep = _get(server, "/api/programmes/kindercampus").json()["dependency"]
    campuses = dep["ends"]["campuses"]
    assert [c["id"] for c in campuses] == ["KC-HOERDE", "KC-WESTERFILDE"]
    assert all(len(c["offers"]) == 5 for c in campuses)
    page = _get(server, "/programme/kindercampus")
    assert page.status_code == 200
    assert "2 Kindercampus-Standorte verlieren ihre Förderung" in page.text
    for campus in campuses:
        assert f'href="/kindercampus/{campus["id"]}"' in page.text
        assert all(o["label"] in page.text for o in campus["offers"])
    assert not any(c["id"] for c in _get(server, "/api/programmes/kaoa").json()["dependency"]["ends"]["campuses"])
