"""``/api/offers``: offers filtered by SDG, Stadtbezirk, target group and education stage."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.api.errors import LIST_RESPONSES
from bildungsnetz.api.models import OfferPage
from bildungsnetz.api.routes import DateQ, FormatQ, LimitQ, OffsetQ, paged, snake, split_codes

__all__ = ["router", "offer_item"]

router = APIRouter(prefix="/api/offers", tags=["Angebote / offers"], responses=LIST_RESPONSES)
_COLUMNS = ["id", "title", "providers", "area_label", "sdgs", "zielgruppen", "bildungsphasen", "iri"]


def offer_item(row: dict[str, Any]) -> dict[str, Any]:
    """A row of the ``offers`` query as an :class:`~bildungsnetz.api.models.OfferItem`."""
    item = snake(row, {"offer": "iri", "offerId": "id", "areaLabel": "area_label"})
    for key in ("sdgs", "zielgruppen", "bildungsphasen"):
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
    date: DateQ = None,
    limit: LimitQ = 100,
    offset: OffsetQ = 0,
    format: FormatQ = None,
) -> Any:
    """Offers running at ``date``; SDG filters count confirmed assignments only."""
    values = {
        "sdg": sdg,
        "stadtbezirk": stadtbezirk,
        "zielgruppe": zielgruppe,
        "bildungsphase": bildungsphase,
        "date": date,
    }
    # With an SDG the walk starts at its assignments (api/offers-by-sdg): same rows, far fewer visited.
    page = service.page("api/offers-by-sdg" if sdg else "offers", values, limit=limit, offset=offset)
    return paged(request, page, [offer_item(r) for r in page.rows], columns=_COLUMNS, name="angebote")
