"""The analysis over HTTP: a district's network for a viewer, isolates, brokers, transitions, the gap report."""

from __future__ import annotations

import httpx
import pytest

from conftest import LiveServer


@pytest.fixture(scope="module")
def live(embedded) -> LiveServer:
    """The shared read-only demo server (conftest.py): the analysis only reads."""
    return embedded


def get(live, path, **params):
    return httpx.get(live.url + path, params=params, timeout=120)


def test_a_district_network_has_nodes_with_measures_and_edges_between_them(live):
    r = get(live, "/api/districts/Hörde/network", date="2026-06-30")
    assert r.status_code == 200, r.text
    body = r.json()
    ids = {n["id"] for n in body["nodes"]}
    assert body["nodes"] and all(e["source"] in ids and e["target"] in ids for e in body["edges"])
    own = [n for n in body["nodes"] if not n.get("external")]
    assert own and all("betweenness" in n for n in own)


def test_isolates_brokers_and_transitions_answer_per_district(live):
    for path in ("/api/analysis/isolates", "/api/analysis/brokers", "/api/analysis/transitions"):
        r = get(live, path, date="2026-06-30")
        assert r.status_code == 200, (path, r.text)
    brokers = get(live, "/api/analysis/brokers", stadtbezirk="8", date="2026-06-30").json()
    assert "8" in str(brokers)


def test_the_gap_report_comes_as_html_and_xlsx(live):
    html = get(live, "/api/reports/gaps", format="html", date="2026-06-30")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "Stadtbezirk" in html.text and "<script src" not in html.text
    xlsx = get(live, "/api/reports/gaps", format="xlsx", date="2026-06-30")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_an_unknown_district_is_one_json_error_naming_the_parameter(live):
    r = get(live, "/api/analysis/brokers", stadtbezirk="Hombrch")
    assert r.status_code == 400
    body = r.json()
    assert body["ok"] is False and "Hombruch" in body["error"]


def test_the_api_and_the_web_pages_compute_one_analysis_per_date(live, monkeypatch):
    from bildungsnetz.api import service as service_module
    from bildungsnetz.web.data import analysis

    real = service_module.run_analysis
    calls = []

    def counted(data, **options):
        if options.get("ebene", "stadtbezirk") == "stadtbezirk":
            calls.append(options)
        return real(data, **options)

    monkeypatch.setattr(service_module, "run_analysis", counted)
    # as after an import: nothing computed yet, and the background start of the pages' analysis begins
    live.service.refresh()
    answers = [get(live, f"/api/analysis/{part}") for part in ("isolates", "brokers", "transitions")]
    assert all(r.status_code == 200 for r in answers), [r.text for r in answers]
    page = analysis(live.service)  # what the district and actor pages read
    assert page.result["date"] == answers[1].json()["date"]
    assert page.result["city"]["brokers"] == answers[1].json()["city"]
    assert len(calls) == 1, calls


def test_the_gap_report_ranks_need_by_the_indicator_level_and_children_asked_for_as_the_cli_does(live):
    from bildungsnetz.report.gaps import _num

    asked = {"need": "kinderarmut", "level": "stadtbezirk", "children": "kinder-zahl", "date": "2026-06-30"}
    report = get(live, "/api/reports/gaps", format="md", **asked)
    assert report.status_code == 200, report.text
    section = report.text.split("### Hoher Bedarf, dünnes Netz (kinderarmut, ")[1].split("\n\n")[1]
    head, _, *lines = section.splitlines()
    assert "| Stadtbezirk |" in head and lines
    # the figures of need versus network (one function for the REST ranking, the report and the CLI's report)
    ranking = get(live, "/api/indicators/need", **asked).json()["rows"]
    shown = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    assert [(r[2], r[8]) for r in shown] == [
        (x["area_name"], _num(x["offers_per_1000_children"], 2)) for x in ranking[:len(shown)]
    ]
    assert get(live, "/api/reports/gaps", format="md", level="bezirk").status_code in (400, 422)
