"""Mediations (Vermittlungen): an offer mediated to an institution, recorded as a version of its own source.

Every mediation lives in the source ``vermittlungen`` (graphs ``quelle/vermittlungen``, ``privat/vermittlungen``,
``meta/vermittlungen``). Recording one or changing its status replaces that source in one write and keeps the
state before as a version (:mod:`bildungsnetz.ingest.versions`), so ``bildungsnetz history vermittlungen`` lists
every recording and ``bildungsnetz undo vermittlungen@N`` takes one back. Who recorded a mediation
(``prov:wasAttributedTo``) is personal data and goes to the private graph; when (``prov:generatedAtTime``) and
everything else to the public one.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pyoxigraph as ox

from bildungsnetz.errors import UnknownActor, UnknownMediation, UnknownOffer, UsageError
from bildungsnetz.ingest.sources import source_graphs
from bildungsnetz.ingest.versions import Version, Versions, _counts, _summary, read_source
from bildungsnetz.iris import Iris
from bildungsnetz.namespace import BN, PREFIXES, PROV, VOCAB
from bildungsnetz.queries import get, run
from bildungsnetz.store import Store

__all__ = [
    "MEDIATION_SOURCE",
    "STATUSES",
    "UnknownMediation",
    "parse_status",
    "record_mediation",
    "set_mediation_status",
    "stored_mediations",
]

#: The source every mediation is kept in (``bildungsnetz history vermittlungen``).
MEDIATION_SOURCE = "vermittlungen"
#: The codes of the ``vermittlungsstatus`` vocabulary, in the order a mediation runs through them.
STATUSES = ("angefragt", "vermittelt", "durchgefuehrt", "abgelehnt")
_ID = re.compile(r"^V-(\d{1,9})$")
_XSD = PREFIXES["xsd"]
_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
_DATE = ox.NamedNode(PREFIXES["dcterms"] + "date")
_IDENT = ox.NamedNode(PREFIXES["dcterms"] + "identifier")
_NOTE = ox.NamedNode(PREFIXES["skos"] + "note")
_LABEL = ox.NamedNode(PREFIXES["rdfs"] + "label")
_OFFER, _TO = ox.NamedNode(str(BN.vermitteltesAngebot)), ox.NamedNode(str(BN.vermitteltAn))
_STATUS, _CLASS = ox.NamedNode(str(BN.vermittlungsstatus)), ox.NamedNode(str(BN.Vermittlung))
_BY, _AT = ox.NamedNode(str(PROV.wasAttributedTo)), ox.NamedNode(str(PROV.generatedAtTime))


def parse_status(value: object, *, parameter: str = "status") -> str:
    """The status code a user means (code, German or English label, with or without umlaut).

    >>> parse_status("Durchgeführt"), parse_status("mediated"), parse_status("zugesagt")
    ('durchgefuehrt', 'vermittelt', 'vermittelt')
    >>> parse_status("vielleicht")
    Traceback (most recent call last):
    ...
    bildungsnetz.errors.UsageError: Parameter "status": "vielleicht" ist kein Vermittlungsstatus ...
    """
    from bildungsnetz.vocab import UnknownTerm, get_vocabulary  # noqa: PLC0415 - parses the vocabularies

    text = str(value or "").strip()
    try:
        concept = get_vocabulary().resolve("vermittlungsstatus", text) if text else None
    except (UnknownTerm, KeyError):
        concept = None
    if concept is None:
        raise UsageError(
            f'Parameter "{parameter}": "{text[:80]}" ist kein Vermittlungsstatus ({", ".join(STATUSES)}) / '
            f"is not a mediation status"
        )
    return str(concept).rsplit("/", 1)[-1]


def _parse_date(value: date | str | None) -> date:
    if value is None or value == "":
        return datetime.now(UTC).date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise UsageError(
            f'Parameter "date": "{str(value)[:40]}" ist kein Datum JJJJ-MM-TT / is not a date YYYY-MM-DD'
        ) from None


def _one(store: Store, iris: Iris, name: str, key: str, value: str) -> dict | None:
    try:
        rows = run(get(name, folder="vermittlung"), {key: value}, store=store, iris=iris, city="").rows
    except UsageError:
        return None
    return rows[0] if rows else None


def _offer(store: Store, iris: Iris, offer: str) -> dict:
    text = str(offer or "").strip()
    found = _one(store, iris, "angebot", "offer", text) if text else None
    if found is None:
        raise UnknownOffer(f'Parameter "offer": Angebot "{text[:80]}" nicht gefunden / offer not found')
    return found


def _institution(store: Store, iris: Iris, institution: str) -> dict:
    text = str(institution or "").strip()
    found = _one(store, iris, "einrichtung", "actor", text) if text else None
    if found is None:
        raise UnknownActor(
            f'Parameter "institution": Einrichtung "{text[:80]}" nicht gefunden / institution not found'
        )
    return found


def _literal_now(now: datetime | None) -> ox.Literal:
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return ox.Literal(moment.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=ox.NamedNode(_XSD + "dateTime"))


def _user(user: str) -> str:
    name = str(user or "").strip()
    if not name:
        raise UsageError('Parameter "user": fehlt / is missing (wer vermittelt / who mediates)')
    return name


def stored_mediations(store: Store, *, iris: Iris | None = None) -> list[dict[str, str]]:
    """Every mediation of the source ``vermittlungen`` as stored, oldest id first (with the user: intern only).

    Keys: ``id``, ``iri``, ``offer``, ``institution`` (IRIs), ``date``, ``status`` (code), ``note``, ``user``,
    ``recorded``.
    """
    iris = iris or Iris()
    data_graph, private_graph, _ = source_graphs(iris, MEDIATION_SOURCE)
    present = set(store.named_graphs())
    nodes: dict[str, dict[str, str]] = {}
    for graph in (data_graph, private_graph):
        if graph not in present:
            continue
        for q in store.quads(graph):
            entry = nodes.setdefault(q.subject.value, {"iri": q.subject.value})
            p, o = q.predicate, q.object
            if p == _IDENT:
                entry["id"] = o.value
            elif p == _OFFER:
                entry["offer"] = o.value
            elif p == _TO:
                entry["institution"] = o.value
            elif p == _DATE:
                entry["date"] = o.value
            elif p == _STATUS:
                entry["status"] = o.value.rsplit("/", 1)[-1]
            elif p == _NOTE:
                entry["note"] = o.value
            elif p == _BY:
                entry["user"] = o.value.rsplit("/", 1)[-1]
            elif p == _AT:
                entry["recorded"] = o.value
    keys = ("id", "offer", "institution", "date", "status", "note", "user", "recorded")
    found = [{k: n.get(k, "") for k in ("iri", *keys)} for n in nodes.values() if "offer" in n]
    return sorted(found, key=lambda m: _number(m["id"]))


def _number(mediation_id: str) -> int:
    match = _ID.match(mediation_id)
    return int(match[1]) if match else 0


def _meta(iris: Iris) -> list[ox.Triple]:
    graphs = source_graphs(iris, MEDIATION_SOURCE)
    boolean = ox.NamedNode(_XSD + "boolean")
    out = []
    for graph, private in ((graphs[0], "false"), (graphs[1], "true")):
        s = ox.NamedNode(graph)
        out += [
            ox.Triple(s, _TYPE, ox.NamedNode(str(BN.Quellgraph))),
            ox.Triple(s, ox.NamedNode(str(BN.quelle)), ox.Literal(MEDIATION_SOURCE)),
            ox.Triple(s, ox.NamedNode(str(BN.privat)), ox.Literal(private, datatype=boolean)),
            ox.Triple(s, _LABEL, ox.Literal("Vermittlungen von Angeboten an Einrichtungen", language="de")),
        ]
    return out


def _write(
    store: Store, iris: Iris, versions: Versions | None, data: list[ox.Triple], private: list[ox.Triple], *,
    agent: str, note: str,
) -> Version | None:  # fmt: skip
    """Replace the source in one write; the state before becomes a version (forgotten again if the write fails)."""
    data_graph, private_graph, meta_graph = source_graphs(iris, MEDIATION_SOURCE)
    graphs = {data_graph: data, private_graph: private, meta_graph: _meta(iris)}
    version = None
    if versions is not None:
        before = read_source(store, iris, MEDIATION_SOURCE)
        after = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g)) for g, ts in graphs.items() for t in ts]
        version = versions.record(
            MEDIATION_SOURCE, before=before, action="vermittlung", agent=agent, note=note,
            counts=_counts(after, iris, MEDIATION_SOURCE), change=_summary(before, after, iris, MEDIATION_SOURCE),
        )  # fmt: skip
    try:
        store.replace_graphs(graphs)
    except BaseException:
        if version is not None:
            versions.discard(version.id)
        raise
    return version


def _current(store: Store, iris: Iris) -> tuple[list[ox.Triple], list[ox.Triple]]:
    data_graph, private_graph, _ = source_graphs(iris, MEDIATION_SOURCE)
    present = set(store.named_graphs())
    return tuple(
        [q.triple for q in store.quads(g)] if g in present else [] for g in (data_graph, private_graph)
    )  # type: ignore[return-value]


def record_mediation(
    store: Store,
    *,
    offer: str,
    institution: str,
    user: str,
    status: str = "angefragt",
    on: date | str | None = None,
    note: str = "",
    iris: Iris | None = None,
    versions: Versions | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """Record that ``offer`` was mediated to ``institution`` on ``on`` (default today) by ``user``.

    Offer and institution are named by id or IRI (a school also by its Schulnummer); status is one of
    :data:`STATUSES` (labels in German or English are understood). The new mediation gets the next id
    ``V-<n>``; with ``versions`` the recording is a version of the source ``vermittlungen``.

    Returns
    -------
    dict
        ``id``, ``iri``, ``offer``, ``offerId``, ``offerTitle``, ``institution``, ``institutionId``,
        ``institutionLabel``, ``date``, ``status``, ``note``, ``user``, ``version`` (``vermittlungen@N`` or "").

    Raises
    ------
    UnknownOffer, UnknownActor
        When offer or institution is not in the store (nothing is written).
    UsageError
        A wrong status, date, a note longer than 2,000 characters or no user (nothing is written).

    Examples
    --------
    >>> from bildungsnetz.store import EmbeddedStore
    >>> n, store = ox.NamedNode, EmbeddedStore()
    >>> a, o = n(str(Iris().akteur("S-1"))), n(str(Iris().angebot("A-1")))
    >>> store.replace_graphs({"urn:x:daten": [
    ...     ox.Triple(a, n(str(BN.akteursart)), n(str(VOCAB["akteursart/schule"]))),
    ...     ox.Triple(o, _TYPE, n(str(BN.Angebot)))]})
    >>> m = record_mediation(store, offer="A-1", institution="S-1", user="anna", on="2026-10-01")
    >>> m["id"], m["status"], m["date"]
    ('V-1', 'angefragt', '2026-10-01')
    >>> set_mediation_status(store, "V-1", "durchgeführt", user="anna")["status"]
    'durchgefuehrt'
    """
    iris = iris or Iris()
    who = _user(user)
    code = parse_status(status)
    day = _parse_date(on)
    note = " ".join(str(note or "").split())
    if len(note) > 2000:
        raise UsageError('Parameter "note": höchstens 2.000 Zeichen / at most 2,000 characters')
    found_offer = _offer(store, iris, offer)
    found_to = _institution(store, iris, institution)
    data, private = _current(store, iris)
    taken = [_number(m["id"]) for m in stored_mediations(store, iris=iris)]
    key = f"V-{max(taken, default=0) + 1}"
    node = ox.NamedNode(f"{iris.base}vermittlung/{key}")
    stamp = _literal_now(now)
    body = [
        ox.Triple(node, _TYPE, _CLASS),
        ox.Triple(node, _IDENT, ox.Literal(key)),
        ox.Triple(node, _OFFER, ox.NamedNode(str(found_offer["offer"]))),
        ox.Triple(node, _TO, ox.NamedNode(str(found_to["actor"]))),
        ox.Triple(node, _STATUS, ox.NamedNode(str(VOCAB[f"vermittlungsstatus/{code}"]))),
        ox.Triple(node, _DATE, ox.Literal(day.isoformat(), datatype=ox.NamedNode(_XSD + "date"))),
        ox.Triple(node, _AT, stamp),
    ]
    if note:
        body.append(ox.Triple(node, _NOTE, ox.Literal(note, language="de")))
    by = [ox.Triple(node, _BY, ox.NamedNode(str(iris.nutzer(who))))]
    title = str(found_offer.get("title") or found_offer.get("offerId") or "")
    version = _write(store, iris, versions, data + body, private + by, agent=who,
                     note=f"{key}: {title} → {found_to.get('label') or found_to.get('actorId')} ({code})")  # fmt: skip
    return {
        "id": key, "iri": node.value, "offer": str(found_offer["offer"]),
        "offerId": str(found_offer.get("offerId") or ""), "offerTitle": title, "institution": str(found_to["actor"]),
        "institutionId": str(found_to.get("actorId") or ""), "institutionLabel": str(found_to.get("label") or ""),
        "date": day.isoformat(), "status": code, "note": note, "user": who,
        "version": version.id if version is not None else "",
    }  # fmt: skip


def set_mediation_status(
    store: Store,
    mediation: str,
    status: str,
    *,
    user: str,
    note: str | None = None,
    iris: Iris | None = None,
    versions: Versions | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """Change the status (and, when given, the note) of mediation ``V-<n>``; who and when are recorded anew.

    Raises
    ------
    UnknownMediation
        When there is no mediation of that id (nothing is written).
    """
    iris = iris or Iris()
    who = _user(user)
    code = parse_status(status)
    key = str(mediation or "").strip()
    hit = next((m for m in stored_mediations(store, iris=iris) if m["id"] == key or m["iri"] == key), None)
    if hit is None:
        raise UnknownMediation(
            f'Parameter "mediation": Vermittlung "{key[:80]}" nicht gefunden / mediation not found '
            "('bildungsnetz vermittlung list' zeigt sie / lists them)"
        )
    node = ox.NamedNode(hit["iri"])
    data, private = _current(store, iris)
    replaced = {_STATUS, _AT} | ({_NOTE} if note is not None else set())
    data = [t for t in data if not (t.subject == node and t.predicate in replaced)]
    data += [
        ox.Triple(node, _STATUS, ox.NamedNode(str(VOCAB[f"vermittlungsstatus/{code}"]))),
        ox.Triple(node, _AT, _literal_now(now)),
    ]
    text = " ".join(str(note or "").split())
    if len(text) > 2000:
        raise UsageError('Parameter "note": höchstens 2.000 Zeichen / at most 2,000 characters')
    if text:
        data.append(ox.Triple(node, _NOTE, ox.Literal(text, language="de")))
    private = [t for t in private if t.subject != node] + [ox.Triple(node, _BY, ox.NamedNode(str(iris.nutzer(who))))]
    version = _write(store, iris, versions, data, private, agent=who,
                     note=f"{hit['id']}: {hit['status']} → {code}")  # fmt: skip
    return {**hit, "status": code, "note": text if note is not None else hit["note"], "user": who,
            "version": version.id if version is not None else ""}  # fmt: skip
