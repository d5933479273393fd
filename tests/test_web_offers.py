"""The offer catalogue and mediations in a real browser (the pattern and fixtures of test_web.py) and over REST."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest
from typer.testing import CliRunner

from bildungsnetz.cli import app
from conftest import INTERN, REDAKTION, LiveServer, stored
from test_web import _login, browser, site, web  # noqa: F401 - the browser fixtures of test_web.py


@pytest.fixture(scope="module")
def live(demo_graphs, tmp_path_factory) -> Iterator[LiveServer]:
    """A demo server of its own: these tests record mediations."""
    with LiveServer(stored(demo_graphs, tmp_path_factory.mktemp("api-offers"))) as server:
        yield server


def _school_with_offers(base: str) -> tuple[dict, dict]:
    """A school and a current offer of a provider in its Stadtbezirk, found the way a user would (REST)."""
    schools = httpx.get(base + "/api/actors", params={"typ": "schule", "limit": 200}, timeout=60).json()["items"]
    for school in schools:
        if not school.get("district"):
            continue
        offers = httpx.get(base + "/api/offers", params={"stadtbezirk": school["district"], "limit": 5},
                           timeout=60).json()["items"]  # fmt: skip
        if offers:
            return school, offers[0]
    raise AssertionError("the demo city has a school with offers in its district")


# -- the browser -----------------------------------------------------------------------------------------


def test_redaktion_finds_an_offer_for_a_school_and_records_its_mediation(web, site):  # noqa: F811 - fixtures of test_web.py
    page = web.page
    school, _ = _school_with_offers(site.url)
    _login(web, REDAKTION)
    web.go("/angebote")
    page.select_option("#f-sb", school["district"])
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    rows = page.locator("#angebote tbody tr")
    assert rows.count() >= 1 and "Kein Angebot" not in rows.first.inner_text()
    title = rows.first.locator("a").inner_text()
    web.shot("20-angebote")
    rows.first.locator("a").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == title
    page.fill("#v-inst", school["id"])
    page.select_option("#v-status", "vermittelt")
    page.fill("#v-note", "Klasse 4b, ab Montag")
    page.click("#vermitteln button[type=submit]")
    page.wait_for_load_state()
    assert "Die Vermittlung ist erfasst" in page.inner_text("main")
    row = page.locator("#vermittlungen-tabelle tbody tr", has_text="Klasse 4b")
    assert school["label"] in row.inner_text() and row.locator("select").input_value() == "vermittelt"
    web.shot("21-vermittelt")
    # Later it took place: the status changes in the same table
    row.locator("select").select_option("durchgefuehrt")
    row.locator("button").click()
    page.wait_for_load_state()
    row = page.locator("#vermittlungen-tabelle tbody tr", has_text="Klasse 4b")
    assert row.locator("select").input_value() == "durchgefuehrt"

    # The school's page shows what it was offered and has taken
    row.locator("a").click()
    page.wait_for_load_state()
    taken = page.locator("#erhaltene tbody tr", has_text=title)
    assert "durchgeführt" in taken.inner_text()
    # The recording is a version of the source vermittlungen, which the sources page can undo
    web.go("/quellen/vermittlungen")
    assert "vermittlungen@" in page.inner_text("main")


def test_anonymous_visitors_see_no_mediation_form_and_a_wrong_institution_changes_nothing(web, site):  # noqa: F811 - fixtures of test_web.py
    page = web.page
    _, offer = _school_with_offers(site.url)
    web.go(f"/angebote/{offer['id']}")
    assert page.locator("#vermitteln").count() == 0
    before = page.locator("#vermittlungen-tabelle tbody tr").count()
    _login(web, REDAKTION)
    web.go(f"/angebote/{offer['id']}")
    page.fill("#v-inst", "GIBT-ES-NICHT")
    page.click("#vermitteln button[type=submit]")
    page.wait_for_load_state()
    assert "GIBT-ES-NICHT" in page.inner_text("main") and "nicht gefunden" in page.inner_text("main")
    assert web.errors == ["Failed to load resource: the server responded with a status of 404 (Not Found)"]
    web.errors.clear()  # the refusal page answers 404, as it should; the browser logs that
    web.go(f"/angebote/{offer['id']}")
    assert page.locator("#vermittlungen-tabelle tbody tr").count() == before


def test_the_mediations_page_and_the_command_line_give_the_same_figures_per_district(live):
    page = httpx.get(live.url + "/vermittlungen", timeout=120).text
    cells = re.findall(r'<tr><th scope="row"><a [^>]*>([^<]+)</a></th><td>[^<]*</td><td>(\d+)</td><td>(\d+)</td>', page)
    assert len(cells) >= 10 and sum(int(r) for _, r, _ in cells) > 0
    result = CliRunner().invoke(app, ["vermittlung", "districts", "--format", "json", "--store",
                                      str(live.service.settings.store)])  # fmt: skip
    assert result.exit_code == 0, result.output
    cli = {d["label"]: (str(d["reached"]), str(d["done"])) for d in json.loads(result.output)}
    assert {label: (reached, done) for label, reached, done in cells} == cli


# -- REST ----------------------------------------------------------------------------------------------------


def test_rest_records_a_mediation_for_redaktion_only_and_lists_it_without_the_person(live):
    school, offer = _school_with_offers(live.url)
    body = {"offer": offer["id"], "institution": school["id"], "status": "durchgeführt", "date": "2026-11-02"}
    anonymous = httpx.post(live.url + "/api/mediations", json=body, timeout=60)
    assert anonymous.status_code == 401 and anonymous.json()["ok"] is False
    headers = {"Authorization": f"Bearer {REDAKTION}"}
    made = httpx.post(live.url + "/api/mediations", json=body, headers=headers, timeout=60)
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "durchgefuehrt" and made.json()["version"].startswith("vermittlungen@")
    listed = httpx.get(live.url + "/api/mediations", params={"institution": school["id"]}, timeout=60).json()
    mine = [m for m in listed["items"] if m["id"] == made.json()["id"]]
    assert [(m["offer_id"], m["status"], m["date"]) for m in mine] == [(offer["id"], "durchgefuehrt", "2026-11-02")]
    assert "token-" not in str(listed) and "nutzer" not in str(listed)
    changed = httpx.post(f"{live.url}/api/mediations/{made.json()['id']}/status", json={"status": "abgelehnt"},
                         headers=headers, timeout=60)  # fmt: skip
    assert changed.status_code == 200 and changed.json()["status"] == "abgelehnt"
    missing = httpx.post(live.url + "/api/mediations/V-99999/status", json={"status": "abgelehnt"},
                         headers=headers, timeout=60)  # fmt: skip
    assert missing.status_code == 404 and "V-99999" in missing.json()["error"]


def test_rest_offer_catalogue_filters_by_field_of_action_and_cost(live):
    free = httpx.get(live.url + "/api/offers", params={"maxkosten": 0, "limit": 1000}, timeout=60).json()["items"]
    assert free and all(o["cost"] == 0 for o in free)
    field = httpx.get(live.url + "/api/offers", params={"handlungsfeld": "MINT-Bildung", "limit": 1000},
                      timeout=60).json()["items"]  # fmt: skip
    assert field and all("mint" in o["fields"] for o in field)
    bad = httpx.get(live.url + "/api/offers", params={"handlungsfeld": "Raumfahrt"}, timeout=60)
    assert bad.status_code == 400 and "handlungsfeld" in bad.json()["error"]


def test_the_offer_page_shows_the_providers_contact_persons_only_to_intern(web, site):  # noqa: F811 - fixtures of test_web.py
    page = web.page
    offers = httpx.get(site.url + "/api/offers", params={"limit": 200}, timeout=60).json()["items"]
    _login(web, INTERN)
    for offer in offers:  # an offer whose provider has a contact person (the demo gives most actors one)
        web.go(f"/angebote/{offer['id']}")
        names = page.locator("section[aria-labelledby=kontakt-h] li")
        if names.count() and names.first.inner_text() != "keine":
            break
    else:
        raise AssertionError("no offer of the demo city has a provider with a contact person")
    person = names.first.inner_text().split(" (")[0].split(" · ")[0]
    page.context.clear_cookies()
    web.go(f"/angebote/{offer['id']}")
    assert page.locator("#kontakt-h").count() == 0 and person not in page.content()


# -- Fördermittel ---------------------------------------------------------------------------------------------


def test_a_user_sees_what_the_end_of_a_programme_would_cut(web, site):  # noqa: F811 - fixtures of test_web.py
    page = web.page
    web.go("/programme")
    ending = page.locator("#endet-12 a")
    assert ending.count() >= 1, page.inner_text("main")  # the demo's grants of this year end on 31 December
    code = ending.first.inner_text()
    web.shot("30-foerdermittel")
    ending.first.click()
    page.wait_for_load_state()
    api = httpx.get(f"{site.url}/api/programmes/{code}", timeout=120).json()
    dep = api["dependency"]
    cut = page.inner_text("#abhaengigkeit")
    assert f"{len(dep['ends']['partnerships'])} Kooperationen enden" in cut
    assert f"{dep['lost_ties']} Beziehungen im Netz fallen weg" in cut
    assert f"{len(dep['newly_isolated'])} Akteure stehen ohne Partner da" in cut
    for actor in dep["newly_isolated"]:
        assert actor["label"] in cut
    total = f"{api['totals']['total']:,.0f}".replace(",", ".")
    assert page.inner_text("#summe").startswith(f"{total} €")
    web.shot("31-programm")


def test_programme_figures_agree_on_the_page_list_rest_and_command_line(live):
    listing = httpx.get(live.url + "/api/programmes", timeout=120).json()
    by_code = {p["programmeCode"]: p for p in listing["programmes"]}
    assert len(by_code) == len(listing["programmes"])  # each programme once, not once per label language
    code = max(by_code, key=lambda c: by_code[c]["grants"])
    api = httpx.get(f"{live.url}/api/programmes/{code}", timeout=120).json()
    assert api["totals"]["total"] == pytest.approx(by_code[code]["total"])
    assert api["totals"]["grants"] == by_code[code]["grants"]
    assert sum(api["totals"]["by_year"].values()) == pytest.approx(api["totals"]["total"])
    result = CliRunner().invoke(app, ["programme", code, "--format", "json", "--store",
                                      str(live.service.settings.store)])  # fmt: skip
    assert result.exit_code == 0, result.output
    cli = json.loads(result.output)
    assert cli["totals"] == api["totals"]
    assert {k: len(v) for k, v in cli["dependency"]["ends"].items()} == {
        k: len(v) for k, v in api["dependency"]["ends"].items()
    }
    assert (cli["dependency"]["lost_ties"], cli["dependency"]["newly_isolated"]) == (
        api["dependency"]["lost_ties"], api["dependency"]["newly_isolated"])
    assert httpx.get(live.url + "/api/programmes/gibt-es-nicht", timeout=60).status_code == 404
