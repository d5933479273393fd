"""The one converter from the store to networkx graphs: cooperation, actor–network and actor–offer."""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date as Date
from functools import cache
from itertools import combinations
from typing import Any

import networkx as nx

from bildungsnetz.iris import Iris
from bildungsnetz.queries import NamedQuery, ParameterError, get, run
from bildungsnetz.store.base import Store
from bildungsnetz.survey import get_round, list_rounds
from bildungsnetz.survey import ties as survey
from bildungsnetz.survey.ties import check_rule

__all__ = [
    "Actor",
    "Area",
    "Cooperation",
    "Network",
    "Offer",
    "SurveyTies",
    "CityData",
    "analysis_query",
    "resolve_date",
    "load",
    "only_city",
    "cooperation_graph",
    "affiliation_graph",
    "projection",
    "district_members",
    "district_graph",
    "internal",
]

_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


@cache
def analysis_query(name: str) -> NamedQuery:
    """One query of ``queries/analysis/`` by name (parsed once).

    >>> analysis_query("kooperationen").params[0].name
    'date'
    """
    return get(name, folder="analysis")


def resolve_date(value: str | Date | None, *, param: str = "date") -> str:
    """The analysis date as ISO text: ``None``/``today``/``heute`` is today; ``1.8.2024`` is accepted.

    >>> resolve_date("1.8.2024"), resolve_date(Date(2025, 1, 31))
    ('2024-08-01', '2025-01-31')
    >>> try:
    ...     resolve_date("2024-02-31")
    ... except ParameterError as error:
    ...     print(*str(error).split(" / "), sep="\\n")
    Parameter "date": "2024-02-31" ist kein gültiges Datum
    is not a valid date
    """
    if value is None:
        return Date.today().isoformat()
    if isinstance(value, Date):
        return value.isoformat()
    text = str(value).strip()
    try:
        if text.lower() in ("today", "heute", ""):
            return Date.today().isoformat()
        if m := _GERMAN_DATE.match(text):
            return Date(int(m[3]), int(m[2]), int(m[1])).isoformat()
        return Date.fromisoformat(text).isoformat()
    except ValueError:
        raise ParameterError(param, text, "ist kein gültiges Datum", "is not a valid date") from None


# -- What the store holds, as plain Python ----------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """One actor: IRI, source id (or Schulnummer), name, codes and home districts (IRIs)."""

    iri: str
    id: str
    label: str
    kind: str | None = None
    sector: str | None = None
    schulform: str | None = None
    stadtteil: str | None = None
    stadtbezirk: str | None = None


@dataclass(frozen=True)
class Area:
    """A Stadtbezirk or an area within one (``level`` ``stadtbezirk`` or ``stadtteil``)."""

    iri: str
    code: str
    label: str
    level: str
    stadtbezirk: str
    einwohner: int | None = None


@dataclass(frozen=True)
class Cooperation:
    """A cooperation valid at the date: its partners and the codes/IRIs describing it."""

    iri: str
    id: str
    partners: tuple[str, ...]
    kinds: frozenset[str] = frozenset()
    fields: frozenset[str] = frozenset()
    programmes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Network:
    """A network active at the date with its current members."""

    iri: str
    id: str
    label: str
    kind: str | None
    area: str | None
    members: frozenset[str]


@dataclass(frozen=True)
class Offer:
    """An offer running at the date with its providers."""

    iri: str
    id: str
    providers: frozenset[str]
    fields: frozenset[str] = frozenset()
    area: str | None = None


@dataclass(frozen=True)
class SurveyTies:
    """The ties of one survey round added to the documented ones under a tie rule, with its response rates.

    ``ties`` maps a pair of actor IRIs (sorted) to its status (``bestaetigt``, ``einseitig``, ``unbestaetigt``);
    ``rates`` maps a Stadtbezirk IRI (and ``""`` for the whole round) to ``(invited, answered)``.
    """

    round: str
    rule: str
    ties: dict[tuple[str, str], str]
    rates: dict[str, tuple[int, int]]

    def rate(self, scope: str = "") -> float | None:
        """Response rate of a Stadtbezirk (IRI) or of the whole round; ``None`` where nobody was invited."""
        invited, answered = self.rates.get(scope, (0, 0))
        return answered / invited if invited else None


