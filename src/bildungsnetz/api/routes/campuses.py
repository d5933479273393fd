"""``/api/campuses``: the Kindercampus sites, their members, offers on site and Bildungskette gaps."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from bildungsnetz.analysis.graphs import resolve_date
from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.api.errors import LIST_RESPONSES
from bildungsnetz.api.models import CampusDetail, CampusItem
from bildungsnetz.api.routes import DateQ, snake
from bildungsnetz.api.routes.indicators import service_query
from bildungsnetz.api.service import Service

__all__ = ["campus_detail", "router"]

router = APIRouter(prefix="/api/campuses", tags=["Kindercampus"], responses=LIST_RESPONSES)


def campus_detail(service: Service, wanted: str, date: str | None = None) -> dict[str, Any]:
    """One campus as the API and the web page show it (one computation, :func:`analysis.campus.load_campus`)."""
    from bildungsnetz.analysis.campus import load_campus

    a = service.analysis(date, ebene="stadtteil")
    return load_campus(service_query(service), wanted, transitions=a.result["transitions"],
                       has_query=lambda name: name.removeprefix("api/") in service.api_queries, date=a.data.date)


@router.get("", response_model=list[CampusItem], summary="Kindercampus")
def list_campuses(service: ServiceDep, date: DateQ = None) -> Any:
    """Every Kindercampus with its school, Stadtteil and the number of members and offers on site at the
    Stichtag (default today)."""
    return [snake(r, {"campus": "iri"}) for r in service.query("api/campuses", {"date": resolve_date(date)}).rows]


@router.get("/{campus}", response_model=CampusDetail, summary="Ein Kindercampus / one campus")
def get_campus(
    campus: Annotated[str, Path(max_length=100, description="Kennung, Name oder Stadtteil, z. B. KC-HOERDE")],
    service: ServiceDep,
    date: DateQ = None,
) -> Any:
    """Members, offers on site by field of action, target group and weekday, and the gaps of the
    Bildungskette in the campus's Stadtteil. No contact person or campus manager is part of the answer."""
    found = campus_detail(service, campus, date)
    gaps = [{k: v for k, v in g.items() if k != "missing_iris"} for g in found["gaps"]]
    return {**found, "campus": snake(found["campus"], {"campus": "iri"}), "gaps": gaps}
