"""What the pages read: named queries (the catalogue and ``queries/web/``) and the analysis, cached.

Everything expensive is computed once per state of the store through :meth:`Service.cached`, which an
import or an SDG decision empties. The network analysis of the whole city takes seconds at 2,000 actors and
a minute or more at 20,000, so it is started in a background thread when the app starts and after every
import (:func:`warm`); the pages that show it ask without waiting (``wait=False``) and, until it is ready,
show what is cheap (the district's own rows from the named queries) and say that the rest is computed.
"""

from __future__ import annotations

import contextvars
import threading
from collections import defaultdict
from collections.abc import Callable
from functools import cache
from typing import Any

from bildungsnetz.analysis import graphs as g
from bildungsnetz.analysis.run import Analysis
from bildungsnetz.api.service import REQUEST_CITY, Service
from bildungsnetz.queries import NamedQuery, get, run
from bildungsnetz.sdg import coverage as sdg_coverage
from bildungsnetz.web.geo import TileMap, tile_map
from bildungsnetz.web.netview import district_view

__all__ = [
    "web_query",
    "city_data",
    "analysis",
    "warm",
    "districts",
    "find_district",
    "fields_by_actor",
    "coverage",
    "decided_pairs",
    "district_network_view",
    "district_tiles",
    "search_key",
    "search_actors",
    "search_hits",
    "search_offers",
    "key_figures",
    "EXPORT_COLUMNS",
    "actor_export",
    "in_city",
]

_lock = threading.Lock()


@cache
def _web_query(name: str) -> NamedQuery:
    return get(name, folder="web")


def web_query(
    service: Service, name: str, values: dict[str, object] | None = None, *, keep: bool = True
) -> list[dict[str, object]]:
    """Rows of ``queries/web/NAME.rq`` on the service's read copy; kept per state of the store unless ``keep``
    is false (searches: any text a visitor types must not grow the cache)."""
    clean = {k: str(v) for k, v in (values or {}).items() if v not in (None, "")}

    def compute() -> list[dict[str, object]]:
        return run(_web_query(name), clean, store=service.reader, iris=service.iris, city=service._city()).rows

    return service.cached(f"web:q:{name}:{sorted(clean.items())}", compute) if keep else compute()


def city_data(service: Service, date: str | None = None) -> g.CityData:
    """Actors, districts, cooperations, networks and offers valid at ``date`` (default today)."""
    return service.city_data(date)


def analysis(
    service: Service, date: str | None = None, *, ebene: str = "stadtbezirk", ties: str = "alle", wait: bool = True
) -> Analysis | None:
    """The whole-city analysis at ``date`` with district networks of level ``ebene`` under the tie rule ``ties``
    (the API's too); without ``wait`` ``None`` while it is computed in the background (the page then says so)."""
    return service.analysis(date, ebene=ebene, ties=ties, wait=wait)


def district_network_view(
    service: Service, a: Analysis, ebene: str, code: str, *, ties: str = "alle", wait: bool = True
) -> dict | None:
    """The laid-out network of one district of analysis ``a`` (of the tie rule ``ties``, see
    :func:`.netview.district_view`); without ``wait`` ``None`` while it is laid out in the background."""
    result = next((d for d in a.districts if d.area.code == code), None)
    if result is None:
        return None
    day = a.data.date

    def compute() -> dict:
        fields = service.cached(f"web:fields:{day}", lambda: fields_by_actor(a.data))
        summary = result.summary
        brokers = [b["actor"] for b in summary["brokers"]]
        isolates = summary["isolates"]
        G, measures = result.graph, result.measures
        return district_view(G, measures=measures, isolates=isolates, brokers=brokers, fields=fields)

    key = f"web:view:{day}:{ebene}:{code}:{ties}"
    return service.cached(key, compute) if wait else service.ready(key, compute)


def _warm_all(service: Service) -> None:
    key_figures(service)  # the start page
    _offer_index(service, g.resolve_date(None))  # the search
    service.page("api/networks", {}, limit=1000, offset=0)  # the search (kept with the query results)
    _actor_index(service, service.city_data())  # the search, the review queue
    coverage(service)  # the SDG heat map
    decided_pairs(service)  # the review queue
    a = analysis(service)
    for d in a.districts:
        district_network_view(service, a, "stadtbezirk", d.area.code)
    analysis(service, ebene="stadtteil")


