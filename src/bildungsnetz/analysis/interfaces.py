"""Plain functions behind ``bildungsnetz analyse`` / ``report gaps`` and the analysis API routes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from bildungsnetz.analysis import graphs as g
from bildungsnetz.analysis.run import Analysis, analyse, clean, run_analysis
from bildungsnetz.iris import Iris
from bildungsnetz.queries import ParameterError
from bildungsnetz.store.base import Store

__all__ = [
    "OUTPUT_FORMATS",
    "analyse_command",
    "analysis_rows",
    "COMPARISON_COLUMNS",
    "comparison_rows",
    "district_network",
    "isolates",
    "brokers",
    "transitions",
]

OUTPUT_FORMATS = ("table", "json", "csv", "xlsx")
#: The columns of :func:`comparison_rows`.
COMPARISON_COLUMNS = ("change", "district", "actor", "partner", "date_a", "date_b")


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
                "response_rate": (d.get("survey") or {}).get("response_rate"),
            }
        )
    return rows


def analyse_command(
    store: Store,
    *,
    date: str | None = None,
    stadtbezirk: str | None = "all",
    ebene: str = "stadtbezirk",
    gruppe: str = "sektor",
    without: Iterable[str] = (),
    fmt: str = "table",
    iris: Iris | None = None,
    city: str = "",
    ties: str = "alle",
) -> list[dict] | str:
    """What ``bildungsnetz analyse`` prints or writes.

    ``fmt="json"`` returns the JSON text; ``"table"``, ``"csv"`` and ``"xlsx"`` the rows
    (:func:`analysis_rows`), which the caller renders or hands to :mod:`bildungsnetz.tables` (analysis
    does not write files). Bad options raise :class:`~bildungsnetz.errors.ParameterError`
    (German/English, naming the parameter).
    """
    if fmt not in OUTPUT_FORMATS:
        raise ParameterError(
            "format", fmt, "ist nicht table, json, csv oder xlsx", "is not table, json, csv or xlsx"
        )
    result = analyse(
        store, date=date, stadtbezirk=stadtbezirk, ebene=ebene, gruppe=gruppe, without=without, iris=iris, city=city,
        ties=ties,
    )
    if fmt == "json":
        return json.dumps(result, ensure_ascii=False, indent=2)
    return analysis_rows(result)


def comparison_rows(result: dict) -> list[dict[str, Any]]:
    """One row per change of an :func:`~bildungsnetz.analysis.compare.compare` result (for CSV and XLSX).

    Columns: ``change`` (``new_tie``, ``lost_tie``, ``new_isolate``, ``no_longer_isolated``,
    ``broker_gained``, ``broker_lost``), ``district`` (for brokers; ``stadt`` for the whole city),
    ``actor``, ``partner`` (for ties), ``date_a``, ``date_b``.

    >>> comparison_rows({"date_a": "2023-01-01", "date_b": "2024-01-01", "new_ties": [("A", "B")],
    ...     "lost_ties": [], "new_isolates": ["C"], "no_longer_isolated": [],
    ...     "districts": [{"code": "1", "brokers_gained": [], "brokers_lost": ["A"]}]})[-1]["change"]
    'broker_lost'
    """
    dates = {"date_a": result["date_a"], "date_b": result["date_b"]}
    rows: list[dict[str, Any]] = []

    def add(change: str, actor: str, *, partner: str | None = None, district: str | None = None) -> None:
        rows.append({"change": change, "district": district, "actor": actor, "partner": partner, **dates})

    for key, change in (("new_ties", "new_tie"), ("lost_ties", "lost_tie")):
        for a, b in result[key]:
            add(change, a, partner=b)
    for key, change in (("new_isolates", "new_isolate"), ("no_longer_isolated", "no_longer_isolated")):
        for actor in result[key]:
            add(change, actor)
    for d in result["districts"]:
        for key, change in (("brokers_gained", "broker_gained"), ("brokers_lost", "broker_lost")):
            for actor in d[key]:
                add(change, actor, district=d["code"])
    return rows


def district_network(data: g.CityData, code: str, *, ebene: str = "stadtbezirk", gruppe: str = "sektor") -> dict:
    """``GET /api/districts/{code}/network``: nodes and edges of one district network with all measures.

    Nodes: ``id``, ``iri``, ``label``, ``kind``, ``sector``, ``external`` (partner outside the district) and,
    for the district's own actors, every measure and the brokerage ``roles``. Edges: ``source``, ``target``
    (ids), ``weight``, ``partnerships``, ``networks``, ``cross_border``. ``data`` is what
    :func:`~bildungsnetz.analysis.graphs.load` read at the analysis date.
    """
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


def isolates(analysis: Analysis) -> dict:
    """``GET /api/analysis/isolates``: per district the isolated, outside-only and sector-isolated actors."""
    result = analysis.result
    return {
        "date": result["date"],
        "districts": [
            {k: d.get(k) for k in ("code", "name", "isolates", "isolated_in_district", "sector_isolated", "survey")}
            for d in result["districts"]
        ],
        "actors": result["actors"],
        "ties": result["options"].get("ties"),
        "survey": result["city"].get("survey"),
    }


def brokers(analysis: Analysis) -> dict:
    """``GET /api/analysis/brokers``: the top brokers of the city and of every district, with their roles."""
    result = analysis.result
    return {
        "date": result["date"],
        "city": result["city"]["brokers"],
        "districts": [{k: d.get(k) for k in ("code", "name", "brokers", "survey")} for d in result["districts"]],
        "ties": result["options"].get("ties"),
        "survey": result["city"].get("survey"),
    }


def transitions(analysis: Analysis) -> dict:
    """``GET /api/analysis/transitions``: Bildungskette gaps per Stadtteil and missing fields of action."""
    return {k: analysis.result[k] for k in ("date", "transitions", "missing_fields", "need")}