@dataclass
class CityData:
    """Everything the analysis reads from the store for one date, fetched by named queries only."""

    date: str
    actors: dict[str, Actor]
    areas: dict[str, Area]
    cooperations: dict[str, Cooperation]
    networks: dict[str, Network]
    offers: dict[str, Offer]
    neighbours: dict[str, frozenset[str]] = field(default_factory=dict)
    #: ``(area IRI, indicator code, year, value)``
    indicators: list[tuple[str, str, str, float]] = field(default_factory=list)
    #: indicator code → whether a higher value is better (own indicators say so; the rest: higher is need)
    higher_is_better: dict[str, bool] = field(default_factory=dict)
    #: Graphs of the store the data came from (for provenance).
    sources: list[str] = field(default_factory=list)
    #: The city's display label ("Köln") for headings; empty when the caller did not name one.
    city_label: str = ""
    #: Survey ties added by the tie rule (``None``: documented ties only, or no round before the date).
    survey: SurveyTies | None = None
    #: The tie rule the data was loaded with (``alle``, ``bestaetigt``, ``dokumentiert``).
    rule: str = "alle"
    #: ``(mediation IRI, status code, area IRI of the institution's site)``, one per mediation and area
    mediations: list[tuple[str, str, str]] = field(default_factory=list)

    def stadtbezirke(self) -> list[Area]:
        """The Stadtbezirke, ordered by code (numbers numerically)."""
        return sorted((a for a in self.areas.values() if a.level == "stadtbezirk"), key=_code_key)

    def stadtteile(self, stadtbezirk: str | None = None) -> list[Area]:
        """Areas below the Stadtbezirk level, optionally of one Stadtbezirk, ordered by code."""
        return sorted(
            (
                a
                for a in self.areas.values()
                if a.level == "stadtteil" and (stadtbezirk is None or a.stadtbezirk == stadtbezirk)
            ),
            key=_code_key,
        )


def _code_key(area: Area) -> tuple:
    return (len(area.code), area.code, area.iri)


def _rows(name: str, values: dict[str, str], store: Store, iris: Iris, city: str) -> list[dict]:
    return run(analysis_query(name), values, store=store, iris=iris, city=city).rows