def warm(service: Service) -> None:
    """Start the expensive parts in the background, once per state of the store, without waiting: the start
    page's key figures, the search's offer titles, the city data and the search's actor names, the SDG coverage
    and decided pairs, today's analysis, the Stadtbezirk network pictures, the Stadtteil analysis. Pages that
    need one of them before it is ready wait for that one computation, never start a second."""
    with _lock:
        started = service.cached("web:warm", lambda: [False])
        if started[0]:
            return
        started[0] = True
    # For the city the pages show (the request's, or at startup the default one) in the thread too.
    context = contextvars.copy_context()
    if context.get(REQUEST_CITY) is None:
        context.run(REQUEST_CITY.set, service.page_city())
    elif context.get(REQUEST_CITY) not in service.known_cities():
        return  # an unknown ?stadt=: the page says so; nothing to compute
    threading.Thread(target=context.run, args=(_warm_all, service), name="bildungsnetz-web-warm", daemon=True).start()


def districts(service: Service) -> list[dict[str, Any]]:
    """Stadtbezirke (code, label, IRI) with their Stadtteile, ordered by code."""
    return service.district_tree()


def find_district(service: Service, ebene: str, code: str) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    """The district ``code`` of level ``ebene`` and its parent Stadtbezirk (``None`` for a Stadtbezirk)."""
    for bezirk in districts(service):
        if ebene == "stadtbezirk" and bezirk["code"] == code:
            return bezirk, None
        if ebene == "stadtteil":
            for teil in bezirk["stadtteile"]:
                if teil["code"] == code:
                    return teil, bezirk
    return None


def find_planning_area(service: Service, code: str) -> dict[str, Any] | None:
    """A planning area of the city profile by code: ``iri``, ``code``, ``label`` and its ``stadtteile``
    (``code``, ``label``), or ``None``."""
    profile = service.profile
    found = next((p for p in profile.planning_areas if p.code == code), None)
    if found is None:
        return None
    names = {d.code: d.name for d in profile.stadtteile}
    return {
        "iri": str(service.iris.gebiet(profile.name, found.ebene, found.code)), "code": found.code,
        "label": found.name, "stadtteile": [{"code": c, "label": names.get(c, c)} for c in found.stadtteile],
    }  # fmt: skip


def fields_by_actor(data: g.CityData) -> dict[str, set[str]]:
    """Fields of action per actor IRI: those of its valid cooperations (for the network filter)."""
    fields: dict[str, set[str]] = defaultdict(set)
    for coop in data.cooperations.values():
        codes = {f.rsplit("/", 1)[-1] for f in coop.fields}
        for partner in coop.partners:
            fields[partner] |= codes
    return fields


def coverage(service: Service, dimension: str = "zielgruppe", *, wait: bool = True) -> dict[str, Any] | None:
    """SDG coverage (confirmed assignments); shares its cache entry with ``GET /api/sdgs/coverage``. Without
    ``wait`` ``None`` while it is first computed in the background."""

    def compute() -> dict[str, Any]:
        # the read copy: the same graphs as the store (an SDG decision refreshes them in it before the coverage
        # is recomputed), read about eight times faster than the store on disk with its landscape view
        return sdg_coverage(service.reader, dimension=dimension, iris=service.iris, city=service.city)

    key = f"sdg-coverage:{dimension}"
    if not wait:
        return service.ready(key, compute)
    # a review decision must not make the next page wait for the whole coverage: the one before it is shown
    return service.cached(key, compute, stale_ok=True)


def decided_pairs(service: Service, *, wait: bool = True) -> set[tuple[str, str]] | None:
    """``(offer IRI, goal)`` of every SDG suggestion decided by staff or an import (the review queue leaves
    them out; a decision adds its pair in place); without ``wait`` ``None`` while first read."""
    from bildungsnetz.sdg import pair_states  # noqa: PLC0415

    def compute() -> set[tuple[str, str]]:
        states = pair_states(service.reader, iris=service.iris)  # the read copy holds the SDG graphs too
        return {(offer, str(goal)) for (offer, goal), state in states.items() if state.decided}

    return service.cached("web:decided", compute) if wait else service.ready("web:decided", compute)


