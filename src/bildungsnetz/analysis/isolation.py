"""Isolated actors: without any tie, without a tie in their own district, or without partners of a sector."""

from __future__ import annotations

import tomllib
from collections.abc import Hashable, Iterable, Mapping
from functools import cache
from pathlib import Path

import networkx as nx

__all__ = ["rules", "matches", "isolated", "isolated_in_district", "sector_isolated"]


@cache
def rules() -> dict:
    """The analysis rules (``regeln.toml`` beside this module): sector isolation, Bildungskette, need.

    >>> [r["name"] for r in rules()["sektor"]][:2]
    ['schule-ohne-jugendhilfe', 'kita-ohne-bildung']
    """
    with (Path(__file__).parent / "regeln.toml").open("rb") as fh:
        return tomllib.load(fh)


def matches(attrs: Mapping, selector: Mapping[str, Iterable[str]]) -> bool:
    """True when a node's ``kind`` (akteursart), ``schulform`` or ``sector`` (sektor) is in the selector.

    >>> matches({"kind": "schule", "schulform": "30"}, {"akteursart": ["kammer"], "schulform": ["30"]})
    True
    """
    return (
        attrs.get("kind") in selector.get("akteursart", ())
        or attrs.get("schulform") in selector.get("schulform", ())
        or attrs.get("sector") in selector.get("sektor", ())
    )


def isolated(G: nx.Graph, members: Mapping[Hashable, object] | Iterable[Hashable] = ()) -> list[Hashable]:
    """Actors with no valid partnership and no network membership at the date.

    Parameters
    ----------
    G
        The cooperation network (:func:`~bildungsnetz.analysis.graphs.cooperation_graph`).
    members
        Actors with a valid network membership.

    References
    ----------
    .. [1] Wasserman, S., & Faust, K. (1994). Social Network Analysis, ch. 4 (isolates). Cambridge UP.

    >>> G = nx.Graph([("a", "b")]); G.add_nodes_from(["c", "d"])
    >>> isolated(G, members={"d"})
    ['c']
    """
    inside = set(members)
    return sorted((v for v in nx.isolates(G) if v not in inside), key=str)


def isolated_in_district(G: nx.Graph, district: Iterable[Hashable]) -> list[Hashable]:
    """Actors of a district that have ties, but only to actors outside the district.

    >>> G = nx.Graph([("a", "x"), ("b", "c")])
    >>> isolated_in_district(G, ["a", "b", "c"])
    ['a']
    """
    inside = set(district)
    return sorted(
        (v for v in inside if G.degree(v) > 0 and not any(u in inside for u in G.adj[v])),
        key=str,
    )


def sector_isolated(G: nx.Graph, nodes: Iterable[Hashable] | None = None) -> list[tuple[Hashable, str]]:
    """``(actor, rule)`` for every actor that a sector rule of ``regeln.toml`` finds without such a partner.

    An actor without any tie is reported by :func:`isolated` instead.

    >>> G = nx.Graph([("s", "v")])
    >>> school, club = {"kind": "schule"}, {"kind": "verein", "sector": "zivilgesellschaft"}
    >>> nx.set_node_attributes(G, {"s": school, "v": club})
    >>> sector_isolated(G)
    [('s', 'schule-ohne-jugendhilfe')]
    """
    out = []
    for v in sorted(G if nodes is None else nodes, key=str):
        attrs = G.nodes[v]
        if G.degree(v) == 0:
            continue
        for rule in rules()["sektor"]:
            if matches(attrs, rule["akteur"]) and not any(
                matches(G.nodes[u], rule["partner"]) for u in G.adj[v]
            ):
                out.append((v, rule["name"]))
    return out
