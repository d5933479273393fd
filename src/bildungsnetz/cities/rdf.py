"""A city profile as RDF: the district hierarchy, geometries and neighbours of graph ``stadt/<name>``."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import shapely
from rdflib import RDF, SKOS, Graph, Literal, URIRef
from shapely.geometry.base import BaseGeometry

from bildungsnetz.cities.model import (
    _LEVELS,
    _TOUCH_TOLERANCE,
    PLANUNGSRAUM,
    CityProfile,
    District,
    PlanningArea,
)
from bildungsnetz.iris import Iris
from bildungsnetz.namespace import BN, GEO, PREFIXES

__all__ = ["profile_from_graph", "profile_graph"]


# -- RDF ---------------------------------------------------------------------------------------------------


def _neighbours(geoms: Sequence[BaseGeometry]) -> list[tuple[int, int]]:
    """Index pairs (i < j) of polygons that touch or share a boundary (within the tolerance)."""
    if len(geoms) < 2:
        return []
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=_TOUCH_TOLERANCE)
    return sorted({(int(i), int(j)) for i, j in zip(left, right, strict=True) if i < j})


def profile_graph(profile: CityProfile, iris: Iris) -> Graph:
    """The district hierarchy of a profile as RDF (the content of graph ``stadt/<name>``).

    The municipality is a ``bn:Gemeinde``; Stadtbezirke are ``bn:Stadtbezirk``; the level below is
    ``bn:Stadtteil`` (statistische Bezirke are additionally typed ``bn:StatistischerBezirk`` so that queries
    without inference find them as Stadtteile too). Each district has ``skos:prefLabel``, ``bn:code``,
    ``bn:gemeinde``, ``geo:sfWithin`` its parent, the optional figures, and, with a polygon,
    ``geo:hasGeometry`` and symmetric ``geo:sfTouches`` to neighbours of the same level.

    >>> p = CityProfile("musterstadt", "Musterstadt", "05999000", (
    ...     District("stadtbezirk", "1", "Nord", wkt="POLYGON ((7 51, 7.1 51, 7.1 51.1, 7 51.1, 7 51))"),
    ...     District("stadtbezirk", "2", "Süd", wkt="POLYGON ((7 50.9, 7.1 50.9, 7.1 51, 7 51, 7 50.9))"),
    ...     District("stadtteil", "11", "Hafen", parent="1", population=1200)))
    >>> g = profile_graph(p, Iris())
    >>> len(list(g.subjects(RDF.type, BN.Stadtbezirk))), len(list(g.triples((None, GEO.sfTouches, None))))
    (2, 2)
    """
    g = Graph()
    for prefix in ("bn", "geo", "skos", "xsd"):
        g.bind(prefix, PREFIXES[prefix])
    gemeinde = iris.gemeinde(profile.name)
    g.add((gemeinde, RDF.type, BN.Gemeinde))
    g.add((gemeinde, SKOS.prefLabel, Literal(profile.label)))
    g.add((gemeinde, BN.profil, Literal(profile.name)))
    if profile.ags:
        g.add((gemeinde, BN.gemeindeschluessel, Literal(profile.ags)))

    nodes: dict[tuple[str, str], URIRef] = {}
    for d in profile.districts:
        node = iris.gebiet(profile.name, d.ebene, d.code)
        nodes[d.ebene, d.code] = node
        g.add((node, RDF.type, BN.Stadtbezirk if d.ebene == "stadtbezirk" else BN.Stadtteil))
        if d.kind == "statistischer_bezirk":
            g.add((node, RDF.type, BN.StatistischerBezirk))
        g.add((node, SKOS.prefLabel, Literal(d.name)))
        g.add((node, BN.code, Literal(d.code)))
        g.add((node, BN.gemeinde, gemeinde))
        parent = iris.gebiet(profile.name, "stadtbezirk", d.parent) if d.parent else gemeinde
        g.add((node, GEO.sfWithin, parent))
        # Python int, Decimal and date become xsd:integer, xsd:decimal and xsd:date.
        if d.population is not None:
            g.add((node, BN.einwohner, Literal(d.population)))
        if d.area_km2 is not None:
            g.add((node, BN.flaecheKm2, Literal(d.area_km2)))
        if d.as_of is not None:
            g.add((node, BN.stand, Literal(d.as_of)))
        if d.wkt:
            geometry = iris.gebiet_geometrie(node)
            g.add((node, GEO.hasGeometry, geometry))
            g.add((geometry, RDF.type, GEO.Geometry))
            g.add((geometry, GEO.asWKT, Literal(d.wkt, datatype=GEO.wktLiteral)))

    shapes = profile._shapes
    for level in _LEVELS:
        keys = [k for k in shapes if k[0] == level]
        for i, j in _neighbours([shapes[k] for k in keys]):
            a, b = nodes[keys[i]], nodes[keys[j]]
            g.add((a, GEO.sfTouches, b))
            g.add((b, GEO.sfTouches, a))
    # A city's own planning areas: their Stadtteile by geo:sfContains (no polygon of their own; a planning area
    # is not within one Stadtbezirk, so it has no geo:sfWithin and stays out of the district hierarchy).
    for p in profile.planning_areas:
        node = iris.gebiet(profile.name, PLANUNGSRAUM, p.code)
        g.add((node, RDF.type, BN.Planungsraum))
        g.add((node, RDF.type, BN.Gebiet))
        g.add((node, SKOS.prefLabel, Literal(p.name)))
        g.add((node, BN.code, Literal(p.code)))
        g.add((node, BN.gemeinde, gemeinde))
        for code in p.stadtteile:
            if ("stadtteil", code) in nodes:
                g.add((node, GEO.sfContains, nodes["stadtteil", code]))
    # Without polygons the profile's list of neighbouring Stadtbezirke (read off maps) says the same.
    for a, b in profile.neighbours:
        if ("stadtbezirk", a) in nodes and ("stadtbezirk", b) in nodes:
            g.add((nodes["stadtbezirk", a], GEO.sfTouches, nodes["stadtbezirk", b]))
            g.add((nodes["stadtbezirk", b], GEO.sfTouches, nodes["stadtbezirk", a]))
    return g



def profile_from_graph(graph: Graph, iris: Iris, name: str) -> CityProfile:
    """Read a profile back from its graph ``stadt/<name>`` (what a store holds when the profile folder is elsewhere).

    The inverse of :func:`profile_graph` for what lookups need: levels, kinds (``statistischer_bezirk``),
    codes, names, parents, figures and polygons. Districts come in code order; the provenance notes stay behind.

    Parameters
    ----------
    graph : rdflib.Graph
        The triples of the city graph.
    iris : Iris
        The IRIs the graph was written with.
    name : str
        The profile name (``koeln``).

    Returns
    -------
    CityProfile
        With ``source`` ``None``: it came from a store, not from a folder.

    Examples
    --------
    >>> p = CityProfile("musterstadt", "Musterstadt", "05999000", (
    ...     District("stadtbezirk", "1", "Nord"),
    ...     District("stadtteil", "11", "Hafen", parent="1", kind="statistischer_bezirk", population=1200)))
    >>> back = profile_from_graph(profile_graph(p, Iris()), Iris(), "musterstadt")
    >>> back.label, back.ags
    ('Musterstadt', '05999000')
    >>> [(d.kind, d.code, d.name, d.parent, d.population) for d in back.districts]
    [('stadtbezirk', '1', 'Nord', None, None), ('statistischer_bezirk', '11', 'Hafen', '1', 1200)]
    >>> from dataclasses import replace
    >>> with_areas = replace(p, planning_areas=(PlanningArea("SR1", "Sozialraum Nord", ("11",)),))
    >>> profile_from_graph(profile_graph(with_areas, Iris()), Iris(), "musterstadt").planning_areas
    (PlanningArea(code='SR1', name='Sozialraum Nord', stadtteile=('11',), ebene='planungsraum'),)
    """
    gemeinde = iris.gemeinde(name)
    label = graph.value(gemeinde, SKOS.prefLabel)
    ags = graph.value(gemeinde, BN.gemeindeschluessel)
    codes = {node: str(graph.value(node, BN.code)) for node in graph.subjects(BN.gemeinde, gemeinde)}
    districts = []
    for node, code in codes.items():
        types = set(graph.objects(node, RDF.type))
        if BN.Stadtbezirk in types:
            ebene, kind = "stadtbezirk", "stadtbezirk"
        elif BN.Stadtteil in types or BN.StatistischerBezirk in types:
            ebene = "stadtteil"
            kind = "statistischer_bezirk" if BN.StatistischerBezirk in types else "stadtteil"
        else:
            continue
        parent = graph.value(node, GEO.sfWithin)
        geometry = graph.value(node, GEO.hasGeometry)
        wkt = graph.value(geometry, GEO.asWKT) if geometry is not None else None
        population, area, as_of = (graph.value(node, p) for p in (BN.einwohner, BN.flaecheKm2, BN.stand))
        districts.append(
            District(
                ebene,
                code,
                str(graph.value(node, SKOS.prefLabel) or code),
                parent=codes.get(parent) if ebene == "stadtteil" and parent is not None else None,
                kind=kind,
                population=int(population) if population is not None else None,
                area_km2=Decimal(str(area)) if area is not None else None,
                as_of=as_of.toPython() if as_of is not None else None,
                wkt=str(wkt) if wkt is not None else None,
            )
        )
    districts.sort(key=lambda d: (d.ebene != "stadtbezirk", len(d.code), d.code))
    bezirke = {node: code for node, code in codes.items() if BN.Stadtbezirk in set(graph.objects(node, RDF.type))}
    neighbours = tuple(sorted({
        tuple(sorted((bezirke[a], bezirke[b]), key=lambda c: (len(c), c)))
        for a, b in graph.subject_objects(GEO.sfTouches) if a in bezirke and b in bezirke
    }))  # fmt: skip
    planning = sorted(
        (PlanningArea(code, str(graph.value(node, SKOS.prefLabel) or code),
                      tuple(sorted((codes[t] for t in graph.objects(node, GEO.sfContains) if t in codes),
                                   key=lambda c: (len(c), c))))
         for node, code in codes.items() if BN.Planungsraum in set(graph.objects(node, RDF.type))),
        key=lambda p: (len(p.code), p.code),
    )  # fmt: skip
    return CityProfile(
        name, str(label or name), str(ags) if ags is not None else None, tuple(districts), neighbours=neighbours,
        planning_areas=tuple(planning),
    )
