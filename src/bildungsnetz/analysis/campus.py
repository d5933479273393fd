"""A Kindercampus: its members and their network, the offers on site, the Bildungskette gaps of its Stadtteil."""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

import networkx as nx

from bildungsnetz.analysis.indicators import Query
from bildungsnetz.errors import UnknownCampus

__all__ = [
    "MEDIATIONS_QUERY", "WEEKDAYS", "campus_gaps", "campus_network", "counts", "find_campus", "load_campus",
]  # fmt: skip

#: Mediations (Vermittlungen) of offers to the school and members of a campus
#: (``queries/api/campus-mediations.rq``, parameter ``campus``).
MEDIATIONS_QUERY = "api/campus-mediations"
WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")


def find_campus(campuses: Sequence[Mapping], wanted: str) -> dict:
    """The campus row (``queries/api/campuses.rq``) named by id, name or Stadtteil, case aside.

    >>> rows = [{"id": "KC-HOERDE", "label": "Kindercampus Hörde", "stadtteilLabel": "Hörde"}]
    >>> find_campus(rows, "hörde")["id"], find_campus(rows, "kc-hoerde")["id"]
    ('KC-HOERDE', 'KC-HOERDE')
    >>> try:
    ...     find_campus(rows, "Kindercampus Hoerde")
    ... except LookupError as exc:
    ...     print(exc.text("en"))
    Kindercampus "Kindercampus Hoerde" not found – did you mean Kindercampus Hörde?
    """
    folded = wanted.strip().casefold()
    for row in campuses:
        names = (row.get("id"), row.get("label"), row.get("stadtteilLabel"), row.get("campus"))
        if folded in {str(n).casefold() for n in names if n}:
            return dict(row)
    labels = [str(r.get("label")) for r in campuses if r.get("label")]
    close = difflib.get_close_matches(wanted.strip(), labels, n=3, cutoff=0.6)
    shown = wanted if len(wanted) <= 40 else wanted[:40] + "…"
    de = f" – meinten Sie {', '.join(close)}?" if close else ""
    en = f" – did you mean {', '.join(close)}?" if close else ""
    raise UnknownCampus(f'Kindercampus "{shown}" nicht gefunden{de} / Kindercampus "{shown}" not found{en}')


def counts(offers: Iterable[Mapping], key: str, *, order: Sequence[str] = ()) -> list[tuple[str, int]]:
    """How many offers per value of a ``", "``-joined column (field, target groups, weekdays).

    Weekdays come in week order, everything else by count.

    >>> counts([{"weekdays": "Di, Do"}, {"weekdays": "Di"}], "weekdays", order=WEEKDAYS)
    [('Mo', 0), ('Di', 2), ('Mi', 0), ('Do', 1), ('Fr', 0), ('Sa', 0), ('So', 0)]
    >>> counts([{"field": "sport"}, {"field": "sport, mint"}], "field")
    [('sport', 2), ('mint', 1)]
    """
    found: Counter = Counter()
    for o in offers:
        for part in str(o.get(key) or "").split(","):
            if part.strip():
                found[part.strip()] += 1
    if order:
        return [(v, found.get(v, 0)) for v in order]
    return sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))


def campus_network(G: nx.Graph, members: Iterable[str]) -> nx.Graph:
    """The members and their direct partners; partners outside the campus are marked ``external``.

    >>> G = nx.Graph([("school", "kita"), ("kita", "club"), ("club", "far")])
    >>> N = campus_network(G, ["school", "kita"])
    >>> sorted(N), N.nodes["club"]["external"], N.nodes["kita"]["external"]
    (['club', 'kita', 'school'], True, False)
    """
    inside = [m for m in members if m in G]
    keep = set(inside)
    for m in inside:
        keep |= set(G[m])
    N = G.subgraph(keep).copy()
    for v in N:
        N.nodes[v]["external"] = v not in set(inside)
    return N


def campus_gaps(transitions: Iterable[Mapping], stadtteil: str | None) -> list[dict]:
    """The Bildungskette checks (:func:`bildungsnetz.analysis.gaps.transitions`) of the campus's Stadtteil.

    >>> campus_gaps([{"stadtteil": "53", "check": "a"}, {"stadtteil": "54", "check": "b"}], "53")
    [{'stadtteil': '53', 'check': 'a'}]
    """
    return [dict(t) for t in transitions if stadtteil and t.get("stadtteil") == stadtteil]


def _week_order(offer: Mapping) -> dict:
    """The offer with its weekdays in week order (``"Mi, Mo"`` → ``"Mo, Mi"``)."""
    days = [d.strip() for d in str(offer.get("weekdays") or "").split(",") if d.strip()]
    rank = {d: i for i, d in enumerate(WEEKDAYS)}
    return {**offer, "weekdays": ", ".join(sorted(days, key=lambda d: rank.get(d, 9)))}


def load_campus(query: Query, wanted: str, *, transitions: Iterable[Mapping] = (),
                has_query: Callable[[str], bool] = lambda name: False, date: str | None = None) -> dict:
    """Everything a campus page, the CLI and the API show, computed once here.

    ``transitions`` are the Bildungskette checks of the analysis; ``has_query`` tells whether a named query
    exists (the mediations query arrives with the offer catalogue); ``date`` is the Stichtag (ISO; ``None``:
    today): members closed before it and offers not running then are not counted.
    """
    day = {"date": date} if date else {}
    campus = find_campus(query("api/campuses", day), wanted)
    members = query("api/campus-members", {"campus": campus["campus"], **day})
    offers = [_week_order(o) for o in query("api/campus-offers", {"campus": campus["campus"], **day})]
    mediations = query(MEDIATIONS_QUERY, {"campus": campus["campus"], **day}) if has_query(MEDIATIONS_QUERY) else []
    return {
        "campus": campus,
        "members": members,
        "offers": offers,
        "by_field": counts(offers, "field"),
        "by_group": counts(offers, "groups"),
        "by_weekday": counts(offers, "weekdays", order=WEEKDAYS),
        "gaps": campus_gaps(transitions, str(campus.get("stadtteilCode") or "")),
        "mediations": mediations,
    }
