"""What if an actor or a programme were gone: who becomes isolated, which components split."""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from bildungsnetz.analysis.graphs import CityData
from bildungsnetz.queries import ParameterError

__all__ = ["resolve_without", "whatif"]


def resolve_without(data: CityData, values: Iterable[str]) -> tuple[list[str], list[str]]:
    """Split ``--without`` values into actor IRIs and programme IRIs.

    A value is an actor id, a Schulnummer or an actor IRI, or else a programme code or IRI (``kaoa``). A value
    that is neither raises :class:`~bildungsnetz.queries.bind.ParameterError` (German and English).

    >>> from bildungsnetz.analysis.graphs import Actor, Cooperation
    >>> a = Actor("http://x/akteur/A-1", "A-1", "A")
    >>> k = Cooperation("http://x/k", "k", (a.iri,), programmes=frozenset({"http://x/programm/kaoa"}))
    >>> resolve_without(CityData("2025-01-01", {a.iri: a}, {}, {"k": k}, {}, {}), ["A-1", "kaoa"])
    (['http://x/akteur/A-1'], ['http://x/programm/kaoa'])
    """
    by_id = {a.id: a.iri for a in data.actors.values()}
    programmes = {p for c in data.cooperations.values() for p in c.programmes}
    by_code = {p.rstrip("/").rsplit("/", 1)[-1].lower(): p for p in programmes}
    actors, ended = [], []
    for raw in values:
        text = str(raw).strip().strip("<>")
        if text in data.actors:
            actors.append(text)
        elif text in by_id:
            actors.append(by_id[text])
        elif text in programmes:
            ended.append(text)
        elif text.lower() in by_code:
            ended.append(by_code[text.lower()])
        else:
            raise ParameterError(
                "without",
                text,
                "ist weder ein Akteur noch ein Programm mit gültigen Kooperationen",
                "is neither an actor nor a programme with valid cooperations",
            )
    return actors, ended


def whatif(before: nx.Graph, after: nx.Graph) -> dict:
    """What changes from ``before`` to ``after`` (the same network without an actor or a programme's ties).

    Returns the actor ids that lose their last tie (``newly_isolated``), the number of ``lost_ties``, and for
    every component of ``before`` that falls apart, its size and the sizes of its parts (``split``).

    >>> G = nx.Graph([("a", "b"), ("b", "c"), ("c", "d")])
    >>> nx.set_node_attributes(G, {v: v.upper() for v in G}, "id")
    >>> H = G.copy(); H.remove_node("b")
    >>> r = whatif(G, H)
    >>> r["newly_isolated"], r["split"][0]["parts"]
    (['A'], [2, 1])
    """
    part = {}
    for i, comp in enumerate(nx.connected_components(after)):
        for v in comp:
            part[v] = i
    isolated = sorted(v for v in after if after.degree(v) == 0 and before.degree(v) > 0)
    split = []
    for comp in nx.connected_components(before):
        if len(comp) < 2:
            continue
        sizes: dict[int, int] = {}
        for v in comp:
            if v in part:
                sizes[part[v]] = sizes.get(part[v], 0) + 1
        if len(sizes) > 1 or len(sizes) == 0:
            members = sorted(comp, key=lambda v: -before.degree(v))
            split.append(
                {
                    "size": len(comp),
                    "parts": sorted(sizes.values(), reverse=True),
                    "largest_actors": [before.nodes[v].get("id", v) for v in members[:5]],
                }
            )
    split.sort(key=lambda s: -s["size"])
    return {
        "removed_actors": sorted(before.nodes[v].get("id", v) for v in set(before) - set(after)),
        "lost_ties": before.number_of_edges() - after.number_of_edges(),
        "newly_isolated": [before.nodes[v].get("id", v) for v in isolated],
        "newly_isolated_iris": isolated,
        "components_before": nx.number_connected_components(before),
        "components_after": nx.number_connected_components(after),
        "split": split,
    }
