"""The whole analysis in one run: city, every district network, brokers, isolates, gaps, what-if."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date as Date
from typing import Any

import networkx as nx

from bildungsnetz.analysis import graphs as g
from bildungsnetz.analysis.brokerage import ROLES, Brokerage, brokerage, brokers
from bildungsnetz.analysis.centrality import EXACT_WORK, SAMPLES, Betweenness, actor_measures, betweenness, constraint
from bildungsnetz.analysis.gaps import missing_fields, need_ranking, transitions
from bildungsnetz.analysis.isolation import isolated, isolated_in_district, sector_isolated
from bildungsnetz.analysis.whatif import resolve_without, whatif
from bildungsnetz.iris import Iris
from bildungsnetz.queries import ParameterError
from bildungsnetz.store.base import Store

__all__ = [
    "GROUPS", "LEVELS", "RESPONSE_THRESHOLD", "DistrictResult", "Analysis", "run_analysis", "analyse", "clean",
    "survey_note",
]  # fmt: skip

#: ``--gruppe``: what defines the Gould–Fernandez groups.
GROUPS = ("sektor", "bezirk")
#: ``--ebene``: the district level of the network cut.
LEVELS = ("stadtbezirk", "stadtteil")
TOP_BROKERS = 10
#: Below this response rate broker and isolate lists resting on survey ties carry a warning: betweenness is
#: among the measures most hurt by missing answers (Smith & Moody 2013; Smith, Morgan & Moody 2021).
RESPONSE_THRESHOLD = 0.8


def survey_note(data: g.CityData, scope: str = "") -> dict[str, Any] | None:
    """The survey behind a figure: round, rule, response rate of ``scope`` (a Stadtbezirk IRI, ``""`` for the
    whole round) and a warning below :data:`RESPONSE_THRESHOLD`; ``None`` when no survey tie is used.

    >>> ties = g.SurveyTies("2026", "alle", {}, {"": (10, 7)})
    >>> data = g.CityData("2026-03-01", {}, {}, {}, {}, {}, survey=ties)
    >>> note = survey_note(data)
    >>> note["response_rate"], note["warning"].split(" / ")[1]
    (0.7, 'response rate 70 % (below 80 %): read broker and isolate lists with caution')
    """
    if data.survey is None:
        return None
    rate = data.survey.rate(scope)
    if rate is None and scope:
        rate = data.survey.rate("")
    invited, answered = data.survey.rates.get(scope, data.survey.rates.get("", (0, 0)))
    warning = None
    if rate is None or rate < RESPONSE_THRESHOLD:
        shown = f"{round((rate or 0) * 100)} %"
        warning = (f"Antwortquote {shown} (unter 80 %): Broker- und Isoliertenlisten mit Vorsicht lesen / "
                   f"response rate {shown} (below 80 %): read broker and isolate lists with caution")  # fmt: skip
    return {"round": data.survey.round, "rule": data.survey.rule, "invited": invited, "answered": answered,
            "response_rate": rate, "warning": warning}  # fmt: skip


@dataclass
class DistrictResult:
    """One district network: its graph (with border ties), per-actor measures and roles, and its summary."""

    area: g.Area
    graph: nx.Graph
    measures: dict[Hashable, dict[str, Any]]
    how: Betweenness
    roles: Brokerage | None
    summary: dict[str, Any]


@dataclass
class Analysis:
    """Everything one run computed; ``result`` is the JSON-ready dict :func:`analyse` returns."""

    data: g.CityData
    graph: nx.Graph
    districts: list[DistrictResult]
    city_betweenness: Betweenness
    result: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)


def clean(value: Any) -> Any:
    """JSON-ready: NaN and infinity become ``None``, sets sorted lists, tuples lists.

    >>> clean({"a": float("nan"), "b": (1, 2), "c": {3}})
    {'a': None, 'b': [1, 2], 'c': [3]}
    """
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return [clean(v) for v in sorted(value, key=str)]
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def _find_bezirk(data: g.CityData, code: str | None) -> g.Area | None:
    if code is None or str(code).strip().lower() in ("", "all", "alle"):
        return None
    text = str(code).strip()
    for area in data.stadtbezirke():
        if text in (area.code, area.iri) or text.casefold() == area.label.casefold():
            return area
    known = ", ".join(a.code for a in data.stadtbezirke()) or "-"
    raise ParameterError(
        "stadtbezirk",
        text,
        f"ist kein Stadtbezirk (bekannt: {known})",
        f"is not a Stadtbezirk (known: {known})",
    )


def _components(G: nx.Graph) -> tuple[int, float]:
    if G.number_of_nodes() == 0:
        return 0, 0.0
    comps = [len(c) for c in nx.connected_components(G)]
    return len(comps), max(comps) / G.number_of_nodes()


def _ids(G: nx.Graph, nodes: Iterable[Hashable]) -> list[str]:
    return [G.nodes[v]["id"] for v in nodes]


def _broker_entry(G: nx.Graph, v: Hashable, m: dict, roles: Brokerage | None) -> dict:
    entry = {
        "actor": G.nodes[v]["id"],
        "iri": v,
        "label": G.nodes[v]["label"],
        "sector": G.nodes[v].get("sector"),
        "betweenness": m["betweenness"],
        "constraint": m["constraint"],
        "effective_size": m.get("effective_size"),
        "degree": m["degree"],
        "articulation_point": m.get("articulation_point", False),
        "roles": dict.fromkeys(ROLES, 0),
        "roles_z": dict.fromkeys(ROLES),
    }
    if roles is not None and v in roles.counts:
        entry["roles"] = {r: roles.counts[v][r] for r in ROLES}
        entry["roles_z"] = {r: roles.z[v][r] for r in ROLES}
    return entry


def run_analysis(
    data: g.CityData,
    *,
    stadtbezirk: str | None = None,
    ebene: str = "stadtbezirk",
    gruppe: str = "sektor",
    without: Iterable[str] = (),
    need: str | None = None,
    need_level: str = "stadtteil",
    children: str | None = None,
    engine: str = "auto",
    exact_work: int = EXACT_WORK,
    samples: int = SAMPLES,
    top: int = TOP_BROKERS,
) -> Analysis:
    """Run the analysis on data already read from the store (see :func:`analyse`)."""
    if ebene not in LEVELS:
        raise ParameterError(
            "ebene", ebene, "ist weder stadtbezirk noch stadtteil", "is neither stadtbezirk nor stadtteil"
        )
    if gruppe not in GROUPS:
        raise ParameterError("gruppe", gruppe, "ist weder sektor noch bezirk", "is neither sektor nor bezirk")
    bezirk = _find_bezirk(data, stadtbezirk)
    without = [w for w in without if str(w).strip()]
    gone_actors, ended = resolve_without(data, without) if without else ([], [])
    full = g.cooperation_graph(data)
    G = g.cooperation_graph(data, without_actors=gone_actors, without_programmes=ended) if without else full
    members = {m for n in data.networks.values() for m in n.members}
    city_isolates = set(isolated(G, members))
    # --gruppe bezirk: the groups are the districts of the chosen level, so roles need the city network
    group_attr = "sector" if gruppe == "sektor" else ebene
    city_b = betweenness(G, engine=engine, exact_work=exact_work, samples=samples)
    city_con = constraint(G)
    city_roles = brokerage(G, group_attr) if gruppe == "bezirk" else None

    if ebene == "stadtbezirk":
        areas = [bezirk] if bezirk else data.stadtbezirke()
    else:
        areas = data.stadtteile(bezirk.iri if bezirk else None)
    districts: list[DistrictResult] = []
    out_districts = []
    for area in areas:
        D = g.district_graph(G, area.iri, ebene=ebene)
        inner = g.internal(D)
        measures, how = actor_measures(inner, engine=engine, exact_work=exact_work, samples=samples)
        roles = brokerage(inner, group_attr) if gruppe == "sektor" else city_roles
        top_brokers = brokers(measures, top=top)
        comps, largest = _components(inner)
        iso = [v for v in sorted(inner) if v in city_isolates]
        alone = isolated_in_district(G, inner.nodes)
        sect = sector_isolated(G, inner.nodes)
        cross = sum(1 for _, _, border in D.edges(data="cross_border") if border)
        summary = {
            "code": area.code,
            "name": area.label,
            "iri": area.iri,
            "ebene": ebene,
            "stadtbezirk": data.areas[area.stadtbezirk].code if area.stadtbezirk in data.areas else None,
            "nodes": inner.number_of_nodes(),
            "ties": inner.number_of_edges(),
            "density": nx.density(inner) if inner.number_of_nodes() > 1 else 0.0,
            "components": comps,
            "largest_component_share": largest,
            "isolates": _ids(G, iso),
            "isolated_in_district": _ids(G, alone),
            "sector_isolated": [{"actor": G.nodes[v]["id"], "iri": v, "rule": rule} for v, rule in sect],
            "articulation_points": _ids(G, sorted(v for v, m in measures.items() if m["articulation_point"])),
            "brokers": [_broker_entry(G, v, measures[v], roles) for v in top_brokers],
            "cross_border_ties": cross,
            "betweenness": how.summary(),
        }
        summary["survey"] = survey_note(data, area.stadtbezirk)
        if roles is not None and gruppe == "sektor":
            summary["brokerage"] = roles.network
        districts.append(DistrictResult(area, D, measures, how, roles, summary))
        out_districts.append(summary)

    comps, largest = _components(G)
    city_measures = {
        v: {
            "betweenness": city_b.values[v],
            "constraint": city_con[v],
            "degree": G.degree(v),
            "effective_size": None,
        }
        for v in G
    }
    city_top = brokers(city_measures, top=top)
    home = dict(G.nodes(data="stadtbezirk"))
    city_summary = {
        "date": data.date,
        "nodes": G.number_of_nodes(),
        "ties": G.number_of_edges(),
        "density": nx.density(G) if G.number_of_nodes() > 1 else 0.0,
        "components": comps,
        "largest_component_share": largest,
        "isolates": len(city_isolates),
        "cooperations": len(data.cooperations),
        "networks": len(data.networks),
        "offers": len(data.offers),
        "cross_border_ties": sum(1 for u, v in G.edges() if home.get(u) != home.get(v)),
        "betweenness": city_b.summary(),
        "brokers": [_broker_entry(G, v, city_measures[v], city_roles) for v in city_top],
        "sources": data.sources,
        "survey": survey_note(data),
    }
    from bildungsnetz.vocab import get_vocabulary  # noqa: PLC0415 - the vocabulary graph is built on first use

    try:
        fields = [code for _, code, _ in get_vocabulary().concepts("handlungsfeld")]
    except KeyError:  # pragma: no cover - vocabularies always ship
        fields = []
    missing = missing_fields(G, data, fields, stadtbezirk=bezirk.iri if bezirk else None)
    result: dict[str, Any] = {
        "date": data.date,
        "options": {
            "stadtbezirk": bezirk.code if bezirk else "all",
            "ebene": ebene,
            "gruppe": gruppe,
            "without": list(without),
            "ties": data.rule,
        },
        "city": city_summary,
        "districts": out_districts,
        "transitions": transitions(G, data, stadtbezirk=bezirk.iri if bezirk else None),
        "missing_fields": [
            {"stadtbezirk": data.areas[b].code, "name": data.areas[b].label, "fields": f}
            for b, f in missing.items()
        ],
        "need": need_ranking(G, data, indicator=need, level=need_level, children=children),
        "actors": {},
    }
    if without:
        result["without"] = whatif(full, G) | {"programmes": ended}
    mentioned: set[str] = set()
    for d in out_districts:
        mentioned |= {b["iri"] for b in d["brokers"]}
    for d in districts:
        mentioned |= {
            v
            for v in d.graph
            if d.graph.nodes[v].get("external") is False and (v in city_isolates or G.degree(v) == 0)
        }
    for t in result["transitions"]:
        mentioned |= set(t["missing_iris"])
    mentioned |= {b["iri"] for b in city_summary["brokers"]}
    for v in sorted(mentioned):
        if v in data.actors:
            a = data.actors[v]
            result["actors"][a.id] = {
                "iri": v,
                "label": a.label,
                "kind": a.kind,
                "sector": a.sector,
                "stadtbezirk": data.areas[a.stadtbezirk].code if a.stadtbezirk in data.areas else None,
            }
    options = {"stadtbezirk": bezirk, "ebene": ebene, "gruppe": gruppe, "without": list(without)}
    return Analysis(data, G, districts, city_b, clean(result), options)


def analyse(
    store: Store,
    *,
    date: str | Date | None = None,
    stadtbezirk: str | None = None,
    ebene: str = "stadtbezirk",
    gruppe: str = "sektor",
    without: Iterable[str] = (),
    iris: Iris | None = None,
    city: str = "",
    ties: str = "alle",
) -> dict[str, Any]:
    """Analyse the cooperation network of the city at ``date``: per district and for the whole city.

    Parameters
    ----------
    store
        The project's store (or a ``pyoxigraph.Store``).
    date
        Analysis date (``2025-08-01``, ``1.8.2025``, ``today``); default today.
    stadtbezirk
        Code, name or IRI of one Stadtbezirk, or ``None``/``"all"``.
    ebene
        Cut the city into ``stadtbezirk`` or ``stadtteil`` networks.
    gruppe
        Groups of the Gould–Fernandez roles: ``sektor`` or ``bezirk`` (the districts of ``ebene``).
    without
        Actor ids/IRIs or programme codes/IRIs to remove (what-if).
    iris, city
        The IRIs and the city profile of the settings (passed down from the CLI or the service).
    ties
        Tie rule: ``alle`` (documented and survey ties), ``bestaetigt`` (documented and confirmed survey ties)
        or ``dokumentiert``. Every summary resting on survey ties carries ``survey`` (round, rule, response
        rate of its scope, a warning below 80 %).

    Returns
    -------
    dict
        ``date``, ``options``, ``city`` (summary, city-wide brokers), ``districts`` (one entry per district:
        ``code``, ``name``, ``nodes``, ``ties``, ``density``, ``components``, ``isolates``, ``brokers`` with
        ``betweenness``, ``constraint`` and ``roles``, ``cross_border_ties`` …),
        ``transitions`` (Bildungskette
        gaps per Stadtteil), ``missing_fields``, ``need``, ``without`` (if asked) and ``actors`` (id → IRI,
        name, kind, sector, Stadtbezirk of every actor mentioned). Actor ids are the imported ids.
    """
    data = g.load(store, date=date, iris=iris, city=city, ties=ties)
    return run_analysis(data, stadtbezirk=stadtbezirk, ebene=ebene, gruppe=gruppe, without=without).result
