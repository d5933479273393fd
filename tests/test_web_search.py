"""The start page's search: actors, networks and offers found by name or title, umlauts folded, paged."""

from __future__ import annotations

import re

import httpx
import pytest

from bildungsnetz.queries import get, run


def _query_offers(service, q: str) -> list[tuple[str, list[str]]]:
    """Offers and their providers as ``queries/web/offers-search.rq`` finds them (a CONTAINS over the titles)."""
    found: dict[str, list[str]] = {}
    rows = run(get("offers-search", folder="web"), {"q": q, "limit": "1000"}, store=service.reader,
               iris=service.iris, city=service._city()).rows  # fmt: skip
    assert len(rows) < 1000  # all of them
    for row in rows:
        found.setdefault(row["offer"], [])
        if row.get("provider"):
            found[row["offer"]].append(row["provider"])
    return [(offer, sorted(providers)) for offer, providers in found.items()]


@pytest.mark.parametrize("q", ["werkstatt", "Klima", "-AG", "Frühstück", "Girls' Day", "DAY", "kein Angebot"])
def test_the_offer_search_finds_the_same_offers_as_the_title_query_in_the_same_order(embedded, q):
    from bildungsnetz.web.data import search_offers

    hits = search_offers(embedded.service, q)
    assert [(o["offer"], sorted(p["provider"] for p in o["providers"])) for o in hits] == _query_offers(
        embedded.service, q
    )


def _offers_found(base: str, q: str) -> list[str]:
    page = httpx.get(f"{base}/", params={"q": q}).text
    results = page.split('id="results-h"')[1].split("</section>")[0]
    offers = results.split("Angebote (")[1] if "Angebote (" in results else ""
    return re.findall(r"<li>([^<–]+?)(?: – |</li>)", offers)


def test_the_search_finds_offers_with_umlauts_and_accents_written_out(embedded):
    found = _offers_found(embedded.url, "Maedchen")
    assert "MINT für Mädchen" in found and "Coding-Club für Mädchen" in found
    assert set(_offers_found(embedded.url, "gesundes fruehstueck")) == {"Gesundes Frühstück"}
    assert "Sprachcafé" in _offers_found(embedded.url, "sprachcafe")
    assert _offers_found(embedded.url, "Mädchen") == found  # written as in the title: the same offers