def load(
    store: Store,
    *,
    date: str | Date | None = None,
    iris: Iris | None = None,
    city: str = "",
    label: str = "",
    ties: str = "alle",
    round: str | None = None,
) -> CityData:
    """Read actors, districts, cooperations, networks, offers and indicators valid at ``date``, and the survey
    ties the rule ``ties`` adds (see :func:`survey_ties`).

    This is the only place where the analysis talks to the store (through ``queries/analysis/*.rq``).

    Parameters
    ----------
    store
        A :class:`~bildungsnetz.store.Store` or a ``pyoxigraph.Store``.
    date
        The analysis date (default: today).
    iris
        IRI factory (default: the settings' base IRI).
    city
        Profile name of the city; where the store holds several cities, only this one's data (:func:`only_city`).
    label
        The city's display label, for headings (:attr:`CityData.city_label`).
    ties
        Tie rule: ``alle`` (documented and survey ties, default), ``bestaetigt`` (documented and confirmed
        survey ties), ``dokumentiert`` (no survey ties).
    round
        The survey round (default: the latest whose Stichtag is on or before ``date``).

    Returns
    -------
    CityData
    """
    rule = check_rule(ties)
    day = resolve_date(date)
    iris = iris or _settings_iris()
    city = city or "stadt"  # only used for short forms of IRIs, which the analysis queries do not take
    areas: dict[str, Area] = {}
    for r in _rows("gebiete", {}, store, iris, city):
        if r["area"] in areas and areas[r["area"]].level == "stadtbezirk":
            continue
        areas[r["area"]] = Area(
            iri=r["area"],
            code=str(r["code"] if r["code"] is not None else r["area"].rsplit("/", 1)[-1]),
            label=r["label"] or r["code"] or r["area"],
            level=r["level"],
            stadtbezirk=r["stadtbezirk"],
            einwohner=r["einwohner"],
        )
    homes: dict[str, list[dict]] = defaultdict(list)
    for r in _rows("akteure", {}, store, iris, city):
        homes[r["actor"]].append(r)
    actors: dict[str, Actor] = {}
    closed: set[str] = set()
    for iri, rows in homes.items():
        if any(r["closed"] is not None and str(r["closed"]) < day for r in rows):
            closed.add(iri)
            continue  # closed before the date (bn:inBetriebBis): no longer part of the landscape
        located = sorted((r for r in rows if r["area"]), key=lambda r: r["area"])
        first = located[0] if located else rows[0]
        area = areas.get(first["area"]) if first["area"] else None
        actors[iri] = Actor(
            iri=iri,
            id=first["actorId"] or iri.rsplit("/", 1)[-1],
            label=first["actorLabel"] or first["actorId"] or iri,
            kind=first["kind"] or None,
            sector=first["sector"] or None,
            schulform=first["schulform"] or None,
            stadtteil=area.iri if area is not None and area.level == "stadtteil" else None,
            stadtbezirk=area.stadtbezirk if area is not None else None,
        )
    coop: dict[str, dict] = {}
    for r in _rows("kooperationen", {"date": day}, store, iris, city):
        c = coop.setdefault(
            r["cooperation"],
            {"id": r["cooperationId"], "partners": {}, "kinds": set(), "fields": set(), "programmes": set()},
        )
        c["partners"][r["partner"]] = None
        for key, column in (("kinds", "kind"), ("fields", "field"), ("programmes", "programme")):
            if r[column]:
                c[key].add(r[column])
    cooperations = {
        iri: Cooperation(
            iri=iri,
            id=c["id"] or iri.rsplit("/", 1)[-1],
            partners=tuple(sorted(c["partners"])),
            kinds=frozenset(c["kinds"]),
            fields=frozenset(c["fields"]),
            programmes=frozenset(c["programmes"]),
        )
        for iri, c in coop.items()
    }
    nets: dict[str, dict] = {}
    for r in _rows("mitgliedschaften", {"date": day}, store, iris, city):
        n = nets.setdefault(r["network"], {**r, "members": set()})
        if r["member"] not in closed:  # a member closed before the date is no member any more
            n["members"].add(r["member"])
    networks = {
        iri: Network(
            iri=iri,
            id=n["networkId"] or iri.rsplit("/", 1)[-1],
            label=n["networkLabel"] or n["networkId"] or iri,
            kind=n["kind"] or None,
            area=n["area"],
            members=frozenset(n["members"]),
        )
        for iri, n in nets.items()
    }
    offs: dict[str, dict] = {}
    for r in _rows("angebote", {"date": day}, store, iris, city):
        o = offs.setdefault(
            r["offer"], {"id": r["offerId"], "providers": set(), "fields": set(), "area": r["area"]}
        )
        if r["provider"] not in closed:  # a provider closed before the date offers nothing any more
            o["providers"].add(r["provider"])
        if r["field"]:
            o["fields"].add(r["field"])
    offers = {
        iri: Offer(
            iri=iri,
            id=o["id"] or iri.rsplit("/", 1)[-1],
            providers=frozenset(o["providers"]),
            fields=frozenset(o["fields"]),
            area=o["area"],
        )
        for iri, o in offs.items()
        if o["providers"]  # every row names a provider: an offer left without one has only closed ones
    }
    neighbours: dict[str, set[str]] = defaultdict(set)
    for r in _rows("nachbarn", {}, store, iris, city):
        neighbours[r["area"]].add(r["neighbour"])
    indicator_rows = _rows("indikatoren", {}, store, iris, city)
    indicators = [
        (r["area"], r["indicator"], r["year"] or "", float(r["value"]))
        for r in indicator_rows
        if isinstance(r["value"], (int, float))
    ]
    higher_is_better = {
        r["indicator"]: r["better"] in (True, "true") for r in indicator_rows if r.get("better") is not None
    }
    mediations = sorted({
        (r["mediation"], str(r["status"] or ""), r["stadtteil"])
        for r in _rows("vermittlungen", {}, store, iris, city) if r["stadtteil"]
    })  # fmt: skip
    # The project's stores list IRIs as str, a plain pyoxigraph store as NamedNode (read out at once: its
    # iterator must not outlive this thread).
    names = [getattr(g, "value", g) for g in list(store.named_graphs())]
    sources = sorted(g for g in names if "/graph/quelle/" in g)
    data = CityData(
        date=day,
        actors=actors,
        areas=areas,
        cooperations=cooperations,
        networks=networks,
        offers=offers,
        neighbours={k: frozenset(v) for k, v in neighbours.items()},
        indicators=indicators,
        higher_is_better=higher_is_better,
        sources=sources,
        city_label=label,
        survey=survey_ties(store, iris, rule=rule, date=day, round=round),
        rule=rule,
        mediations=mediations,
    )
    return only_city(data, str(iris.gemeinde(city)) + "/") if city != "stadt" else data