def district_tiles(
    service: Service,
    *,
    focus: str | None = None,
    values: dict[str, str] | None = None,
    levels: dict[str, str] | None = None,
    href: str = "/gebiet/stadtbezirk/{code}",
) -> TileMap:
    """The city's schematic tile map (one tile per Stadtbezirk, from the profile), empty when it has none.

    ``focus`` (a Stadtbezirk code) is marked with its neighbours; ``values`` and ``levels`` make it a
    choropleth (see :func:`bildungsnetz.web.geo.tile_map`); ``href`` is where a tile leads.
    """
    from bildungsnetz.cities import CityProfileError  # noqa: PLC0415

    try:
        profile = service.profile
    except CityProfileError:
        return TileMap(0, 0)
    labels = {str(b["code"]): str(b["label"] or b["code"]) for b in districts(service)}
    return tile_map(
        profile.tiles, labels, values=values, levels=levels, focus=focus, neighbours=profile.neighbours, href=href
    )


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def search_key(text: str) -> tuple[str, str]:
    """Two spellings to compare a search with: umlauts folded to the vowel and written out as two letters.

    A search matches when either of its keys is in the same key of the name, so "Hoerde", "Horde" and "Hörde"
    all find "Hörde".

    >>> search_key("Hörde"), search_key("Hoerde")
    (('horde', 'hoerde'), ('hoerde', 'hoerde'))
    """
    from bildungsnetz.matching.normalise import fold  # noqa: PLC0415

    return fold(text), fold(text.casefold().translate(_UMLAUTS))


def _actor_index(service: Service, data: g.CityData) -> list[tuple[tuple[str, str], str, g.Actor]]:
    """Every actor of ``data`` with its name's search keys and its id, ordered by name: read once per state of the
    store (in the background after a start or an import, see :func:`warm`)."""

    def compute() -> list[tuple[tuple[str, str], str, g.Actor]]:
        rows = [(search_key(a.label or ""), (a.id or "").casefold(), a) for a in data.actors.values()]
        return sorted(rows, key=lambda r: (r[0][0], r[2].iri))

    return service.cached(f"web:search:{data.date}", compute)


def search_hits(service: Service, q: str) -> list[g.Actor]:
    """Every actor the search for ``q`` finds (see :func:`search_actors`), ordered by name."""
    wanted = search_key(q)
    exact = q.strip().casefold()
    return [
        a for key, ident, a in _actor_index(service, city_data(service))
        if wanted[0] in key[0] or wanted[1] in key[1] or ident == exact
    ]  # fmt: skip


def _offer_index(service: Service, day: str, *, wait: bool = True) -> list[tuple[str, tuple[str, str], dict]] | None:
    """Every offer running at ``day`` with its title (lower case and the search keys) and its providers,
    ordered by title and IRI, from ``queries/web/offer-titles.rq``: read once per state of the store (in the
    background after a start or an import, see :func:`warm`); without ``wait`` ``None`` while it is read."""

    def compute() -> list[tuple[str, tuple[str, str], dict]]:
        offers: dict[str, dict[str, Any]] = {}
        for row in web_query(service, "offer-titles", {"date": day}, keep=False):
            entry = offers.setdefault(str(row["offer"]), dict(row, providers=[]))
            if row.get("provider"):
                entry["providers"].append(row)
        return [(str(o["title"]).lower(), search_key(str(o["title"])), o) for o in offers.values()]

    key = f"web:offers:{day}"
    return service.cached(key, compute) if wait else service.ready(key, compute)


def search_offers(service: Service, q: str, *, wait: bool = True) -> list[dict[str, Any]] | None:
    """Offers running today whose title contains ``q`` (any case, or umlauts folded, see :func:`search_key`),
    ordered by title: each with ``offer``, ``offerId``, ``title`` and ``providers`` (rows with ``provider``,
    ``providerId``, ``providerLabel``; a provider closed before today left out). The titles are searched in
    memory, read once per state of the store; without ``wait`` ``None`` while they are read."""
    index = _offer_index(service, g.resolve_date(None), wait=wait)
    if index is None:
        return None
    lower, wanted = q.lower(), search_key(q)
    return [
        o for title, key, o in index if lower in title or wanted[0] in key[0] or wanted[1] in key[1]
    ]  # fmt: skip


