"""The network survey: rounds, personal links, answers, states and response rates on a hand-built city."""

from __future__ import annotations

import gc
import json
from datetime import date

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from bildungsnetz.cli import app
from bildungsnetz.errors import ParameterError, RoundClosed, SurveyLinkError, UsageError
from bildungsnetz.namespace import BN
from bildungsnetz.reference import reference_graphs
from bildungsnetz.store import EmbeddedStore
from bildungsnetz.survey import (
    Answers,
    PartnerAnswer,
    SurveyAnswerError,
    close_round,
    create_round,
    get_round,
    invitations,
    list_rounds,
    open_questionnaire,
    save_answers,
    status,
)
from bildungsnetz.survey.ties import response_rates, ties
from conftest import IRIS, REPO

FIXTURE = REPO / "tests" / "data" / "survey" / "stadt.ttl"
SOURCE = str(IRIS.graph("quelle/befragung-test"))
runner = CliRunner()


def actor(letter: str) -> str:
    return str(IRIS.akteur(f"S-{letter}"))


def city_graphs() -> dict[str, list[ox.Triple]]:
    graphs = {g: list(ts) for g, ts in reference_graphs(["dortmund"], IRIS).items()}
    graphs[SOURCE] = [q.triple for q in ox.parse(FIXTURE.read_bytes(), format=ox.RdfFormat.TURTLE)]
    return graphs


def fill(store) -> None:
    store.replace_graphs(city_graphs())


@pytest.fixture
def city():
    store = EmbeddedStore()
    fill(store)
    return store


def new_round(store, name="2026", **options):
    options.setdefault("stichtag", date(2026, 3, 1))
    return create_round(store, IRIS, name=name, title="Netzwerkbefragung 2026", city="dortmund", agent="anna",
                        **options)


def tokens(made) -> dict[str, str]:
    return {inv.actor: inv.token for inv in made}


# -- Rounds ----------------------------------------------------------------------------------------------------


def test_a_new_round_invites_every_open_actor_once_with_a_link_and_stores_only_its_hash(city):
    found, made = new_round(city)
    assert found.name == "2026" and found.status == "offen" and found.stichtag == date(2026, 3, 1)
    assert sorted(inv.actor for inv in made) == sorted(actor(x) for x in "ABCDEF")  # G closed in 2020
    assert len({inv.token for inv in made}) == 6 and all(len(inv.token) >= 30 for inv in made)
    adler = next(inv for inv in made if inv.actor == actor("A"))
    assert (adler.label, adler.stadtbezirk, adler.address) == ("Grundschule Adler", "Innenstadt-West",
                                                               "Adlerweg 1, 44135 Dortmund")
    stored = " ".join(str(q) for q in city.quads())
    assert not any(inv.token in stored for inv in made)
    assert [r.name for r in list_rounds(city, IRIS)] == ["2026"]


def test_a_round_can_be_limited_to_a_stadtbezirk_and_kinds(city):
    _, made = new_round(city, stadtbezirke=["Hörde"], kinds=["kita", "verein"])
    assert sorted(inv.actor for inv in made) == [actor("E"), actor("F")]
    assert get_round(city, IRIS, "2026").stadtbezirke == (str(IRIS.gebiet("dortmund", "stadtbezirk", "8")),)


@pytest.mark.parametrize(
    ("options", "parameter"),
    [({"name": "Welle 1"}, "name"), ({"stadtbezirke": ["Atlantis"]}, "stadtbezirk"), ({"kinds": ["zoo"]}, "kind"),
     ({"closes": date(2025, 1, 1)}, "closes"), ({"actors": ["https://example.org/x"]}, "actors")],
)  # fmt: skip
def test_a_wrong_round_parameter_is_named_and_nothing_is_written(city, options, parameter):
    before = sorted(city.named_graphs())
    with pytest.raises(ParameterError) as error:
        new_round(city, **options)
    assert error.value.param == parameter
    assert sorted(city.named_graphs()) == before