def only_city(data: CityData, prefix: str) -> CityData:
    """``data`` narrowed to one city when it holds the districts of several (a store with a Kreis or a region).

    ``prefix`` is the start of the city's district IRIs (``…/id/gebiet/koeln/``). Kept are the city's areas, the
    actors whose home site lies in one of them, and the cooperations, networks and offers among those actors,
    each with only those actors. Data with the districts of one city (or none) comes back unchanged, so that an
    actor without a site still counts where the store holds a single city.

    Parameters
    ----------
    data : CityData
        As read by :func:`load`.
    prefix : str
        IRI prefix of the city's districts.

    Returns
    -------
    CityData

    Examples
    --------
    >>> a = Area("x/koeln/1", "1", "Innenstadt", "stadtbezirk", "x/koeln/1")
    >>> b = Area("x/dortmund/1", "1", "Innenstadt-West", "stadtbezirk", "x/dortmund/1")
    >>> k, d = Actor("k", "k", "Kita Köln", stadtbezirk=a.iri), Actor("d", "d", "Kita Dortmund", stadtbezirk=b.iri)
    >>> both = CityData("2024-01-01", {"k": k, "d": d}, {a.iri: a, b.iri: b}, {
    ...     "c": Cooperation("c", "c", ("d", "k"))}, {}, {})
    >>> koeln = only_city(both, "x/koeln/")
    >>> list(koeln.actors), list(koeln.areas), koeln.cooperations["c"].partners
    (['k'], ['x/koeln/1'], ('k',))
    """
    base = prefix.rstrip("/").rsplit("/", 1)[0] + "/"  # …/id/gebiet/: the next segment names the city
    cities = {iri[len(base) :].split("/", 1)[0] for iri in data.areas if iri.startswith(base)}
    if len(cities) <= 1:
        return data
    areas = {iri: a for iri, a in data.areas.items() if iri.startswith(prefix)}
    actors = {iri: a for iri, a in data.actors.items() if a.stadtbezirk in areas}

    def keep(members: Iterable[str]) -> list[str]:
        return [m for m in members if m in actors]

    return dataclasses.replace(
        data,
        actors=actors,
        areas=areas,
        cooperations={
            iri: dataclasses.replace(c, partners=tuple(keep(c.partners)))
            for iri, c in data.cooperations.items()
            if keep(c.partners)
        },
        networks={
            iri: dataclasses.replace(n, members=frozenset(keep(n.members)))
            for iri, n in data.networks.items()
            if keep(n.members) or n.area in areas
        },
        offers={
            iri: dataclasses.replace(o, providers=frozenset(keep(o.providers)))
            for iri, o in data.offers.items()
            if keep(o.providers)
        },
        neighbours={k: frozenset(v & areas.keys()) for k, v in data.neighbours.items() if k in areas},
        indicators=[i for i in data.indicators if i[0] in areas],
        mediations=[m for m in data.mediations if m[2] in areas],
    )


def survey_ties(
    store: Store, iris: Iris, *, rule: str = "alle", date: str | None = None, round: str | None = None
) -> SurveyTies | None:
    """The survey ties a rule adds: those of ``round`` or of the latest round with its Stichtag on or before
    ``date``; ``None`` for the rule ``dokumentiert`` or when there is no such round."""
    rule = check_rule(rule)
    if rule == "dokumentiert":
        return None
    if round:
        chosen = get_round(store, iris, round)
    else:
        day = resolve_date(date)
        chosen = next((r for r in list_rounds(store, iris) if r.stichtag.isoformat() <= day), None)
        if chosen is None:
            return None
    found = {(t.a, t.b): t.status for t in survey.ties(store, iris, chosen.name, rule)}
    rates = {k: (v.invited, v.answered) for k, v in survey.response_rates(store, iris, chosen.name).items()}
    return SurveyTies(chosen.name, rule, found, rates)


