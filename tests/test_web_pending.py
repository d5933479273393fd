"""Pages answer at once while the whole-city analysis is still computed after a start: they say so and show
the district's own data, and the figures once the background computation is done."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from bildungsnetz.app import create_app
from bildungsnetz.web.data import coverage, decided_pairs
from conftest import REDAKTION, stored

#: Safety net only: the held computations go on after this long even if a test forgets to release them
#: (before pages stopped waiting for the analysis, a page then answered late, with figures, and the test failed).
_HOLD_LIMIT = 30


@pytest.fixture
def held(monkeypatch):
    """The whole-city analysis and the SDG coverage, each held until the test releases it."""
    import bildungsnetz.api.service as service_module
    import bildungsnetz.web.data as data_module

    release = threading.Event()
    analysis, coverage = service_module.run_analysis, data_module.sdg_coverage

    def held_analysis(*args, **kwargs):
        release.wait(_HOLD_LIMIT)
        return analysis(*args, **kwargs)

    def held_coverage(*args, **kwargs):
        release.wait(_HOLD_LIMIT)
        return coverage(*args, **kwargs)

    monkeypatch.setattr(service_module, "run_analysis", held_analysis)
    monkeypatch.setattr(data_module, "sdg_coverage", held_coverage)
    try:
        yield release
    finally:
        release.set()


def _login(client: TestClient) -> None:
    csrf = client.get("/anmelden").text.split('name="csrf" value="')[1].split('"')[0]
    client.post("/anmelden", data={"token": REDAKTION, "csrf": csrf, "next": "/"})


def test_pages_say_the_analysis_is_computed_and_show_it_when_ready(held, demo_graphs, tmp_path):
    settings = stored(demo_graphs, tmp_path, sparql_workers=1)
    with TestClient(create_app(settings)) as client:
        _login(client)
        service = client.app.state.service
        service.city_data()  # read (not held) before the analysis: the review queue needs it, and
        decided_pairs(service)  # the pairs decided already
        district = client.get("/gebiet/stadtbezirk/1")
        assert district.status_code == 200
        assert "Netzwerkanalyse der Stadt wird berechnet" in district.text
        assert 'data-reload="' in district.text and "Jetzt neu laden" in district.text
        assert 'id="map-h"' in district.text and 'id="nw-h"' in district.text  # the district's own data
        assert 'id="fig-h"' not in district.text

        actor = client.get("/akteur/D-000001")
        assert actor.status_code == 200 and "Netzwerkanalyse der Stadt wird berechnet" in actor.text
        assert 'id="partners-h"' in actor.text

        sdgs = client.get("/sdgs")
        assert sdgs.status_code == 200
        assert "SDG-Abdeckung wird berechnet" in sdgs.text and 'class="heat"' not in sdgs.text
        assert 'id="ziel-select"' in sdgs.text and "data-queue" in sdgs.text  # goals and the review queue work

        held.set()
        service.analysis()  # waits for the one computation under way, started at app start
        coverage(service)  # the same for the coverage
        district = client.get("/gebiet/stadtbezirk/1")
        assert 'id="fig-h"' in district.text
        assert "Netzwerkanalyse der Stadt wird berechnet" not in district.text
        assert 'class="heat"' in client.get("/sdgs").text


def test_an_sdg_decision_keeps_the_network_analysis_and_needs_no_recomputation(demo_graphs, tmp_path, monkeypatch):
    import re

    import bildungsnetz.api.service as service_module
    from bildungsnetz.web.data import decided_pairs

    settings = stored(demo_graphs, tmp_path, sparql_workers=1)
    with TestClient(create_app(settings)) as client:
        _login(client)
        service = client.app.state.service
        service.analysis()
        decided_pairs(service)  # the review queue is read in the background too: the page lists it once read
        levels = []  # what is analysed from now on (the start's background work may still do the Stadtteile)
        analysis = service_module.run_analysis

        def counted(*args, **kwargs):
            levels.append(kwargs["ebene"])
            return analysis(*args, **kwargs)

        monkeypatch.setattr(service_module, "run_analysis", counted)
        page = client.get("/sdgs").text
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        pair = re.search(r'name="offer" value="([^"]+)">\s*<input type="hidden" name="sdg" value="([^"]+)">', page)
        decision = {"offer": pair[1], "sdg": pair[2], "status": "bestaetigt", "csrf": csrf}
        answer = client.post("/sdgs/entscheidung", data=decision, headers={"Accept": "application/json"})
        assert answer.status_code == 200
        # the read copy took the decision's change (no graph copied whole): it holds what the store holds
        from bildungsnetz.sdg.workflow import DECISIONS_GRAPH, SUGGESTIONS_GRAPH

        for name in (DECISIONS_GRAPH, SUGGESTIONS_GRAPH):
            graph = str(service.iris.graph(name))
            assert sorted(map(str, service.reader.quads(graph))) == sorted(map(str, service.store.quads(graph)))
        assert service.reader is not service.store
        service.analysis()  # the district pages' analysis: still there, not computed again after the decision
        assert "stadtbezirk" not in levels
        assert 'id="fig-h"' in client.get("/gebiet/stadtbezirk/1").text


def test_the_start_page_shows_its_key_figures_once_counted_in_the_background(demo_graphs, tmp_path, monkeypatch):
    import time

    import bildungsnetz.web.data as data_module

    release = threading.Event()
    query = data_module.web_query

    def held(service, name, *args, **kwargs):
        if name == "key-figures":  # a count over the whole city: seconds at 20,000 actors
            release.wait(_HOLD_LIMIT)
        return query(service, name, *args, **kwargs)

    monkeypatch.setattr(data_module, "web_query", held)
    settings = stored(demo_graphs, tmp_path, sparql_workers=1)
    try:
        with TestClient(create_app(settings)) as client:
            start = client.get("/")
            assert start.status_code == 200 and 'class="bezirk">Hörde<' in start.text  # the districts at once
            assert 'id="figures-pending"' in start.text and 'data-reload="' in start.text
            assert 'class="figures"' not in start.text
            release.set()
            for _ in range(300):
                if 'class="figures"' in (start := client.get("/")).text:
                    break
                time.sleep(0.1)
            assert "<dd>150</dd>" in start.text and 'id="figures-pending"' not in start.text  # the 150 actors
    finally:
        release.set()
