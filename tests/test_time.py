"""Time: what ended or closed before the Stichtag leaves every count and list, and shows as history.

The hand-made city of tests/data/queries/fixture.trig has an ended partnership (K-2, to 2024-07-31), an ended
membership (BN-1/100003, to 2023-12-31), a dissolved network (RT-1, to 2022-12-31) and an expired offer (A-6,
to 2023-08-31). :data:`CLOSING` closes the Kita KITA-1 (partner of K-1 and K-7, member of BN-1) and the
company UN-1 (partner of K-4, provider of A-3) on 2025-03-31: they are there on that day and gone the next.
Every check runs on the embedded store and on Virtuoso (``each_store``).
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from bildungsnetz.analysis.graphs import cooperation_graph, load
from bildungsnetz.iris import Iris
from bildungsnetz.queries import get, run
from conftest import REPO, served

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
FIXTURE_TRIG = "tests/data/queries/fixture.trig"
CITY = "musterstadt"
ID = "https://w3id.org/bildungsnetz/id/"
LAST_DAY, NEXT_DAY = "2025-03-31", "2025-04-01"  # the closed actors' last day open, and the day after

CLOSING = """
@prefix bn: <https://w3id.org/bildungsnetz/ontology#> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix akteur: <https://w3id.org/bildungsnetz/id/akteur/> .
<https://w3id.org/bildungsnetz/id/graph/quelle/schliessungen> {
    akteur:KITA-1 bn:inBetriebBis "2025-03-31"^^xsd:date .
    akteur:UN-1 bn:inBetriebBis "2025-03-31"^^xsd:date .
    <https://w3id.org/bildungsnetz/id/standort/KITA-1/1> geo:hasGeometry
        <https://w3id.org/bildungsnetz/id/standort/KITA-1/1/geometrie> .
    <https://w3id.org/bildungsnetz/id/standort/KITA-1/1/geometrie> geo:asWKT "POINT(7.41 51.51)"^^geo:wktLiteral .
}
"""


@pytest.fixture
def city(each_store):
    """The fixture city and :data:`CLOSING` in an empty store of each kind."""
    graphs: dict[str, list[ox.Triple]] = {}
    for quad in [*ox.parse(path=str(REPO / FIXTURE_TRIG), format=ox.RdfFormat.TRIG),
                 *ox.parse(CLOSING.encode(), format=ox.RdfFormat.TRIG)]:
        graphs.setdefault(quad.graph_name.value, []).append(quad.triple)
    each_store.replace_graphs(graphs)
    return each_store


def rows(store, name: str, values: dict[str, str], *, folder: str | None = None) -> list[dict[str, object]]:
    query = get(name, folder=folder) if folder else name
    return run(query, values, store=store, iris=Iris(), city=CITY).rows


def column(store, name: str, values: dict[str, str], keys: str, *, folder: str | None = None) -> set[str]:
    """The values of the columns ``keys`` (space-separated) in every row."""
    found = rows(store, name, values, folder=folder)
    return {str(r[k]) for r in found for k in keys.split() if r.get(k) is not None}


# -- Queries: before and after -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "values", "key", "gone"),
    [
        ("partners-of-actor", {"actor": "100001"}, "partnerId", "KITA-1"),
        ("partners-of-actor", {"actor": "100005"}, "partnerId", "UN-1"),
        ("cooperations-in-stadtbezirk", {"stadtbezirk": "stadtbezirk/1"}, "actorId partnerId", "KITA-1"),
        ("cooperation-edges", {}, "sourceId targetId", "UN-1"),
        ("network-members", {"network": "BN-1"}, "memberId", "KITA-1"),
        ("providers-for-sdg-near-district", {"sdg": "4", "stadtbezirk": "stadtbezirk/2"}, "providerId", "UN-1"),
        ("offers-by-sdg", {"sdg": "4"}, "providerId", "UN-1"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_partner_member_or_provider_closed_before_the_date_is_gone_the_day_after(city, name, values, key, gone):
    assert gone in column(city, name, {**values, "date": LAST_DAY}, key)
    assert gone not in column(city, name, {**values, "date": NEXT_DAY}, key)



@pytest.mark.parametrize(
    ("name", "folder", "values"),
    [
        ("offers", None, {}),
        ("offer-catalogue", None, {}),
        ("offers-by-sdg", "api", {"sdg": "4"}),
        ("offers-search", "web", {"q": "Berufe"}),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_an_offer_whose_only_provider_closed_is_gone_the_day_after(city, name, folder, values):
    # A-3 "Berufe entdecken" runs to 2025-07-31, but its only provider UN-1 closed on 2025-03-31
    assert "A-3" in column(city, name, {**values, "date": LAST_DAY}, "offerId", folder=folder)
    assert "A-3" not in column(city, name, {**values, "date": NEXT_DAY}, "offerId", folder=folder)


def test_an_ending_cooperation_no_longer_names_a_partner_closed_before_the_date(city):
    def partners(day: str) -> str:
        (k4,) = [r for r in rows(city, "cooperations-ending-within", {"date": day}) if r["cooperationId"] == "K-4"]
        return str(k4["partners"])

    assert "Technik Bergdorf GmbH" in partners(LAST_DAY)  # UN-1, partner of K-4 (to 2025-08-31)
    assert "Technik Bergdorf GmbH" not in partners(NEXT_DAY) and "Gesamtschule Süd" in partners(NEXT_DAY)


@pytest.mark.parametrize(
    ("name", "key", "alone"),
    [("actors-without-partners", "actorId", {"100001", "100002"}),  # their only open partner was KITA-1
     ("schools-without-kita-partner", "schoolId", {"100001"})],  # its Kita partner in Hafen was KITA-1
)
def test_whose_only_partner_closed_is_without_one_the_day_after(city, name, key, alone):
    assert not alone & column(city, name, {"date": LAST_DAY}, key)
    assert alone <= column(city, name, {"date": NEXT_DAY}, key)


def test_a_programmes_dependency_loses_an_offer_whose_only_provider_closed(city):
    def offers(day: str) -> set[str]:
        values = {"programme": f"{ID}programm/kaoa", "date": day}
        return column(city, "programm-angebote", values, "offerId", folder="analysis")

    assert offers(LAST_DAY) == {"A-3"} and offers(NEXT_DAY) == set()  # A-3 of UN-1, through KAoA


def test_the_sdg_list_counts_an_offer_of_a_closed_provider_until_its_last_day(city):
    goal = ox.NamedNode("https://w3id.org/bildungsnetz/vocab/sdg/4")  # the fixture has no SDG vocabulary
    city.replace_graphs({f"{ID}graph/sdg-ziel-4": [
        ox.Triple(goal, ox.NamedNode(str(RDF_TYPE)), ox.NamedNode("https://w3id.org/bildungsnetz/ontology#SDG")),
        ox.Triple(goal, ox.NamedNode("http://www.w3.org/2004/02/skos/core#notation"), ox.Literal("4")),
    ]})

    def offers(day: str) -> int:
        found = rows(city, "sdgs", {"date": day}, folder="api")
        return next(int(r["offers"]) for r in found if r["sdg"] == "4")

    assert (offers(LAST_DAY), offers(NEXT_DAY)) == (4, 3)  # and A-3 (UN-1, closed)


@pytest.mark.parametrize(
    ("name", "values", "network", "last_day", "next_day"),
    [
        ("networks-of-district", {"stadtbezirk": "stadtbezirk/1"}, "BN-1", 3, 2),  # KITA-1 closed
        ("networks-of-district", {"stadtbezirk": "stadtbezirk/2"}, "AK-1", 2, 1),  # UN-1 closed
        ("networks", {}, "BN-1", 3, 2),
        ("networks", {}, "AK-1", 2, 1),
    ],
)
def test_a_network_counts_a_closed_member_until_its_last_day(city, name, values, network, last_day, next_day):
    folder = "api" if name == "networks" else None

    def count(day: str) -> tuple[int, str]:
        found = rows(city, name, {**values, "date": day}, folder=folder)
        (row,) = [r for r in found if r["networkId"] == network]
        return int(row["memberCount"]), str(row.get("members"))

    assert count(LAST_DAY)[0] == last_day and count(NEXT_DAY)[0] == next_day
    if name == "networks-of-district":
        gone = "Kita Möwe" if network == "BN-1" else "Technik Bergdorf GmbH"
        assert gone not in count(NEXT_DAY)[1]


def test_the_analysis_drops_a_closed_member_and_the_offers_of_a_closed_provider(city):
    # No city named: nothing is narrowed to one city's actors afterwards (as in a store with a single city)
    after, before = load(city, date=NEXT_DAY, iris=Iris()), load(city, date=LAST_DAY, iris=Iris())
    kita, bn1, a3 = f"{ID}akteur/KITA-1", f"{ID}netzwerk/BN-1", f"{ID}angebot/A-3"
    assert kita in before.networks[bn1].members and kita not in after.networks[bn1].members
    assert a3 in before.offers and a3 not in after.offers


@pytest.mark.parametrize(
    ("name", "keys"), [("angebote-merkmale", "provider"), ("netz-kanten", "source target")]
)
def test_the_sdg_partner_search_forgets_a_closed_provider_or_partner_the_day_after(city, name, keys):
    un = f"{ID}akteur/UN-1"
    assert un in column(city, name, {"date": LAST_DAY}, keys, folder="sdg")
    assert un not in column(city, name, {"date": NEXT_DAY}, keys, folder="sdg")


def test_the_sdg_coverage_counts_a_closed_provider_until_its_last_day(city):
    def providers(day: str) -> int:
        found = rows(city, "sdg-coverage", {"date": day})
        return sum(int(r["providers"]) for r in found if r["sdg"] == "4")

    assert providers(LAST_DAY) - providers(NEXT_DAY) == 1  # UN-1, provider of A-3 (SDG 4)


def test_the_maps_show_a_closed_actors_site_until_its_last_day(city):
    area = f"{ID}gebiet/{CITY}/stadtbezirk/1"
    assert "KITA-1" in column(city, "area-sites", {"area": area, "date": LAST_DAY}, "actorId", folder="web")
    assert "KITA-1" not in column(city, "area-sites", {"area": area, "date": NEXT_DAY}, "actorId", folder="web")


def test_the_offer_search_finds_an_offer_only_while_it_runs(city):
    def found(day: str) -> set[str]:
        return column(city, "offers-search", {"q": "ferien", "date": day}, "offerId", folder="web")

    assert found("2023-08-31") == {"A-6"}
    assert found("2023-09-01") == set()


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # 16 actors; K-1 K-2 K-3 K-6 K-7 run (K-4, K-5, K-8 start later); five networks but RT-1 (dissolved)
        ("2024-07-31", {"actors": 16, "cooperations": 5, "networks": 4}),
        # K-2 ended the day before
        ("2024-08-01", {"actors": 16, "cooperations": 4, "networks": 4}),
        # KITA-1 and UN-1 closed the day before (their cooperations still run: a cooperation's own period)
        # and A-3 went with its only provider UN-1, while A-4 started: five offers on either day
        (NEXT_DAY, {"actors": 14, "offers": 5}),
        (LAST_DAY, {"actors": 16, "offers": 5}),
    ],
)
def test_the_start_pages_key_figures_count_only_what_is_there_at_the_date(city, day, expected):
    (figures,) = rows(city, "key-figures", {"date": day}, folder="web")
    assert {k: int(figures[k]) for k in expected} == expected


def test_the_key_figures_count_an_offer_only_while_it_runs(city):
    def offers(day: str) -> int:
        return int(rows(city, "key-figures", {"date": day}, folder="web")[0]["offers"])

    assert offers("2023-08-31") - offers("2023-09-01") == 1  # A-6 ran to 2023-08-31; nothing else changes


def test_an_actors_history_lists_what_ended_with_the_reason(city):
    def history(actor: str, day: str) -> set[tuple]:
        return {
            (r["what"], r["otherId"], str(r["until"]) if r["until"] else None,
             str(r["otherClosed"]) if r["otherClosed"] else None)
            for r in rows(city, "actor-history", {"actor": actor, "date": day}, folder="web")
        }

    assert history("100002", "2022-12-31") == set()  # the last day of the Runder Tisch
    assert history("100002", "2024-07-31") == {("mitgliedschaft", "RT-1", None, None)}  # K-2's last day
    assert history("100002", NEXT_DAY) == {
        ("mitgliedschaft", "RT-1", None, None),
        ("kooperation", "KITA-2", "2024-07-31", None),  # ended
        ("kooperation", "KITA-1", None, "2025-03-31"),  # the partner closed
    }
    assert history("100003", "2023-12-31") == set()
    assert history("100003", "2024-01-01") == {("mitgliedschaft", "BN-1", "2023-12-31", None)}


@pytest.mark.parametrize(
    ("name", "folder", "actor", "key", "had"),
    [
        ("partners-of-actor", None, "KITA-1", "partnerId", {"100001", "100002"}),
        ("actor-networks", "api", "KITA-1", "networkId", {"BN-1"}),
        ("actor-offers", "api", "UN-1", "offerId", {"A-3"}),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_closed_actor_has_no_current_partners_networks_or_offers_the_day_after(city, name, folder, actor, key, had):
    assert column(city, name, {"actor": actor, "date": LAST_DAY}, key, folder=folder) == had
    assert column(city, name, {"actor": actor, "date": NEXT_DAY}, key, folder=folder) == set()


def test_a_closed_actors_partners_and_networks_become_its_history(city):
    def history(day: str) -> set[tuple[str, str]]:
        return {(str(r["what"]), str(r["otherId"]))
                for r in rows(city, "actor-history", {"actor": "KITA-1", "date": day}, folder="web")}

    assert history(LAST_DAY) == set()
    assert history(NEXT_DAY) == {("kooperation", "100001"), ("kooperation", "100002"), ("mitgliedschaft", "BN-1")}


def test_a_member_of_a_dissolved_network_is_no_member_after_its_end(city):
    def networks(day: str) -> set[str]:
        return column(city, "actor-networks", {"actor": "100002", "date": day}, "networkId", folder="api")

    assert networks("2022-12-31") == {"RT-1"}  # the Runder Tisch's last day
    assert networks("2023-01-01") == set()  # dissolved: history on the actor page, not a current network


def test_the_actor_detail_names_the_day_a_closed_actor_closed(city):
    assert {str(r["closed"]) for r in rows(city, "actor-detail", {"actor": "KITA-1"})} == {"2025-03-31"}
    assert {r["closed"] for r in rows(city, "actor-detail", {"actor": "KITA-2"})} == {None}


def test_the_analysis_drops_closed_actors_and_their_ties_the_day_after(city):
    kita, school = f"{ID}akteur/KITA-1", f"{ID}schule/100001"
    before = load(city, date=LAST_DAY, iris=Iris(), city=CITY)
    after = load(city, date=NEXT_DAY, iris=Iris(), city=CITY)
    assert kita in before.actors and kita not in after.actors
    assert cooperation_graph(before).has_edge(school, kita)
    assert not cooperation_graph(after).has_edge(school, kita)
    assert f"{ID}angebot/A-6" in load(city, date="2023-08-31", iris=Iris(), city=CITY).offers
    assert f"{ID}angebot/A-6" not in load(city, date="2023-09-01", iris=Iris(), city=CITY).offers


# -- Kindercampus: members and offers on site at the date --------------------------------------------------

CAMPUS = """
@prefix bn: <https://w3id.org/bildungsnetz/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://w3id.org/bildungsnetz/id/graph/quelle/campus> {
    <https://w3id.org/bildungsnetz/id/kindercampus/KC-HAFEN> a bn:Kindercampus ; dcterms:identifier "KC-HAFEN" ;
        skos:prefLabel "Kindercampus Hafen" ;
        bn:campusSchule <https://w3id.org/bildungsnetz/id/schule/100001> ;
        bn:campusMitglied <https://w3id.org/bildungsnetz/id/schule/100001> ,
                          <https://w3id.org/bildungsnetz/id/akteur/KITA-1> .
    <https://w3id.org/bildungsnetz/id/angebot/A-3> bn:findetStattAn
        <https://w3id.org/bildungsnetz/id/kindercampus/KC-HAFEN> .
    <https://w3id.org/bildungsnetz/id/angebot/A-6> bn:findetStattAn
        <https://w3id.org/bildungsnetz/id/kindercampus/KC-HAFEN> .
}
"""


@pytest.fixture
def campus(city):
    """The fixture city with a campus: the school 100001 and KITA-1 (closed 2025-03-31) as members, A-3 (its
    only provider UN-1 closed 2025-03-31) and A-6 (ran 2023-06-01 to 2023-08-31) on site."""
    graphs: dict[str, list[ox.Triple]] = {}
    for quad in ox.parse(CAMPUS.encode(), format=ox.RdfFormat.TRIG):
        graphs.setdefault(quad.graph_name.value, []).append(quad.triple)
    city.replace_graphs(graphs)
    return city


@pytest.mark.parametrize(
    ("day", "members", "offers"),
    [("2023-08-31", 2, 1), ("2023-09-01", 2, 0), (LAST_DAY, 2, 1), (NEXT_DAY, 1, 0)],
)
def test_a_campus_counts_its_members_and_offers_on_site_only_while_they_are_there(campus, day, members, offers):
    (row,) = rows(campus, "campuses", {"date": day}, folder="api")
    assert (int(row["members"]), int(row["offers"])) == (members, offers)


def test_a_campus_lists_a_closed_member_and_an_ended_offer_until_their_last_day(campus):
    iri = f"{ID}kindercampus/KC-HAFEN"

    def listed(name: str, day: str, key: str) -> set[str]:
        return column(campus, name, {"campus": iri, "date": day}, key, folder="api")

    assert listed("campus-members", LAST_DAY, "memberId") == {"100001", "KITA-1"}
    assert listed("campus-members", NEXT_DAY, "memberId") == {"100001"}
    assert listed("campus-offers", LAST_DAY, "id") == {"A-3"}
    assert listed("campus-offers", NEXT_DAY, "id") == set()
    assert listed("campus-offers", "2023-08-31", "id") == {"A-6"}


# -- The actor page: history, and a closed actor marked ----------------------------------------------------

HISTORY = """
@prefix bn: <https://w3id.org/bildungsnetz/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix schema: <https://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://w3id.org/bildungsnetz/id/> .
<https://w3id.org/bildungsnetz/id/graph/quelle/verlauf> {
    <https://w3id.org/bildungsnetz/id/akteur/D-000003> bn:inBetriebBis "2020-01-01"^^xsd:date .
    <https://w3id.org/bildungsnetz/id/kooperation/ZR-K1> a bn:Kooperation ; dcterms:identifier "ZR-K1" ;
        bn:partner <https://w3id.org/bildungsnetz/id/akteur/D-000001> ,
                   <https://w3id.org/bildungsnetz/id/akteur/D-000003> .
    <https://w3id.org/bildungsnetz/id/kooperation/ZR-K2> a bn:Kooperation ; dcterms:identifier "ZR-K2" ;
        bn:partner <https://w3id.org/bildungsnetz/id/akteur/D-000001> ,
                   <https://w3id.org/bildungsnetz/id/akteur/D-000002> ;
        schema:startDate "2019-01-01"^^xsd:date ; schema:endDate "2020-12-31"^^xsd:date .
    <https://w3id.org/bildungsnetz/id/netzwerk/ZR-N1> a bn:Netzwerk ; dcterms:identifier "ZR-N1" ;
        skos:prefLabel "Runder Tisch Zeitreise" .
    <https://w3id.org/bildungsnetz/id/mitgliedschaft/ZR-N1/D-000001> a org:Membership ;
        org:organization <https://w3id.org/bildungsnetz/id/netzwerk/ZR-N1> ;
        org:member <https://w3id.org/bildungsnetz/id/akteur/D-000001> ;
        schema:startDate "2018-01-01"^^xsd:date ; schema:endDate "2021-06-30"^^xsd:date .
}
"""


@pytest.fixture(params=["embedded", "virtuoso"])
def history_site(request, demo_graphs, tmp_path):
    """The demo city and :data:`HISTORY`, served from each kind of store (Virtuoso or skip)."""
    import httpx

    graphs = dict(demo_graphs)
    for quad in ox.parse(HISTORY.encode(), format=ox.RdfFormat.TRIG):
        graphs.setdefault(quad.graph_name.value, []).append(quad.triple)
    with served(graphs, request.param, tmp_path) as live, httpx.Client(base_url=live.url, timeout=120) as client:
        yield client


def _section(html: str, anchor: str) -> str:
    """The HTML of the page's section whose heading has id ``anchor`` (up to the section's end)."""
    start = html.index(f'id="{anchor}"')
    return html[start:html.index("</section>", start)]


def test_the_actor_page_shows_ended_ties_as_history_not_as_current(history_site):
    html = history_site.get("/akteur/D-000001").text
    current = _section(html, "partners-h") + _section(html, "networks-h")
    history = _section(html, "history-h")
    assert "Runder Tisch Zeitreise" in history and "Runder Tisch Zeitreise" not in current
    assert "beendet am 31.12.2020" in history and "Familienberatungsstelle City" in history
    assert "Diakonie Kita Spatzennest" in history and "in Betrieb bis 01.01.2020" in history
    assert "Diakonie Kita Spatzennest" not in current


def test_a_closed_actors_page_says_it_is_closed(history_site):
    html = history_site.get("/akteur/D-000003").text
    assert "(geschlossen)" in html and "Geschlossen: in Betrieb bis 01.01.2020" in html
    english = history_site.get("/akteur/D-000003?lang=en").text
    assert "Closed: in operation until" in english
