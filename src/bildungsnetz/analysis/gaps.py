"""Gaps along the Bildungskette per Stadtteil, missing fields of action per Stadtbezirk, need vs. supply."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable

import networkx as nx

from bildungsnetz.analysis.graphs import CityData
from bildungsnetz.analysis.isolation import matches, rules

__all__ = ["neighbourhood", "transitions", "missing_fields", "need_ranking", "percentile_ranks"]


def neighbourhood(data: CityData) -> tuple[dict[str, set[str]], str]:
    """Each Stadtteil's own and neighbouring Stadtteile, and where that came from.

    Neighbours are the ``geo:sfTouches`` of the city profile. A city without polygons has none; then the
    Stadtteile of the same Stadtbezirk stand in for the neighbourhood (``"stadtbezirk"``).

    >>> from bildungsnetz.analysis.graphs import Area
    >>> a = {k: Area(k, k, k, "stadtteil", "B") for k in ("t1", "t2")}
    >>> near, how = neighbourhood(CityData("2025-01-01", {}, a, {}, {}, {}))
    >>> sorted(near["t1"]), how
    (['t1', 't2'], 'stadtbezirk')
    """
    teile = [a for a in data.areas.values() if a.level == "stadtteil"]
    if any(data.neighbours.get(a.iri) for a in teile):
        return {a.iri: {a.iri, *data.neighbours.get(a.iri, ())} for a in teile}, "geo:sfTouches"
    by_bezirk: dict[str, set[str]] = defaultdict(set)
    for a in teile:
        by_bezirk[a.stadtbezirk].add(a.iri)
    return {a.iri: set(by_bezirk[a.stadtbezirk]) for a in teile}, "stadtbezirk"


def _closed(
    G: nx.Graph, v: Hashable, rule: dict, near: set[str] | None, data: CityData, memberships, funded
) -> bool:
    for u in G.adj[v]:
        attrs = G.nodes[u]
        if matches(attrs, rule["partner"]) and (near is None or attrs.get("stadtteil") in near):
            return True
    if rule.get("netzwerkart") and memberships.get(v, set()) & set(rule["netzwerkart"]):
        return True
    return bool(rule.get("programm") and funded.get(v, set()) & set(rule["programm"]))


def transitions(G: nx.Graph, data: CityData, *, stadtbezirk: str | None = None) -> list[dict]:
    """The Bildungskette checks of ``regeln.toml`` per Stadtteil: which actors lack the partner they need.

    For every rule and Stadtteil (of one Stadtbezirk, or all): the actors the rule applies to and the ids of
    those without the partner (or KAoA body / programme) that closes the gap.

    Returns
    -------
    list of dict
        ``check``, ``label``, ``transition``, ``stadtteil``, ``stadtteil_name``, ``stadtbezirk``, ``actors``,
        ``missing`` (actor ids), ``missing_iris``, ``share`` and ``scope`` (how "neighbouring" was decided).
    """
    near, how = neighbourhood(data)
    memberships: dict[str, set[str]] = defaultdict(set)
    for n in data.networks.values():
        for m in n.members:
            if n.kind:
                memberships[m].add(n.kind)
    funded: dict[str, set[str]] = defaultdict(set)
    for c in data.cooperations.values():
        codes = {p.rstrip("/").rsplit("/", 1)[-1] for p in c.programmes}
        for p in c.partners:
            funded[p] |= codes
    by_teil: dict[str, list] = defaultdict(list)
    for v, teil in G.nodes(data="stadtteil"):
        if teil is not None:
            by_teil[teil].append(v)
    out = []
    for rule in rules()["kette"]:
        for area in data.stadtteile(stadtbezirk):
            scope = None
            if rule["raum"] == "stadtteil":
                scope = {area.iri}
            elif rule["raum"] == "nachbarschaft":
                scope = near.get(area.iri, {area.iri})
            candidates = sorted(v for v in by_teil.get(area.iri, ()) if matches(G.nodes[v], rule["akteur"]))
            missing = [v for v in candidates if not _closed(G, v, rule, scope, data, memberships, funded)]
            bezirk = data.areas.get(area.stadtbezirk)
            out.append(
                {
                    "check": rule["name"],
                    "label": rule["label_de"],
                    "label_en": rule["label_en"],
                    "transition": rule.get("uebergang"),
                    "stadtteil": area.code,
                    "stadtteil_name": area.label,
                    "stadtteil_iri": area.iri,
                    "stadtbezirk": bezirk.code if bezirk else None,
                    "actors": len(candidates),
                    "missing": [G.nodes[v]["id"] for v in missing],
                    "missing_iris": missing,
                    "share": len(missing) / len(candidates) if candidates else 0.0,
                    "scope": how if rule["raum"] == "nachbarschaft" else rule["raum"],
                }
            )
    return out


def missing_fields(G: nx.Graph, data: CityData, fields: list[str], *, stadtbezirk: str | None = None) -> dict:
    """Fields of action (codes) in which no actor of a Stadtbezirk has a valid cooperation or a running offer.

    Returns ``{stadtbezirk IRI: [missing codes]}`` in the order of ``fields``.
    """
    home = dict(G.nodes(data="stadtbezirk"))
    present: dict[str, set[str]] = defaultdict(set)
    for c in data.cooperations.values():
        for p in c.partners:
            if home.get(p):
                present[home[p]] |= c.fields
    for o in data.offers.values():
        for p in o.providers:
            if home.get(p):
                present[home[p]] |= o.fields
    bezirke = [a for a in data.stadtbezirke() if stadtbezirk is None or a.iri == stadtbezirk]
    return {b.iri: [f for f in fields if f not in present[b.iri]] for b in bezirke}


def percentile_ranks(values: dict[Hashable, float]) -> dict[Hashable, float]:
    """Rank of each value scaled to 0..1 (ties share their mean rank); a single value ranks 0.5.

    >>> percentile_ranks({"a": 1.0, "b": 3.0, "c": 3.0})
    {'a': 0.0, 'b': 0.75, 'c': 0.75}
    """
    if not values:
        return {}
    if len(values) == 1:
        return dict.fromkeys(values, 0.5)
    ordered = sorted(values, key=lambda k: values[k])
    ranks: dict[Hashable, float] = {}
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and values[ordered[j + 1]] == values[ordered[i]]:
            j += 1
        for k in ordered[i : j + 1]:
            ranks[k] = (i + j) / 2 / (len(ordered) - 1)
        i = j + 1
    return ranks


def need_parts(spec: str | None) -> list[tuple[str, float]]:
    """The indicators and weights of a need as users write it: ``kinderarmut`` or ``kinderarmut:2, sgb2-quote``.

    Raises :class:`~bildungsnetz.errors.UsageError` naming the parameter ``need`` for a weight that is no
    positive number.

    >>> need_parts("kinderarmut:2, sgb2-quote")
    [('kinderarmut', 2.0), ('sgb2-quote', 1.0)]
    >>> need_parts(None)
    [('sgb2-quote', 1.0)]
    """
    from bildungsnetz.errors import UsageError

    parts = []
    for item in (spec or rules()["bedarf"]["indikator"]).split(","):
        code, _, weight = item.strip().partition(":")
        if not code.strip():
            continue
        try:
            w = float(weight.replace(",", ".")) if weight.strip() else 1.0
        except ValueError:
            w = -1.0
        if not w > 0:
            raise UsageError(
                f"Parameter 'need': Gewicht '{weight.strip()}' von '{code.strip()}' ist keine positive Zahl / "
                f"weight '{weight.strip()}' of '{code.strip()}' is not a positive number"
            )
        parts.append((code.strip(), w))
    return parts


def _latest(data: CityData, code: str) -> dict[str, tuple[str, float]]:
    """Per area the value of the latest year not after the analysis date (a suppressed year has no value)."""
    year_limit = data.date[:4]
    latest: dict[str, tuple[str, float]] = {}
    for area, c, year, value in data.indicators:
        if c != code or (year and year[:4] > year_limit):
            continue
        if area not in latest or year > latest[area][0]:
            latest[area] = (year, value)
    return latest


def need_ranking(G: nx.Graph, data: CityData, *, indicator: str | None = None) -> dict:
    """Stadtteile where need is high and the network thin, highest gap first: the one computation of need versus
    network for the analysis, the gap report, the CLI and the API.

    Need is the indicator (default ``sgb2-quote`` from ``regeln.toml``) of the latest year not after the
    analysis date, or a weighted combination the user names (``kinderarmut:2, sgb2-quote``): then need is the
    weighted mean of each indicator's percentile rank, turned round for an indicator where higher is better.
    A value the source suppressed counts as missing, never as 0. Thinness is the mean number of partners of the
    Stadtteil's actors (ties anywhere in the city). ``gap`` is the mean of the need's percentile rank and the
    thinness' percentile rank; ``offers`` are running offers of providers located in the Stadtteil (per 1,000
    inhabitants where known).

    Returns
    -------
    dict
        ``indicator`` (the need as given), ``parts`` (code, weight), ``year`` (latest used) and ``rows`` (one
        dict per Stadtteil with a value of every part).
    """
    parts = need_parts(indicator)
    indicator = ", ".join(code if w == 1 else f"{code}:{w:g}" for code, w in parts)
    values = {code: _latest(data, code) for code, _ in parts}
    common = set.intersection(*(set(v) for v in values.values())) if values else set()
    if len(parts) == 1:
        latest = {a: values[parts[0][0]][a] for a in common}
    else:
        total = sum(w for _, w in parts)
        scores: dict[str, float] = dict.fromkeys(common, 0.0)
        for code, w in parts:
            ranks = percentile_ranks({a: values[code][a][1] for a in common})
            better = data.higher_is_better.get(code, False)
            for a in common:
                scores[a] += w * ((1 - ranks[a]) if better else ranks[a]) / total
        latest = {a: (max(values[c][a][0] for c, _ in parts), round(scores[a], 4)) for a in common}
    members: dict[str, list] = defaultdict(list)
    for v, teil in G.nodes(data="stadtteil"):
        if teil is not None:
            members[teil].append(v)
    offers: dict[str, int] = defaultdict(int)
    home = dict(G.nodes(data="stadtteil"))
    for o in data.offers.values():
        for teil in {home.get(p) for p in o.providers} - {None}:
            offers[teil] += 1
    rows = {}
    for area in data.stadtteile():
        if area.iri not in latest:
            continue
        actors = members.get(area.iri, [])
        sub = G.subgraph(actors)
        degrees = [G.degree(v) for v in actors]
        rows[area.iri] = {
            "stadtteil": area.code,
            "stadtteil_name": area.label,
            "stadtteil_iri": area.iri,
            "stadtbezirk": data.areas[area.stadtbezirk].code if area.stadtbezirk in data.areas else None,
            "need": latest[area.iri][1],
            "year": latest[area.iri][0],
            "actors": len(actors),
            "ties": sub.number_of_edges(),
            "density": nx.density(sub) if len(actors) > 1 else 0.0,
            "mean_partners": sum(degrees) / len(degrees) if degrees else 0.0,
            "isolates": sum(1 for d in degrees if d == 0),
            "offers": offers.get(area.iri, 0),
            "offers_per_1000": (1000 * offers.get(area.iri, 0) / area.einwohner) if area.einwohner else None,
        }
    # a single indicator where higher is better (a transition rate): the lowest values are the highest need
    sign = -1 if len(parts) == 1 and data.higher_is_better.get(parts[0][0], False) else 1
    need = percentile_ranks({k: sign * r["need"] for k, r in rows.items()})
    thin = percentile_ranks({k: -r["mean_partners"] for k, r in rows.items()})
    for k, r in rows.items():
        r["gap"] = (need[k] + thin[k]) / 2
    ranked = sorted(rows.values(), key=lambda r: (-r["gap"], -r["need"], r["stadtteil"]))
    for i, r in enumerate(ranked, start=1):
        r["rank"] = i
    years = sorted({r["year"] for r in ranked})
    return {"indicator": indicator, "parts": parts, "year": years[-1] if years else None, "rows": ranked}
