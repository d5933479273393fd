"""Gaps along the Bildungskette per Stadtteil, missing fields of action per Stadtbezirk, need vs. supply."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable

import networkx as nx

from bildungsnetz.analysis.graphs import CityData
from bildungsnetz.analysis.isolation import matches, rules

__all__ = [
    "CHILDREN_CODE", "NEED_LEVELS", "REACHED", "missing_fields", "need_parts", "need_ranking", "neighbourhood",
    "percentile_ranks", "transitions",
]  # fmt: skip


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


#: Mediation statuses that count as an offer having reached an institution (requested ones count as asked only).
REACHED = ("vermittelt", "durchgefuehrt")

#: Levels need versus network is ranked at (parameter ``level``).
NEED_LEVELS = ("stadtteil", "stadtbezirk")


def _at_level(data: CityData, level: str, latest: dict[str, tuple[str, float]], *, total: bool = False) -> dict:
    """Per area of ``level``: its own value, or for a Stadtbezirk without one the mean (``total``: the sum, only
    where every Stadtteil has a value) of its Stadtteile's values, with the latest year among them."""
    if level == "stadtteil":
        return {a.iri: latest[a.iri] for a in data.stadtteile() if a.iri in latest}
    out = {}
    for b in data.stadtbezirke():
        if b.iri in latest:
            out[b.iri] = latest[b.iri]
            continue
        teile = data.stadtteile(b.iri)
        found = [latest[t.iri] for t in teile if t.iri in latest]
        if not found or (total and len(found) < len(teile)):
            continue
        value = sum(v for _, v in found)
        out[b.iri] = (max(y for y, _ in found), value if total else value / len(found))
    return out


def _children_note(children: str | None, found: bool) -> str | None:
    if children is None:
        return (
            "Angebote je 1.000 Kinder: keine Kennzahl mit der Zahl der Kinder gewählt (Parameter children, "
            f"Einstellung BILDUNGSNETZ_CHILDREN_INDICATOR) und keine mit dem Code {CHILDREN_CODE} / offers per "
            "1,000 children: no indicator holding the number of children chosen (parameter children, setting "
            f"BILDUNGSNETZ_CHILDREN_INDICATOR) and none coded {CHILDREN_CODE}"
        )
    if not found:
        return (
            f'Angebote je 1.000 Kinder: die Kennzahl "{children}" hat keinen Wert für diese Gebiete / offers per '
            f'1,000 children: the indicator "{children}" has no value for these areas'
        )
    return None


#: The code of the indicator taken as the number of children per area when nobody chose one (parameter
#: ``children``, setting ``BILDUNGSNETZ_CHILDREN_INDICATOR``) and the data holds values of it; the demo city
#: writes it.
CHILDREN_CODE = "kinder-zahl"


