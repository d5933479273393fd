"""Partner finder: actors with confirmed offers for an SDG, ranked by nearness and network distance."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import networkx as nx

from bildungsnetz.errors import UnknownActor, UsageError
from bildungsnetz.iris import Iris
from bildungsnetz.sdg.workflow import _run, _texts, pair_states, parse_sdg
from bildungsnetz.store.base import Store

__all__ = ["NEARNESS", "UnknownActor", "partner_suggestions", "network_distances"]

#: Nearness levels, nearest first.
NEARNESS = ("stadtteil", "stadtbezirk", "stadt", "ausserhalb")


def network_distances(edges: list[tuple[str, str, str]], source: str) -> dict[str, int]:
    """Steps from ``source`` to every reachable actor: a cooperation is one step, so is a shared network.

    ``edges`` are ``(a, b, kind)``; for kind ``netzwerk``, ``b`` is the network. A network is a hub at half a
    step from each member, so members of one network are one step apart, as direct partners are.

    >>> network_distances([("a", "b", "kooperation"), ("b", "n", "netzwerk"), ("c", "n", "netzwerk")], "a")
    {'a': 0, 'b': 1, 'c': 2}
    """
    graph = nx.Graph()
    hubs = set()
    for a, b, kind in edges:
        if kind == "netzwerk":
            hubs.add(b)
            graph.add_edge(a, b, weight=0.5)
        else:
            graph.add_edge(a, b, weight=1.0)
    if source not in graph:
        return {source: 0}
    lengths = nx.single_source_dijkstra_path_length(graph, source, weight="weight")
    return {node: round(d) for node, d in lengths.items() if node not in hubs}


def _actor(store: Store, actor: str, iris: Iris) -> str:
    try:
        rows = _run(store, "akteur-lage", {"actor": str(actor)}, iris=iris)
    except UsageError as exc:
        raise UnknownActor(f'Akteur "{actor}" ungültig / invalid actor: {exc}') from None
    if not rows:
        raise UnknownActor(f'Akteur "{actor}" nicht gefunden / actor "{actor}" not found')
    return rows[0]["actor"]


def partner_suggestions(
    store: Store,
    actor: str,
    sdg: int | str,
    *,
    on: date | None = None,
    limit: int = 20,
    iris: Iris | None = None,
) -> list[dict[str, object]]:
    """Who could help this actor with an SDG: providers of confirmed offers, nearest first.

    Ranked by nearness (a shared Stadtteil, then Stadtbezirk, then the same municipality, then
    elsewhere), then by network distance (steps over cooperations and shared networks valid at ``on``;
    unconnected last), then by the number of matching offers, then by name.

    Parameters
    ----------
    actor : str
        The actor looking for partners: id (``100132``, ``KITA-17``) or IRI.
    sdg : int or str
        A goal (``13``) or a target (``"13.3"``: only offers confirmed for that target).

    Returns
    -------
    list of dict
        JSON-ready: ``rank``, ``actor``, ``actorId``, ``label``, ``nearness``, ``sharedArea``,
        ``networkDistance`` (``None`` when unconnected), ``offers`` (``offer``, ``offerId``, ``title``).
    """
    iris = iris or Iris()
    goal, target = parse_sdg(sdg)
    me = _actor(store, actor, iris)
    day = (on or date.today()).isoformat()
    offers = {
        o for (o, g), s in pair_states(store, iris=iris).items()
        if g == goal and s.status == "bestaetigt" and (target is None or s.target == target)
    }  # fmt: skip
    texts = _texts(_run(store, "angebote-texte", iris=iris))
    by_provider: dict[str, list[str]] = defaultdict(list)
    for row in _run(store, "angebote-merkmale", {"date": day}, iris=iris):  # only offers running at ``on``
        if row["offer"] in offers and row.get("provider"):
            if row["offer"] not in by_provider[row["provider"]]:
                by_provider[row["provider"]].append(row["offer"])
    by_provider.pop(me, None)
    areas: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    names: dict[str, tuple[str, str]] = {}
    for row in _run(store, "akteur-lage", iris=iris):
        names[row["actor"]] = (row.get("actorId") or "", row.get("actorLabel") or row["actor"])
        if row.get("area"):
            areas[row["actor"]][row["level"]].add(row["area"])
    edges = [
        (r["source"], r["target"], r["kind"]) for r in _run(store, "netz-kanten", {"date": day}, iris=iris)
    ]
    distance = network_distances(edges, me)
    mine = areas.get(me, {})
    found = []
    for provider, offer_list in by_provider.items():
        theirs = areas.get(provider, {})
        level, shared = "ausserhalb", None
        for name, key in (("stadtteil", "stadtteil"), ("stadtbezirk", "stadtbezirk"), ("stadt", "gemeinde")):
            common = mine.get(key, set()) & theirs.get(key, set())
            if common:
                level, shared = name, sorted(common)[0]
                break
        actor_id, label = names.get(provider, ("", provider))
        found.append({
            "actor": provider, "actorId": actor_id, "label": label, "nearness": level, "sharedArea": shared,
            "networkDistance": distance.get(provider),
            "offers": [{"offer": o, "offerId": texts.get(o, {}).get("offerId", ""),
                        "title": texts.get(o, {}).get("title", "")} for o in sorted(offer_list)],
        })  # fmt: skip
    found.sort(key=lambda p: (
        NEARNESS.index(p["nearness"]),
        p["networkDistance"] if p["networkDistance"] is not None else 10**6,
        -len(p["offers"]), str(p["label"]),
    ))  # fmt: skip
    for rank, p in enumerate(found[:limit], start=1):
        p["rank"] = rank
    return found[:limit]
