"""Gould–Fernandez brokerage: definitions, published values, and the random-graph moments checked exactly."""

from __future__ import annotations

import math

import networkx as nx
import pytest

from bildungsnetz.analysis.brokerage import ROLES, _moments, _network_moments, brokerage, brokers

# The example of the cograph documentation (checked there bit-exact against sna::brokerage):
# adj <- matrix(c(0,1,1,0, 0,0,1,1, 0,0,0,1, 1,0,0,0), 4, 4, byrow = TRUE), membership c(1, 1, 2, 2);
# published: coordinator 0 0 0 0, liaison 0 0 0 0.
COGRAPH = nx.DiGraph([("A", "B"), ("A", "C"), ("B", "C"), ("B", "D"), ("C", "D"), ("D", "A")])
COGRAPH_GROUPS = {"A": 1, "B": 1, "C": 2, "D": 2}


def test_published_coordinator_and_liaison_values_of_the_sna_example():
    b = brokerage(COGRAPH, COGRAPH_GROUPS)
    assert [b.counts[v]["coordinator"] for v in "ABCD"] == [0, 0, 0, 0]
    assert [b.counts[v]["liaison"] for v in "ABCD"] == [0, 0, 0, 0]


def test_every_open_two_path_of_the_sna_example_gets_its_role():
    # D→A→B gatekeeper, D→A→C itinerant, A→B→D representative (A→B→C is closed by A→C),
    # A→C→D gatekeeper (B→C→D is closed by B→D), B→D→A itinerant, C→D→A representative.
    b = brokerage(COGRAPH, COGRAPH_GROUPS)
    assert {v: {r: n for r, n in b.counts[v].items() if n and r != "total"} for v in "ABCD"} == {
        "A": {"gatekeeper": 1, "itinerant": 1},
        "B": {"representative": 1},
        "C": {"gatekeeper": 1},
        "D": {"itinerant": 1, "representative": 1},
    }
    assert b.density == pytest.approx(0.5)


def test_the_five_roles_of_gould_and_fernandez_on_one_broker():
    # v (group X) brokers between a1, a2 (X), b1, b2 (Y), c (Z); no ties among the alters.
    G = nx.DiGraph()
    groups = {"v": "X", "a1": "X", "a2": "X", "b1": "Y", "b2": "Y", "c": "Z"}
    G.add_edges_from([("a1", "v"), ("v", "a2"), ("b1", "v"), ("v", "b2"), ("v", "c"), ("c", "v")])
    counts = brokerage(G, groups).counts["v"]
    # a1→v→a2 coordinator; a1→v→b2, a1→v→c representative; b1→v→a2 gatekeeper;
    # b1→v→b2 ... itinerant needs v outside the pair's group: here b1, b2 are Y and v is X → itinerant;
    # b1→v→c, c→v→b2 liaison; c→v→a2 gatekeeper.
    assert counts == {
        "coordinator": 1,
        "itinerant": 1,
        "representative": 2,
        "gatekeeper": 2,
        "liaison": 2,
        "total": 8,
    }


def test_an_undirected_tie_counts_both_ways_as_sna_reads_a_symmetric_matrix():
    for seed in range(4):
        G = nx.gnm_random_graph(30, 60, seed=seed)
        groups = {v: "abc"[v % 3] for v in G}
        assert brokerage(G, groups).counts == brokerage(G.to_directed(), groups).counts
    path = nx.path_graph(3)
    b = brokerage(path, {0: "x", 1: "x", 2: "y"})
    assert b.counts[1]["representative"] == b.counts[1]["gatekeeper"] == 1
    assert b.counts[1]["total"] == 2


def test_groups_may_be_a_node_attribute():
    G = nx.Graph([("s", "k"), ("s", "j")])
    nx.set_node_attributes(G, {"s": "bildung", "k": "jugendhilfe", "j": "jugendhilfe"}, "sector")
    assert brokerage(G, "sector").counts["s"]["itinerant"] == 2


def _exact_moments(nodes, groups, p):
    arcs = [(u, v) for u in nodes for v in nodes if u != v]
    roles = (*ROLES, "total")
    node = {v: {r: [0.0, 0.0] for r in roles} for v in nodes}
    net = {r: [0.0, 0.0] for r in roles}
    for mask in range(1 << len(arcs)):
        chosen = [arcs[i] for i in range(len(arcs)) if mask >> i & 1]
        w = p ** len(chosen) * (1 - p) ** (len(arcs) - len(chosen))
        G = nx.DiGraph(chosen)
        G.add_nodes_from(nodes)
        b = brokerage(G, groups)
        for v in nodes:
            for r in roles:
                x = b.counts[v][r]
                node[v][r][0] += w * x
                node[v][r][1] += w * x * x
        for r in roles:
            x = b.network[r]["count"]
            net[r][0] += w * x
            net[r][1] += w * x * x
    return node, net


@pytest.fixture(scope="module")
def enumerated():
    # All 4,096 digraphs on four actors in three groups, weighted as a Bernoulli graph with tie probability p.
    return _exact_moments([0, 1, 2, 3], {0: "a", 1: "a", 2: "b", 3: "c"}, 0.3)


def test_actor_expectations_and_variances_are_those_of_a_random_graph_of_the_same_density(enumerated):
    node, _ = enumerated
    sizes = [2, 1, 1]
    for v, group in ((0, 0), (1, 0), (2, 1), (3, 2)):
        moments = _moments(4, sizes, group, 0.3)
        for role, (mean, second) in node[v].items():
            assert moments[role][0] == pytest.approx(mean, abs=1e-12), role
            assert moments[role][1] == pytest.approx(second - mean * mean, abs=1e-12), role


def test_network_expectations_are_exact_and_variances_follow_gould_fernandez(enumerated):
    _, net = enumerated
    moments = _network_moments(4, [2, 1, 1], 0.3)
    for role, (mean, _) in net.items():
        assert moments[role][0] == pytest.approx(mean, abs=1e-12), role
    for role in ("coordinator", "itinerant", "liaison"):
        mean, second = net[role]
        assert moments[role][1] == pytest.approx(second - mean * mean, abs=1e-12), role


def test_z_scores_standardise_against_the_expectation():
    G = nx.gnm_random_graph(40, 80, seed=2)
    b = brokerage(G, {v: v % 2 for v in G})
    for v in (0, 1, 7):
        for role in ROLES:
            if b.sd[v][role] > 0:
                assert b.z[v][role] == pytest.approx(
                    (b.counts[v][role] - b.expected[v][role]) / b.sd[v][role]
                )
    assert b.network["total"]["count"] == sum(b.counts[v]["total"] for v in G)
    assert math.isnan(brokerage(nx.empty_graph(3), {0: 1, 1: 1, 2: 2}).z[0]["total"])


def test_brokers_rank_by_betweenness_then_low_constraint():
    measures = {
        "a": {"betweenness": 0.2, "constraint": 0.5},
        "b": {"betweenness": 0.2, "constraint": 0.1},
        "c": {"betweenness": 0.4, "constraint": 0.9},
        "d": {"betweenness": 0.0, "constraint": 0.0},
    }
    assert brokers(measures, top=2) == ["c", "b"]
