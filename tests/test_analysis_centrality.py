"""Centrality measures: the igraph engine gives networkx's numbers; hand-built graphs give known answers."""

from __future__ import annotations

import math
import random

import networkx as nx
import pytest
from networkx.algorithms.link_analysis.pagerank_alg import _pagerank_python

from bildungsnetz.analysis import centrality as c


def same(a: dict, b: dict, tol: float = 1e-12) -> bool:
    assert a.keys() == b.keys()
    return all(abs(a[v] - b[v]) <= tol or (math.isnan(a[v]) and math.isnan(b[v])) for v in a)


def random_graphs():
    for seed in range(6):
        G = nx.gnm_random_graph(60 + 10 * seed, 110 + 25 * seed, seed=seed)
        rng = random.Random(seed)
        for u, v in G.edges():
            G.edges[u, v]["weight"] = rng.randint(1, 4)
        G.add_node("isolate")
        yield G


@pytest.mark.parametrize("G", list(random_graphs()), ids=lambda G: f"n{len(G)}")
def test_igraph_and_networkx_give_identical_exact_betweenness(G):
    fast = c.betweenness(G, engine="igraph")
    slow = c.betweenness(G, engine="networkx")
    assert fast.exact and slow.exact
    assert same(fast.values, nx.betweenness_centrality(G))
    assert same(fast.values, slow.values)


@pytest.mark.parametrize("G", list(random_graphs())[:3], ids=lambda G: f"n{len(G)}")
def test_sampled_betweenness_equals_networkx_with_the_same_seed_and_reports_its_error(G):
    sampled = c.betweenness(G, exact_work=1, samples=20, seed=5)
    reference = nx.betweenness_centrality(G, k=20, seed=random.Random(5))
    assert not sampled.exact and sampled.sources == 20
    assert same(sampled.values, reference)
    exact = nx.betweenness_centrality(G)
    worst = max(abs(sampled.values[v] - exact[v]) for v in G)
    assert 0 < sampled.error_bound < math.inf
    assert worst <= sampled.error_bound
    assert sampled.summary()["exact"] is False


@pytest.mark.parametrize("G", list(random_graphs()), ids=lambda G: f"n{len(G)}")
def test_constraint_and_effective_size_equal_networkx(G):
    assert same(c.constraint(G), nx.constraint(G, weight="weight"))
    assert same(c.constraint(G, weight=None), nx.constraint(G))
    assert same(c.effective_size(G), nx.effective_size(G, weight="weight"))
    assert same(c.effective_size(G, weight=None), nx.effective_size(G))


@pytest.mark.parametrize("G", list(random_graphs()), ids=lambda G: f"n{len(G)}")
def test_closeness_and_pagerank_equal_networkx(G):
    assert same(c.closeness(G, engine="igraph"), nx.closeness_centrality(G))
    assert same(c.pagerank(G), _pagerank_python(G, weight="weight", tol=1e-13), tol=1e-9)


def test_a_star_centre_carries_every_path_and_is_the_only_articulation_point():
    G = nx.star_graph(4)
    measures, how = c.actor_measures(G)
    assert how.exact
    assert measures[0]["betweenness"] == 1.0
    assert all(measures[v]["betweenness"] == 0.0 for v in range(1, 5))
    assert measures[0]["constraint"] == pytest.approx(0.25)  # four equal, unconnected contacts
    assert measures[0]["effective_size"] == 4
    assert [v for v in G if measures[v]["articulation_point"]] == [0]
    assert measures[0]["k_core"] == 1


def test_a_clique_member_is_fully_constrained_and_redundant():
    G = nx.complete_graph(4)
    measures, _ = c.actor_measures(G, weight=None)
    assert measures[0]["constraint"] == pytest.approx(nx.constraint(G)[0])
    assert measures[0]["effective_size"] == pytest.approx(1.0)
    assert measures[0]["betweenness"] == 0.0


def test_an_isolate_has_no_constraint_and_no_centrality():
    G = nx.Graph([(1, 2)])
    G.add_node(3)
    measures, _ = c.actor_measures(G)
    assert math.isnan(measures[3]["constraint"]) and math.isnan(measures[3]["effective_size"])
    assert measures[3]["betweenness"] == 0 and measures[3]["closeness"] == 0
