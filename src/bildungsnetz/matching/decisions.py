"""The review queue and people's matching decisions, as data in the store (with PROV), reused on every import."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pyoxigraph as ox

from bildungsnetz.errors import UnknownActor, UsageError
from bildungsnetz.iris import Iris
from bildungsnetz.matching.index import Matcher
from bildungsnetz.matching.sources import store_candidates
from bildungsnetz.namespace import BN, PREFIXES, PROV, VOCAB
from bildungsnetz.store.base import Store

__all__ = [
    "DECISIONS_GRAPH",
    "QUEUE_GRAPH",
    "STATUSES",
    "decide",
    "decisions",
    "enqueue",
    "queue",
    "store_matcher",
]

#: Graph of confirmed and rejected links (``Iris().graph(DECISIONS_GRAPH)``); confirmed names are also
#: ``skos:altLabel`` of their actor there, so every later import finds them.
DECISIONS_GRAPH = "abgleich/entscheidungen"
#: Graph of names waiting for a person.
QUEUE_GRAPH = "abgleich/warteschlange"
#: Accepted spellings of a decision → the code of the zuordnungsstatus vocabulary.
STATUSES = {
    "bestaetigt": "bestaetigt", "bestätigt": "bestaetigt", "confirmed": "bestaetigt", "confirm": "bestaetigt",
    "abgelehnt": "abgelehnt", "rejected": "abgelehnt", "reject": "abgelehnt",
}  # fmt: skip
_XSD = PREFIXES["xsd"]
_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
_ALT = ox.NamedNode(PREFIXES["skos"] + "altLabel")
_SUBJECT = ox.NamedNode(PREFIXES["dcterms"] + "subject")
_SOURCE = ox.NamedNode(PREFIXES["dcterms"] + "source")
_ENTITY, _VALUE = ox.NamedNode(str(PROV.Entity)), ox.NamedNode(str(PROV.value))
_BY, _AT = ox.NamedNode(str(PROV.wasAttributedTo)), ox.NamedNode(str(PROV.generatedAtTime))
_STATUS, _METHOD = ox.NamedNode(str(BN.status)), ox.NamedNode(str(BN.methode))


def _now(now: datetime | None) -> ox.Literal:
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return ox.Literal(moment.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=ox.NamedNode(_XSD + "dateTime"))


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def _by_subject(store: Store, graph: str) -> dict[str, dict[str, list]]:
    found: dict[str, dict[str, list]] = {}
    for q in store.quads(graph):
        found.setdefault(q.subject.value, {}).setdefault(q.predicate.value, []).append(q.object)
    return found


def decisions(store: Store, *, iris: Iris | None = None) -> list[dict[str, str]]:
    """Every stored decision: ``text`` (the name as written), ``actor`` (IRI), ``status``, ``user``, ``time``."""
    iris = iris or Iris()
    result = []
    for node, p in _by_subject(store, str(iris.graph(DECISIONS_GRAPH))).items():
        if _VALUE.value not in p or _SUBJECT.value not in p:
            continue
        result.append({
            "decision": node, "text": p[_VALUE.value][0].value, "actor": p[_SUBJECT.value][0].value,
            "status": p[_STATUS.value][0].value.rsplit("/", 1)[-1] if _STATUS.value in p else "",
            "user": p[_BY.value][0].value if _BY.value in p else "",
            "time": p[_AT.value][0].value if _AT.value in p else "",
        })  # fmt: skip
    return sorted(result, key=lambda d: d["time"])


def store_matcher(store: Store, *, iris: Iris | None = None) -> Matcher:
    """A matcher over every actor in the store, with every decision people made (later ones win)."""
    iris = iris or Iris()
    confirmed: dict[str, str] = {}
    rejected: list[tuple[str, str]] = []
    for d in decisions(store, iris=iris):
        if d["status"] == "bestaetigt":
            confirmed[d["text"]] = d["actor"]
        elif d["status"] == "abgelehnt":
            rejected.append((d["text"], d["actor"]))
            if confirmed.get(d["text"]) == d["actor"]:
                del confirmed[d["text"]]
    return Matcher(store_candidates(store, iris=iris), confirmed=confirmed, rejected=rejected)


def queue(store: Store, *, iris: Iris | None = None) -> list[dict[str, str]]:
    """The names waiting for a person, oldest first: ``text``, ``source``, ``time``."""
    iris = iris or Iris()
    items = [
        {"text": p[_VALUE.value][0].value, "source": p[_SOURCE.value][0].value if _SOURCE.value in p else "",
         "time": p[_AT.value][0].value if _AT.value in p else "", "node": node}
        for node, p in _by_subject(store, str(iris.graph(QUEUE_GRAPH))).items() if _VALUE.value in p
    ]  # fmt: skip
    return sorted(items, key=lambda d: (d["time"], d["text"]))


def enqueue(
    store: Store, names: list[tuple[str, str]], *, iris: Iris | None = None, now: datetime | None = None
) -> int:
    """Put names (``(text, source)``, source like ``"partner.xlsx, Spalte Partner"``) into the review queue.

    A name already waiting keeps its place; returns how many were added.
    """
    iris = iris or Iris()
    graph = str(iris.graph(QUEUE_GRAPH))
    waiting = {d["text"] for d in queue(store, iris=iris)}
    stamp = _now(now)
    triples: list[ox.Triple] = []
    added = 0
    for text, source in names:
        if not text or text in waiting:
            continue
        waiting.add(text)
        node = ox.NamedNode(f"{iris.base}abgleich/offen/{_digest(text)}")
        triples += [
            ox.Triple(node, _TYPE, _ENTITY),
            ox.Triple(node, _VALUE, ox.Literal(text)),
            ox.Triple(node, _SOURCE, ox.Literal(source)),
            ox.Triple(node, _AT, stamp),
        ]
        added += 1
    if added:
        store.replace_graphs({graph: [q.triple for q in store.quads(graph)] + triples})
    return added


def decide(
    store: Store,
    text: str,
    actor: str,
    status: str = "bestaetigt",
    *,
    user: str,
    iris: Iris | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """Confirm or reject that the name ``text`` means ``actor``; the name leaves the review queue.

    The decision is a ``prov:Entity`` in the graph ``abgleich/entscheidungen`` with the name as written
    (``prov:value``), the actor (``dcterms:subject``), ``bn:status`` (``zuordnungsstatus/bestaetigt`` or
    ``abgelehnt``), ``bn:methode "manuell"``, ``prov:wasAttributedTo`` the user and ``prov:generatedAtTime``.
    A confirmed name also becomes a ``skos:altLabel`` of the actor in that graph. A later decision on the same
    name and actor replaces the earlier one; everything is one atomic write.

    Examples
    --------
    >>> from bildungsnetz.store import EmbeddedStore
    >>> actor, n = ox.NamedNode("https://w3id.org/bildungsnetz/id/akteur/A-1"), ox.NamedNode
    >>> store = EmbeddedStore()
    >>> store.replace_graphs({"urn:x:quelle": [
    ...     ox.Triple(actor, n(str(BN.akteursart)), n(str(VOCAB["akteursart/schule"]))),
    ...     ox.Triple(actor, n(PREFIXES["skos"] + "prefLabel"), ox.Literal("Herderschule")),
    ...     ox.Triple(actor, n(PREFIXES["dcterms"] + "identifier"), ox.Literal("A-1"))]})
    >>> enqueue(store, [("Die Herder", "p.csv, Spalte Partner")])
    1
    >>> decide(store, "Die Herder", "A-1", "bestaetigt", user="anna")["status"]
    'bestaetigt'
    >>> store_matcher(store).match("Die Herder").best.via, queue(store)
    ('bestaetigt', [])

    Raises
    ------
    UsageError
        When the name, the user or the status is missing or wrong.
    UnknownActor
        When no actor of that id or IRI is in the store.
    """
    iris = iris or Iris()
    code = STATUSES.get(str(status).strip().casefold())
    if code is None:
        raise UsageError(
            f'Parameter "status": "{status}" ist weder bestaetigt noch abgelehnt / '
            "is neither bestaetigt (confirmed) nor abgelehnt (rejected)"
        )
    text = " ".join(str(text or "").split())
    if not text:
        raise UsageError('Parameter "name": fehlt / is missing')
    if not str(user or "").strip():
        raise UsageError('Parameter "user": fehlt / is missing (wer entscheidet / who decides)')
    found = store_matcher(store, iris=iris).candidate(str(actor).strip())
    if found is None:
        raise UnknownActor(f'Akteur "{actor}" nicht gefunden / actor "{actor}" not found')
    node = ox.NamedNode(f"{iris.base}abgleich/entscheidung/{_digest(text, found.iri)}")
    who = ox.NamedNode(str(iris.nutzer(str(user).strip())))
    stamp = _now(now)
    body = [
        ox.Triple(node, _TYPE, _ENTITY),
        ox.Triple(node, _VALUE, ox.Literal(text)),
        ox.Triple(node, _SUBJECT, ox.NamedNode(found.iri)),
        ox.Triple(node, _STATUS, ox.NamedNode(str(VOCAB[f"zuordnungsstatus/{code}"]))),
        ox.Triple(node, _METHOD, ox.Literal("manuell")),
        ox.Triple(node, _BY, who),
        ox.Triple(node, _AT, stamp),
    ]
    alias = ox.Triple(ox.NamedNode(found.iri), _ALT, ox.Literal(text))
    decisions_graph, queue_graph = str(iris.graph(DECISIONS_GRAPH)), str(iris.graph(QUEUE_GRAPH))
    kept = [q.triple for q in store.quads(decisions_graph) if q.subject != node and q.triple != alias]
    if code == "bestaetigt":
        body.append(alias)
    waiting = [
        q.triple for q in store.quads(queue_graph)
        if q.subject.value != f"{iris.base}abgleich/offen/{_digest(text)}"
    ]  # fmt: skip
    store.replace_graphs({decisions_graph: kept + body, queue_graph: waiting})
    return {
        "text": text, "actor": found.iri, "id": found.id, "name": found.name, "status": code,
        "user": who.value, "time": stamp.value, "decision": node.value,
    }  # fmt: skip
