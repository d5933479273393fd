"""Plain functions behind ``bildungsnetz analyse`` / ``report gaps`` and the analysis API routes."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import date as Date
from typing import Any

from bildungsnetz.analysis import graphs as g
from bildungsnetz.analysis.run import analyse, clean, run_analysis
from bildungsnetz.queries import ParameterError
from bildungsnetz.report.gaps import render

__all__ = [
    "OUTPUT_FORMATS",
    "analyse_command",
    "analysis_rows",
    "district_network",
    "isolates",
    "brokers",
    "transitions",
    "gaps_report",
]

OUTPUT_FORMATS = ("table", "json", "csv", "xlsx")
_MEDIA = {
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def analysis_rows(result: dict) -> list[dict[str, Any]]:
    """One row per district of an :func:`~bildungsnetz.analysis.run` result (for table, CSV and XLSX)."""
    rows = []
    for d in result["districts"]:
        top = d["brokers"][0] if d["brokers"] else None
        rows.append(
            {
                "code": d["code"],
                "name": d["name"],
                "nodes": d["nodes"],
                "ties": d["ties"],
                "density": d["density"],
                "components": d["components"],
                "largest_component_share": d["largest_component_share"],
                "isolates": len(d["isolates"]),
                "isolated_in_district": len(d["isolated_in_district"]),
                "cross_border_ties": d["cross_border_ties"],
                "top_broker": top["actor"] if top else None,
                "top_broker_label": top["label"] if top else None,
                "top_broker_betweenness": top["betweenness"] if top else None,
            }
        )
    return rows


def analyse_command(
    store: Any,
    *,
    date: str | None = None,
    stadtbezirk: str | None = "all",
    ebene: str = "stadtbezirk",
    gruppe: str = "sektor",
    without: Iterable[str] = (),
    fmt: str = "table",
) -> dict | list[dict] | str | bytes:
    """What ``bildungsnetz analyse`` prints or writes.

    ``fmt="json"`` returns the JSON text, ``"csv"`` CSV text, ``"xlsx"`` workbook bytes and ``"table"`` the
    rows (:func:`analysis_rows`) for the CLI's table renderer. Bad options raise
    :class:`~bildungsnetz.queries.bind.ParameterError` (German/English, naming the parameter).
    """
    if fmt not in OUTPUT_FORMATS:
        raise ParameterError(
            "format", fmt, "ist nicht table, json, csv oder xlsx", "is not table, json, csv or xlsx"
        )
    result = analyse(store, date=date, stadtbezirk=stadtbezirk, ebene=ebene, gruppe=gruppe, without=without)
    if fmt == "json":
        return json.dumps(result, ensure_ascii=False, indent=2)
    rows = analysis_rows(result)
    if fmt == "table":
        return rows
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["code"])
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()
    from openpyxl import Workbook  # noqa: PLC0415

    wb = Workbook()
    ws = wb.active
    ws.title = "Analyse"
    if rows:
        ws.append(list(rows[0]))
        for r in rows:
            ws.append(list(r.values()))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def district_network(
    store: Any,
    code: str,
    *,
    date: str | Date | None = None,
    ebene: str = "stadtbezirk",
    gruppe: str = "sektor",
) -> dict:
    """``GET /api/districts/{code}/network``: nodes and edges of one district network with all measures.

    Nodes: ``id``, ``iri``, ``label``, ``kind``, ``sector``, ``external`` (partner outside the district) and,
    for the district's own actors, every measure and the brokerage ``roles``. Edges: ``source``, ``target``
    (ids), ``weight``, ``partnerships``, ``networks``, ``cross_border``.
    """
    data = g.load(store, date=date)
    if ebene == "stadtbezirk":
        a = run_analysis(data, stadtbezirk=code, ebene=ebene, gruppe=gruppe)
        district = a.districts[0]
    else:
        area = next((x for x in data.stadtteile() if code in (x.code, x.iri)), None)
        if area is None:
            raise ParameterError("code", code, "ist kein Stadtteil", "is not a Stadtteil")
        a = run_analysis(data, stadtbezirk=data.areas[area.stadtbezirk].code, ebene=ebene, gruppe=gruppe)
        district = next(d for d in a.districts if d.area.iri == area.iri)
    D = district.graph
    nodes = []
    for v, attrs in D.nodes(data=True):
        node = {
            "id": attrs["id"],
            "iri": v,
            "label": attrs["label"],
            "kind": attrs.get("kind"),
            "sector": attrs.get("sector"),
            "external": bool(attrs.get("external")),
        }
        if v in district.measures:
            node.update(district.measures[v])
            if district.roles is not None and v in district.roles.counts:
                node["roles"] = district.roles.counts[v]
        nodes.append(node)
    edges = [
        {
            "source": D.nodes[u]["id"],
            "target": D.nodes[v]["id"],
            "weight": d.get("weight"),
            "partnerships": d.get("partnerships"),
            "networks": d.get("networks"),
            "cross_border": bool(d.get("cross_border")),
        }
        for u, v, d in D.edges(data=True)
    ]
    return clean({"date": data.date, "district": district.summary, "nodes": nodes, "edges": edges})


def isolates(store: Any, *, date: str | Date | None = None, stadtbezirk: str | None = None) -> dict:
    """``GET /api/analysis/isolates``: per district the isolated, outside-only and sector-isolated actors."""
    result = analyse(store, date=date, stadtbezirk=stadtbezirk)
    return {
        "date": result["date"],
        "districts": [
            {k: d[k] for k in ("code", "name", "isolates", "isolated_in_district", "sector_isolated")}
            for d in result["districts"]
        ],
        "actors": result["actors"],
    }


def brokers(
    store: Any, *, date: str | Date | None = None, stadtbezirk: str | None = None, gruppe: str = "sektor"
) -> dict:
    """``GET /api/analysis/brokers``: the top brokers of the city and of every district, with their roles."""
    result = analyse(store, date=date, stadtbezirk=stadtbezirk, gruppe=gruppe)
    return {
        "date": result["date"],
        "city": result["city"]["brokers"],
        "districts": [{k: d[k] for k in ("code", "name", "brokers")} for d in result["districts"]],
    }


def transitions(store: Any, *, date: str | Date | None = None, stadtbezirk: str | None = None) -> dict:
    """``GET /api/analysis/transitions``: Bildungskette gaps per Stadtteil and missing fields of action."""
    result = analyse(store, date=date, stadtbezirk=stadtbezirk)
    return {k: result[k] for k in ("date", "transitions", "missing_fields", "need")}


def gaps_report(
    store: Any, *, fmt: str = "html", stadtbezirk: str | None = None, date: str | Date | None = None
) -> tuple[bytes, str, str]:
    """``GET /api/reports/gaps?format=html|xlsx|md``: ``(content, media type, file name)``."""
    if fmt not in _MEDIA:
        raise ParameterError("format", fmt, "ist nicht html, xlsx oder md", "is not html, xlsx or md")
    analysis = run_analysis(g.load(store, date=date), stadtbezirk=stadtbezirk)
    name = f"bildungsnetz-luecken-{analysis.data.date}.{fmt}"
    return render(analysis, fmt), _MEDIA[fmt], name
