"""The network analysis over HTTP: a district's network for a graph viewer, isolates, brokers, transitions, gaps."""

from __future__ import annotations

from datetime import date as Date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from bildungsnetz.analysis import interfaces
from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.api.errors import ERROR_RESPONSES
from bildungsnetz.api.routes.indicators import ChildrenQ, NeedLevelQ, NeedQ

__all__ = ["router"]

router = APIRouter(tags=["Analyse / analysis"], responses=ERROR_RESPONSES)

DateQ = Annotated[Date | None, Query(description="Stichtag (Vorgabe: heute) / reference date (default today)")]
BezirkQ = Annotated[str | None, Query(max_length=200, description="Code oder Name des Stadtbezirks")]
TiesQ = Annotated[
    Literal["alle", "bestaetigt", "dokumentiert"],
    Query(description="Beziehungsregel: alle (dokumentiert und Befragung), bestaetigt (dokumentiert und beidseitig "
          "bestätigt), dokumentiert (ohne Befragung) / tie rule"),
]  # fmt: skip


def _bezirk(service, value: str | None) -> str | None:
    """A Stadtbezirk as staff name it (8, Hörde, Hoerde) → its code."""
    if value is None:
        return None
    from bildungsnetz.cities import CityProfileError
    from bildungsnetz.queries import ParameterError

    try:
        return service.cities.district(value, "stadtbezirk", city=service.profile).code
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
    ties: TiesQ = "alle",
) -> dict[str, Any]:
    """Nodes (with every measure and the brokerage roles) and edges of one district's cooperation network."""
    if ebene == "stadtbezirk":
        code = _bezirk(service, code) or code
    key = f"analysis:network:{code}:{_day(date)}:{ebene}:{gruppe}:{ties}"
    data = service.city_data(_day(date), ties=ties)
    return service.cached(key, lambda: interfaces.district_network(data, code, ebene=ebene, gruppe=gruppe))


@router.get("/api/analysis/isolates", summary="Isolierte Akteure / isolated actors")
def isolates(
    service: ServiceDep, date: DateQ = None, stadtbezirk: BezirkQ = None, ties: TiesQ = "alle"
) -> dict[str, Any]:
    """Isolated actors, actors isolated in their district and sector-isolated actors, per district; with survey
    ties, ``survey`` gives each district's response rate and a warning below 80 %."""
    bezirk = _bezirk(service, stadtbezirk)
    return interfaces.isolates(service.analysis(_day(date), stadtbezirk=bezirk, ties=ties))


@router.get("/api/analysis/brokers", summary="Makler / brokers")
def brokers(
    service: ServiceDep,
    date: DateQ = None,
    stadtbezirk: BezirkQ = None,
    gruppe: Annotated[Literal["sektor", "bezirk"], Query()] = "sektor",
    ties: TiesQ = "alle",
) -> dict[str, Any]:
    """Brokers per district: betweenness, constraint and Gould–Fernandez roles with z-scores; with survey ties,
    ``survey`` gives each district's response rate and a warning below 80 %."""
    bezirk = _bezirk(service, stadtbezirk)
    return interfaces.brokers(service.analysis(_day(date), stadtbezirk=bezirk, gruppe=gruppe, ties=ties))


@router.get("/api/analysis/transitions", summary="Lücken der Bildungskette / gaps along the education chain")
def transitions(
    service: ServiceDep, date: DateQ = None, stadtbezirk: BezirkQ = None, ties: TiesQ = "alle"
) -> dict[str, Any]:
    """Kitas without a Grundschule partner, Grundschulen without Kita or secondary partner, secondary schools
    without a partner for the transition to work, fields of action without actors."""
    bezirk = _bezirk(service, stadtbezirk)
    return interfaces.transitions(service.analysis(_day(date), stadtbezirk=bezirk, ties=ties))


_MEDIA = {
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
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
    ties: TiesQ = "alle",
    need: NeedQ = None,
    level: NeedLevelQ = "stadtteil",
    children: ChildrenQ = None,
) -> Response:
    """The German gap report for the Schulausschuss, self-contained; ``need``, ``level`` and ``children`` rank
    need versus network as ``bildungsnetz report gaps --need --level --children`` does."""
    bezirk = _bezirk(service, stadtbezirk)
    content = service.gaps_report(format, date=_day(date), stadtbezirk=bezirk, ties=ties, need=need,
                                  need_level=level, children=children)
    day = service.analysis(_day(date), stadtbezirk=bezirk, ties=ties).data.date
    media, name = _MEDIA[format], f"bildungsnetz-luecken-{day}.{format}"
    disposition = "inline" if format == "html" else "attachment"
    headers = {"Content-Disposition": f'{disposition}; filename="{name}"'}
    return Response(content, media_type=media, headers=headers)
