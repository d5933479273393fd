"""Gould–Fernandez brokerage roles with their expectation in a random network of the same density."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import networkx as nx

__all__ = ["ROLES", "Brokerage", "brokerage", "brokers"]

#: The five roles in the order of Gould & Fernandez (1989); ``total`` is their sum.
ROLES = ("coordinator", "itinerant", "representative", "gatekeeper", "liaison")


@dataclass(frozen=True)
class Brokerage:
    """Brokerage role counts per actor and for the whole network, with expectations and z-scores.

    ``counts[v][role]`` is the number of ordered pairs ``(a, b)`` that ``v`` brokers in that role;
    ``expected``, ``sd`` and ``z`` are per actor (they depend on the size of the actor's group),
    ``network`` holds the aggregate ``count``, ``expected``, ``sd`` and ``z`` per role. A role whose
    standard deviation is zero has ``z = nan``.
    """

    counts: dict[Hashable, dict[str, int]]
    expected: dict[Hashable, dict[str, float]]
    sd: dict[Hashable, dict[str, float]]
    z: dict[Hashable, dict[str, float]]
    network: dict[str, dict[str, float]]
    density: float
    groups: dict[Hashable, int]


def _classify(ga: Hashable, gv: Hashable, gb: Hashable) -> str:
    if ga == gv:
        return "coordinator" if gb == gv else "representative"
    if gb == gv:
        return "gatekeeper"
    return "itinerant" if ga == gb else "liaison"


def _count_directed(G: nx.DiGraph, group: Mapping) -> dict[Hashable, Counter]:
    counts: dict[Hashable, Counter] = {v: Counter() for v in G}
    for v in G:
        gv = group[v]
        for a in G.pred[v]:
            if a == v:
                continue
            out_a = G.succ[a]
            for b in G.succ[v]:
                if b == a or b == v or b in out_a:
                    continue
                counts[v][_classify(group[a], gv, group[b])] += 1
    return counts


def _count_undirected(G: nx.Graph, group: Mapping) -> dict[Hashable, Counter]:
    # Each tie is read in both directions, as sna::brokerage reads a symmetric matrix. All ordered pairs of
    # neighbours are counted from the group sizes among the neighbours; the closed ones (a triangle through v)
    # are then subtracted, so the cost is the number of triangles, not the sum of squared degrees.
    counts: dict[Hashable, Counter] = {}
    for v, nbrs in G.adj.items():
        gv = group[v]
        sizes = Counter(group[u] for u in nbrs if u != v)
        deg = sum(sizes.values())
        own = sizes.get(gv, 0)
        out = deg - own
        c = Counter()
        c["coordinator"] = own * (own - 1)
        c["itinerant"] = sum(s * (s - 1) for g, s in sizes.items() if g != gv)
        c["representative"] = own * out
        c["gatekeeper"] = own * out
        c["liaison"] = out * out - sum(s * s for g, s in sizes.items() if g != gv)
        counts[v] = c
    for a, b in G.edges():
        if a == b:
            continue
        ga, gb = group[a], group[b]
        small, large = (a, b) if len(G.adj[a]) <= len(G.adj[b]) else (b, a)
        for v in G.adj[small]:
            if v == a or v == b or v not in G.adj[large]:
                continue
            gv = group[v]
            # the closed pair (a, b) and (b, a) through v
            counts[v][_classify(ga, gv, gb)] -= 1
            counts[v][_classify(gb, gv, ga)] -= 1
    return counts


def _moments(N: int, sizes: list[int], i: int, d: float) -> dict[str, tuple[float, float]]:
    """Expectation and variance of each role count of a broker in group ``i`` in a Bernoulli digraph.

    Every ordered pair (a, b) is brokered with probability d²(1-d); pairs sharing a tie covary by
    d³(1-d)³, counted over the ordered pairs of pairs that share the source or the target.
    """
    n = sizes[i]
    others = [s for j, s in enumerate(sizes) if j != i]
    p = d * d * (1 - d)
    cov = d**3 * (1 - d) ** 3

    def c2(x: float) -> float:
        return x * (x - 1) / 2

    pairs = {
        "coordinator": ((n - 1) * (n - 2), 2 * (n - 1) * (n - 2) * (n - 3)),
        "itinerant": (sum(s * (s - 1) for s in others), 2 * sum(s * (s - 1) * (s - 2) for s in others)),
        "representative": ((N - n) * (n - 1), 2 * ((n - 1) * c2(N - n) + (N - n) * c2(n - 1))),
        "liaison": (
            sum(s for s in others) ** 2 - sum(s * s for s in others),
            4 * sum(s * c2(N - s - n) for s in others),
        ),
        "total": ((N - 1) * (N - 2), 2 * (N - 1) * (N - 2) * (N - 3)),
    }
    pairs["gatekeeper"] = pairs["representative"]
    return {role: (count * p, count * p * (1 - p) + shared * cov) for role, (count, shared) in pairs.items()}


def _network_moments(N: int, sizes: list[int], d: float) -> dict[str, tuple[float, float]]:
    """Expectation and variance of the network-wide role counts (Gould & Fernandez 1989, as in sna)."""
    p = d * d * (1 - d)
    a3, a4, a5 = d**3 * (1 - d) ** 3, d**4 * (1 - d) ** 2, d**5 * (1 - d)
    n = sizes
    out = {}
    e = p * sum(x * (x - 1) * (x - 2) for x in n)
    v = e * (1 - p) + sum(
        x * (x - 1) * (x - 2) * ((4 * x - 10) * a3 - 4 * (x - 3) * a4 + (x - 3) * a5) for x in n
    )
    out["coordinator"] = (e, v)
    e = p * sum(x * (N - x) * (x - 1) for x in n)
    v = e * (1 - p)
    v += sum(x * y * (x - 1) * ((2 * x + 2 * y - 6) * a3 + (N - x - 1) * a5) for x in n for y in n)
    v -= sum(x * x * (x - 1) * ((4 * x - 6) * a3 + (N - x - 1) * a5) for x in n)
    out["itinerant"] = (e, v)
    e = p * sum(x * (N - x) * (x - 1) for x in n)
    v = e * (1 - p) + sum(x * (N - x) * (x - 1) * ((N - 3) * a3 + (x - 2) * a5) for x in n)
    out["representative"] = out["gatekeeper"] = (e, v)
    e = p * (sum(x * y * (N - x - y) for x in n for y in n) - sum(x * x * (N - 2 * x) for x in n))
    v = e * (1 - p)
    k = len(n)
    for i in range(k):
        for j in range(k):
            for m in range(k):
                if i != j and j != m and i != m:
                    v += (
                        n[i]
                        * n[j]
                        * n[m]
                        * (
                            (4 * (N - n[j]) - 2 * (n[i] + n[m] + 1)) * a3
                            - (4 * (N - n[m]) - 2 * (n[i] + n[j] + 1)) * a4
                            + (N - (n[i] + n[m] + 1)) * a5
                        )
                    )
    out["liaison"] = (e, v)
    e = p * N * (N - 1) * (N - 2)
    v = e * (1 - p) + N * (N - 1) * (N - 2) * ((4 * N - 10) * a3 - 4 * (N - 3) * a4 + (N - 3) * a5)
    out["total"] = (e, v)
    return out


def _z(count: float, mean: float, var: float) -> float:
    return (count - mean) / math.sqrt(var) if var > 0 else math.nan


def brokerage(G: nx.Graph, groups: Mapping[Hashable, Hashable] | str) -> Brokerage:
    """Gould–Fernandez brokerage roles of every actor, with z-scores against a random network.

    Actor ``v`` brokers the ordered pair ``(a, b)`` when ``a → v → b`` and not ``a → b``. With groups
    ``A ≠ B ≠ C`` the two-path ``a → v → b`` makes ``v`` a *coordinator* (A → A → A), *itinerant broker*
    (A → B → A), *representative* (A → A → B: from its own group outward), *gatekeeper* (A → B → B: from
    outside into its own group) or *liaison* (A → B → C). An undirected tie counts in both directions, as
    ``sna::brokerage`` reads a symmetric matrix: every unordered pair is then brokered twice and
    gatekeeper equals representative.

    Expectations and standard deviations are those of a Bernoulli random graph of the same density and
    group sizes (Gould & Fernandez 1989; as in ``sna::brokerage``); z = (count − expected) / sd.

    Parameters
    ----------
    G
        Directed or undirected network.
    groups
        Group of every node, as a mapping or the name of a node attribute (``"sector"``, ``"stadtbezirk"``).
        Nodes without a group form the group ``None``.

    Returns
    -------
    Brokerage

    References
    ----------
    .. [1] Gould, R. V., & Fernandez, R. M. (1989). Structures of mediation: A formal approach to brokerage in
       transaction networks. Sociological Methodology 19, 89–126.
    .. [2] Butts, C. T. (2008). Social network analysis with sna. Journal of Statistical Software 24(6);
       ``sna::brokerage`` documentation.

    Examples
    --------
    >>> G = nx.DiGraph([("A", "B"), ("A", "C"), ("B", "C"), ("B", "D"), ("C", "D"), ("D", "A")])
    >>> b = brokerage(G, {"A": 1, "B": 1, "C": 2, "D": 2})
    >>> b.counts["A"]
    {'coordinator': 0, 'itinerant': 1, 'representative': 0, 'gatekeeper': 1, 'liaison': 0, 'total': 2}
    >>> round(b.expected["A"]["total"], 4), round(b.density, 2)
    (0.75, 0.5)
    """
    if isinstance(groups, str):
        group = dict(G.nodes(data=groups))
    else:
        group = {v: groups.get(v) for v in G}
    raw = _count_directed(G, group) if G.is_directed() else _count_undirected(G, group)
    N = G.number_of_nodes()
    loops = nx.number_of_selfloops(G)
    arcs = (G.number_of_edges() - loops) * (1 if G.is_directed() else 2)
    d = arcs / (N * (N - 1)) if N > 1 else 0.0
    labels = list(dict.fromkeys(group[v] for v in G))
    index = {g: i for i, g in enumerate(labels)}
    sizes = [0] * len(labels)
    for v in G:
        sizes[index[group[v]]] += 1
    moments = {i: _moments(N, sizes, i, d) for i in range(len(labels))}
    counts, expected, sd, z = {}, {}, {}, {}
    for v in G:
        c = {role: int(raw[v][role]) for role in ROLES}
        c["total"] = sum(c.values())
        m = moments[index[group[v]]]
        counts[v] = c
        expected[v] = {role: m[role][0] for role in c}
        sd[v] = {role: math.sqrt(max(m[role][1], 0.0)) for role in c}
        z[v] = {role: _z(c[role], m[role][0], m[role][1]) for role in c}
    network = {}
    totals = {role: sum(counts[v][role] for v in G) for role in (*ROLES, "total")}
    for role, (mean, var) in _network_moments(N, sizes, d).items():
        network[role] = {
            "count": totals[role],
            "expected": mean,
            "sd": math.sqrt(var) if var > 0 else 0.0,
            "z": _z(totals[role], mean, var),
        }
    return Brokerage(counts, expected, sd, z, network, d, dict(zip(labels, sizes, strict=True)))


def brokers(
    measures: Mapping[Hashable, Mapping[str, float]],
    *,
    top: int = 10,
) -> list[Hashable]:
    """The top brokers: highest betweenness, ties broken by lower constraint (Burt 1992), then node order.

    Only actors with a betweenness above zero qualify.

    >>> brokers({"a": {"betweenness": 0.5, "constraint": 0.4}, "b": {"betweenness": 0.5, "constraint": 0.2},
    ...          "c": {"betweenness": 0.0, "constraint": 1.0}})
    ['b', 'a']
    """
    ranked = [v for v in measures if measures[v]["betweenness"] > 0]

    def key(v: Hashable) -> tuple:
        c = measures[v]["constraint"]
        return (-measures[v]["betweenness"], c if c == c else math.inf, str(v))

    return sorted(ranked, key=key)[:top]
