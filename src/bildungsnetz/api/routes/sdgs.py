"""``/api/sdgs``: the 17 goals with their offer counts; one goal with its targets and offers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.api.errors import LIST_RESPONSES, ApiError
from bildungsnetz.api.formats import csv_response, wants_csv
from bildungsnetz.api.models import SdgDetail, SdgItem
from bildungsnetz.api.routes import DateQ, FormatQ, listed
from bildungsnetz.api.routes.offers import offer_item
from bildungsnetz.api.service import Service

__all__ = ["router"]

router = APIRouter(prefix="/api/sdgs", tags=["SDGs"], responses=LIST_RESPONSES)
_COLUMNS = ["sdg", "label_de", "label_en", "offers", "iri", "un"]


def _goals(service: Service, date: str | None) -> list[dict[str, Any]]:
    rows = service.query("api/sdgs", {"date": date}).rows
    return [dict(r, sdg=int(r["sdg"]), iri=r["goal"]) for r in rows if str(r.get("sdg", "")).isdigit()]


@router.get("", response_model=list[SdgItem], summary="Die 17 SDGs / the 17 goals")
def list_sdgs(request: Request, service: ServiceDep, date: DateQ = None, format: FormatQ = None) -> Any:
    """Each goal with its titles and the number of offers running at ``date`` with a confirmed assignment."""
    return listed(request, _goals(service, date), columns=_COLUMNS, name="sdgs")


@router.get("/{n}", response_model=SdgDetail, summary="Ein SDG / one goal")
def get_sdg(
    request: Request,
    n: Annotated[int, Path(ge=1, le=17, description="Nummer des Ziels, 1 bis 17")],
    service: ServiceDep,
    date: DateQ = None,
    format: FormatQ = None,
) -> Any:
    """One goal with its targets and the first 100 offers serving it (all of them: ``/api/offers?sdg=N``)."""
    goal = next((g for g in _goals(service, date) if g["sdg"] == n), None)
    if goal is None:
        raise ApiError(404, f"SDG {n} ist nicht im Speicher / SDG {n} is not in the store")
    targets = [dict(r, iri=r["target"]) for r in service.query("api/sdg-targets", {"sdg": str(n)}).rows]
    offers = service.page("api/offers-by-sdg", {"sdg": str(n), "date": date}, limit=100, offset=0)
    if wants_csv(request):
        return csv_response(
            ["code", "label_de", "label_en", "definition_de", "definition_en", "iri"],
            targets,
            filename=f"sdg-{n}",
        )
    return dict(goal, targets=targets, offer_items=[offer_item(r) for r in offers.rows])