def test_a_round_name_is_taken_once_and_an_unknown_round_is_a_404(city):
    new_round(city)
    with pytest.raises(ParameterError, match="schon vergeben"):
        new_round(city)
    with pytest.raises(UsageError) as error:
        get_round(city, IRIS, "2030")
    assert error.value.http_status == 404


# -- The personal link ------------------------------------------------------------------------------------------


def test_a_link_opens_only_its_own_questionnaire_and_marks_it_opened(city):
    _, made = new_round(city)
    link = tokens(made)
    q = open_questionnaire(city, IRIS, link[actor("B")])
    assert q.actor.label == "Kita Bär" and q.answers is None and not q.closed
    assert {e.actor for e in q.roster} == {actor(x) for x in "ABCDEF"}
    rows = {(r.stadtbezirk_label, r.kind): r for r in status(city, IRIS, "2026")}
    assert rows["Innenstadt-West", "kita"].opened == 1


@pytest.mark.parametrize("token", ["", "x" * 32, "' OR 1=1 --" * 3])
def test_an_unknown_link_gets_the_same_message_as_a_wrong_one(city, token):
    new_round(city)
    with pytest.raises(SurveyLinkError) as error:
        open_questionnaire(city, IRIS, token)
    assert error.value.http_status == 404
    assert str(error.value) == str(SurveyLinkError())


def test_new_links_invalidate_the_old_ones_but_keep_the_answers(city):
    _, made = new_round(city)
    old = tokens(made)[actor("A")]
    save_answers(city, IRIS, old, Answers(partners=(PartnerAnswer(actor("B"), 3, 2),)), final=False)
    fresh = {inv.actor: inv.token for inv in invitations(city, IRIS, "2026", new_tokens=True)}
    with pytest.raises(SurveyLinkError):
        open_questionnaire(city, IRIS, old)
    q = open_questionnaire(city, IRIS, fresh[actor("A")])
    assert q.draft and q.answers.partners[0].partner == actor("B")
    assert all(inv.token is None for inv in invitations(city, IRIS, "2026", new_tokens=False))


# -- Answers ---------------------------------------------------------------------------------------------------


def test_a_draft_can_be_amended_and_submitted(city):
    _, made = new_round(city)
    link = tokens(made)[actor("A")]
    first = Answers(partners=(PartnerAnswer(actor("B"), frequency=4, intensity=3, kinds=("ganztag",),
                                            trust=(4, 3, None)),), others=("Stadtteilbibliothek",))  # fmt: skip
    q = save_answers(city, IRIS, link, first, final=False)
    assert q.draft and q.submitted is None and q.answers == first
    second = Answers(partners=(PartnerAnswer(actor("C"), 2, 1),), desired=(actor("D"),), consent=True,
                     contributes=("raeume",), respondent_name="Frau Muster", respondent_mail="m@example.org")
    q = save_answers(city, IRIS, link, second, final=True)
    assert not q.draft and q.submitted is not None and q.answers == second
    rows = {(r.stadtbezirk_label, r.kind): r for r in status(city, IRIS, "2026")}
    assert rows["Innenstadt-West", "schule"].answered == 1 and rows["Innenstadt-West", "schule"].rate == 1.0


def test_the_respondent_and_the_trust_items_stay_in_the_private_graphs(city):
    _, made = new_round(city)
    answers = Answers(partners=(PartnerAnswer(actor("B"), 3, 2, trust=(1, 1, 1)),), consent=True,
                      respondent_name="Frau Muster", respondent_mail="muster@example.org")
    save_answers(city, IRIS, tokens(made)[actor("A")], answers, final=True)
    public = " ".join(str(q) for q in city.quads() if q.graph_name.value.startswith(str(IRIS.graph("befragung"))))
    assert "Nennung" in public and "Muster" not in public and "vertrauen" not in public
    assert "Frau Muster" in " ".join(str(q) for q in city.quads())


