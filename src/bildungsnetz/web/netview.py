"""Network pictures for the browser: node positions computed on the server, drawn as SVG by the template."""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Hashable, Mapping, Sequence

import networkx as nx

__all__ = ["SEED", "district_view", "ego_view"]

#: Fixed seed: the same network is always drawn the same way.
SEED = 7
_SIZE = 1000.0


def _grid(nodes: Sequence[Hashable], *, top: float, height: float) -> dict[Hashable, tuple[float, float]]:
    """Isolated actors in rows below the connected ones, so that they neither scatter nor hide."""
    if not nodes:
        return {}
    per_row = max(1, math.ceil(math.sqrt(len(nodes) * 4)))
    step = (_SIZE - 40) / per_row
    rows = math.ceil(len(nodes) / per_row)
    dy = min(step, height / max(rows, 1))
    return {
        v: (20 + step * (i % per_row) + step / 2, top + dy * (i // per_row) + dy / 2)
        for i, v in enumerate(nodes)
    }


#: From this many nodes networkx's spring layout needs SciPy (not a dependency) and is slow (8,000 nodes: over
#: two minutes); igraph's Fruchterman-Reingold in C takes about five seconds.
_LARGE = 500
_IGRAPH_RNG = threading.Lock()


def _spring_igraph(G: nx.Graph) -> dict[Hashable, tuple[float, float]]:
    import igraph as ig  # noqa: PLC0415

    nodes = sorted(G, key=str)
    index = {v: i for i, v in enumerate(nodes)}
    g = ig.Graph(n=len(nodes), edges=[(index[a], index[b]) for a, b in G.edges()])
    with _IGRAPH_RNG:  # igraph draws from one process-wide generator: seed it for a stable picture, then restore
        ig.set_random_number_generator(random.Random(SEED))
        try:
            coords = g.layout_fruchterman_reingold(niter=60).coords
        finally:
            ig.set_random_number_generator(random)
    return {v: (coords[i][0], coords[i][1]) for i, v in enumerate(nodes)}


def _spring(G: nx.Graph) -> dict[Hashable, tuple[float, float]]:
    if G.number_of_nodes() == 1:
        return {next(iter(G)): (0.5, 0.5)}
    # spring (Fruchterman-Reingold) rather than Kamada-Kawai: O(n^2) per step instead of an all-pairs
    # optimisation, a few hundred nodes in well under a second; the seed keeps the picture stable.
    if G.number_of_nodes() >= _LARGE:
        pos = _spring_igraph(G)
    else:
        k = 1.6 / math.sqrt(G.number_of_nodes())
        pos = nx.spring_layout(G, seed=SEED, k=k, iterations=60, weight=None)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    w, h = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    return {v: ((x - min(xs)) / w, (y - min(ys)) / h) for v, (x, y) in pos.items()}


def district_view(
    D: nx.Graph,
    *,
    measures: Mapping[Hashable, Mapping],
    brokers: Sequence[str],
    isolates: Sequence[str],
    fields: Mapping[Hashable, Sequence[str]],
) -> dict:
    """Positions and attributes of a district network (:func:`bildungsnetz.analysis.district_graph`).

    ``brokers`` and ``isolates`` are actor ids (brokers in rank order); ``fields`` maps a node to the fields
    of action of its cooperations. Connected actors are laid out by a seeded spring layout in the upper part
    of a 1000 × 1000 box, actors without a tie in rows beneath.

    >>> G = nx.Graph([("a", "b"), ("b", "c")]); G.add_node("d")
    >>> for v in G: G.nodes[v].update(id=v.upper(), label=v, kind="schule", sector="bildung")
    >>> view = district_view(G, measures={}, brokers=["B"], isolates=["D"], fields={"a": ["mint"]})
    >>> [(n["id"], n["broker"], n["isolated"]) for n in view["nodes"]]
    [('A', 0, False), ('B', 1, False), ('C', 0, False), ('D', 0, True)]
    >>> len(view["edges"]), view["height"] > 0
    (2, True)
    """
    connected = [v for v in D if D.degree(v) > 0]
    lonely = sorted((v for v in D if D.degree(v) == 0), key=lambda v: str(D.nodes[v].get("label") or v))
    band = 0.0 if not lonely else min(260.0, 60.0 + 18.0 * math.sqrt(len(lonely)))
    top_height = _SIZE - band if connected else 0.0
    pos: dict[Hashable, tuple[float, float]] = {}
    if connected:
        unit = _spring(D.subgraph(connected))
        pos = {v: (30 + x * (_SIZE - 60), 30 + y * (top_height - 60)) for v, (x, y) in unit.items()}
    pos.update(_grid(lonely, top=top_height, height=band or 80.0))
    rank = {actor: i for i, actor in enumerate(brokers, start=1)}
    lonely_ids = set(isolates)
    nodes = []
    for v, attrs in D.nodes(data=True):
        x, y = pos[v]
        m = measures.get(v, {})
        nodes.append(
            {
                "iri": v,
                "id": attrs.get("id") or str(v),
                "label": attrs.get("label") or str(v),
                "kind": attrs.get("kind") or "",
                "sector": attrs.get("sector") or "",
                "external": bool(attrs.get("external")),
                "x": round(x, 1),
                "y": round(y, 1),
                "r": round(5 + 2.2 * math.sqrt(D.degree(v)), 1),
                "broker": rank.get(attrs.get("id"), 0),
                "isolated": attrs.get("id") in lonely_ids or D.degree(v) == 0,
                "degree": D.degree(v),
                "betweenness": m.get("betweenness"),
                "fields": " ".join(sorted(fields.get(v, ()))),
            }
        )
    nodes.sort(key=lambda n: (n["external"], str(n["label"]).casefold()))
    edges = [
        {
            "x1": pos[u][0],
            "y1": pos[u][1],
            "x2": pos[v][0],
            "y2": pos[v][1],
            "a": D.nodes[u].get("id"),
            "b": D.nodes[v].get("id"),
            "cross": bool(d.get("cross_border")),
            "w": d.get("weight") or 1,
        }
        for u, v, d in D.edges(data=True)
    ]
    return {"width": _SIZE, "height": _SIZE, "nodes": nodes, "edges": edges}


def ego_view(G: nx.Graph, centre: Hashable, *, limit: int = 60) -> dict:
    """The actor ``centre`` in the middle and its partners on a circle (ties among partners drawn too).

    >>> G = nx.Graph([("a", "b"), ("a", "c"), ("b", "c"), ("c", "d")])
    >>> view = ego_view(G, "a")
    >>> [n["iri"] for n in view["nodes"]], len(view["edges"])
    (['a', 'c', 'b'], 3)
    """
    if centre not in G:
        return {"width": _SIZE, "height": _SIZE, "nodes": [], "edges": []}
    alters = sorted(G[centre], key=lambda v: (-G.degree(v), str(G.nodes[v].get("label") or v)))[:limit]
    pos = {centre: (500.0, 500.0)}
    radius = 380.0
    for i, v in enumerate(alters):
        angle = 2 * math.pi * i / max(len(alters), 1) - math.pi / 2
        pos[v] = (500 + radius * math.cos(angle), 500 + radius * math.sin(angle))
    nodes = []
    for v in [centre, *alters]:
        attrs = G.nodes[v]
        nodes.append(
            {
                "iri": v,
                "id": attrs.get("id") or str(v),
                "label": attrs.get("label") or str(v),
                "kind": attrs.get("kind") or "",
                "sector": attrs.get("sector") or "",
                "x": round(pos[v][0], 1),
                "y": round(pos[v][1], 1),
                "r": 22 if v == centre else 12,
                "centre": v == centre,
                "external": False,
                "broker": 0,
                "isolated": False,
                "fields": "",
            }
        )
    keep = set(pos)
    edges = [
        {
            "x1": pos[u][0],
            "y1": pos[u][1],
            "x2": pos[v][0],
            "y2": pos[v][1],
            "cross": False,
            "w": 1,
            "a": G.nodes[u].get("id"),
            "b": G.nodes[v].get("id"),
        }
        for u, v in G.subgraph(keep).edges()
    ]
    return {"width": _SIZE, "height": _SIZE, "nodes": nodes, "edges": edges}
