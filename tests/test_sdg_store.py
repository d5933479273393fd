"""The SDG workflow in a store: suggestions, decisions with PROV, coverage, partners, report."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from bildungsnetz.iris import Iris
from bildungsnetz.report.sdg import write_sdg_report
from bildungsnetz.sdg.coverage import coverage
from bildungsnetz.sdg.partners import UnknownActor, partner_suggestions
from bildungsnetz.sdg.workflow import (
    DECISIONS_GRAPH,
    SUGGESTIONS_GRAPH,
    SdgParameterError,
    UnknownOffer,
    decide,
    offer_suggestions,
    pair_states,
    suggest_store,
)
from bildungsnetz.store import EmbeddedStore
from bildungsnetz.validate.shacl import reference_graph, validate

FIXTURE = Path(__file__).parent / "data" / "sdg" / "kleinstadt.trig"
IRIS = Iris()
ID = "https://w3id.org/bildungsnetz/id/"
DAY = date(2025, 6, 1)
NOW = datetime(2025, 6, 2, 8, 30, tzinfo=UTC)


@pytest.fixture
def store() -> EmbeddedStore:
    st = EmbeddedStore()
    st.oxigraph.load(path=str(FIXTURE), format=ox.RdfFormat.TRIG)
    st.rebuild_view()  # loaded past the store: its landscape built as a write through it would
    return st


def status(store, offer: str, goal: int) -> str | None:
    state = pair_states(store).get((f"{ID}angebot/{offer}", goal))
    return state.status if state else None


def graph_quads(store, name: str) -> list[ox.Quad]:
    return list(store.quads(str(IRIS.graph(name))))


# -- Suggestions in the store ------------------------------------------------------------------------


def test_suggestions_go_to_their_own_graph_only_for_offers_without_a_decision(store):
    before = {q for q in store.quads() if q.graph_name.value != str(IRIS.graph(SUGGESTIONS_GRAPH))}
    summary = suggest_store(store, now=NOW)
    assert {q for q in store.quads() if q.graph_name.value != str(IRIS.graph(SUGGESTIONS_GRAPH))} == before
    suggested = {
        (s.offer.rsplit("/", 1)[1], s.goal) for s in pair_states(store).values() if s.source == "vorschlag"
    }
    assert ("O11", 12) in suggested  # the Repair-Café
    assert not any(offer == "O12" for offer, _ in suggested)  # Mathe-Nachhilfe: nothing
    reviewed = {"O1", "O2", "O3", "O4", "O5", "O6", "O7", "O9", "O10"}
    assert not any(offer in reviewed for offer, _ in suggested)
    assert summary["suggestions"] == len(suggested) and summary["skipped_reviewed"] == len(reviewed)


def test_a_suggestion_never_overwrites_a_confirmed_or_rejected_decision(store):
    suggest_store(store, now=NOW)
    decide(store, "O11", 12, "abgelehnt", user="redaktion", now=NOW)
    # Even when reviewed offers are included, decided pairs keep their decision.
    suggest_store(store, now=NOW, include_reviewed=True)
    assert status(store, "O11", 12) == "abgelehnt"
    assert status(store, "O7", 13) == "abgelehnt"  # staff rejected what the import confirmed
    assert status(store, "O1", 13) == "bestaetigt"
    assert status(store, "O8", 13) == "vorgeschlagen"  # the source's own suggestion stays as it was
    nodes = {q.subject.value for q in graph_quads(store, SUGGESTIONS_GRAPH)}
    assert not any("/O11/sdg/12/" in n or "/O7/sdg/13/" in n or "/O1/sdg/13/" in n for n in nodes)


def test_running_the_suggester_twice_changes_nothing(store):
    suggest_store(store, now=NOW)
    first = set(graph_quads(store, SUGGESTIONS_GRAPH))
    suggest_store(store, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert set(graph_quads(store, SUGGESTIONS_GRAPH)) == first


# -- Decisions -------------------------------------------------------------------------------------


def test_a_decision_records_who_decided_when_and_which_suggestion_it_settles(store):
    suggest_store(store, now=NOW)
    record = decide(store, "O11", "12", "bestaetigt", user="erika", now=NOW)
    assert record["status"] == "bestaetigt" and record["user"] == f"{ID}nutzer/erika"
    assert record["time"] == "2025-06-02T08:30:00Z"
    node = ox.NamedNode(record["assignment"])
    prov = "http://www.w3.org/ns/prov#"
    facts = {
        (q.predicate.value, q.object.value)
        for q in store.quads(str(IRIS.graph(DECISIONS_GRAPH)))
        if q.subject == node
    }
    assert (f"{prov}wasAttributedTo", f"{ID}nutzer/erika") in facts
    assert (f"{prov}generatedAtTime", "2025-06-02T08:30:00Z") in facts
    assert ("https://w3id.org/bildungsnetz/ontology#methode", "manuell") in facts
    assert (f"{prov}wasDerivedFrom", f"{ID}angebot/O11/sdg/12/vorschlag") in facts
    assert record["target"] == "12.5"  # taken over from the suggestion
    # The settled suggestion has left the suggestions graph; the pair is now confirmed.
    assert not any(
        q.subject.value.endswith("/O11/sdg/12/vorschlag") for q in graph_quads(store, SUGGESTIONS_GRAPH)
    )
    assert status(store, "O11", 12) == "bestaetigt"


def test_deciding_again_replaces_the_earlier_decision(store):
    decide(store, "O3", 13, "abgelehnt", user="erika", now=NOW)
    decide(store, "O3", 13, "confirmed", user="jonas", now=NOW)
    node = f"{ID}angebot/O3/sdg/13/entscheidung"
    statuses = [
        q.object.value
        for q in graph_quads(store, DECISIONS_GRAPH)
        if q.subject.value == node and q.predicate.value.endswith("#status")
    ]
    assert statuses == ["https://w3id.org/bildungsnetz/vocab/zuordnungsstatus/bestaetigt"]


def test_stored_suggestions_and_decisions_conform_to_the_shapes(store):
    suggest_store(store, now=NOW)
    decide(store, "O11", 12, "bestaetigt", user="erika", now=NOW)
    data = rdflib.Dataset()
    reference = rdflib.Graph()
    reference += reference_graph()  # a copy: the cached reference graph must not change
    for q in store.quads():
        s, p, o = (
            rdflib.URIRef(t.value)
            if isinstance(t, ox.NamedNode)
            else rdflib.Literal(t.value, datatype=rdflib.URIRef(t.datatype.value))
            for t in q.triple
        )
        target = SUGGESTIONS_GRAPH in q.graph_name.value or DECISIONS_GRAPH in q.graph_name.value
        (data.graph(rdflib.URIRef(q.graph_name.value)) if target else reference).add((s, p, o))
    report = validate(data, reference=reference)
    assert report.conforms, report.to_text("en")


@pytest.mark.parametrize(
    ("offer", "sdg", "decision", "user", "error", "text"),
    [
        ("O99", 13, "bestaetigt", "erika", UnknownOffer, "O99"),
        ("O1", 18, "bestaetigt", "erika", SdgParameterError, '"sdg"'),
        ("O1", 13, "vielleicht", "erika", SdgParameterError, '"status"'),
        ("O1", 13, "bestaetigt", " ", SdgParameterError, '"user"'),
    ],
)
def test_a_bad_decision_is_refused_naming_the_parameter(store, offer, sdg, decision, user, error, text):
    with pytest.raises(error, match=text):
        decide(store, offer, sdg, decision, user=user)
    assert graph_quads(store, SUGGESTIONS_GRAPH) == []


def test_an_unknown_offer_is_a_404(store):
    with pytest.raises(UnknownOffer) as info:
        offer_suggestions(store, "O99")
    assert info.value.http_status == 404


def test_the_offer_view_shows_stored_states_and_fresh_suggestions_for_undecided_goals(store):
    view = offer_suggestions(store, "O7")
    assert [(a["sdg"], a["status"], a["source"]) for a in view["assignments"]] == [
        (13, "abgelehnt", "entscheidung")
    ]
    assert all(s["sdg"] != 13 for s in view["suggestions"])
    assert offer_suggestions(store, "O11")["suggestions"][0]["sdg"] == 12


# -- Coverage -----------------------------------------------------------------------------------------


def test_coverage_counts_confirmed_running_offers_and_distinct_providers(store):
    data = coverage(store, on=DAY)
    cells = {(c["sdg"], c["districtLabel"]): (c["offers"], c["providers"]) for c in data["by_district"]}
    assert cells[(13, "Nord")] == (3, 3)  # O1, O4, O5
    assert cells[(13, "Süd")] == (2, 1)  # O2 (staff decision) and O3, both by the VHS; not O6, O7, O8, O10
    assert cells[(15, "Nord")] == (1, 1)
    assert cells[(4, "gesamtstädtisch")] == (1, 1)
    totals = {s["sdg"]: (s["offers"], s["providers"]) for s in data["sdgs"]}
    assert totals[13] == (5, 4) and totals[1] == (0, 0)
    groups = {(c["sdg"], c["group"]): c["offers"] for c in data["by_group"]}
    assert groups[(13, "erwachsene")] == 2 and groups[(13, "kinder-u6")] == 1


def test_coverage_gaps_list_empty_cells_and_single_providers(store):
    gaps = coverage(store, on=DAY)["gaps"]
    single = {(g["sdg"], g["districtLabel"], g["providerLabel"]) for g in gaps["single_provider_district"]}
    assert single == {(13, "Süd", "VHS Süd"), (15, "Nord", "Kita Nord-Ost")}
    empty = {(g["sdg"], g["districtLabel"]) for g in gaps["no_offer_district"]}
    assert (15, "Süd") in empty and (13, "Nord") not in empty and len(empty) == 17 * 2 - 3


def test_coverage_by_education_stage(store):
    data = coverage(store, dimension="bildungsphase", on=DAY)
    stages = {(c["sdg"], c["group"]): c["offers"] for c in data["by_group"]}
    assert stages[(13, "weiterbildung")] == 2 and stages[(13, "primar")] == 1
    with pytest.raises(SdgParameterError, match="dimension"):
        coverage(store, dimension="alter")


# -- Partners -----------------------------------------------------------------------------------------


def test_partners_are_ranked_by_nearness_then_network_distance(store):
    ranked = partner_suggestions(store, "100001", 13, on=DAY)
    assert [(p["label"], p["nearness"], p["networkDistance"]) for p in ranked] == [
        ("Umweltverein Nord-Mitte", "stadtteil", None),
        ("Jugendhaus Nord-Ost", "stadtbezirk", 1),  # a direct cooperation partner of the school
        ("Kita Nord-Ost", "stadtbezirk", None),
        ("VHS Süd", "stadt", 1),  # same network as the school, but in the other Stadtbezirk
    ]
    assert [o["offerId"] for o in ranked[-1]["offers"]] == ["O2", "O3"]
    assert [p["rank"] for p in ranked] == [1, 2, 3, 4]


def test_partners_for_a_target_only_count_offers_confirmed_for_that_target(store):
    assert [p["label"] for p in partner_suggestions(store, "100001", "4.7", on=DAY)] == ["VHS Süd"]
    assert partner_suggestions(store, "100001", "4.5", on=DAY) == []


def test_an_unknown_actor_is_refused(store):
    with pytest.raises(UnknownActor, match="GIBTSNICHT"):
        partner_suggestions(store, "GIBTSNICHT", 13)


# -- Report -------------------------------------------------------------------------------------------


def test_the_html_report_is_self_contained_with_a_heat_map_and_gap_lists(store, tmp_path):
    path = write_sdg_report(store, tmp_path / "sdg.html", on=DAY)
    page = path.read_text(encoding="utf-8")
    assert '<table class="heat">' in page and "SDG × Stadtbezirk" in page
    assert "nur / only: VHS Süd" in page  # the single-provider gap
    assert "background:#f8d7d3" in page  # empty cells are marked
    assert "<script" not in page and "http" not in page.split("<body>", 1)[1]


def test_the_xlsx_report_has_coloured_heat_maps_and_a_gap_sheet(store, tmp_path):
    from openpyxl import load_workbook

    path = write_sdg_report(store, tmp_path / "sdg.xlsx", on=DAY)
    book = load_workbook(path)
    assert book.sheetnames == ["SDG x Stadtbezirk", "SDG x Zielgruppe", "Lücken"]
    sheet = book["SDG x Stadtbezirk"]
    header = [c.value for c in sheet[1]]
    row13 = [c.value for c in sheet[14]]
    assert row13[header.index("Nord")] == 3 and row13[header.index("Süd")] == 2
    assert sheet.conditional_formatting and len(list(sheet.conditional_formatting)) == 1
    kinds = {r[0] for r in book["Lücken"].iter_rows(min_row=2, values_only=True)}
    assert "ein Anbieter (Bezirk)" in kinds


def test_a_report_with_an_unknown_suffix_is_refused(store, tmp_path):
    with pytest.raises(Exception, match=r"\.html oder \.xlsx"):
        write_sdg_report(store, tmp_path / "sdg.pdf")


def test_a_decision_changes_only_its_own_statements_on_every_store(each_store):
    """The review queue's decision writes its change alone (``change_graphs``): the same result on every store."""
    store = each_store
    graphs: dict[str, list[ox.Triple]] = {}
    for q in ox.parse(path=str(FIXTURE), format=ox.RdfFormat.TRIG):
        graphs.setdefault(q.graph_name.value, []).append(q.triple)
    store.replace_graphs(graphs)
    suggest_store(store, now=NOW)

    def held(name: str) -> set[str]:
        return {str(q.triple) for q in graph_quads(store, name)}

    decisions, suggestions = held(DECISIONS_GRAPH), held(SUGGESTIONS_GRAPH)
    decide(store, "O11", "12", "bestaetigt", user="erika", now=NOW)
    decide(store, "O11", "12", "abgelehnt", user="jonas", now=NOW)
    node = f"<{ID}angebot/O11/sdg/12/entscheidung>"
    mine = held(DECISIONS_GRAPH) - decisions
    assert held(DECISIONS_GRAPH) - mine == decisions  # nothing else in the decisions graph changed
    assert all(node in t for t in mine) and any("jonas" in t for t in mine) and not any("erika" in t for t in mine)
    assert any(t.endswith("zuordnungsstatus/abgelehnt>") for t in mine)
    settled = f"<{ID}angebot/O11/sdg/12/vorschlag>"
    assert held(SUGGESTIONS_GRAPH) == {t for t in suggestions if settled not in t}
    assert status(store, "O11", 12) == "abgelehnt"