def _settings_iris() -> Iris:
    from bildungsnetz.settings import get_settings  # noqa: PLC0415 - read at call time, never at import

    return Iris(get_settings().base_iri)


# -- Graphs ---------------------------------------------------------------------------------------------


def _node_attributes(actor: Actor) -> dict[str, Any]:
    return {
        "id": actor.id,
        "label": actor.label,
        "kind": actor.kind,
        "sector": actor.sector,
        "schulform": actor.schulform,
        "stadtteil": actor.stadtteil,
        "stadtbezirk": actor.stadtbezirk,
    }


def cooperation_graph(
    data: CityData,
    *,
    without_actors: Iterable[str] = (),
    without_programmes: Iterable[str] = (),
) -> nx.Graph:
    """The cooperation network at the data's date: actors linked by their valid partnerships.

    Every actor is a node (isolates included), keyed by IRI, with ``id``, ``label``, ``kind``, ``sector``,
    ``schulform``, ``stadtteil`` and ``stadtbezirk``. Two actors are linked when they are partners of at least
    one cooperation; the edge carries ``partnerships`` (their number), ``networks`` (the number of networks
    both belong to), ``weight`` (the sum of the two), ``cooperations`` and ``programmes``.

    Parameters
    ----------
    data
        What :func:`load` read.
    without_actors
        Actor IRIs left out (what-if analysis).
    without_programmes
        Programme IRIs whose cooperations are left out (what-if: the programme ends).

    Examples
    --------
    >>> a, b, c = (Actor(f"http://x/{k}", k, k) for k in "abc")
    >>> k1 = Cooperation("http://x/k1", "k1", (a.iri, b.iri, c.iri))
    >>> k2 = Cooperation("http://x/k2", "k2", (a.iri, b.iri), programmes=frozenset({"http://x/p"}))
    >>> n1 = Network("http://x/n", "n", "N", None, None, frozenset({a.iri, b.iri}))
    >>> data = CityData("2025-01-01", {x.iri: x for x in (a, b, c)}, {}, {"k1": k1, "k2": k2}, {"n": n1}, {})
    >>> G = cooperation_graph(data)
    >>> G.edges["http://x/a", "http://x/b"]["weight"], G.number_of_edges()
    (3, 3)
    >>> cooperation_graph(data, without_programmes=["http://x/p"]).edges["http://x/a", "http://x/b"]["weight"]
    2
    """
    gone = set(without_actors)
    ended = set(without_programmes)
    G = nx.Graph(date=data.date)
    for iri, actor in data.actors.items():
        if iri not in gone:
            G.add_node(iri, **_node_attributes(actor))
    ties: dict[tuple[str, str], list[Cooperation]] = defaultdict(list)
    for c in data.cooperations.values():
        if ended and c.programmes & ended:
            continue
        partners = [p for p in c.partners if p in G]
        for u, v in combinations(sorted(partners), 2):
            ties[(u, v)].append(c)
    shared: dict[tuple[str, str], int] = defaultdict(int)
    if ties:
        member_of: dict[str, set[str]] = defaultdict(set)
        for n in data.networks.values():
            for m in n.members:
                member_of[m].add(n.iri)
        for u, v in ties:
            shared[(u, v)] = len(member_of.get(u, set()) & member_of.get(v, set()))
    for (u, v), cs in ties.items():
        G.add_edge(
            u,
            v,
            partnerships=len(cs),
            networks=shared[(u, v)],
            weight=len(cs) + shared[(u, v)],
            cooperations=tuple(sorted(c.id for c in cs)),
            programmes=frozenset().union(*(c.programmes for c in cs)),
        )
    if data.survey is not None:
        # a survey tie on top of a documented one only marks the edge; alone it is an edge of weight 1
        for (u, v), status in data.survey.ties.items():
            if u not in G or v not in G:
                continue
            if G.has_edge(u, v):
                G.edges[u, v]["survey"] = status
            else:
                G.add_edge(u, v, partnerships=0, networks=0, weight=1, cooperations=(), programmes=frozenset(),
                           survey=status)  # fmt: skip
    return G


