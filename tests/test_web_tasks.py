"""Every task in the browser: the demo login, the offline API docs, SDG suggestions for a text, the partner finder
(Debian's Chromium, headless, driven by Playwright, on uvicorn)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest

import test_web
from conftest import REDAKTION, LiveServer, demo_city, stored
from test_web import Watched, _browser_or_skip, _login

# The browser fixtures of test_web, shared (their ``site`` is this module's, with the demo login).
browser = test_web.browser
web = test_web.web

KLIMA_TITLE = "Klimadetektive an der Grundschule"
KLIMA_TEXT = "Kinder erforschen, wo an ihrer Schule Energie verschwendet wird, und lernen über den Klimawandel."


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[LiveServer]:
    """A demo city of 300 actors with its demo login, served over HTTP, with one token of each role."""
    from bildungsnetz.demo.login import ensure_login

    _browser_or_skip()
    settings = stored(demo_city(300), tmp_path_factory.mktemp("web-tasks"), sparql_workers=1)
    ensure_login(settings.store)
    with LiveServer(settings) as server:
        yield server


def test_the_demo_login_signs_in_and_opens_the_import_page_and_the_review_queue(web, site):
    from bildungsnetz.demo.login import ensure_login

    page = web.page
    web.go("/anmelden")
    assert "bildungsnetz demo" in page.inner_text("#demo-hinweis")
    _login(web, ensure_login(site.app.state.service.settings.store))
    assert "Demo" in page.inner_text("header .role")
    web.go("/import")
    assert page.locator("input[type=file]").count() >= 1  # the upload form, not the login form
    assert page.locator("#token").count() == 0
    web.go("/sdgs")
    assert page.locator("table.queue").count() == 1
    web.shot("20-demo-login-queue")


def test_api_docs_and_redoc_load_with_nothing_from_the_internet(site, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    try:
        web = Watched(context.new_page(), site.url)
        page = web.page
        web.go("/docs")
        page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
        assert "bildungsnetz" in page.inner_text(".swagger-ui .info .title")
        assert page.locator(".swagger-ui .opblock").count() > 10  # the operations, read from /openapi.json
        web.shot("21-docs", full_page=False)  # the whole API, pages long: the top is the picture
        web.go("/redoc")
        page.wait_for_selector("h1", timeout=30_000)
        assert "bildungsnetz" in page.inner_text("h1")
        page.wait_for_load_state("networkidle")
        web.shot("22-redoc", full_page=False)
    finally:
        context.close()
    # ReDoc runs its search in a worker made from a blob: URL, which is memory in the page, not a request.
    leaving = [u for u in web.requests if not re.match(r"^(blob:)?http://127\.0\.0\.1:\d+/|^data:", u)]
    assert leaving == [] and web.errors == [], (leaving, web.errors)


def test_sdg_suggestions_show_their_evidence_and_saving_needs_redaktion(web, site):
    page = web.page
    web.go("/sdg-vorschlag")
    page.fill("#titel", KLIMA_TITLE)
    page.fill("#text", KLIMA_TEXT)
    page.click("form[action='/sdg-vorschlag'] button[type=submit]")
    page.wait_for_load_state()
    table = page.inner_text("#vorschlag-tabelle")
    assert "13" in table and "Klimaschutz" in table
    assert "Klimawandel" in [m.inner_text() for m in page.locator("#vorschlag-tabelle mark").all()]
    web.shot("24-sdg-suggest")
    # Anonymous: no save form, and a save sent anyway (with a valid CSRF token) is refused.
    assert page.locator("#speichern").count() == 0 and page.locator("#speichern-anmelden").count() == 1
    offer = page.request.get(site.url + "/api/offers", params={"sdg": "4", "limit": "1"}).json()["items"][0]["id"]
    web.go("/anmelden")
    csrf = page.get_attribute("form[action='/anmelden'] input[name=csrf]", "value")
    refused = page.request.post(site.url + "/sdg-vorschlag/speichern", form={"offer": offer, "sdg": "13", "csrf": csrf})
    assert refused.status == 401 and 'name="token"' in refused.text()

    _login(web, REDAKTION)
    web.go("/sdg-vorschlag?titel=" + KLIMA_TITLE + "&text=" + KLIMA_TEXT)
    page.fill("#angebot", offer)
    page.click("#speichern button[type=submit]")
    page.wait_for_load_state()
    assert offer in page.inner_text("#gespeichert")
    stored_pairs = page.request.get(f"{site.url}/api/offers/{offer}/sdg-suggestions").json()["assignments"]
    assert any(a["sdg"] == 13 and a["status"] == "bestaetigt" for a in stored_pairs)

    web.go("/sdg-vorschlag?titel=" + KLIMA_TITLE + "&text=" + KLIMA_TEXT)
    provider = page.request.get(site.url + "/partner/akteure.json", params={"q": "Gesamtschule"}).json()[0]["id"]
    page.fill("#neu-id", "WEB-NEU-1")
    page.fill("#neu-anbieter", provider)
    page.click("#neues-angebot button[type=submit]")
    page.wait_for_load_state()
    assert "WEB-NEU-1" in page.inner_text("#angelegt")
    created = page.request.get(f"{site.url}/api/offers/WEB-NEU-1/sdg-suggestions").json()
    assert created["title"] == KLIMA_TITLE
    assert any(a["sdg"] == 13 and a["status"] == "bestaetigt" for a in created["assignments"])


def test_a_new_offer_with_an_unknown_provider_is_refused_and_nothing_is_saved(web, site):
    page = web.page
    _login(web, REDAKTION)
    web.go("/sdg-vorschlag?titel=" + KLIMA_TITLE + "&text=" + KLIMA_TEXT)
    page.fill("#neu-id", "WEB-NEU-2")
    page.fill("#neu-anbieter", "GIBT-ES-NICHT-77")
    page.click("#neues-angebot button[type=submit]")
    page.wait_for_load_state()
    message = page.inner_text("#fehler")
    assert "GIBT-ES-NICHT-77" in message and "anbieter" in message and "nichts gespeichert" in message
    assert page.request.get(f"{site.url}/api/offers/WEB-NEU-2/sdg-suggestions").status == 404
    # The refused form answers 400, which the browser logs; nothing else may have gone wrong.
    assert web.errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    web.errors.clear()


def test_the_partner_finder_completes_a_partly_typed_school_name_and_lists_partners(web, site):
    from openpyxl import load_workbook

    page = web.page
    web.go("/partner")
    page.locator("#partner-name").press_sequentially("Gesamtsch", delay=30)
    page.locator("#partner-namen option").first.wait_for(state="attached")  # filled from /partner/akteure.json
    label = page.locator("#partner-namen option").first.get_attribute("value")
    page.fill("#partner-name", label)
    page.dispatch_event("#partner-name", "input")
    assert page.input_value("#partner-akteur")  # the chosen actor's id
    page.select_option("#partner-sdg", "4")
    page.click("#partner-form button[type=submit]")
    page.wait_for_load_state()
    assert label in page.inner_text("#partner-h")
    rows = page.locator("#partner-tabelle tbody tr")
    assert rows.count() > 0
    first = rows.first.inner_text()
    assert "SDG 4" in first and ("Schritt" in first or "nicht verbunden" in first)
    web.shot("23-partner")
    # Without the script: the typed part of a name is enough when one actor matches it.
    page.goto(site.url + "/partner?name=" + label[: max(6, len(label) - 3)] + "&sdg=4")
    assert page.locator("#partner-tabelle tbody tr").count() > 0 or page.locator("#kandidaten li").count() > 0
    download = page.request.get(
        site.url + "/partner.xlsx", params={"akteur": page.input_value("#partner-akteur") or "", "sdg": "4"}
    )
    assert download.ok
    sheet = load_workbook(io.BytesIO(download.body())).active
    assert [c.value for c in sheet[1]][:3] == ["rank", "actorId", "label"]


def test_the_task_pages_speak_english_after_one_click(web):
    page = web.page
    web.go("/partner")
    page.click("header .account a[hreflang=en]")
    page.wait_for_load_state()
    assert page.inner_text("h1") == "Find partners"
    web.go("/sdg-vorschlag")
    assert re.search(r"Suggest SDGs", page.inner_text("h1"))
