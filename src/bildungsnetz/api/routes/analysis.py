"""The network analysis over HTTP: a district's network for a graph viewer, isolates, brokers, transitions, gaps."""

from __future__ import annotations

from datetime import date as Date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from bildungsnetz.analysis import interfaces
from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.api.errors import ERROR_RESPONSES

__all__ = ["router"]

router = APIRouter(tags=["Analyse / analysis"], responses=ERROR_RESPONSES)

DateQ = Annotated[Date | None, Query(description="Stichtag (Vorgabe: heute) / reference date (default today)")]
BezirkQ = Annotated[str | None, Query(max_length=200, description="Code oder Name des Stadtbezirks")]


def _bezirk(service, value: str | None) -> str | None:
    """A Stadtbezirk as staff name it (8, Hörde, Hoerde) → its code."""
    if value is None:
        return None
    from bildungsnetz.cities.profiles import CityProfileError, load_profile, lookup_district
    from bildungsnetz.queries import ParameterError

    try:
        return lookup_district(load_profile(service.city), value, ebene="stadtbezirk").code
    except CityProfileError as exc:
        raise ParameterError("stadtbezirk", value, exc.de, exc.en) from None


def _day(value: Date | None) -> str | None:
    return value.isoformat() if value else None


@router.get("/api/districts/{code}/network", summary="Netzwerk eines Bezirks / a district's network")
def district_network(
    code: Annotated[str, Path(max_length=200, description="Code oder Name des Bezirks")],
    service: ServiceDep,
    date: DateQ = None,
    ebene: Annotated[Literal["stadtbezirk", "stadtteil"], Query()] = "stadtbezirk",
    gruppe: Annotated[Literal["sektor", "bezirk"], Query()] = "sektor",
) -> dict[str, Any]:
    """Nodes (with every measure and the brokerage roles) and edges of one district's cooperation network."""
    if ebene == "stadtbezirk":
        code = _bezirk(service, code) or code
    key = f"analysis:network:{code}:{date}:{ebene}:{gruppe}"
    return service.cached(key, lambda: interfaces.district_network(service.reader, code, date=_day(date),
                                                                   ebene=ebene, gruppe=gruppe))  # fmt: skip


@router.get("/api/analysis/isolates", summary="Isolierte Akteure / isolated actors")
def isolates(service: ServiceDep, date: DateQ = None, stadtbezirk: BezirkQ = None) -> dict[str, Any]:
    """Isolated actors, actors isolated in their district and sector-isolated actors, per district."""
    bezirk = _bezirk(service, stadtbezirk)
    return service.cached(f"analysis:isolates:{date}:{bezirk}",
                          lambda: interfaces.isolates(service.reader, date=_day(date), stadtbezirk=bezirk))  # fmt: skip


@router.get("/api/analysis/brokers", summary="Makler / brokers")
def brokers(
    service: ServiceDep,
    date: DateQ = None,
    stadtbezirk: BezirkQ = None,
    gruppe: Annotated[Literal["sektor", "bezirk"], Query()] = "sektor",
) -> dict[str, Any]:
    """Brokers per district: betweenness, constraint and Gould–Fernandez roles with z-scores."""
    bezirk = _bezirk(service, stadtbezirk)
    return service.cached(
        f"analysis:brokers:{date}:{bezirk}:{gruppe}",
        lambda: interfaces.brokers(service.reader, date=_day(date), stadtbezirk=bezirk, gruppe=gruppe),
    )


@router.get("/api/analysis/transitions", summary="Lücken der Bildungskette / gaps along the education chain")
def transitions(service: ServiceDep, date: DateQ = None, stadtbezirk: BezirkQ = None) -> dict[str, Any]:
    """Kitas without a Grundschule partner, Grundschulen without Kita or secondary partner, secondary schools
    without a partner for the transition to work, fields of action without actors."""
    bezirk = _bezirk(service, stadtbezirk)
    return service.cached(
        f"analysis:transitions:{date}:{bezirk}",
        lambda: interfaces.transitions(service.reader, date=_day(date), stadtbezirk=bezirk),
    )


_REPORT_TYPES = {
    "text/html": {"schema": {"type": "string"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}
    },
    "text/markdown": {"schema": {"type": "string"}},
}


@router.get(
    "/api/reports/gaps",
    summary="Lückenbericht / gap report (HTML, XLSX, Markdown)",
    response_class=Response,
    responses={200: {"description": "Der Bericht / the report", "content": _REPORT_TYPES}},
)
def gaps_report(
    service: ServiceDep,
    format: Annotated[Literal["html", "xlsx", "md"], Query()] = "html",
    date: DateQ = None,
    stadtbezirk: BezirkQ = None,
) -> Response:
    """The German gap report for the Schulausschuss, self-contained."""
    bezirk = _bezirk(service, stadtbezirk)
    content, media, name = service.cached(
        f"analysis:report:{format}:{date}:{bezirk}",
        lambda: interfaces.gaps_report(service.reader, fmt=format, stadtbezirk=bezirk, date=_day(date)),
    )
    disposition = "inline" if format == "html" else "attachment"
    headers = {"Content-Disposition": f'{disposition}; filename="{name}"'}
    return Response(content, media_type=media, headers=headers)
