"""What the pages read: named queries (the catalogue and ``queries/web/``) and the analysis, cached.

Everything expensive is computed once per state of the store through :meth:`Service.cached`, which an
import or an SDG decision empties. The network analysis of the whole city takes a few seconds at 2,000
actors, so it is started in a background thread on the first page view, and every page that needs it
waits for that one run.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from functools import cache
from typing import Any

from bildungsnetz.analysis import graphs as g
from bildungsnetz.analysis.run import Analysis
from bildungsnetz.api.service import Service
from bildungsnetz.queries import NamedQuery, get, run
from bildungsnetz.sdg import coverage as sdg_coverage
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
    "district_network_view",
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
    service: Service, date: str | None = None, *, ebene: str = "stadtbezirk", ties: str = "alle"
) -> Analysis:
    """The whole-city analysis at ``date`` with district networks of level ``ebene`` under the tie rule ``ties``
    (the API's too)."""
    return service.analysis(date, ebene=ebene, ties=ties)


def district_network_view(service: Service, a: Analysis, ebene: str, code: str) -> dict | None:
    """The laid-out network of one district of analysis ``a`` (see :func:`.netview.district_view`)."""
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

    return service.cached(f"web:view:{day}:{ebene}:{code}", compute)


def _warm_all(service: Service) -> None:
    a = analysis(service)
    coverage(service)
    for d in a.districts:
        district_network_view(service, a, "stadtbezirk", d.area.code)
    analysis(service, ebene="stadtteil")


def warm(service: Service) -> None:
    """Start the expensive parts in the background, once per state of the store, without waiting: today's
    analysis, the SDG coverage, the Stadtbezirk network pictures, the Stadtteil analysis. Pages that need
    one of them before it is ready wait for that one computation, never start a second."""
    with _lock:
        started = service.cached("web:warm", lambda: [False])
        if started[0]:
            return
        started[0] = True
    threading.Thread(target=_warm_all, args=(service,), name="bildungsnetz-web-warm", daemon=True).start()


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


def fields_by_actor(data: g.CityData) -> dict[str, set[str]]:
    """Fields of action per actor IRI: those of its valid cooperations (for the network filter)."""
    fields: dict[str, set[str]] = defaultdict(set)
    for coop in data.cooperations.values():
        codes = {f.rsplit("/", 1)[-1] for f in coop.fields}
        for partner in coop.partners:
            fields[partner] |= codes
    return fields


def coverage(service: Service, dimension: str = "zielgruppe") -> dict[str, Any]:
    """SDG coverage (confirmed assignments); shares its cache entry with ``GET /api/sdgs/coverage``."""
    return service.cached(
        f"sdg-coverage:{dimension}",
        lambda: sdg_coverage(service.store, dimension=dimension, iris=service.iris),
    )