@pytest.mark.parametrize(
    ("answers", "parameter"),
    [
        (Answers(partners=(PartnerAnswer("https://example.org/fremd"),)), "partners[1]"),
        (Answers(partners=(PartnerAnswer(actor("A")),)), "partners[1]"),
        (Answers(partners=(PartnerAnswer(actor("B"), frequency=6),)), "partners[1].frequency"),
        (Answers(partners=(PartnerAnswer(actor("B"), intensity=0),)), "partners[1].intensity"),
        (Answers(partners=(PartnerAnswer(actor("B"), value=(1, 5, 1)),)), "partners[1].value[2]"),
        (Answers(partners=(PartnerAnswer(actor("B"), kinds=("party",)),)), "partners[1].kinds"),
        (Answers(partners=(PartnerAnswer(actor("B")), PartnerAnswer(actor("B")))), "partners[2]"),
        (Answers(desired=(actor("A"),)), "desired[1]"),
        (Answers(respondent_mail="kein-at"), "respondent_mail"),
        (Answers(), "consent"),
    ],
)
def test_an_answer_that_breaks_a_rule_is_named_and_nothing_is_saved(city, answers, parameter):
    _, made = new_round(city)
    link = tokens(made)[actor("A")]
    open_questionnaire(city, IRIS, link)
    before = sorted(map(str, city.quads()))
    with pytest.raises(SurveyAnswerError) as error:
        save_answers(city, IRIS, link, answers, final=True)
    assert error.value.parameter == parameter
    assert sorted(map(str, city.quads())) == before


def test_a_closed_round_refuses_answers_with_409_and_keeps_what_was_saved(city):
    _, made = new_round(city)
    link = tokens(made)[actor("A")]
    save_answers(city, IRIS, link, Answers(partners=(PartnerAnswer(actor("B"), 3, 2),)), final=False)
    assert close_round(city, IRIS, "2026", "anna").status == "geschlossen"
    with pytest.raises(RoundClosed) as error:
        save_answers(city, IRIS, link, Answers(consent=True), final=True)
    assert error.value.http_status == 409
    q = open_questionnaire(city, IRIS, link)
    assert q.closed and q.answers.partners[0].partner == actor("B")


# -- Ties and response rates on planted answers ---------------------------------------------------------------
# A names B (intensity 3) and C (2); B names A (2); C answers naming nobody; D names E and F; E opens its link
# but never submits; F never opens it. So A–B bestätigt (gap 1), A–C einseitig, D–E and D–F unbestätigt;
# response 4 of 6: Innenstadt-West 3 of 3, Hörde 1 of 3. B's draft naming C does not count.

PLANTED = {
    "A": (Answers(partners=(PartnerAnswer(actor("B"), 4, 3), PartnerAnswer(actor("C"), 2, 2)), consent=True), True),
    "B": (Answers(partners=(PartnerAnswer(actor("A"), 4, 2),), consent=True), True),
    "C": (Answers(others=("Stadtteilbibliothek",), consent=True), True),
    "D": (Answers(partners=(PartnerAnswer(actor("E"), 3, 1), PartnerAnswer(actor("F"), 2, None)),
                  desired=(actor("A"),), consent=True), True),
    "E": (Answers(partners=(PartnerAnswer(actor("C"), 1, 1),)), False),
}


def plant(store) -> None:
    _, made = new_round(store)
    link = tokens(made)
    for letter, (answers, final) in PLANTED.items():
        save_answers(store, IRIS, link[actor(letter)], answers, final=final)


def by_pair(found) -> dict:
    short = {actor(x): x for x in "ABCDEFG"}
    return {short[t.a] + short[t.b]: t for t in found}


def test_planted_answers_give_exactly_the_tie_statuses_of_the_rules(city):
    plant(city)
    found = by_pair(ties(city, IRIS, "2026", "alle"))
    assert {k: t.status for k, t in found.items()} == {
        "AB": "bestaetigt", "AC": "einseitig", "DE": "unbestaetigt", "DF": "unbestaetigt"}
    assert list(by_pair(ties(city, IRIS, "2026", "bestaetigt"))) == ["AB"]
    assert ties(city, IRIS, "2026", "dokumentiert") == []


