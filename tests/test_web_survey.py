"""The network survey in the browser: a respondent's questionnaire through the personal link (on a phone, by
keyboard, a closed round) and the staff pages of role redaktion (Debian's Chromium, headless, via Playwright)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date

import pytest

import test_web
from bildungsnetz.api.auth import hash_token, new_token
from conftest import REDAKTION, TOKENS, LiveServer, demo_city, stored
from test_web import Watched, _browser_or_skip, _login

browser = test_web.browser
PHONE = {"width": 390, "height": 844}
#: A login with both roles: redaktion to download the invitation list, intern to see contact persons in it.
BOTH = new_token()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[LiveServer]:
    """The demo city of 300 actors with one open survey round, served over HTTP; links in ``site.links``."""
    from bildungsnetz.iris import Iris
    from bildungsnetz.store import EmbeddedStore
    from bildungsnetz.survey.rounds import create_round

    _browser_or_skip()
    settings = stored(demo_city(300), tmp_path_factory.mktemp("web-survey"), sparql_workers=1)
    settings = settings.model_copy(update={"api_tokens": [*TOKENS, hash_token(BOTH, roles=["redaktion", "intern"])]})
    with EmbeddedStore(settings.store) as store:
        _, made = create_round(store, Iris(settings.base_iri), name="welle-1", title="Netzwerkbefragung Test",
                               stichtag=date(2026, 3, 1), closes=date(2099, 12, 31), city="dortmund", agent="test")
    with LiveServer(settings) as server:
        server.links = {inv.actor: inv.token for inv in made}
        server.labels = {inv.actor: inv.label for inv in made}
        yield server


def _context(browser, site, viewport):
    context = browser.new_context(viewport=viewport, locale="de-DE")
    return context, Watched(context.new_page(), site.url)


@pytest.fixture
def phone(site, browser) -> Iterator[Watched]:
    context, watched = _context(browser, site, PHONE)
    yield watched
    context.close()
    assert watched.errors == [] and watched.foreign() == []


@pytest.fixture
def web(site, browser) -> Iterator[Watched]:
    context, watched = _context(browser, site, {"width": 1280, "height": 900})
    yield watched
    context.close()
    assert watched.errors == [] and watched.foreign() == []


def _link(site, n: int) -> tuple[str, str]:
    actor = sorted(site.links)[n]
    return actor, site.links[actor]


def _stored(site, actor: str, name: str = "welle-1"):
    from bildungsnetz.survey.answers import answers_of

    service = site.service
    return answers_of(service.store, service.iris, name, actor)


def _submit(page, action: str) -> None:
    with page.expect_navigation():
        page.click(f"button[name=aktion][value={action}]")


def test_a_respondent_answers_on_a_phone_saves_a_draft_amends_and_submits(phone, site):
    actor, token = _link(site, 0)
    page = phone.page
    phone.go(f"/befragung/{token}")
    assert page.inner_text("h1") == site.labels[actor]
    # one column on a phone: nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    own = page.locator("fieldset.own input[name=partner]")
    own.nth(0).check()
    phone.shot("30-befragung-partner-phone")
    _submit(page, "weiter")
    assert "schritt=angaben" in page.url
    page.select_option("#p0_h", "4")
    page.select_option("#p0_i", "3")
    page.check("input[name=p0_k][value=angebot]")
    _submit(page, "speichern")
    assert "Entwurf gespeichert" in page.inner_text("#befragung-message")
    answers, state, _ = _stored(site, actor)
    assert state == "entwurf" and answers.partners[0].frequency == 4 and answers.partners[0].kinds == ("angebot",)
    # the draft is there again after a reload, and the answer is not submitted yet
    page.reload()
    assert page.input_value("#p0_h") == "4"
    _submit(page, "weiter")
    page.fill("#others", "VHS Dortmund\nKita Sonnenschein")
    page.check("#consent")
    phone.shot("31-befragung-einrichtung-phone")
    _submit(page, "absenden")
    assert "Vielen Dank" in page.inner_text("#befragung-message")
    phone.shot("32-befragung-danke-phone")
    answers, state, submitted = _stored(site, actor)
    assert state == "beantwortet" and submitted is not None
    assert set(answers.others) == {"VHS Dortmund", "Kita Sonnenschein"}
    # amend: a second partner, submitted again
    page.click("text=Antworten ändern")
    page.wait_for_load_state()
    page.locator("fieldset.own input[name=partner]").nth(1).check()
    _submit(page, "weiter")
    page.select_option("#p1_h", "2")
    _submit(page, "weiter")
    _submit(page, "absenden")
    assert "Vielen Dank" in page.inner_text("#befragung-message")
    assert page.locator("ul.summary li").count() == 2
    answers, state, _ = _stored(site, actor)
    assert sorted(p.frequency for p in answers.partners) == [2, 4] and state == "beantwortet"


def test_one_partner_is_answered_with_the_keyboard_alone(web, site):
    actor, token = _link(site, 1)
    page = web.page
    web.go(f"/befragung/{token}")

    def tab_to(selector: str, limit: int = 80) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"document.activeElement.matches({selector!r})"):
                return
        raise AssertionError(f"{selector} not reached by Tab")

    tab_to("fieldset.own input[name=partner]")
    page.keyboard.press("Space")
    page.keyboard.press("Enter")  # the form's first button: save and continue
    page.wait_for_url("**schritt=angaben")
    tab_to("#p0_h")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    tab_to("#p0_i")
    page.keyboard.press("ArrowDown")
    tab_to("input[name=p0_k]")
    page.keyboard.press("Space")
    tab_to("button[value=speichern]")
    page.keyboard.press("Enter")
    page.wait_for_url("**gespeichert=entwurf")
    # the confirmation is announced and takes the focus
    assert page.evaluate("document.activeElement.id") == "befragung-message"
    assert page.get_attribute("#befragung-message", "aria-live") == "polite"
    web.shot("33-befragung-tastatur")
    answers, state, _ = _stored(site, actor)
    p = answers.partners[0]
    assert (p.frequency, p.intensity, len(p.kinds)) == (2, 1, 1) and state == "entwurf"


def test_a_closed_round_shows_the_answers_read_only_and_refuses_a_form_sent_after_closing(web, site):
    from bildungsnetz.survey.rounds import close_round, create_round

    service = site.service
    _, made = create_round(service.store, service.iris, name="welle-zu", title="Geschlossene Welle",
                           stichtag=date(2026, 3, 1), stadtbezirke=("Eving",), city="dortmund", agent="test")
    token = made[0].token
    page = web.page
    web.go(f"/befragung/{token}?schritt=einrichtung")
    page.check("#consent")
    close_round(service.store, service.iris, "welle-zu", "test")
    with page.expect_navigation() as nav:
        page.click("button[name=aktion][value=absenden]")
    assert nav.value.status == 409
    web.errors[:] = [e for e in web.errors if "409" not in e]  # the browser logs the refusal it was meant to get
    assert "geschlossen" in page.inner_text("#befragung-message")
    web.go(f"/befragung/{token}")
    assert "geschlossen" in page.inner_text("#befragung-message")
    assert page.locator("form#fragebogen").count() == 0
    web.shot("34-befragung-geschlossen")


def test_staff_create_a_round_download_the_invitations_and_see_the_status(web, site):
    from openpyxl import load_workbook

    page = web.page
    _login(web, REDAKTION)
    web.go("/befragungen")
    page.fill("#round-name", "welle-web")
    page.fill("#round-title", "Befragung Hörde")
    page.select_option("#round-districts", label="Hörde")
    with page.expect_navigation():
        page.click("#new-round button[type=submit]")
    assert "/befragungen/welle-web" in page.url
    assert "angelegt" in page.inner_text("#befragungen-message")
    assert int(page.inner_text("#round-status-table tbody tr td:nth-child(3)")) > 0
    assert page.inner_text("#round-rate").startswith("0")
    web.shot("35-befragungen-runde")
    page.check("#invitations input[name=confirm]")
    with page.expect_download() as download:
        page.click("#invitations button[type=submit]")
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active  # noqa: SIM115
    header = [c.value for c in sheet[1]]
    assert "kontakt" not in header  # contact persons only for role intern
    link = sheet.cell(row=2, column=header.index("link") + 1).value
    assert link.startswith(site.url + "/befragung/")
    web.go(link.removeprefix(site.url))
    assert page.inner_text("h1") == sheet.cell(row=2, column=header.index("name") + 1).value
    web.go("/befragungen/welle-web")
    opened = page.eval_on_selector_all("#round-status-table tbody td:nth-child(4)",
                                       "cells => cells.reduce((n, c) => n + Number(c.textContent), 0)")
    assert opened == 1
    # role intern as well: the same list with the contact persons
    page.click("header form[action='/abmelden'] button")
    page.wait_for_load_state()
    _login(web, BOTH)
    web.go("/befragungen/welle-web")
    page.check("#invitations input[value=csv]")
    page.check("#invitations input[name=confirm]")
    with page.expect_download() as download:
        page.click("#invitations button[type=submit]")
    lines = open(download.value.path(), encoding="utf-8-sig").read().splitlines()  # noqa: SIM115
    assert lines[0].split(";")[-1] == "kontakt" and any("@" in line.split(";")[-1] for line in lines[1:])
    page.check("#close-round input[name=confirm]")
    with page.expect_navigation():
        page.click("#close-round button[type=submit]")
    assert page.inner_text("#round-status") == "geschlossen"


def _round_in_store(folder):
    """Settings of a demo store holding one open round ``w``, and its invitations with their links."""
    from bildungsnetz.iris import Iris
    from bildungsnetz.store import EmbeddedStore
    from bildungsnetz.survey.rounds import create_round

    settings = stored(demo_city(300), folder, sparql_workers=1)
    with EmbeddedStore(settings.store) as store:
        _, made = create_round(store, Iris(settings.base_iri), name="w", stichtag=date(2026, 3, 1),
                               stadtbezirke=("Eving",), city="dortmund", agent="test")  # fmt: skip
    return settings, made


def test_unknown_and_wrong_links_look_the_same_and_guessing_is_throttled(tmp_path):
    from fastapi.testclient import TestClient

    from bildungsnetz.app import create_app

    settings, made = _round_in_store(tmp_path)
    good = made[0].token
    wrong = ("A" if good[0] != "A" else "B") + good[1:]
    with TestClient(create_app(settings)) as client:
        assert client.get(f"/befragung/{good}").status_code == 200
        tried = ("x" * 32, wrong, "abc")
        unknown, changed, short = (client.get(f"/befragung/{t}") for t in tried)
        assert unknown.status_code == changed.status_code == short.status_code == 404
        # the same page, apart from the address it shows in the links to itself
        pages = {r.text.replace(t, "LINK") for r, t in zip((unknown, changed, short), tried, strict=True)}
        assert len(pages) == 1 and "Link ist unbekannt" in unknown.text
        assert unknown.headers["cache-control"] == "no-store"
        codes = [client.get(f"/befragung/{'y' * 32}").status_code for _ in range(20)]
        assert codes[-1] == 429 and codes.count(404) == 17
        # now even the good link waits: guessing cannot go on with a valid link in between
        assert client.get(f"/befragung/{good}").status_code == 429


def test_answers_need_the_form_secret_of_their_own_link(tmp_path):
    from fastapi.testclient import TestClient

    from bildungsnetz.app import create_app

    settings, made = _round_in_store(tmp_path)
    a, b = made[0].token, made[1].token
    with TestClient(create_app(settings), follow_redirects=False) as client:
        page = client.get(f"/befragung/{a}?schritt=einrichtung").text
        secret = page.split('name="form" value="', 1)[1].split('"', 1)[0]
        form = {"form": secret, "schritt": "einrichtung", "aktion": "speichern", "others": "VHS"}
        assert client.post(f"/befragung/{b}", data=form).status_code == 403  # another link's form
        assert client.post(f"/befragung/{a}", data=dict(form, form="forged")).status_code == 403
        assert client.post(f"/befragung/{a}", data=form).status_code == 303


def test_staff_see_the_rounds_network_with_confirmed_and_unconfirmed_ties_and_a_low_response_warning(web, site):
    from bildungsnetz.survey import Answers, PartnerAnswer, save_answers
    from bildungsnetz.survey.rounds import create_round

    service = site.service
    a, b, c = sorted(site.links)[10:13]
    _, made = create_round(service.store, service.iris, name="welle-netz", title="Netz", stichtag=date(2026, 3, 1),
                           actors=[a, b, c], city="dortmund", agent="test")  # fmt: skip
    link = {inv.actor: inv.token for inv in made}
    said = {a: [(b, 4), (c, 2)], b: [(a, 3)]}
    for who, named in said.items():
        answers = Answers(partners=tuple(PartnerAnswer(p, intensity=i) for p, i in named), consent=True)
        save_answers(service.store, service.iris, link[who], answers, final=True, agent="test")
    page = web.page
    _login(web, REDAKTION)
    web.go("/befragungen/welle-netz/netz")
    figures = page.inner_text("#tie-counts")
    assert "bestätigt (beide nennen sich)\n1" in figures
    assert "unbestätigt (die andere Seite antwortete nicht)\n1" in figures
    assert page.inner_text("#network-rate") == "67 %" and page.locator("#rate-warning").count() == 1
    confirmed = page.inner_text("#ties tr.tie-bestaetigt")
    assert site.labels[a] in confirmed and "\t1" in confirmed  # both intensities kept, and their gap
    web.shot("36-befragung-netz")
    web.go("/befragungen/welle-netz/netz?regel=bestaetigt")
    assert page.locator("#ties tbody tr").count() == 1


def test_staff_download_the_workbooks_and_import_a_returned_one_or_see_where_it_is_wrong(web, site, tmp_path):
    import zipfile

    from openpyxl import load_workbook

    from bildungsnetz.survey.rounds import create_round
    from bildungsnetz.survey.workbook import SHEET

    service = site.service
    chosen = sorted(site.links)[20:25]
    create_round(service.store, service.iris, name="welle-excel", stichtag=date(2026, 3, 1), actors=chosen,
                 city="dortmund", agent="test")  # fmt: skip
    page = web.page
    _login(web, REDAKTION)
    web.go("/befragungen/welle-excel")
    with page.expect_download() as download:
        page.click("text=Alle Arbeitsmappen (ZIP)")
    with zipfile.ZipFile(download.value.path()) as archive:
        names = archive.namelist()
        assert len(names) == len(chosen)
        wb = load_workbook(io.BytesIO(archive.read(names[-1])))
    owner = wb["Info"]["B2"].value
    ws = wb[SHEET]
    ws["E6"], ws["F6"] = "ja", "etwa 1× im Monat"
    own = wb["Einrichtung"]
    own.cell(row=next(r for r in range(2, own.max_row + 1) if own.cell(row=r, column=1).value.startswith("Einw")),
             column=2, value="ja")  # fmt: skip
    good, bad = tmp_path / "Rückmeldung.xlsx", tmp_path / "Rückmeldung-falsch.xlsx"
    wb.save(good)
    ws["F6"] = "dauernd"
    wb.save(bad)
    page.set_input_files("#wb-file", str(bad))
    with page.expect_navigation():
        page.click("#workbook-upload button[type=submit]")
    message = page.inner_text("#befragungen-message")
    assert "Rückmeldung-falsch.xlsx, Blatt 'Fragebogen', Zeile 6, Spalte 'Häufigkeit'" in message
    assert _stored(site, owner, "welle-excel")[1] != "beantwortet"
    web.errors[:] = [e for e in web.errors if "status of 422" not in e]  # the refusal, logged by the browser
    page.set_input_files("#wb-file", str(good))
    with page.expect_navigation():
        page.click("#workbook-upload button[type=submit]")
    assert f"»{site.labels[owner]}« übernommen (1 Partner)" in page.inner_text("#befragungen-message")
    answers, state, _ = _stored(site, owner, "welle-excel")
    assert state == "beantwortet" and answers.partners[0].frequency == 4
    web.shot("37-befragung-arbeitsmappe")


def test_a_too_long_further_partner_is_refused_with_its_place_not_cut_short(tmp_path):
    from fastapi.testclient import TestClient

    from bildungsnetz.app import create_app

    settings, made = _round_in_store(tmp_path)
    token = made[0].token
    with TestClient(create_app(settings), follow_redirects=False) as client:
        page = client.get(f"/befragung/{token}?schritt=einrichtung").text
        secret = page.split('name="form" value="', 1)[1].split('"', 1)[0]
        form = {"form": secret, "schritt": "einrichtung", "aktion": "speichern", "others": "VHS\n" + "Kita " * 50}
        refused = client.post(f"/befragung/{token}", data=form)
        assert refused.status_code == 422 and "others[2]" in refused.text and "länger als 200 Zeichen" in refused.text
        assert client.get(f"/befragung/{token}?schritt=einrichtung").text.count("Kita Kita") == 0