def need_ranking(
    G: nx.Graph, data: CityData, *, indicator: str | None = None, level: str = "stadtteil",
    children: str | None = None,
) -> dict:
    """Areas where need is high and the network thin, highest gap first: the one computation of need versus
    network for the analysis, the gap report, the CLI, the API and the web pages.

    Need is the indicator (default ``sgb2-quote`` from ``regeln.toml``) of the latest year not after the
    analysis date, or a weighted combination the user names (``kinderarmut:2, sgb2-quote``): then need is the
    weighted mean of each indicator's percentile rank, turned round for an indicator where higher is better.
    A value the source suppressed counts as missing, never as 0. Thinness is the mean number of partners of the
    area's actors (ties anywhere in the city). ``gap`` is the mean of the need's percentile rank and the
    thinness' percentile rank.

    Parameters
    ----------
    G : networkx.Graph
        The cooperation graph (:func:`~bildungsnetz.analysis.graphs.cooperation_graph`).
    data : CityData
        What the analysis read, with indicators and mediations.
    indicator : str, optional
        The need as users write it (:func:`need_parts`).
    level : {"stadtteil", "stadtbezirk"}
        The areas ranked. A Stadtbezirk without its own value takes the mean of its Stadtteile's values.
    children : str, optional
        Code of an indicator holding the number of children per area (a Stadtbezirk without its own value: the
        sum of its Stadtteile's, where all have one). Not given: :data:`CHILDREN_CODE` where the data holds
        values of it. Without one ``offers_per_1000_children`` stays empty and ``children_note`` says why;
        inhabitants never stand in for children.

    Returns
    -------
    dict
        ``indicator`` (the need as given), ``parts`` (code, weight), ``year`` (latest used), ``level``,
        ``children``, ``children_note`` and ``rows``: one dict per area with a value of every part: ``area``,
        ``area_name``, ``area_iri``, ``stadtbezirk`` (code; the ``stadtteil*`` keys only at level Stadtteil),
        ``need``, ``year``, ``actors``, ``ties``, ``density``, ``mean_partners``, ``isolates``, ``offers``
        (running offers of providers located there), ``offers_per_1000`` (inhabitants), ``children``,
        ``offers_per_1000_children``, ``mediations`` (mediations vermittelt or durchgeführt to institutions
        there, each counted once per area, as :func:`~bildungsnetz.analysis.mediations.district_reach`
        counts them), ``gap`` and ``rank``.

    Examples
    --------
    >>> from bildungsnetz.analysis.graphs import Area
    >>> areas = {"b": Area("b", "1", "Nord", "stadtbezirk", "b"), "t1": Area("t1", "11", "Hafen", "stadtteil", "b"),
    ...          "t2": Area("t2", "12", "Markt", "stadtteil", "b")}
    >>> data = CityData("2025-01-01", {}, areas, {}, {}, {}, indicators=[
    ...     ("t1", "sgb2-quote", "2024", 20.0), ("t2", "sgb2-quote", "2024", 10.0),
    ...     ("t1", "kinder", "2024", 300.0), ("t2", "kinder", "2024", 200.0)],
    ...     mediations=[("v1", "vermittelt", "t1"), ("v2", "angefragt", "t2")])
    >>> r = need_ranking(nx.Graph(), data)
    >>> [(x["area_name"], x["need"], x["mediations"], x["offers_per_1000_children"]) for x in r["rows"]]
    [('Hafen', 20.0, 1, None), ('Markt', 10.0, 0, None)]
    >>> r["children_note"].split(" / ")[0][:40]
    'Angebote je 1.000 Kinder: keine Kennzahl'
    >>> [(x["area_name"], x["need"], x["children"]) for x in need_ranking(
    ...     nx.Graph(), data, level="stadtbezirk", children="kinder")["rows"]]
    [('Nord', 15.0, 500.0)]
    >>> data.indicators += [("t1", "kinder-zahl", "2024", 400.0)]
    >>> [(x["area_name"], x["children"]) for x in need_ranking(nx.Graph(), data)["rows"]]
    [('Hafen', 400.0), ('Markt', None)]
    """
    from bildungsnetz.queries import ParameterError

    if level not in NEED_LEVELS:
        raise ParameterError("level", level, "ist weder stadtteil noch stadtbezirk",
                             "is neither stadtteil nor stadtbezirk")
    parts = need_parts(indicator)
    indicator = ", ".join(code if w == 1 else f"{code}:{w:g}" for code, w in parts)
    values = {code: _at_level(data, level, _latest(data, code)) for code, _ in parts}
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
    kids: dict[str, tuple[str, float]] = {}
    if children is None and any(c == CHILDREN_CODE for _, c, _, _ in data.indicators):
        children = CHILDREN_CODE  # the indicator the data marks as the number of children, by its code
    if children is not None:
        children = children.strip()
        if not any(c == children for _, c, _, _ in data.indicators):
            raise ParameterError(
                "children", children, "ist keine Kennzahl mit Werten (Zahl der Kinder je Gebiet)",
                "is no indicator with values (number of children per area)",
            )
        kids = _at_level(data, level, _latest(data, children), total=True)
    home = dict(G.nodes(data=level))
    members: dict[str, list] = defaultdict(list)
    for v, area in home.items():
        if area is not None:
            members[area].append(v)
    offers: dict[str, int] = defaultdict(int)
    for o in data.offers.values():
        for area in {home.get(p) for p in o.providers} - {None}:
            offers[area] += 1

    def place(iri: str) -> str | None:
        found = data.areas.get(iri)
        if found is None:
            return None
        return found.iri if level == "stadtteil" else found.stadtbezirk

    reached = {(m, place(area)) for m, status, area in data.mediations if status in REACHED}
    mediations: dict[str, int] = defaultdict(int)
    for _, area in reached:
        if area is not None:
            mediations[area] += 1
    rows = {}
    for area in data.stadtteile() if level == "stadtteil" else data.stadtbezirke():
        if area.iri not in latest:
            continue
        actors = members.get(area.iri, [])
        sub = G.subgraph(actors)
        degrees = [G.degree(v) for v in actors]
        n_offers, n_kids = offers.get(area.iri, 0), kids.get(area.iri, (None, None))[1]
        einwohner = area.einwohner
        if level == "stadtbezirk" and einwohner is None:
            teile = [t.einwohner for t in data.stadtteile(area.iri)]
            einwohner = sum(teile) if teile and None not in teile else None
        teil = level == "stadtteil"
        rows[area.iri] = {
            "area": area.code,
            "area_name": area.label,
            "area_iri": area.iri,
            "stadtteil": area.code if teil else None,
            "stadtteil_name": area.label if teil else None,
            "stadtteil_iri": area.iri if teil else None,
            "stadtbezirk": data.areas[area.stadtbezirk].code if area.stadtbezirk in data.areas else None,
            "need": latest[area.iri][1],
            "year": latest[area.iri][0],
            "actors": len(actors),
            "ties": sub.number_of_edges(),
            "density": nx.density(sub) if len(actors) > 1 else 0.0,
            "mean_partners": sum(degrees) / len(degrees) if degrees else 0.0,
            "isolates": sum(1 for d in degrees if d == 0),
            "offers": n_offers,
            "offers_per_1000": (1000 * n_offers / einwohner) if einwohner else None,
            "children": n_kids,
            "offers_per_1000_children": (1000 * n_offers / n_kids) if n_kids else None,
            "mediations": mediations.get(area.iri, 0),
        }
    # a single indicator where higher is better (a transition rate): the lowest values are the highest need
    sign = -1 if len(parts) == 1 and data.higher_is_better.get(parts[0][0], False) else 1
    need = percentile_ranks({k: sign * r["need"] for k, r in rows.items()})
    thin = percentile_ranks({k: -r["mean_partners"] for k, r in rows.items()})
    for k, r in rows.items():
        r["gap"] = (need[k] + thin[k]) / 2
    ranked = sorted(rows.values(), key=lambda r: (-r["gap"], -r["need"], _code(r["area"])))
    for i, r in enumerate(ranked, start=1):
        r["rank"] = i
    years = sorted({r["year"] for r in ranked})
    return {
        "indicator": indicator, "parts": parts, "year": years[-1] if years else None, "level": level,
        "children": children, "children_note": _children_note(children, any(kids)), "rows": ranked,
    }  # fmt: skip


def _code(code: str) -> tuple:
    return (len(code), code)