def test_a_confirmed_pair_with_different_answers_keeps_both_and_reports_min_mean_and_gap(city):
    plant(city)
    ab = by_pair(ties(city, IRIS, "2026"))["AB"]
    assert ab.intensity == (3, 2) and ab.frequency == (4, 4)
    assert (ab.intensity_min, ab.intensity_mean, ab.intensity_gap) == (2, 2.5, 1)
    assert by_pair(ties(city, IRIS, "2026"))["DF"].intensity_gap is None


def test_planted_non_response_gives_the_response_rate_per_stadtbezirk(city):
    plant(city)
    rates = response_rates(city, IRIS, "2026")
    west, hoerde = (str(IRIS.gebiet("dortmund", "stadtbezirk", c)) for c in ("1", "8"))
    assert (rates[""].invited, rates[""].answered) == (6, 4)
    assert rates[west].rate == 1.0 and round(rates[hoerde].rate, 3) == 0.333
    rows = {(r.stadtbezirk_label, r.kind): r for r in status(city, IRIS, "2026")}
    assert (rows["Hörde", "kita"].draft, rows["Hörde", "verein"].invited, rows["Hörde", "verein"].answered) == (1, 1, 0)


# -- The analysis under a tie rule -------------------------------------------------------------------------------


def test_the_tie_rule_decides_which_institutions_the_analysis_calls_isolated(city):
    from bildungsnetz.analysis.run import analyse

    plant(city)
    isolates = {}
    for rule in ("dokumentiert", "bestaetigt", "alle"):
        result = analyse(city, date="2026-04-01", ties=rule, iris=IRIS, city="dortmund")
        isolates[rule] = sorted(x for d in result["districts"] for x in d["isolates"])
        assert result["options"]["ties"] == rule
    assert isolates == {"dokumentiert": ["S-A", "S-B", "S-C", "S-D"], "bestaetigt": ["S-C", "S-D"], "alle": []}


def test_figures_resting_on_survey_ties_show_the_response_rate_and_warn_below_80_percent(city):
    from bildungsnetz.analysis.run import analyse

    plant(city)
    result = analyse(city, date="2026-04-01", iris=IRIS, city="dortmund")
    notes = {d["name"]: d["survey"] for d in result["districts"] if d["nodes"]}
    assert notes["Innenstadt-West"]["response_rate"] == 1.0 and notes["Innenstadt-West"]["warning"] is None
    assert notes["Hörde"]["answered"] == 1 and "33 %" in notes["Hörde"]["warning"]
    assert result["city"]["survey"]["round"] == "2026" and "67 %" in result["city"]["survey"]["warning"]
    documented = analyse(city, date="2026-04-01", ties="dokumentiert", iris=IRIS, city="dortmund")
    assert documented["city"]["survey"] is None
    before = analyse(city, date="2026-02-01", iris=IRIS, city="dortmund")  # before the round's Stichtag
    assert before["city"]["survey"] is None


# -- The command line --------------------------------------------------------------------------------------------


