"""The analysis of a hand-built town with known answers: graphs, isolates, brokers, gaps, what-if, time."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest

from bildungsnetz.analysis import graphs as g
from bildungsnetz.analysis import run_analysis
from bildungsnetz.analysis.compare import compare
from bildungsnetz.analysis.graphs import load
from bildungsnetz.analysis.interfaces import analyse_command, district_network
from bildungsnetz.analysis.rdf import BNA, analysis_graph, write_measures
from bildungsnetz.errors import UsageError
from bildungsnetz.iris import Iris
from bildungsnetz.queries import ParameterError, check_query
from bildungsnetz.report.gaps import render
from bildungsnetz.resources import queries_dir
from bildungsnetz.store import EmbeddedStore

FIXTURE = Path(__file__).parent / "data" / "analysis" / "kleinstadt.trig"
DATE = "2025-06-30"
ID = "https://w3id.org/bildungsnetz/id/"


@pytest.fixture()
def store():
    s = EmbeddedStore()
    s.oxigraph.load(path=str(FIXTURE), format=ox.RdfFormat.TRIG)
    s.rebuild_view()  # loaded past the store: its landscape built as a write through it would
    return s


@pytest.fixture()
def data(store):
    return g.load(store, date=DATE, iris=Iris())


@pytest.fixture()
def analysis(data):
    return run_analysis(data)


def district(result: dict, code: str) -> dict:
    return next(d for d in result["districts"] if d["code"] == code)


@pytest.mark.parametrize("path", sorted((queries_dir() / "analysis").glob("*.rq")), ids=lambda p: p.stem)
def test_every_analysis_query_is_sound(path):
    from bildungsnetz.queries import parse_query_file

    assert check_query(parse_query_file(path)) == []


def test_only_cooperations_valid_at_the_date_become_ties(data):
    G = g.cooperation_graph(data)
    assert G.number_of_nodes() == 11
    assert not G.has_edge(ID + "schule/100002", ID + "akteur/K2")  # ended 2020
    old = g.cooperation_graph(g.load(data_store(data), date="2019-06-30", iris=Iris()))
    assert old.has_edge(ID + "schule/100002", ID + "akteur/K2")


def data_store(data):  # the store the fixture data came from, reloaded for another date
    s = EmbeddedStore()
    s.oxigraph.load(path=str(FIXTURE), format=ox.RdfFormat.TRIG)
    s.rebuild_view()  # loaded past the store: its landscape built as a write through it would
    return s


def test_ties_weigh_shared_partnerships_plus_shared_networks(data):
    G = g.cooperation_graph(data)
    tie = G.edges[ID + "akteur/K1", ID + "schule/100001"]
    assert (tie["partnerships"], tie["networks"], tie["weight"]) == (2, 1, 3)
    assert tie["cooperations"] == ("C1", "C7")


def test_district_networks_keep_and_flag_ties_across_the_border(data):
    G = g.cooperation_graph(data)
    D = g.district_graph(G, ID + "gebiet/kleinstadt/stadtbezirk/1")
    assert D.nodes[ID + "akteur/U1"]["external"] is True
    assert D.edges[ID + "schule/100003", ID + "akteur/U1"]["cross_border"] is True
    assert ID + "akteur/U1" not in g.internal(D)


def test_two_mode_networks_and_their_projection(data):
    B = g.affiliation_graph(data, mode="netzwerk")
    P = g.projection(B)
    assert P.has_edge(ID + "akteur/M1", ID + "akteur/K1")
    assert B.degree(ID + "netzwerk/BN-1") == 3
    assert g.affiliation_graph(data, mode="angebot").degree(ID + "akteur/V1") == 1
    with pytest.raises(ParameterError):
        g.affiliation_graph(data, mode="quatsch")


def test_isolates_by_all_three_definitions(analysis):
    nord, sued = district(analysis.result, "1"), district(analysis.result, "2")
    # GS Heide has no valid tie and no membership; M1 has no tie but is a network member: not isolated
    assert sued["isolates"] == ["100002"] and nord["isolates"] == []
    assert sued["isolated_in_district"] == ["U1"]  # its only partner is the Gymnasium in Nord
    assert {(x["actor"], x["rule"]) for x in sued["sector_isolated"]} == {
        ("K2", "kita-ohne-bildung"),
        ("100005", "schule-ohne-jugendhilfe"),
    }
    assert analysis.result["actors"]["100002"]["iri"] == ID + "schule/100002"


def test_the_broker_of_nord_is_the_grundschule_with_its_roles(analysis):
    nord = district(analysis.result, "1")
    top = nord["brokers"][0]
    assert (top["actor"], top["iri"]) == ("100001", ID + "schule/100001")
    assert top["betweenness"] == pytest.approx(2 / (5 * 4))  # one pair of six actors passes through it
    assert top["roles"] == {
        "coordinator": 0,
        "itinerant": 0,
        "representative": 1,
        "gatekeeper": 1,
        "liaison": 0,
    }
    assert nord["articulation_points"] == ["100001"]
    assert (nord["nodes"], nord["ties"], nord["cross_border_ties"]) == (6, 3, 1)


def test_json_has_the_shape_of_the_issue(analysis):
    r = json.loads(json.dumps(analysis.result))
    assert r["date"] == DATE and {"city", "districts", "transitions"} <= r.keys()
    d = district(r, "1")
    for key, kind in (
        ("code", str),
        ("name", str),
        ("nodes", int),
        ("ties", int),
        ("density", float),
        ("components", int),
        ("isolates", list),
        ("brokers", list),
        ("cross_border_ties", int),
    ):
        assert isinstance(d[key], kind), key
    assert set(d["brokers"][0]["roles"]) == {
        "coordinator",
        "itinerant",
        "gatekeeper",
        "representative",
        "liaison",
    }


def test_bildungskette_gaps_per_stadtteil(analysis):
    gaps = {
        (t["check"], t["stadtteil"]): t["missing"] for t in analysis.result["transitions"] if t["missing"]
    }
    assert gaps == {
        ("kita-ohne-grundschule", "21"): ["K2"],
        ("grundschule-ohne-kita", "21"): ["100002"],
        ("grundschule-ohne-sekundarschule", "21"): ["100002"],
        ("sekundarschule-ohne-uebergang-beruf", "21"): ["100005"],
    }  # the Kita in 11 finds its Grundschule in neighbouring 12; the Realschule is in a KAoA body


def test_kita_in_a_stadtteil_without_neighbours_needs_a_grundschule_right_there(store):
    store.oxigraph.update(
        "DELETE WHERE { GRAPH ?g { ?a <http://www.opengis.net/ont/geosparql#sfTouches> ?b } }"
    )
    # Without any neighbourhood data the Stadtbezirk stands in; move Hafen out of Nord so that it does not.
    store.oxigraph.update(
        f"DELETE WHERE {{ GRAPH ?g {{ <{ID}gebiet/kleinstadt/stadtteil/12> "
        "<http://www.opengis.net/ont/geosparql#sfWithin> ?b } }"
    )
    result = run_analysis(g.load(store, date=DATE, iris=Iris())).result
    missing = {
        t["stadtteil"]: t["missing"] for t in result["transitions"] if t["check"] == "kita-ohne-grundschule"
    }
    assert missing["11"] == ["K1"]


def test_fields_of_action_and_need_ranking(analysis):
    missing = {m["stadtbezirk"]: m["fields"] for m in analysis.result["missing_fields"]}
    assert "mint" in missing["1"] and "mint" not in missing["2"]  # the Heideverein's offer
    assert "uebergang-schule-beruf" not in missing["2"]  # the company's cooperation with the Gymnasium
    rows = analysis.result["need"]["rows"]
    assert [r["stadtteil"] for r in rows] == ["21", "11", "12"]
    assert rows[0]["need"] == 30.0 and rows[2]["need"] == 5.0  # 2030's value lies after the date
    assert rows[1]["offers"] == 0 and rows[0]["offers"] == 1


def test_without_a_programme_its_ties_go_and_the_company_is_isolated(data):
    r = run_analysis(data, without=["kaoa"]).result
    assert r["without"]["newly_isolated"] == ["U1"]
    assert r["without"]["lost_ties"] == 1
    assert r["without"]["split"][0]["parts"] == [3, 1]


def test_without_the_broker_nord_falls_apart(data):
    r = run_analysis(data, without=["100001"]).result
    assert r["without"]["removed_actors"] == ["100001"]
    assert r["without"]["newly_isolated"] == ["K1"]
    assert r["without"]["split"][0]["size"] == 4


def test_an_unknown_without_value_is_refused_in_both_languages(data):
    with pytest.raises(ParameterError, match="weder ein Akteur.*neither an actor"):
        run_analysis(data, without=["niemand"])


def test_bad_options_name_the_parameter(data):
    with pytest.raises(ParameterError, match='"stadtbezirk"'):
        run_analysis(data, stadtbezirk="9")
    with pytest.raises(ParameterError, match='"ebene"'):
        run_analysis(data, ebene="land")
    with pytest.raises(ParameterError, match='"gruppe"'):
        run_analysis(data, gruppe="farbe")


def test_stadtteil_networks_and_roles_between_districts(data):
    r = run_analysis(data, ebene="stadtteil", gruppe="bezirk", stadtbezirk="Nord").result
    assert [d["code"] for d in r["districts"]] == ["11", "12"]
    assert (district(r, "12")["nodes"], district(r, "12")["ties"]) == (2, 1)
    # Roles between Stadtteile live in the city network: K1 (Altstadt) → GS Hafen → Gymnasium Hafen makes the
    # Grundschule a gatekeeper into Hafen, and the way back a representative.
    top = next(b for b in r["city"]["brokers"] if b["actor"] == "100001")
    assert top["roles"]["gatekeeper"] == 1 and top["roles"]["representative"] == 1


def test_two_dates_show_lost_ties_and_new_isolates(store):
    before = run_analysis(g.load(store, date="2019-06-30", iris=Iris()))
    after = run_analysis(g.load(store, date=DATE, iris=Iris()))
    diff = compare(before, after)
    assert diff["lost_ties"] == [("100002", "K2")] and diff["new_ties"] == []
    assert diff["new_isolates"] == ["100002"]


def test_measures_are_written_as_a_data_cube_with_provenance(store, analysis):
    graph = write_measures(store, analysis, iris=Iris())
    assert graph == analysis_graph(Iris(), DATE)
    sparql = f"""
        PREFIX bna: <{BNA}>
        PREFIX qb: <http://purl.org/linked-data/cube#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?level ?b ?used WHERE {{ GRAPH <{graph}> {{
            ?o bna:akteur <{ID}schule/100001> ; bna:ebene ?level ; bna:betweenness ?b ; qb:dataSet ?ds .
            ?ds prov:wasGeneratedBy ?run . ?run prov:used ?used }} }}"""
    rows = {r[0].value: (float(r[1].value), r[2].value) for r in store.select(sparql)}
    assert rows["stadtbezirk"] == (pytest.approx(0.1), ID + "graph/quelle/kleinstadt")
    assert rows["stadt"][0] == pytest.approx(nx.betweenness_centrality(analysis.graph)[ID + "schule/100001"])


def test_a_partial_analysis_is_not_written(store, data):
    with pytest.raises(UsageError):
        write_measures(store, run_analysis(data, stadtbezirk="1"), iris=Iris())


def test_api_and_cli_functions(store):
    net = district_network(load(store, date=DATE), "1")
    ids = {n["id"]: n for n in net["nodes"]}
    assert ids["U1"]["external"] is True and "betweenness" in ids["100001"]
    assert any(e["cross_border"] for e in net["edges"])
    rows = analyse_command(store, date=DATE, fmt="csv")  # rows: analysis/ does not format files
    assert list(rows[0])[:3] == ["code", "name", "nodes"] and len(rows) == 2
    assert "Bildungskette" in render(run_analysis(load(store, date=DATE)), "md").decode()


def test_a_school_closed_last_year_is_no_isolate_in_todays_analysis():
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from test_queries import CLOSED, FIXTURE  # noqa: PLC0415

    s = ox.Store()
    s.load(path=str(FIXTURE), format=ox.RdfFormat.TRIG)
    before = g.load(s, date="2025-06-01", iris=Iris(), city="musterstadt")
    s.load(CLOSED.encode(), format=ox.RdfFormat.TRIG)
    after = g.load(s, date="2025-06-01", iris=Iris(), city="musterstadt")
    school = "https://w3id.org/bildungsnetz/id/schule/100006"
    assert school in before.actors and school not in after.actors
    assert school in set(nx.isolates(g.cooperation_graph(before)))
    assert school not in set(nx.isolates(g.cooperation_graph(after)))
    assert school in g.load(s, date="2024-07-31", iris=Iris(), city="musterstadt").actors
