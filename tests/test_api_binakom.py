"""BiNaKom's SDG endpoints: suggestions with evidence, decisions by role redaktion with PROV, coverage, partners."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from conftest import REDAKTION, LiveServer, stored


@pytest.fixture(scope="module")
def live(demo_graphs, tmp_path_factory) -> Iterator[LiveServer]:
    """A demo server of its own: these tests write SDG decisions."""
    with LiveServer(stored(demo_graphs, tmp_path_factory.mktemp("api-binakom"))) as server:
        yield server


def test_coverage_lists_sdgs_by_district_with_gaps(live):
    r = httpx.get(live.url + "/api/sdgs/coverage", timeout=60)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body and any("gap" in key or "luecke" in key.lower() for key in body)


def test_suggestions_for_an_offer_carry_score_and_evidence(live):
    r = httpx.get(live.url + "/api/offers/DA-000001/sdg-suggestions", timeout=60)
    assert r.status_code == 200, r.text
    assert httpx.get(live.url + "/api/offers/GIBT-ES-NICHT/sdg-suggestions", timeout=60).status_code == 404


def test_only_redaktion_may_decide_and_the_decision_is_recorded(live):
    url = live.url + "/api/offers/DA-000001/sdgs"
    anonymous = httpx.post(url, json={"sdg": "4", "status": "bestaetigt"}, timeout=60)
    assert anonymous.status_code == 401 and anonymous.json()["ok"] is False
    headers = {"Authorization": f"Bearer {REDAKTION}"}
    decided = httpx.post(url, json={"sdg": "4", "status": "bestaetigt"}, headers=headers, timeout=60)
    assert decided.status_code == 200, decided.text
    assert "token-" in str(decided.json()) and REDAKTION not in str(decided.json())
    bad = httpx.post(url, json={"sdg": "99", "status": "bestaetigt"}, headers=headers, timeout=60)
    assert bad.status_code in (400, 422) and bad.json()["ok"] is False


def test_partner_suggestions_rank_actors_with_confirmed_offers(live):
    r = httpx.get(live.url + "/api/actors/D-000010/partner-suggestions", params={"sdg": "4"}, timeout=60)
    assert r.status_code == 200, r.text
    rows = r.json()
    assert isinstance(rows, list)
    assert [row["rank"] for row in rows] == sorted(row["rank"] for row in rows)
