"""``/api/actors``: search actors; one actor with sites, partners, networks, offers, SDGs; its partners."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from bildungsnetz.api.deps import PrincipalDep, ServiceDep
from bildungsnetz.api.errors import LIST_RESPONSES, ApiError
from bildungsnetz.api.formats import csv_response, wants_csv
from bildungsnetz.api.models import ActorDetail, ActorPage, ActorPartners
from bildungsnetz.api.routes import DateQ, FormatQ, LimitQ, OffsetQ, paged, snake, split_codes, today
from bildungsnetz.api.service import Service
from bildungsnetz.errors import BildungsnetzError

__all__ = ["router"]

router = APIRouter(prefix="/api/actors", tags=["Akteure / actors"], responses=LIST_RESPONSES)

IdPath = Annotated[
    str, Path(min_length=1, max_length=200, description="Kennung der Quelle oder Schulnummer, z. B. 100132")
]
_ITEM = {
    "actor": "iri",
    "actorId": "id",
    "actorLabel": "label",
    "districtLabel": "district_label",
    "areaLabel": "area_label",
}
_ITEM_COLUMNS = ["id", "label", "kind", "district_label", "area_label", "iri", "district", "area"]


def _not_found(actor_id: str) -> ApiError:
    shown = actor_id if len(actor_id) <= 60 else actor_id[:60] + "…"
    return ApiError(404, f'Akteur "{shown}" nicht gefunden / actor not found')


def _actor(service: Service, actor_id: str) -> dict[str, Any]:
    try:
        rows = service.query("api/actor", {"actor": actor_id}).rows
    except BildungsnetzError as exc:
        if getattr(exc, "http_status", 400) == 400:
            raise _not_found(actor_id) from None
        raise
    if not rows:
        raise _not_found(actor_id)
    return snake(rows[0], {"actor": "iri", "actorId": "id", "actorLabel": "label"})


@router.get("", response_model=ActorPage, summary="Akteure suchen / search actors")
def list_actors(
    request: Request,
    service: ServiceDep,
    q: Annotated[
        str | None, Query(max_length=200, description="Teil des Namens oder die ganze Kennung")
    ] = None,
    typ: Annotated[
        str | None, Query(max_length=64, description="Akteursart: Code, Name oder Synonym")
    ] = None,
    stadtbezirk: Annotated[
        str | None, Query(max_length=200, description="Code oder Name des Stadtbezirks")
    ] = None,
    stadtteil: Annotated[
        str | None, Query(max_length=200, description="Code oder Name des Stadtteils")
    ] = None,
    limit: LimitQ = 100,
    offset: OffsetQ = 0,
    format: FormatQ = None,
) -> Any:
    """Actors by name or id, kind, Stadtbezirk and Stadtteil, sorted by name, page by page."""
    values = {"q": q, "akteursart": typ}
    if stadtbezirk or stadtteil:
        # Two queries, each walking down from its own parameter (Virtuoso cannot walk from a BIND)
        values.update(stadtbezirk=stadtbezirk)
        if stadtteil:
            values.update(stadtteil=stadtteil)
        name = "api/actors-in-stadtteil" if stadtteil else "api/actors-in-area"
        page = service.page(name, values, limit=limit, offset=offset)
        items = [snake(r, _ITEM) for r in page.rows]
    elif area := service.city_area():
        # Several cities in the store: only the chosen one's actors (those with a site in it), walked down from
        # its municipality as from a Stadtbezirk
        values.update(stadtbezirk=area)
        page = service.page("api/actors-in-area", values, limit=limit, offset=offset)
        items = [snake(r, _ITEM) for r in page.rows]
    else:
        page = service.page("api/actors", values, limit=limit, offset=offset)
        first: dict[object, dict] = {}  # each actor's first area, in the query's order (by Stadtbezirk, area)
        for area in service.query_many("api/actor-districts", "actor", [str(r["actor"]) for r in page.rows]).rows:
            first.setdefault(area["actor"], area)
        items = []
        for row in page.rows:
            item = snake(row, _ITEM)
            if (area := first.get(row["actor"])) is not None:
                item.update(snake(area, {"areaLabel": "area_label", "districtLabel": "district_label"}))
            items.append(item)
    return paged(request, page, items, columns=_ITEM_COLUMNS, name="akteure")


@router.get("/{actor_id}", response_model=ActorDetail, summary="Ein Akteur / one actor")
def get_actor(
    request: Request,
    actor_id: IdPath,
    service: ServiceDep,
    who: PrincipalDep,
    date: DateQ = None,
    format: FormatQ = None,
) -> Any:
    """Everything public about one actor; contact persons only for a token of role ``intern``."""
    rows = service.query("actor-detail", {"actor": actor_id}).rows if _actor(service, actor_id) else []
    first = rows[0]
    detail: dict[str, Any] = snake(first, {"actor": "iri", "actorId": "id", "actorLabel": "label"})
    sites = []
    for row in rows:
        if row.get("site"):
            sites.append(
                snake(
                    row,
                    {
                        "site": "iri",
                        "siteLabel": "label",
                        "postalCode": "postal_code",
                        "areaLabel": "area_label",
                        "districtLabel": "district_label",
                    },
                )
            )
    values = {"actor": actor_id, "date": date}
    partners = [snake(r) for r in service.query("partners-of-actor", values).rows]
    networks = [snake(r) for r in service.query("api/actor-networks", values).rows]
    offers = []
    for row in service.query("api/actor-offers", values).rows:
        offer = snake(row, {"offerId": "offer_id", "areaLabel": "area_label"})
        offer["sdgs"] = split_codes(row.get("sdgs"))
        offers.append(offer)
    sdgs = sorted({s for o in offers for s in o["sdgs"]}, key=lambda s: (len(s), s))
    detail = {k: v for k, v in detail.items() if k in ActorDetail.model_fields}
    detail.update(sites=sites, partners=partners, networks=networks, offers=offers, sdgs=sdgs, contacts=None)
    detail["sources"] = [{"source": str(r["source"]), "stand": str(r["stand"])[:19] if r.get("stand") else None}
                         for r in service.query("api/actor-sources", {"actor": actor_id}).rows]  # fmt: skip
    if who.intern:
        detail["contacts"] = [dict(r) for r in service.query("api/actor-contacts", {"actor": actor_id}).rows]
    if wants_csv(request):
        columns = [
            "id",
            "label",
            "kind",
            "sector",
            "schulform",
            "schulnummer",
            "operator",
            "homepage",
            "sites",
            "partners",
            "networks",
            "offers",
            "sdgs",
            "iri",
        ]
        flat = dict(
            detail,
            sites=[s.get("label") or s["iri"] for s in sites],
            partners=[p.get("partner_label") or p["partner"] for p in partners],
            networks=[n.get("network_label") or n["network"] for n in networks],
            offers=[o.get("title") or o["offer"] for o in offers],
        )
        return csv_response(columns, [flat], filename="akteur")
    return detail


@router.get("/{actor_id}/partners", response_model=ActorPartners, summary="Partner / partners of an actor")
def get_partners(
    request: Request, actor_id: IdPath, service: ServiceDep, date: DateQ = None, format: FormatQ = None
) -> Any:
    """The actor's partners in cooperations valid at ``date`` (today by default)."""
    actor = _actor(service, actor_id)
    result = service.query("partners-of-actor", {"actor": actor_id, "date": date})
    partners = [snake(r) for r in result.rows]
    if wants_csv(request):
        columns = [
            "partner_id",
            "partner_label",
            "kind",
            "field",
            "programme",
            "since",
            "until",
            "partner",
            "cooperation",
            "cooperation_id",
        ]
        return csv_response(columns, partners, filename="partner")
    return {"actor": actor, "date": date or today(), "partners": partners}
