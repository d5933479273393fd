"""The SDG review workflow in the store: stored suggestions, confirm/reject decisions with PROV, statuses."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import pyoxigraph as ox

from bildungsnetz.errors import SdgParameterError, UnknownOffer, UsageError
from bildungsnetz.iris import Iris
from bildungsnetz.namespace import BN, PROV, VOCAB
from bildungsnetz.queries import NamedQuery, bind_terms, get, run
from bildungsnetz.sdg.matcher import get_matcher, goal_label
from bildungsnetz.store.base import Store

__all__ = [
    "SUGGESTIONS_GRAPH",
    "DECISIONS_GRAPH",
    "STATUSES",
    "UnknownOffer",
    "SdgParameterError",
    "PairState",
    "sdg_query",
    "parse_sdg",
    "resolve_offer",
    "pair_states",
    "suggest_store",
    "decide",
    "decision",
    "offer_suggestions",
]

#: Name of the graph holding the suggester's output (``Iris().graph(SUGGESTIONS_GRAPH)``).
SUGGESTIONS_GRAPH = "sdg/vorschlaege"
#: Name of the graph holding staff decisions.
DECISIONS_GRAPH = "sdg/entscheidungen"
#: Accepted spellings of a decision, mapped to the code in the zuordnungsstatus vocabulary.
STATUSES = {
    "bestaetigt": "bestaetigt", "bestätigt": "bestaetigt", "confirmed": "bestaetigt",
    "confirm": "bestaetigt",
    "abgelehnt": "abgelehnt", "rejected": "abgelehnt", "reject": "abgelehnt",
}  # fmt: skip
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_XSD = "http://www.w3.org/2001/XMLSchema#"
_DECIDED = ("bestaetigt", "abgelehnt")
#: The PROV agent of stored suggestions.
SUGGESTER = "bildungsnetz"


def _n(term: Any) -> ox.NamedNode:
    return ox.NamedNode(str(term))


@cache
def sdg_query(name: str) -> NamedQuery:
    """A query of ``queries/sdg/`` by file stem (``zuordnungen``), parsed once.

    >>> sdg_query("zuordnungen").params[0].name
    'offer'
    """
    return get(name, folder="sdg")


def _run(store: Store, name: str, values: dict[str, str] | None = None, *, iris: Iris) -> list[dict]:
    return run(sdg_query(name), values or {}, store=store, iris=iris, city="").rows


def parse_sdg(value: object) -> tuple[int, str | None]:
    """A goal or target as the user writes it (``13``, ``"13.3"``, ``"SDG 4.7"``) → (goal, target or None).

    >>> parse_sdg(13), parse_sdg("SDG 4.7")
    ((13, None), (4, '4.7'))
    >>> try:
    ...     parse_sdg("18")
    ... except SdgParameterError as error:
    ...     print(str(error).split(" / ")[0])
    Parameter "sdg": "18" ist kein SDG (1–17 oder Unterziel wie 13.3)
    """
    from bildungsnetz.vocab import UnknownTerm, get_vocabulary  # noqa: PLC0415

    text = str(value).strip()
    try:
        concept = get_vocabulary().resolve("sdg", text)
    except (UnknownTerm, KeyError):
        concept = None
    code = str(concept)[len(str(VOCAB["sdg/"])) :] if concept is not None else ""
    if not code:
        raise SdgParameterError(
            f'Parameter "sdg": "{text}" ist kein SDG (1–17 oder Unterziel wie 13.3) / '
            f"is not an SDG (1–17 or a target such as 13.3)"
        )
    goal, _, rest = code.partition(".")
    return int(goal), (code if rest else None)


def resolve_offer(store: Store, offer: str, *, iris: Iris | None = None) -> dict[str, str]:
    """The offer named by its id (``A-1``) or IRI, with ``offer``, ``offerId``, ``title``, ``description``.

    Raises
    ------
    UnknownOffer
        When no offer of that id or IRI is in the store.
    """
    iris = iris or Iris()
    text = str(offer).strip()
    try:
        rows = _run(store, "angebote-texte", {"offer": text}, iris=iris)
    except UsageError as exc:
        raise UnknownOffer(f'Angebot "{text}" ungültig / invalid offer: {exc}') from None
    if not rows:
        raise UnknownOffer(f'Angebot "{text}" nicht gefunden / offer "{text}" not found')
    return _texts(rows)[rows[0]["offer"]]


def _texts(rows: list[dict]) -> dict[str, dict[str, str]]:
    """Offer IRI → id, title, description (German preferred when there are several languages)."""
    found: dict[str, dict[str, str]] = {}
    for row in rows:
        entry = found.setdefault(
            row["offer"], {"offer": row["offer"], "offerId": "", "title": "", "description": ""}
        )
        for key, column in (("offerId", "offerId"), ("title", "title"), ("description", "description")):
            value = row.get(column)
            if value and not entry[key]:
                entry[key] = str(value)
    return found


@dataclass(frozen=True)
class PairState:
    """The effective state of one offer–SDG pair, and where it comes from.

    ``source`` is ``entscheidung`` (the decisions graph), ``daten`` (an imported or other source graph) or
    ``vorschlag`` (the suggester's graph).
    """

    offer: str
    goal: int
    status: str
    target: str | None
    source: str
    assignment: str
    score: float | None = None
    method: str | None = None
    agent: str | None = None
    time: str | None = None
    evidence: tuple[str, ...] = ()

    @property
    def decided(self) -> bool:
        return self.status in _DECIDED

    def to_dict(self) -> dict[str, object]:
        return {
            "sdg": self.goal, "target": self.target, "label": goal_label(self.goal), "status": self.status,
            "source": self.source, "assignment": self.assignment, "score": self.score,
            "method": self.method, "agent": self.agent, "time": self.time, "evidence": list(self.evidence),
        }  # fmt: skip


def _subjects(store: Store, graph: str) -> set[str]:
    return {q.subject.value for q in store.quads(graph) if isinstance(q.subject, ox.NamedNode)}


def pair_states(
    store: Store, *, iris: Iris | None = None, offer: str | None = None
) -> dict[tuple[str, int], PairState]:
    """The effective status of every offer–SDG pair (of one offer, if given).

    Precedence: the latest decision in the decisions graph; else a confirmed, then a rejected assignment from
    any other graph; else a suggestion (the best score).
    """
    iris = iris or Iris()
    decisions = _subjects(store, str(iris.graph(DECISIONS_GRAPH)))
    suggestions = _subjects(store, str(iris.graph(SUGGESTIONS_GRAPH)))
    rows = _run(store, "zuordnungen", {"offer": offer} if offer else {}, iris=iris)
    grouped: dict[str, dict[str, Any]] = {}
    for row in rows:
        node = grouped.setdefault(row["assignment"], {**row, "evidence": []})
        if row.get("evidence") and row["evidence"] not in node["evidence"]:
            node["evidence"].append(str(row["evidence"]))
    candidates: dict[tuple[str, int], list[PairState]] = defaultdict(list)
    for node, row in grouped.items():
        if not str(row.get("goal") or "").isdigit():
            continue
        source = "entscheidung" if node in decisions else "vorschlag" if node in suggestions else "daten"
        state = PairState(
            offer=row["offer"],
            goal=int(row["goal"]),
            status=str(row["status"]),
            target=row.get("target") or None,
            source=source,
            assignment=node,
            score=float(row["score"]) if row.get("score") is not None else None,
            method=row.get("method"),
            agent=row.get("agent"),
            time=str(row["time"]) if row.get("time") is not None else None,
            evidence=tuple(row["evidence"]),
        )
        candidates[(state.offer, state.goal)].append(state)

    def rank(s: PairState) -> tuple:
        return (
            s.source == "entscheidung",
            s.source == "entscheidung" and (s.time or ""),
            s.status == "bestaetigt",
            s.status == "abgelehnt",
            s.score or 0.0,
        )

    return {pair: max(states, key=rank) for pair, states in candidates.items()}


def _now(now: datetime | None) -> ox.Literal:
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return ox.Literal(moment.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=ox.NamedNode(_XSD + "dateTime"))


def _node(offer: dict[str, str], goal: int, kind: str, iris: Iris) -> ox.NamedNode:
    """IRI of the suggester's or a decision's assignment node: below the offer's canonical assignment IRI.

    A separate node per graph keeps each node's single bn:status (the shapes allow one) even when a source
    graph already states the canonical node ``angebot/<id>/sdg/<goal>``.
    """
    if offer["offerId"] and str(iris.angebot(offer["offerId"])) == offer["offer"]:
        base = str(iris.sdg_zuordnung(offer["offerId"], str(goal)))
    else:
        base = f"{offer['offer']}/sdg/{goal}"
    return ox.NamedNode(f"{base}/{kind}")


def _about(store: Store, graph: str, node: ox.NamedNode) -> list[ox.Triple]:
    """What ``graph`` says about ``node``, as subject or as object (``queries/sdg/knoten-tripel.rq``)."""
    text = bind_terms(sdg_query("knoten-tripel"), {"graph": [ox.NamedNode(graph)], "node": [node]})
    return [ox.Triple(*row) for row in store.select(text)]


def suggest_store(
    store: Store, *, iris: Iris | None = None, now: datetime | None = None, include_reviewed: bool = False
) -> dict[str, object]:
    """Suggest SDGs for the stored offers and store the suggestions in their own graph, atomically.

    Offers with a decision (any pair confirmed or rejected, from an import or from staff) are left
    alone unless ``include_reviewed``; a pair that already has an assignment anywhere else is never
    suggested again, so a suggestion never overwrites or duplicates a decision. The graph
    ``sdg/vorschlaege`` is rebuilt as a whole (``Store.replace_graphs``); a suggestion that did not change
    keeps its time stamp.

    Returns
    -------
    dict
        ``{"graph", "offers", "skipped_reviewed", "offers_with_suggestions", "suggestions", "method"}``.
    """
    iris = iris or Iris()
    graph = str(iris.graph(SUGGESTIONS_GRAPH))
    offers = _texts(_run(store, "angebote-texte", iris=iris))
    states = pair_states(store, iris=iris)
    reviewed = {offer for (offer, _), s in states.items() if s.decided}
    taken = {pair for pair, s in states.items() if s.source != "vorschlag"}
    old = _old_nodes(store, graph)
    matcher = get_matcher()
    stamp = _now(now)
    agent = _n(iris.nutzer(SUGGESTER))
    triples: list[ox.Triple] = []
    count = with_suggestions = skipped = 0
    for iri, offer in offers.items():
        if iri in reviewed and not include_reviewed:
            skipped += 1
            continue
        made = 0
        for s in matcher.suggest(offer["description"], title=offer["title"] or None):
            if (iri, s.sdg) in taken:
                continue
            node = _node(offer, s.sdg, "vorschlag", iris)
            body = [
                ox.Triple(node, _RDF_TYPE, _n(BN.SDGZuordnung)),
                ox.Triple(node, _n(BN.sdg), _n(VOCAB[f"sdg/{s.sdg}"])),
                ox.Triple(node, _n(BN.status), _n(VOCAB["zuordnungsstatus/vorgeschlagen"])),
                ox.Triple(node, _n(BN.methode), ox.Literal(matcher.model.method)),
                ox.Triple(
                    node,
                    _n(BN.score),
                    ox.Literal(str(Decimal(str(s.score))), datatype=ox.NamedNode(_XSD + "decimal")),
                ),
                ox.Triple(node, _n(PROV.wasAttributedTo), agent),
            ]
            if s.target:
                body.append(ox.Triple(node, _n(BN.sdgUnterziel), _n(VOCAB[f"sdg/{s.target}"])))
            body += [ox.Triple(node, _n(BN.evidenz), ox.Literal(word)) for word in s.evidence]
            previous = old.get(node.value)
            time = previous[1] if previous and previous[0] == set(body) else stamp
            triples += [*body, ox.Triple(node, _n(PROV.generatedAtTime), time)]
            triples.append(ox.Triple(ox.NamedNode(iri), _n(BN.sdgZuordnung), node))
            made += 1
        count += made
        with_suggestions += bool(made)
    store.replace_graphs({graph: triples})
    return {
        "graph": graph, "offers": len(offers), "skipped_reviewed": skipped,
        "offers_with_suggestions": with_suggestions, "suggestions": count, "method": matcher.model.method,
    }  # fmt: skip


def _old_nodes(store: Store, graph: str) -> dict[str, tuple[set[ox.Triple], ox.Literal | None]]:
    """Existing suggestion nodes: their triples without the time stamp, and the time stamp."""
    generated = _n(PROV.generatedAtTime)
    body: dict[str, set[ox.Triple]] = defaultdict(set)
    times: dict[str, ox.Literal] = {}
    for q in store.quads(graph):
        if q.predicate == _n(BN.sdgZuordnung):
            continue
        if q.predicate == generated:
            times[q.subject.value] = q.object
        else:
            body[q.subject.value].add(q.triple)
    return {node: (triples, times.get(node)) for node, triples in body.items()}


def decide(
    store: Store,
    offer_id: str,
    sdg: int | str,
    status: str = "bestaetigt",
    *,
    user: str,
    iris: Iris | None = None,
    now: datetime | None = None,
) -> dict[str, object]:
    """Confirm or reject one offer–SDG pair, recording who decided when (PROV), in the decisions graph.

    The decision is a node of its own (``…/sdg/<goal>/entscheidung``) with ``bn:status``, ``bn:methode
    "manuell"``, ``prov:wasAttributedTo`` the user and ``prov:generatedAtTime``; it refers to the suggestion
    it settles with ``prov:wasDerivedFrom``. A later decision on the same pair replaces the earlier one. The
    pair's suggestion leaves the suggestions graph in the same atomic write (:func:`decision` computes it).

    Returns
    -------
    dict
        The decision as JSON-ready data (``offer``, ``offerId``, ``sdg``, ``target``, ``status``, ``user``,
        ``time``, ``assignment``, ``replaces``).
    """
    record, change = decision(store, offer_id, sdg, status, user=user, iris=iris, now=now)
    store.change_graphs(change)
    return record


def decision(
    store: Store,
    offer_id: str,
    sdg: int | str,
    status: str = "bestaetigt",
    *,
    user: str,
    iris: Iris | None = None,
    now: datetime | None = None,
) -> tuple[dict[str, object], dict[str, tuple[list[ox.Triple], list[ox.Triple]]]]:
    """The decision of :func:`decide` and its change, unwritten: ``(record, {graph: (removed, added)})`` for
    :meth:`Store.change_graphs` (the web applies it to the store and to its read copy alike).

    Parameters
    ----------
    offer_id : str
        The offer's id (``A-1``) or IRI.
    sdg : int or str
        A goal (``13``) or target (``"13.3"``); a goal alone keeps the target of the pair's suggestion.
    status : str
        ``bestaetigt`` (confirmed) or ``abgelehnt`` (rejected); English ``confirmed`` / ``rejected`` work too.
    user : str
        Who decides; becomes the PROV agent ``Iris.nutzer(user)``.

    Returns
    -------
    tuple
        The decision as :func:`decide` returns it, and the change that records it.
    """
    iris = iris or Iris()
    code = STATUSES.get(str(status).strip().casefold())
    if code is None:
        raise SdgParameterError(
            f'Parameter "status": "{status}" ist weder bestaetigt noch abgelehnt / '
            f"is neither bestaetigt (confirmed) nor abgelehnt (rejected)"
        )
    if not str(user or "").strip():
        raise SdgParameterError('Parameter "user": fehlt / is missing (wer entscheidet / who decides)')
    goal, target = parse_sdg(sdg)
    offer = resolve_offer(store, offer_id, iris=iris)
    state = pair_states(store, iris=iris, offer=offer["offer"]).get((offer["offer"], goal))
    if target is None and state is not None:
        target = state.target
    node = _node(offer, goal, "entscheidung", iris)
    stamp = _now(now)
    who = iris.nutzer(str(user).strip())
    triples = [
        ox.Triple(ox.NamedNode(offer["offer"]), _n(BN.sdgZuordnung), node),
        ox.Triple(node, _RDF_TYPE, _n(BN.SDGZuordnung)),
        ox.Triple(node, _n(BN.sdg), _n(VOCAB[f"sdg/{goal}"])),
        ox.Triple(node, _n(BN.status), _n(VOCAB[f"zuordnungsstatus/{code}"])),
        ox.Triple(node, _n(BN.methode), ox.Literal("manuell")),
        ox.Triple(node, _n(PROV.wasAttributedTo), _n(who)),
        ox.Triple(node, _n(PROV.generatedAtTime), stamp),
    ]
    if target:
        triples.append(ox.Triple(node, _n(BN.sdgUnterziel), _n(VOCAB[f"sdg/{target}"])))
    replaced = state.assignment if state is not None and state.assignment != node.value else None
    if replaced:
        triples.append(ox.Triple(node, _n(PROV.wasDerivedFrom), ox.NamedNode(replaced)))
    decisions_graph = str(iris.graph(DECISIONS_GRAPH))
    suggestions_graph = str(iris.graph(SUGGESTIONS_GRAPH))
    suggestion = _node(offer, goal, "vorschlag", iris)
    # Only the decision's own statements change (its earlier node, the pair's suggestion): the write and the
    # landscape do not grow with the number of decisions and suggestions stored.
    change = {
        decisions_graph: (_about(store, decisions_graph, node), triples),
        suggestions_graph: (_about(store, suggestions_graph, suggestion), []),
    }
    record = {
        "offer": offer["offer"], "offerId": offer["offerId"], "sdg": goal, "target": target,
        "label": goal_label(goal), "status": code, "user": str(who), "time": stamp.value,
        "assignment": node.value, "replaces": replaced,
    }  # fmt: skip
    return record, change


def offer_suggestions(store: Store, offer_id: str, *, iris: Iris | None = None) -> dict[str, object]:
    """Everything about one offer's SDGs, for ``GET /api/offers/{id}/sdg-suggestions``.

    Returns
    -------
    dict
        ``offer``, ``offerId``, ``title``; ``assignments``: the effective state of each stored pair (decided,
        imported or suggested); ``suggestions``: fresh suggestions from the text for goals without a decision.
    """
    iris = iris or Iris()
    offer = resolve_offer(store, offer_id, iris=iris)
    states = pair_states(store, iris=iris, offer=offer["offer"])
    decided = {goal for (_, goal), s in states.items() if s.decided}
    fresh = [
        s.to_dict() for s in get_matcher().suggest(offer["description"], title=offer["title"] or None)
        if s.sdg not in decided
    ]  # fmt: skip
    return {
        "offer": offer["offer"], "offerId": offer["offerId"], "title": offer["title"],
        "assignments": [s.to_dict() for _, s in sorted(states.items(), key=lambda kv: kv[0][1])],
        "suggestions": fresh,
    }  # fmt: skip