def _cli_store(settings) -> None:
    with EmbeddedStore(settings.store) as store:
        fill(store)
        contact = ox.NamedNode(str(IRIS.kontakt("S-A", 1)))
        n = ox.NamedNode
        store.replace_graphs({str(IRIS.graph("privat/befragung-test")): [
            ox.Triple(contact, n("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), n(str(BN.Kontaktperson))),
            ox.Triple(contact, n(str(BN.kontaktFuer)), n(actor("A"))),
            ox.Triple(contact, n("http://xmlns.com/foaf/0.1/name"), ox.Literal("Anna Adler")),
        ]})  # fmt: skip
    gc.collect()


def test_the_command_line_runs_a_round_from_new_to_close(settings, tmp_path):
    from openpyxl import load_workbook

    _cli_store(settings)
    mail = tmp_path / "einladungen.xlsx"
    made = runner.invoke(app, ["survey", "new", "2026", "--stichtag", "1.3.2026", "--stadtbezirk", "Hörde",
                               "--out", str(mail), "--url", "https://bildung.example.org"])  # fmt: skip
    assert made.exit_code == 0, made.output
    rows = list(load_workbook(mail).active.iter_rows(values_only=True))
    assert rows[0][:7] == ("welle", "akteur", "name", "adresse", "stadtbezirk", "art", "link")
    assert sorted(r[2] for r in rows[1:]) == ["Gesamtschule Dachs", "Kita Elch", "Verein Fuchs"]
    link = next(r[6] for r in rows[1:] if r[2] == "Kita Elch")
    assert link.startswith("https://bildung.example.org/befragung/")
    with EmbeddedStore(settings.store) as store:
        open_questionnaire(store, IRIS, link.rsplit("/", 1)[1])
    gc.collect()
    shown = runner.invoke(app, ["befragung", "status", "2026"])
    assert shown.exit_code == 0 and "Hörde" in shown.output and "0 %" in shown.output
    assert runner.invoke(app, ["survey", "close", "2026"]).exit_code == 0
    listed = runner.invoke(app, ["survey", "list"])
    assert "geschlossen" in listed.output and "2026" in listed.output


def test_the_mail_merge_list_has_links_only_when_new_ones_are_made_and_contacts_only_when_asked(settings, tmp_path):
    _cli_store(settings)
    assert runner.invoke(app, ["survey", "new", "2026", "--stichtag", "2026-03-01"]).exit_code == 0
    plain = tmp_path / "a.csv"
    assert runner.invoke(app, ["survey", "invitations", "2026", "--out", str(plain)]).exit_code == 0
    text = plain.read_text(encoding="utf-8-sig")
    assert "/befragung/" not in text and "Anna Adler" not in text and "kontakt" not in text.splitlines()[0]
    full = tmp_path / "b.csv"
    result = runner.invoke(app, ["survey", "invitations", "2026", "--new-links", "--with-contacts", "--out", str(full),
                                 "--url", "https://bildung.example.org"])  # fmt: skip
    assert result.exit_code == 0, result.output
    text = full.read_text(encoding="utf-8-sig")
    assert text.count("https://bildung.example.org/befragung/") == 6 and "Anna Adler" in text


def test_links_are_made_on_the_public_url_and_without_one_nothing_changes(settings, tmp_path, monkeypatch):
    from bildungsnetz.settings import get_settings

    _cli_store(settings)
    made = tmp_path / "neu.csv"
    refused = runner.invoke(app, ["survey", "new", "2026", "--stichtag", "2026-03-01", "--out", str(made)])
    assert refused.exit_code == 2 and "BILDUNGSNETZ_PUBLIC_URL" in refused.output and not made.exists()
    assert "2026" not in runner.invoke(app, ["survey", "list"]).output
    monkeypatch.setenv("BILDUNGSNETZ_PUBLIC_URL", "https://bildung.stadt.example/")
    get_settings.cache_clear()
    assert runner.invoke(app, ["survey", "new", "2026", "--stichtag", "2026-03-01", "--out", str(made)]).exit_code == 0
    links = [line for line in made.read_text(encoding="utf-8-sig").splitlines()[1:] if line]
    assert links and all("https://bildung.stadt.example/befragung/" in line for line in links)
    monkeypatch.delenv("BILDUNGSNETZ_PUBLIC_URL")
    get_settings.cache_clear()
    again = tmp_path / "again.csv"
    refused = runner.invoke(app, ["survey", "invitations", "2026", "--new-links", "--out", str(again)])
    assert refused.exit_code == 2 and "--url" in refused.output and not again.exists()
    with EmbeddedStore(settings.store) as store:  # the first links still open their questionnaires
        token = links[0].rsplit("/befragung/", 1)[1].split(";")[0].strip('"')
        assert open_questionnaire(store, IRIS, token).round.name == "2026"


def test_a_wrong_stadtbezirk_is_one_clear_line_and_no_round_is_made(settings):
    _cli_store(settings)
    result = runner.invoke(app, ["survey", "new", "2026", "--stadtbezirk", "Atlantis"])
    assert result.exit_code == 2
    assert 'Parameter "stadtbezirk": "Atlantis" ist kein Stadtbezirk' in result.output
    assert "keine Befragungswellen" in runner.invoke(app, ["survey", "list"]).output


def test_survey_ties_lists_each_pair_with_both_answers(settings, tmp_path):
    _cli_store(settings)
    with EmbeddedStore(settings.store) as store:
        plant(store)
    gc.collect()
    result = runner.invoke(app, ["survey", "ties", "2026", "--ties", "bestaetigt"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 2 and "Grundschule Adler;" in lines[1] and ";bestaetigt;3;2;2;2,5;1;4;4" in lines[1]


# -- REST ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def live(tmp_path):
    from conftest import LiveServer, stored

    with LiveServer(stored(city_graphs(), tmp_path)) as server:
        yield server


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_rest_runs_a_round_staff_create_respondents_answer_by_link_staff_see_status_and_ties(live):
    import httpx

    from conftest import REDAKTION

    body = {"name": "2026", "stichtag": "2026-03-01", "stadtbezirke": ["1"]}
    assert httpx.post(f"{live.url}/api/survey/rounds", json=body, timeout=30).status_code == 401
    made = httpx.post(f"{live.url}/api/survey/rounds", json=body, headers=_auth(REDAKTION), timeout=60)
    assert made.status_code == 201, made.text
    links = {i["label"]: i["link"] for i in made.json()["invitations"]}
    assert sorted(links) == ["Grundschule Adler", "Kita Bär", "Verein Chamäleon"]
    adler, baer = (links[k].replace("/befragung/", "/api/befragung/") for k in ("Grundschule Adler", "Kita Bär"))
    opened = httpx.get(adler, timeout=30).json()
    assert opened["actor"]["label"] == "Grundschule Adler" and opened["answers"] is None
    answer = {"partners": [{"partner": actor("B"), "frequency": 4, "intensity": 3}], "consent": True,
              "respondent_name": "Frau Muster"}  # fmt: skip
    assert httpx.post(f"{adler}/draft", json=answer, timeout=30).json()["draft"] is True
    assert httpx.post(f"{adler}/submit", json=answer, timeout=30).json()["submitted"]
    back = {"partners": [{"partner": actor("A"), "intensity": 2}], "consent": True}
    assert httpx.post(f"{baer}/submit", json=back, timeout=30).status_code == 200
    shown = httpx.get(f"{live.url}/api/survey/rounds/2026", headers=_auth(REDAKTION), timeout=30).json()
    assert (shown["invited"], shown["answered"]) == (3, 2)
    found = httpx.get(f"{live.url}/api/survey/rounds/2026/ties", timeout=30).json()
    assert [(t["status"], t["intensity_gap"]) for t in found["items"]] == [("bestaetigt", 1)]
    assert "Muster" not in found and "Muster" not in str(shown)
    brokers = httpx.get(f"{live.url}/api/analysis/brokers", params={"date": "2026-04-01"}, timeout=60).json()
    assert brokers["ties"] == "alle" and brokers["survey"]["round"] == "2026"
    contacts = f"{live.url}/api/survey/rounds/2026/invitations?contacts=true"
    assert httpx.get(contacts, headers=_auth(REDAKTION), timeout=30).status_code == 403
    assert httpx.post(f"{live.url}/api/survey/rounds/2026/close", headers=_auth(REDAKTION), timeout=30).is_success
    refused = httpx.post(f"{adler}/submit", json=answer, timeout=30)
    assert refused.status_code == 409 and refused.json()["ok"] is False and "Muster" not in refused.text


def test_rest_answers_an_unknown_and_a_replaced_link_alike_and_names_a_wrong_answer(live):
    import httpx

    from conftest import REDAKTION

    made = httpx.post(f"{live.url}/api/survey/rounds", json={"name": "2026", "stichtag": "2026-03-01"},
                      headers=_auth(REDAKTION), timeout=60).json()  # fmt: skip
    old = made["invitations"][0]["token"]
    httpx.post(f"{live.url}/api/survey/rounds/2026/invitations", headers=_auth(REDAKTION), timeout=60)
    replaced = httpx.get(f"{live.url}/api/befragung/{old}", timeout=30)
    unknown = httpx.get(f"{live.url}/api/befragung/{'x' * 32}", timeout=30)
    assert replaced.status_code == unknown.status_code == 404 and replaced.json() == unknown.json()
    fresh = httpx.get(f"{live.url}/api/survey/rounds/2026/invitations", headers=_auth(REDAKTION), timeout=30).json()
    assert all("token" not in i for i in fresh)


def test_rest_respondent_endpoints_are_rate_limited(live, monkeypatch):
    import httpx

    from bildungsnetz.api import ratelimit

    monkeypatch.setattr(ratelimit, "REQUESTS_PER_MINUTE", 3)
    codes = [httpx.get(f"{live.url}/api/befragung/{'y' * 32}", timeout=30).status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]


def test_a_link_guesser_has_one_budget_for_the_web_pages_and_rest_together(live):
    import httpx

    from bildungsnetz.api.ratelimit import FAILED_LINKS_PER_HOUR

    with httpx.Client(timeout=30) as client:
        web = [client.get(f"{live.url}/befragung/{'g' * 31}{i % 10}").status_code
               for i in range(FAILED_LINKS_PER_HOUR)]  # fmt: skip
        assert set(web) == {404}
        rest = client.get(f"{live.url}/api/befragung/{'h' * 32}")
        assert rest.status_code == 429 and int(rest.headers["Retry-After"]) > 0


# -- The demo city's round --------------------------------------------------------------------------------------


def test_the_demo_round_has_realistic_non_response_and_one_sided_ties_and_is_the_same_every_time(demo_graphs):
    from collections import Counter

    from bildungsnetz.survey.demo import DEMO_ROUND, demo_round

    found = []
    for _ in range(2):
        store = EmbeddedStore()
        store.replace_graphs(demo_graphs)
        demo_round(store, IRIS, seed=1, city="dortmund")
        demo_round(store, IRIS, seed=1, city="dortmund")  # planted again (demo --rebuild): replaced, not refused
        found.append(sorted((t.a, t.b, t.status) for t in ties(store, IRIS, DEMO_ROUND)))
    assert found[0] == found[1]
    statuses = Counter(status for _, _, status in found[0])
    assert statuses["bestaetigt"] and statuses["einseitig"] and statuses["unbestaetigt"]
    rates = response_rates(store, IRIS, DEMO_ROUND)
    assert 0.6 <= rates[""].rate <= 0.8
    assert sum(1 for scope, r in rates.items() if scope and r.rate < 0.6) >= 2


# -- Comparing rounds --------------------------------------------------------------------------------------------


def test_comparing_two_rounds_shows_new_ties_status_changes_and_response_only_over_actors_in_both(settings):
    _cli_store(settings)
    with EmbeddedStore(settings.store) as store:
        plant(store)
        # 2027: F is no longer invited; C now names A back (einseitig → bestätigt), B names C (new tie),
        # A rates B higher, D and E answer, E naming D (unbestätigt → bestätigt).
        _, made = create_round(store, IRIS, name="2027", stichtag=date(2027, 3, 1), agent="anna",
                               actors=[actor(x) for x in "ABCDE"], city="dortmund")  # fmt: skip
        link = tokens(made)
        later = {
            "A": Answers(partners=(PartnerAnswer(actor("B"), 5, 4), PartnerAnswer(actor("C"), 2, 2)), consent=True),
            "B": Answers(partners=(PartnerAnswer(actor("A"), 4, 2), PartnerAnswer(actor("C"), 3, 3)), consent=True),
            "C": Answers(partners=(PartnerAnswer(actor("A"), 2, 2),), consent=True),
            "D": Answers(partners=(PartnerAnswer(actor("E"), 3, 1),), consent=True),
            "E": Answers(partners=(PartnerAnswer(actor("D"), 3, 2),), consent=True),
        }
        for letter, answers in later.items():
            save_answers(store, IRIS, link[actor(letter)], answers, final=True)
    gc.collect()
    result = runner.invoke(app, ["survey", "compare", "2026", "2027"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["common"] == 5
    assert found["new_ties"] == [["Kita Bär", "Verein Chamäleon"]] and found["lost_ties"] == []
    changes = {tuple(c["pair"]): (c["before"], c["after"]) for c in found["status_changes"]}
    assert changes == {("Grundschule Adler", "Verein Chamäleon"): ("einseitig", "bestaetigt"),
                       ("Gesamtschule Dachs", "Kita Elch"): ("unbestaetigt", "bestaetigt")}
    assert [u["pair"] for u in found["intensity_up"]] == [["Grundschule Adler", "Kita Bär"], ["Gesamtschule Dachs",
                                                                                               "Kita Elch"]]
    hoerde = next(r for r in found["response"] if r["stadtbezirk"] == "Hörde")
    assert (hoerde["rate_a"], hoerde["rate_b"]) == (0.5, 1.0)  # D and E only: F was not invited in 2027


def test_the_district_page_shows_the_response_rate_warns_below_80_percent_and_switches_the_tie_rule(live):
    import httpx

    store = live.service.store
    plant(store)
    live.service.refresh()
    page = httpx.get(f"{live.url}/gebiet/stadtbezirk/8", timeout=60).text
    assert 'id="response-rate"' in page and "33 %" in page and 'id="response-warning"' in page
    west = httpx.get(f"{live.url}/gebiet/stadtbezirk/1", timeout=60).text
    assert 'id="response-rate"' in west and 'id="response-warning"' not in west
    documented = httpx.get(f"{live.url}/gebiet/stadtbezirk/8", params={"ties": "dokumentiert"}, timeout=60).text
    assert 'id="response-rate"' not in documented and "<strong>nur dokumentiert</strong>" in documented


# -- Both stores -------------------------------------------------------------------------------------------------


def test_a_planted_round_gives_the_same_ties_rates_and_answers_on_both_stores(each_store):
    fill(each_store)
    plant(each_store)
    found = by_pair(ties(each_store, IRIS, "2026"))
    assert {k: t.status for k, t in found.items()} == {
        "AB": "bestaetigt", "AC": "einseitig", "DE": "unbestaetigt", "DF": "unbestaetigt"}
    assert found["AB"].intensity == (3, 2)
    rates = response_rates(each_store, IRIS, "2026")
    assert (rates[""].invited, rates[""].answered) == (6, 4)
    q = open_questionnaire(each_store, IRIS, invitations_again(each_store)[actor("D")])
    assert q.answers.desired == (actor("A"),) and {p.partner for p in q.answers.partners} == {actor("E"), actor("F")}
    with pytest.raises(SurveyLinkError):
        open_questionnaire(each_store, IRIS, "z" * 32)


def invitations_again(store) -> dict[str, str]:
    return {inv.actor: inv.token for inv in invitations(store, IRIS, "2026", new_tokens=True)}


def test_free_text_partners_a_typo_becomes_a_marked_nomination_an_ambiguous_name_waits_for_review(city):
    from bildungsnetz.matching.decisions import decide, queue

    _, made = new_round(city)
    link = tokens(made)
    save_answers(city, IRIS, link[actor("A")], Answers(others=("Verein Fuchss", "Verein"), consent=True), final=True)
    found = by_pair(ties(city, IRIS, "2026"))
    assert found["AF"].status == "unbestaetigt" and found["AF"].free_text
    assert [(w["text"], w["source"]) for w in queue(city, iris=IRIS)] == [
        ("Verein", "Befragung 2026, Weitere Partner von Grundschule Adler")]
    assert "AC" not in found
    decide(city, "Verein", actor("C"), user="anna", iris=IRIS)
    found = by_pair(ties(city, IRIS, "2026"))
    assert found["AC"].free_text and found["AC"].intensity == (None, None)
    assert queue(city, iris=IRIS) == []


def test_free_text_partners_are_linked_and_queued_alike_on_both_stores(each_store):
    from bildungsnetz.matching.decisions import queue

    fill(each_store)
    _, made = new_round(each_store)
    save_answers(each_store, IRIS, tokens(made)[actor("A")], Answers(others=("Verein Fuchss", "Verein"), consent=True),
                 final=True)  # fmt: skip
    found = by_pair(ties(each_store, IRIS, "2026"))
    assert list(found) == ["AF"] and found["AF"].free_text
    assert [w["text"] for w in queue(each_store, iris=IRIS)] == ["Verein"]
