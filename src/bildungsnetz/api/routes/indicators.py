"""``/api/indicators``: the indicators of the Wirkungsmonitoring, one per district and year."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request

from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.api.errors import LIST_RESPONSES
from bildungsnetz.api.formats import csv_response, wants_csv
from bildungsnetz.api.models import IndicatorItem, IndicatorValues, NeedRanking
from bildungsnetz.api.routes import DateQ, FormatQ, snake
from bildungsnetz.api.service import Service

__all__ = ["ChildrenQ", "NeedLevelQ", "NeedQ", "indicator_item", "router", "service_query"]

router = APIRouter(prefix="/api/indicators", tags=["Kennzahlen / indicators"], responses=LIST_RESPONSES)

#: The parameters of need versus network, the same here and on the gap report (``/api/reports/gaps``).
NeedQ = Annotated[
    str | None,
    Query(max_length=300, description="Indikator oder gewichtete Kombination, z. B. kinderarmut:2, sgb2-quote"),
]
NeedLevelQ = Annotated[
    Literal["stadtteil", "stadtbezirk"], Query(description="Rangfolge je stadtteil oder stadtbezirk")
]
ChildrenQ = Annotated[
    str | None,
    Query(max_length=100, description="Kennzahl mit der Zahl der Kinder je Gebiet (Angebote je 1.000 Kinder); "
          "Vorgabe: Einstellung BILDUNGSNETZ_CHILDREN_INDICATOR, sonst eine Kennzahl kinder-zahl"),
]


def service_query(service: Service):
    """The :data:`~bildungsnetz.analysis.indicators.Query` of the API and the web pages (cached, any store)."""
    return lambda name, values: service.query(name, values).rows


def indicator_item(row: dict) -> dict[str, Any]:
    """A row of ``api/indicators`` as the API shows it."""
    item = snake(row, {"indicator": "iri"})
    better = item.get("higher_is_better")
    item["higher_is_better"] = None if better in (None, "") else better in (True, "true", 1)
    item["own"] = item.get("own") in (True, "true", 1)
    return item


@router.get("", response_model=list[IndicatorItem], summary="Indikatoren / indicators")
def list_indicators(request: Request, service: ServiceDep, format: FormatQ = None) -> Any:
    """Every indicator, the city's own first: unit, polarity, district level, number of values and suppressed."""
    from bildungsnetz.analysis.indicators import indicators

    items = [indicator_item(r) for r in indicators(service_query(service))]
    if wants_csv(request):
        return csv_response(list(IndicatorItem.model_fields), items, filename="indikatoren")
    return items


@router.get("/need", response_model=NeedRanking, summary="Bedarf und Netz / need versus network")
def need_versus_network(
    service: ServiceDep,
    need: NeedQ = None,
    date: DateQ = None,
    level: NeedLevelQ = "stadtteil",
    children: ChildrenQ = None,
) -> Any:
    """Stadtteile or Stadtbezirke ranked by need (any indicator, or a weighted combination) against network
    thinness, with offers per 1,000 inhabitants and per 1,000 children and the mediations that reached the area:
    the ranking of the gap report, one computation (``analysis.gaps.need_ranking``)."""
    ranking = service.need_ranking(date, need=need, level=level, children=children)
    rows = [{k: v for k, v in r.items() if not k.endswith("_iri")} for r in ranking["rows"]]
    return {**ranking, "rows": rows}


@router.get("/{code}", response_model=IndicatorValues, summary="Ein Indikator je Gebiet und Jahr / per district")
def get_indicator(
    request: Request,
    code: Annotated[str, Path(max_length=100, description="Code oder Bezeichnung, z. B. kinderarmut")],
    service: ServiceDep,
    format: FormatQ = None,
) -> Any:
    """The values of one indicator per district and year. A suppressed value has ``value: null``,
    ``suppressed: true`` and ``shown`` as the source wrote it (``*``, ``<5``): never 0."""
    from bildungsnetz.analysis.indicators import load_table, table_rows

    table = load_table(service_query(service), code)
    if wants_csv(request):
        rows = table_rows(table)
        return csv_response(list(rows[0]) if rows else ["indikator"], rows, filename=f"indikator-{code}")
    values = [
        {"area": a["area"], "code": a["code"], "label": a["label"], "level": a["level"], "year": year,
         "value": cell.value, "shown": cell.shown, "suppressed": cell.suppressed, "rounded": cell.rounded}
        for a in table.areas for year, cell in sorted(a["cells"].items())
    ]  # fmt: skip
    return {"indicator": indicator_item(table.indicator), "years": table.years, "values": values}