def key_figures(service: Service, *, wait: bool = True) -> dict[str, object] | None:
    """The start page's key figures of today (``actors``, ``cooperations``, ``networks``, ``offers``,
    ``programmes``; ``queries/web/key-figures.rq``), counted once per state of the store (a second at 20,000
    actors, in the background after a start or an import, see :func:`warm`); without ``wait`` ``None`` while
    they are counted."""
    day = g.resolve_date(None)

    def compute() -> dict[str, object]:
        rows = web_query(service, "key-figures", {"date": day}, keep=False)
        return rows[0] if rows else {}

    key = f"web:figures:{day}"
    return service.cached(key, compute) if wait else service.ready(key, compute)


def in_city(service: Service) -> Callable[[object], bool]:
    """Whether an area IRI belongs to the city the request shows: its municipality or an area below it. Every
    area (and none) belongs where the store holds one city only."""
    gemeinde = service.city_area()
    if gemeinde is None:
        return lambda area: True
    return lambda area: str(area or "") == gemeinde or str(area or "").startswith(gemeinde + "/")


def search_actors(service: Service, q: str, *, offset: int = 0, limit: int = 50) -> tuple[list[dict[str, Any]], int]:
    """Actors whose name (umlauts folded, see :func:`search_key`) contains ``q`` or whose id is ``q``: one page
    ordered by name, and how many there are in all. Each with ``actorId``, ``actorLabel``, ``kind``,
    ``stadtteil`` and ``stadtbezirk`` labels."""
    data = city_data(service)
    hits = search_hits(service, q)

    def label(iri: str | None) -> str:
        area = data.areas.get(iri or "")
        return area.label if area is not None else ""

    page = [
        {"actor": a.iri, "actorId": a.id, "actorLabel": a.label, "kind": a.kind or "",
         "stadtteil": label(a.stadtteil), "stadtbezirk": label(a.stadtbezirk)}
        for a in hits[offset : offset + limit]
    ]  # fmt: skip
    return page, len(hits)


#: Columns of the actor downloads (district and search): what office staff look up, ids kept for re-import.
EXPORT_COLUMNS = ("Name", "Id", "Art", "Schulform", "Straße", "PLZ", "Ort", "Träger", "Stadtteil", "Stadtbezirk")


def actor_export(
    service: Service, actors: list[g.Actor], *, lang: str = "de", iri: bool = False
) -> tuple[list[str], list[dict[str, Any]]]:
    """Columns and rows of an actor download: name, id, kind and Schulform labels in ``lang``, the first
    site's address, the Träger, Stadtteil and Stadtbezirk names; with ``iri`` also the actor's IRI (the CSV,
    so a program can join on it)."""
    from bildungsnetz.web.pages import vocab_labels  # noqa: PLC0415

    def compute() -> dict[str, dict[str, object]]:
        first: dict[str, dict[str, object]] = {}
        for row in web_query(service, "actor-addresses", keep=False):
            first.setdefault(str(row["actor"]), row)
        return first

    addresses = service.cached("web:actor-addresses", compute)
    areas = city_data(service).areas
    kinds, schulformen = vocab_labels("akteursart", lang), vocab_labels("schulform", lang)

    def area(key: str | None) -> str:
        found = areas.get(key or "")
        return found.label if found is not None else ""

    rows = []
    for a in actors:
        where = addresses.get(a.iri, {})
        rows.append({
            "Name": a.label, "Id": a.id, "Art": kinds.get(a.kind or "", a.kind or ""),
            "Schulform": schulformen.get(a.schulform or "", a.schulform or ""),
            "Straße": where.get("street") or "", "PLZ": where.get("postalCode") or "",
            "Ort": where.get("locality") or "", "Träger": where.get("operator") or "",
            "Stadtteil": area(a.stadtteil), "Stadtbezirk": area(a.stadtbezirk), "IRI": a.iri,
        })  # fmt: skip
    return [*EXPORT_COLUMNS, *(("IRI",) if iri else ())], rows
