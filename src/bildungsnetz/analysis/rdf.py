"""The measures as an RDF Data Cube with PROV, written to the analysis graph of their date."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pyoxigraph as ox

from bildungsnetz.analysis.run import Analysis
from bildungsnetz.iris import Iris
from bildungsnetz.namespace import BN, PROV, QB
from bildungsnetz.store.base import Store

__all__ = ["BNA", "analysis_graph", "measure_triples", "write_measures"]

#: The analysis vocabulary (``ontology/analyse.ttl``).
BNA = "https://w3id.org/bildungsnetz/analyse#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_MEASURES = {
    "degree": ("grad", "integer"),
    "weighted_degree": ("gewichteterGrad", "integer"),
    "betweenness": ("betweenness", "double"),
    "closeness": ("closeness", "double"),
    "pagerank": ("pagerank", "double"),
    "k_core": ("kern", "integer"),
    "constraint": ("constraint", "double"),
    "effective_size": ("effektiveGroesse", "double"),
    "articulation_point": ("artikulationspunkt", "boolean"),
}
_ROLES = {
    "coordinator": "koordinator",
    "itinerant": "itinerant",
    "representative": "repraesentant",
    "gatekeeper": "gatekeeper",
    "liaison": "liaison",
}


def _n(iri: object) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def _lit(value: Any, kind: str) -> ox.Literal | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if kind == "boolean":
        text = "true" if value else "false"
    elif kind == "integer":
        text = str(int(value))
    else:
        text = repr(float(value))
    return ox.Literal(text, datatype=ox.NamedNode(_XSD + kind))


def analysis_graph(iris: Iris, date: str, city: str = "") -> str:
    """IRI of the named graph that holds the analysis of one date (of one city, where one is named, so that
    the analyses of two cities in one store do not replace each other).

    >>> analysis_graph(Iris(), "2026-06-30")
    'https://w3id.org/bildungsnetz/id/graph/analyse/2026-06-30'
    >>> analysis_graph(Iris(), "2026-06-30", "koeln")
    'https://w3id.org/bildungsnetz/id/graph/analyse/koeln/2026-06-30'
    """
    return str(iris.graph(f"analyse/{city}/{date}" if city else f"analyse/{date}"))


def measure_triples(
    analysis: Analysis, *, iris: Iris, started: datetime | None = None, city: str = ""
) -> list[ox.Triple]:
    """Every actor's measures in its district network as ``qb:Observation``; the run as ``prov:Activity``.

    The data set ``datensatz/analyse-<date>`` (``analyse-<city>-<date>`` where ``city`` is named) has
    ``qb:structure bna:struktur`` and ``prov:wasGeneratedBy`` the run, which ``prov:used`` the source graphs and
    records the date (``bna:stichtag``) and its times.
    """
    date = analysis.data.date
    key = f"analyse-{city}-{date}" if city else f"analyse-{date}"
    out: list[ox.Triple] = []

    def add(s, p, o) -> None:
        if o is not None:
            out.append(ox.Triple(s, p, o))

    dataset = _n(iris.datensatz(key))
    run = _n(iris.datensatz(f"{key}-lauf"))
    day = ox.Literal(date, datatype=ox.NamedNode(_XSD + "date"))
    now = datetime.now(UTC).replace(microsecond=0)
    add(dataset, _RDF_TYPE, _n(QB.DataSet))
    add(dataset, _n(QB.structure), _n(BNA + "struktur"))
    add(dataset, _n(PROV.wasGeneratedBy), run)
    add(
        dataset,
        ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
        ox.Literal(f"Netzwerkanalyse zum Stichtag {date}", language="de"),
    )
    add(run, _RDF_TYPE, _n(BNA + "Netzwerkanalyse"))
    add(run, _RDF_TYPE, _n(PROV.Activity))
    add(run, _n(BNA + "stichtag"), day)
    add(run, _n(PROV.wasAssociatedWith), _n(iris.nutzer("bildungsnetz")))
    stamp = ox.NamedNode(_XSD + "dateTime")
    add(
        run,
        _n(PROV.startedAtTime),
        ox.Literal((started or now).isoformat().replace("+00:00", "Z"), datatype=stamp),
    )
    add(run, _n(PROV.endedAtTime), ox.Literal(now.isoformat().replace("+00:00", "Z"), datatype=stamp))
    for source in analysis.data.sources:
        add(run, _n(PROV.used), _n(source))
    isolated = {a for d in analysis.districts for a in d.summary["isolates"]}
    for d in analysis.districts:
        ebene = d.summary["ebene"]
        for v, m in d.measures.items():
            actor_id = d.graph.nodes[v]["id"]
            obs = _n(iris.beobachtung(key, f"{ebene}-{d.area.code}", actor_id))
            add(obs, _RDF_TYPE, _n(QB.Observation))
            add(obs, _n(QB.dataSet), dataset)
            add(obs, _n(BNA + "akteur"), _n(v))
            add(obs, _n(BNA + "ebene"), ox.Literal(ebene))
            add(obs, _n(BN.gebiet), _n(d.area.iri))
            add(obs, _n(BNA + "stichtag"), day)
            for key, (local, kind) in _MEASURES.items():
                add(obs, _n(BNA + local), _lit(m.get(key), kind))
            add(obs, _n(BNA + "isoliert"), _lit(actor_id in isolated, "boolean"))
            if d.roles is not None and v in d.roles.counts:
                for role, local in _ROLES.items():
                    add(obs, _n(BNA + local), _lit(d.roles.counts[v][role], "integer"))
            add(obs, _n(BNA + "exakt"), _lit(d.how.exact, "boolean"))
            if not d.how.exact:
                add(obs, _n(BNA + "fehlerschranke"), _lit(d.how.error_bound, "double"))
    city = analysis.city_betweenness
    for v, value in city.values.items():
        obs = _n(iris.beobachtung(key, "stadt", analysis.graph.nodes[v]["id"]))
        add(obs, _RDF_TYPE, _n(QB.Observation))
        add(obs, _n(QB.dataSet), dataset)
        add(obs, _n(BNA + "akteur"), _n(v))
        add(obs, _n(BNA + "ebene"), ox.Literal("stadt"))
        add(obs, _n(BNA + "stichtag"), day)
        add(obs, _n(BNA + "betweenness"), _lit(value, "double"))
        add(obs, _n(BNA + "grad"), _lit(analysis.graph.degree(v), "integer"))
        add(obs, _n(BNA + "exakt"), _lit(city.exact, "boolean"))
        if not city.exact:
            add(obs, _n(BNA + "fehlerschranke"), _lit(city.error_bound, "double"))
    return out


def write_measures(store: Store, analysis: Analysis, *, iris: Iris | None = None, city: str = "") -> str:
    """Replace the analysis graph of the analysis date (and of ``city``, where named: another city's analysis
    stays) with the measures; returns the graph IRI.

    Only a whole-city run (all districts, nothing removed) is written, so the graph never holds a partial or
    hypothetical picture.
    """
    from bildungsnetz.errors import UsageError  # noqa: PLC0415

    if analysis.options.get("stadtbezirk") is not None or analysis.options.get("without"):
        raise UsageError(
            "Nur eine Analyse der ganzen Stadt ohne --without wird gespeichert / "
            "only a whole-city analysis without --without is written to the store"
        )
    iris = iris or Iris()
    graph = analysis_graph(iris, analysis.data.date, city)
    store.replace_graphs({graph: measure_triples(analysis, iris=iris, city=city)})
    return graph
