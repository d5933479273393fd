"""``/api/offers``: the offer catalogue, filtered by field of action, SDG, Stadtbezirk, target group, education
stage, provider, cost and text."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.api.errors import LIST_RESPONSES
from bildungsnetz.api.models import OfferPage
from bildungsnetz.api.routes import DateQ, FormatQ, LimitQ, OffsetQ, paged, snake, split_codes

__all__ = ["router", "offer_item"]

router = APIRouter(prefix="/api/offers", tags=["Angebote / offers"], responses=LIST_RESPONSES)
_COLUMNS = ["id", "title", "providers", "area_label", "fields", "sdgs", "zielgruppen", "bildungsphasen", "places",
            "cost", "since", "until", "iri"]


def offer_item(row: dict[str, Any]) -> dict[str, Any]:
    """A row of the ``offers`` query as an :class:`~bildungsnetz.api.models.OfferItem`."""
    item = snake(row, {"offer": "iri", "offerId": "id", "areaLabel": "area_label"})
    for key in ("sdgs", "zielgruppen", "bildungsphasen", "fields"):
        item[key] = split_codes(row.get(key))
    return item


@router.get("", response_model=OfferPage, summary="Angebote / offers")
def list_offers(
    request: Request,
    service: ServiceDep,
    sdg: Annotated[
        str | None, Query(max_length=64, description="SDG-Ziel oder -Unterziel, z. B. 4 oder 4.7")
    ] = None,
    stadtbezirk: Annotated[str | None, Query(max_length=200, description="Code oder Name")] = None,
    zielgruppe: Annotated[str | None, Query(max_length=64, description="Zielgruppe: Code oder Name")] = None,
    bildungsphase: Annotated[
        str | None, Query(max_length=64, description="Bildungsphase: Code oder Name")
    ] = None,
    handlungsfeld: Annotated[
        str | None, Query(max_length=64, description="Handlungsfeld: Code oder Name")
    ] = None,
    anbieter: Annotated[str | None, Query(max_length=200, description="Anbieter: Kennung oder IRI")] = None,
    maxkosten: Annotated[int | None, Query(ge=0, le=1_000_000, description="höchstens Euro; 0 = kostenfrei")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in Titel oder Beschreibung")] = None,
    date: DateQ = None,
    limit: LimitQ = 100,
    offset: OffsetQ = 0,
    format: FormatQ = None,
) -> Any:
    """Offers running at ``date`` (the catalogue of ``bildungsnetz offers``); SDG filters count confirmed
    assignments only."""
    values = {
        "sdg": sdg,
        "stadtbezirk": stadtbezirk or service.city_area(),  # several cities in the store: the chosen one's
        "zielgruppe": zielgruppe,
        "bildungsphase": bildungsphase,
        "handlungsfeld": handlungsfeld,
        "anbieter": anbieter,
        "maxkosten": str(maxkosten) if maxkosten is not None else None,
        "q": q,
        "date": date,
    }
    # With an SDG alone the walk starts at its assignments (api/offers-by-sdg): far fewer offers visited.
    only_sdg = sdg and not (handlungsfeld or anbieter or q or maxkosten is not None)
    page = service.page("api/offers-by-sdg" if only_sdg else "offer-catalogue", values, limit=limit, offset=offset)
    return paged(request, page, [offer_item(r) for r in page.rows], columns=_COLUMNS, name="angebote")