def affiliation_graph(data: CityData, *, mode: str = "netzwerk") -> nx.Graph:
    """The two-mode network of actors and networks (``mode="netzwerk"``) or offers (``mode="angebot"``).

    Actor nodes have ``bipartite=0`` and the attributes of :func:`cooperation_graph`; network or offer
    nodes have ``bipartite=1``, ``id`` and ``label``.

    >>> a, b = Actor("http://x/a", "a", "A"), Actor("http://x/b", "b", "B")
    >>> o = Offer("http://x/o", "o", frozenset({a.iri, b.iri}))
    >>> data = CityData("2025-01-01", {a.iri: a, b.iri: b}, {}, {}, {}, {o.iri: o})
    >>> sorted(affiliation_graph(data, mode="angebot").degree)
    [('http://x/a', 1), ('http://x/b', 1), ('http://x/o', 2)]
    """
    if mode not in ("netzwerk", "angebot"):
        raise ParameterError(
            "mode", mode, "ist weder netzwerk noch angebot", "is neither netzwerk nor angebot"
        )
    B = nx.Graph(date=data.date, mode=mode)
    for iri, actor in data.actors.items():
        B.add_node(iri, bipartite=0, **_node_attributes(actor))
    if mode == "netzwerk":
        for n in data.networks.values():
            B.add_node(n.iri, bipartite=1, id=n.id, label=n.label, kind=n.kind, area=n.area)
            B.add_edges_from((m, n.iri) for m in n.members if m in data.actors)
    else:
        for o in data.offers.values():
            B.add_node(o.iri, bipartite=1, id=o.id, label=o.id, area=o.area)
            B.add_edges_from((p, o.iri) for p in o.providers if p in data.actors)
    return B


def projection(B: nx.Graph) -> nx.Graph:
    """The actor projection of a two-mode network: actors linked by the number of networks/offers they share.

    >>> B = nx.Graph([("a", "n1"), ("b", "n1"), ("a", "n2"), ("b", "n2"), ("c", "n2")])
    >>> nx.set_node_attributes(B, {"a": 0, "b": 0, "c": 0, "n1": 1, "n2": 1}, "bipartite")
    >>> P = projection(B)
    >>> P.edges["a", "b"]["weight"], P.edges["a", "c"]["weight"]
    (2, 1)
    """
    actors = [n for n, d in B.nodes(data=True) if d.get("bipartite") == 0]
    return nx.bipartite.weighted_projected_graph(B, actors)


def district_members(G: nx.Graph, district: str, *, ebene: str = "stadtbezirk") -> list[str]:
    """Nodes of ``G`` whose home Stadtbezirk (``ebene="stadtbezirk"``) or Stadtteil is ``district``."""
    if ebene not in ("stadtbezirk", "stadtteil"):
        raise ParameterError(
            "ebene", ebene, "ist weder stadtbezirk noch stadtteil", "is neither stadtbezirk nor stadtteil"
        )
    return [n for n, home in G.nodes(data=ebene) if home == district]


def district_graph(G: nx.Graph, district: str, *, ebene: str = "stadtbezirk") -> nx.Graph:
    """The network of one district, with its ties across the border kept and flagged.

    Actors of the district have ``external=False``; partners outside it are added with ``external=True``,
    and the ties to them have ``cross_border=True``. Measures of the district network are computed on
    :func:`internal`, so an outside partner never changes them; the flagged ties are counted and drawn.

    >>> G = nx.Graph()
    >>> G.add_nodes_from([("a", {"stadtbezirk": "B1"}), ("b", {"stadtbezirk": "B1"})])
    >>> G.add_node("c", stadtbezirk="B2")
    >>> G.add_edges_from([("a", "b"), ("b", "c")])
    >>> D = district_graph(G, "B1")
    >>> D.nodes["c"]["external"], D.edges["b", "c"]["cross_border"], sorted(internal(D))
    (True, True, ['a', 'b'])
    """
    inside = set(district_members(G, district, ebene=ebene))
    D = nx.Graph(district=district, ebene=ebene)
    for n in sorted(inside):
        D.add_node(n, **G.nodes[n], external=False)
    for u in sorted(inside):
        for v, attrs in G.adj[u].items():
            if v not in inside and v not in D:
                D.add_node(v, **G.nodes[v], external=True)
            if not D.has_edge(u, v):
                D.add_edge(u, v, **attrs, cross_border=v not in inside)
    return D


def internal(D: nx.Graph) -> nx.Graph:
    """The district's own actors and the ties among them (a view of a :func:`district_graph`)."""
    return D.subgraph([n for n, ext in D.nodes(data="external") if not ext])
