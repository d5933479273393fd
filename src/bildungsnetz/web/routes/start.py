"""The start page: search and key figures."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.web.data import (
    city_data,
    districts,
    in_city,
    key_figures,
    search_actors,
    search_hits,
    search_key,
    search_offers,
    warm,
)
from bildungsnetz.web.pages import (
    context,
    error_page,
    render,
)
from bildungsnetz.web.routes.common import _SEARCH_ROWS

router = APIRouter(include_in_schema=False)

# -- start and search ---------------------------------------------------------------------------------------


@router.get("/suche.{fmt}")
def search_download(request: Request, fmt: str, service: ServiceDep) -> Response:
    """Every actor the search ``?q=`` finds, as CSV or Excel with address, Träger, Stadtteil and kind label."""
    from bildungsnetz.web.routes.districts import actor_download  # noqa: PLC0415

    ctx = context(request, service)
    q = (request.query_params.get("q") or "").strip()[:200]
    if fmt not in ("csv", "xlsx"):
        return error_page(ctx, 404, f"{ctx.t('site.not_found')}: suche.{fmt}"[:200])
    if not q:
        return error_page(ctx, 400, ctx.t("start.download_needs_q"))
    return actor_download(ctx, service, search_hits(service, q), fmt, "suche")


@router.get("/")
def start(request: Request, service: ServiceDep) -> Response:
    """Search across actors, networks and offers; key figures; the districts."""
    ctx = context(request, service)
    warm(service)
    q = (request.query_params.get("q") or "").strip()[:200]
    results: dict[str, Any] | None = None
    if q:
        pages = request.query_params.get("seite") or "1"
        page = max(1, min(int(pages), 100_000) if pages.isdigit() else 1)
        # actors are searched in the city's data, read in the background after a start or an import: until
        # then the page shows the networks and offers found and says that the actors follow
        reading = service.city_data(wait=False) is None
        items, total = ([], 0) if reading else search_actors(
            service, q, offset=(page - 1) * _SEARCH_ROWS, limit=_SEARCH_ROWS
        )
        last = max(1, -(-total // _SEARCH_ROWS))
        if page > last and not reading:
            page = last
            items, total = search_actors(service, q, offset=(page - 1) * _SEARCH_ROWS, limit=_SEARCH_ROWS)
        wanted = search_key(q)
        mine = in_city(service)  # with several cities in the store: only the chosen one's networks and offers
        networks = [
            r
            for r in service.page("api/networks", {}, limit=1000, offset=0).rows
            if mine(r.get("area"))
        ]
        networks = [
            r
            for r in networks
            if wanted[0] in search_key(str(r.get("networkLabel") or ""))[0]
            or wanted[1] in search_key(str(r.get("networkLabel") or ""))[1]
            or q.casefold() == str(r.get("networkId")).casefold()
        ]
        # offers: their titles searched in memory (read in the background after a start or an import, like
        # the city's data; until then the page says that they follow)
        offers = search_offers(service, q, wait=False)
        if offers is not None and service.city_area():  # several cities: the offers of the chosen one's actors
            ours = {} if reading else city_data(service).actors
            offers = [o for o in offers if any(p["provider"] in ours for p in o["providers"])]
        results = {
            "actors": items,
            "actors_total": total,
            "page": page,
            "pages": last,
            "networks": networks,
            "offers": (offers or [])[:_SEARCH_ROWS],
            "pending": reading or offers is None,
        }
    # counted over the whole city in the background after a start or an import: until then the page says so
    figures = key_figures(service, wait=False)
    return render(
        ctx,
        "start.html",
        nav="start",
        q=q,
        results=results,
        figures=figures,
        districts=districts(service),
        limit=_SEARCH_ROWS,
    )
