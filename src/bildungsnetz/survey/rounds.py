"""Survey rounds (Befragungswellen): create one with its roster and personal links, list, close, invitations,
answer states per Stadtbezirk and kind.

Where a round lies in the store (``Iris.graph``):

- ``befragung/<name>``: the round and its roster, one ``bn:Einladung`` per invited actor (public);
- ``befragung/<name>/antwort/<key>``: one invited actor's answer state and Nennungen (public: who cooperates
  with whom is what the network is made of);
- ``privat/befragung/<name>``: the hashes of the personal links (never the links themselves);
- ``privat/befragung/<name>/antwort/<key>``: the answering person and the trust and value items (personal
  data and one institution's judgement of another: role ``intern`` only).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import Counter
from datetime import UTC, date, datetime

import pyoxigraph as ox

from bildungsnetz.errors import ParameterError, RoundClosed, UsageError
from bildungsnetz.iris import Iris
from bildungsnetz.namespace import BN, PREFIXES, PROV, VOCAB
from bildungsnetz.queries import get, run
from bildungsnetz.store.base import Store
from bildungsnetz.survey.model import Invitation, RosterEntry, Round, StatusRow
from bildungsnetz.vocab import get_vocabulary

__all__ = [
    "create_round",
    "list_rounds",
    "get_round",
    "close_round",
    "invitations",
    "contacts",
    "roster",
    "states",
    "status",
    "round_iri",
    "round_graph",
    "answer_graphs",
    "actor_key",
    "token_hash",
]

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_XSD = PREFIXES["xsd"]
_N = ox.NamedNode
_TYPE = _N(PREFIXES["rdf"] + "type")
_LABEL = _N(PREFIXES["rdfs"] + "label")
_TITLE = _N(PREFIXES["dcterms"] + "title")
_IDENT = _N(PREFIXES["dcterms"] + "identifier")
_KIND = _N(PREFIXES["dcterms"] + "type")
_AT, _BY = _N(str(PROV.generatedAtTime)), _N(str(PROV.wasAttributedTo))


def _p(term: str) -> ox.NamedNode:
    return _N(str(BN[term]))


def _date(value: date) -> ox.Literal:
    return ox.Literal(value.isoformat(), datatype=_N(_XSD + "date"))


def _stamp(moment: datetime | None = None) -> ox.Literal:
    moment = (moment or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return ox.Literal(moment.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=_N(_XSD + "dateTime"))


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def actor_key(actor: str) -> str:
    """The key of an actor in a round's IRIs and graph names: a short digest of its IRI.

    >>> actor_key("https://w3id.org/bildungsnetz/id/schule/100132")
    'd4a9a435cadb5472'
    """
    return hashlib.sha256(actor.encode()).hexdigest()[:16]


def token_hash(token: str) -> str:
    """What the store keeps of a personal link: its SHA-256, hexadecimal."""
    return hashlib.sha256(token.encode()).hexdigest()


def round_iri(iris: Iris, name: str) -> ox.NamedNode:
    """The IRI of a round (``…/id/befragung/<name>``)."""
    return _N(f"{iris.base}befragung/{name}")


def invitation_iri(iris: Iris, name: str, actor: str) -> ox.NamedNode:
    """The IRI of one actor's invitation (its answer state) in a round."""
    return _N(f"{iris.base}befragung/{name}/einladung/{actor_key(actor)}")


def round_graph(iris: Iris, name: str, *, private: bool = False) -> str:
    """The graph of a round's roster, or (``private``) of its link hashes."""
    return str(iris.graph(f"privat/befragung/{name}" if private else f"befragung/{name}"))


def answer_graphs(iris: Iris, name: str, actor: str) -> tuple[str, str]:
    """The public and the private graph of one actor's answers in a round."""
    key = actor_key(actor)
    return (str(iris.graph(f"befragung/{name}/antwort/{key}")),
            str(iris.graph(f"privat/befragung/{name}/antwort/{key}")))  # fmt: skip


def _check_name(name: str) -> str:
    text = str(name or "").strip()
    if not _NAME.match(text):
        raise ParameterError(
            "name", text, "ist kein gültiger Name einer Befragungswelle (Kleinbuchstaben, Ziffern, '-', bis 40 "
            "Zeichen, z. B. 2026)", "is not a valid round name (lower-case letters, digits, '-', up to 40 "
            "characters, e.g. 2026)",
        )  # fmt: skip
    return text


# -- The roster -------------------------------------------------------------------------------------------------


def _areas(store: Store, iris: Iris, city: str) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """``(area → its Stadtbezirk, Stadtbezirk → label, Stadtbezirk → code)``."""
    rows = run(get("gebiete", folder="analysis"), {}, store=store, iris=iris, city=city or "stadt").rows
    within = {r["area"]: r["stadtbezirk"] for r in rows}
    labels = {r["stadtbezirk"]: str(r["stadtbezirkLabel"] or r["stadtbezirkCode"] or r["stadtbezirk"]) for r in rows}
    codes = {r["stadtbezirk"]: str(r["stadtbezirkCode"] or "") for r in rows}
    return within, labels, codes


def _kind_label(kind: str) -> str:
    try:
        return get_vocabulary().label(VOCAB[f"akteursart/{kind}"])
    except Exception:  # noqa: BLE001 - an unknown code shows as itself
        return kind


def _actors(store: Store, iris: Iris, city: str, day: date) -> dict[str, dict]:
    """Every actor open at ``day``: label, kind, Stadtbezirk and address (of its first site)."""
    within, labels, _ = _areas(store, iris, city)
    found: dict[str, dict] = {}
    closed: set[str] = set()
    rows = run(get("akteure", folder="survey"), {}, store=store, iris=iris, city=city or "stadt").rows
    for r in sorted(rows, key=lambda r: (r["actor"], r["area"] is None, str(r["area"] or ""))):
        if r["closed"] is not None and str(r["closed"]) < day.isoformat():
            closed.add(r["actor"])
        if r["actor"] in found:
            continue
        district = within.get(r["area"] or "", "")
        street = " ".join(str(r[k]) for k in ("street",) if r[k])
        town = " ".join(str(r[k]) for k in ("postalCode", "locality") if r[k])
        found[r["actor"]] = {
            "label": str(r["actorLabel"] or r["actor"].rsplit("/", 1)[-1]), "kind": str(r["kind"] or ""),
            "stadtbezirk": district, "stadtbezirk_label": labels.get(district, ""),
            "address": ", ".join(part for part in (street, town) if part),
        }  # fmt: skip
    return {a: v for a, v in found.items() if a not in closed}


def _scope_districts(values: tuple[str, ...], store: Store, iris: Iris, city: str) -> tuple[str, ...]:
    _, labels, codes = _areas(store, iris, city)
    chosen = []
    for value in values:
        text = str(value).strip()
        hits = [d for d in labels if text in (d, codes.get(d)) or text.casefold() == labels[d].casefold()]
        if not hits:
            known = ", ".join(sorted(labels.values()))
            raise ParameterError("stadtbezirk", text, f"ist kein Stadtbezirk ({known})",
                                 f"is no Stadtbezirk ({known})")  # fmt: skip
        chosen.append(hits[0])
    return tuple(dict.fromkeys(chosen))


def _scope_kinds(values: tuple[str, ...]) -> tuple[str, ...]:
    known = {code for _, code, _ in get_vocabulary().concepts("akteursart")}
    for value in values:
        if value not in known:
            raise ParameterError("kind", value, f"ist keine Akteursart ({', '.join(sorted(known))})",
                                 f"is no actor kind ({', '.join(sorted(known))})")  # fmt: skip
    return tuple(dict.fromkeys(values))


# -- Rounds ----------------------------------------------------------------------------------------------------


def _by_subject(store: Store, graph: str) -> dict[str, dict[str, list]]:
    found: dict[str, dict[str, list]] = {}
    for q in store.quads(graph):
        found.setdefault(q.subject.value, {}).setdefault(q.predicate.value, []).append(q.object)
    return found


def _round_from(name: str, p: dict[str, list]) -> Round:
    def one(term: ox.NamedNode) -> str | None:
        return p[term.value][0].value if term.value in p else None

    closes = one(_p("endetAm"))
    return Round(
        name=name,
        title=one(_TITLE) or name,
        stichtag=date.fromisoformat(one(_p("stichtag")) or "1970-01-01"),
        closes=date.fromisoformat(closes) if closes else None,
        status="geschlossen" if one(_p("geschlossenAm")) else "offen",
        stadtbezirke=tuple(sorted(o.value for o in p.get(_p("umfasstGebiet").value, []))),
        kinds=tuple(sorted(o.value for o in p.get(_p("umfasstArt").value, []))),
        created=_parse_time(one(_AT) or "1970-01-01T00:00:00Z"),
    )


def get_round(store: Store, iris: Iris, name: str) -> Round:
    """One round by name.

    Raises
    ------
    UsageError
        (HTTP 404) when there is no round of that name.
    """
    text = str(name or "").strip()
    if _NAME.match(text):
        subjects = _by_subject(store, round_graph(iris, text))
        p = subjects.get(round_iri(iris, text).value)
        if p is not None:
            return _round_from(text, p)
    error = UsageError(f'Keine Befragungswelle "{text[:60]}" / no survey round "{text[:60]}"')
    error.http_status = 404
    raise error


def list_rounds(store: Store, iris: Iris) -> list[Round]:
    """Every round, newest Stichtag first."""
    prefix = str(iris.graph("befragung")) + "/"
    names = [getattr(g, "value", g) for g in store.named_graphs()]
    found = [g[len(prefix):] for g in names if g.startswith(prefix) and "/" not in g[len(prefix):]]
    rounds = [get_round(store, iris, name) for name in found if _NAME.match(name)]
    return sorted(rounds, key=lambda r: (r.stichtag, r.name), reverse=True)


def create_round(
    store: Store,
    iris: Iris,
    *,
    name: str,
    title: str = "",
    stichtag: date | None = None,
    closes: date | None = None,
    stadtbezirke: tuple[str, ...] | list[str] = (),
    kinds: tuple[str, ...] | list[str] = (),
    actors: list[str] | None = None,
    city: str = "",
    agent: str,
) -> tuple[Round, list[Invitation]]:
    """Create a round with its roster and one personal link per invited actor.

    The roster is every actor open at the Stichtag in the chosen Stadtbezirke (code, name or IRI) and kinds
    (akteursart codes), or the given ``actors`` (IRIs). The links come back once, in the invitations; the
    store keeps only their SHA-256.

    Raises
    ------
    UsageError
        When the name is taken or malformed, a date is wrong, a Stadtbezirk or kind is unknown, an actor is
        not in the store, or the roster is empty. Nothing is written then.
    """
    name = _check_name(name)
    stichtag = stichtag or date.today()
    if closes is not None and closes < stichtag:
        raise ParameterError("closes", closes.isoformat(), "liegt vor dem Stichtag", "is before the Stichtag")
    if round_graph(iris, name) in [getattr(g, "value", g) for g in store.named_graphs()]:
        raise ParameterError("name", name, "ist schon vergeben", "is already taken")
    districts = _scope_districts(tuple(stadtbezirke), store, iris, city)
    kinds = _scope_kinds(tuple(kinds))
    known = _actors(store, iris, city, stichtag)
    if actors is not None:
        for actor in actors:
            if actor not in known:
                raise ParameterError("actors", actor, "ist kein Akteur im Bestand (oder am Stichtag geschlossen)",
                                     "is no actor in the store (or closed at the Stichtag)")  # fmt: skip
        chosen = list(dict.fromkeys(actors))
    else:
        chosen = sorted(a for a, v in known.items()
                        if (not districts or v["stadtbezirk"] in districts) and (not kinds or v["kind"] in kinds))
    if not chosen:
        raise UsageError("Die Befragungswelle hätte keine Eingeladenen / the round would invite nobody")
    node = round_iri(iris, name)
    now = _stamp()
    public = [
        ox.Triple(node, _TYPE, _p("Befragungswelle")),
        ox.Triple(node, _IDENT, ox.Literal(name)),
        ox.Triple(node, _TITLE, ox.Literal(title.strip() or f"Netzwerkbefragung {name}", language="de")),
        ox.Triple(node, _p("stichtag"), _date(stichtag)),
        ox.Triple(node, _AT, now),
        ox.Triple(node, _BY, _N(str(iris.nutzer(agent or "unbekannt")))),
    ]
    if closes is not None:
        public.append(ox.Triple(node, _p("endetAm"), _date(closes)))
    public += [ox.Triple(node, _p("umfasstGebiet"), _N(d)) for d in districts]
    public += [ox.Triple(node, _p("umfasstArt"), ox.Literal(k)) for k in kinds]
    private: list[ox.Triple] = []
    made: list[Invitation] = []
    for actor in chosen:
        info = known[actor]
        inv = invitation_iri(iris, name, actor)
        public += [
            ox.Triple(inv, _TYPE, _p("Einladung")),
            ox.Triple(inv, _p("welle"), node),
            ox.Triple(inv, _p("befragt"), _N(actor)),
            ox.Triple(inv, _LABEL, ox.Literal(info["label"])),
        ]
        if info["kind"]:
            public.append(ox.Triple(inv, _KIND, _N(str(VOCAB[f"akteursart/{info['kind']}"]))))
        if info["stadtbezirk"]:
            public.append(ox.Triple(inv, _N(str(BN.gebiet)), _N(info["stadtbezirk"])))
        token = secrets.token_urlsafe(24)
        private.append(ox.Triple(inv, _p("zugangsPruefsumme"), ox.Literal(token_hash(token))))
        made.append(_invitation(name, actor, info, token))
    store.replace_graphs({round_graph(iris, name): public, round_graph(iris, name, private=True): private})
    return get_round(store, iris, name), made


def _invitation(name: str, actor: str, info: dict, token: str | None) -> Invitation:
    return Invitation(round=name, actor=actor, label=info["label"], address=info.get("address", ""),
                      stadtbezirk=info["stadtbezirk_label"], kind_label=_kind_label(info["kind"]), token=token)


def close_round(store: Store, iris: Iris, name: str, agent: str) -> Round:
    """Close a round: from now on answers are refused. Closing a closed round changes nothing."""
    found = get_round(store, iris, name)
    if found.closed:
        return found
    graph = round_graph(iris, found.name)
    node = round_iri(iris, found.name)
    triples = [q.triple for q in store.quads(graph)]
    triples += [ox.Triple(node, _p("geschlossenAm"), _stamp()),
                ox.Triple(node, _p("geschlossenVon"), _N(str(iris.nutzer(agent or "unbekannt"))))]
    store.replace_graphs({graph: triples})
    return get_round(store, iris, found.name)


def roster(store: Store, iris: Iris, name: str) -> tuple[RosterEntry, ...]:
    """The roster of a round (everyone invited), ordered by Stadtbezirk and name."""
    found = get_round(store, iris, name)
    labels = _areas(store, iris, "")[1]
    entries = []
    for p in _by_subject(store, round_graph(iris, found.name)).values():
        if _p("befragt").value not in p:
            continue
        kind = p[_KIND.value][0].value.rsplit("/", 1)[-1] if _KIND.value in p else ""
        district = p[str(BN.gebiet)][0].value if str(BN.gebiet) in p else ""
        entries.append(RosterEntry(
            actor=p[_p("befragt").value][0].value, label=p[_LABEL.value][0].value if _LABEL.value in p else "",
            kind=kind, kind_label=_kind_label(kind) if kind else "", stadtbezirk=district,
            stadtbezirk_label=labels.get(district, ""),
        ))  # fmt: skip
    return tuple(sorted(entries, key=lambda e: (e.stadtbezirk_label, e.label.casefold(), e.actor)))


def contacts(store: Store, iris: Iris) -> dict[str, str]:
    """Each actor's contact persons as one line (``Name <mail>; …``). Personal data: only for role intern."""
    found: dict[str, list[str]] = {}
    for r in run(get("kontakte", folder="survey"), {}, store=store, iris=iris, city="stadt").rows:
        text = " ".join(part for part in (str(r["name"] or ""), f"<{r['email']}>" if r["email"] else "") if part)
        if text and text not in found.setdefault(r["actor"], []):
            found[r["actor"]].append(text)
    return {actor: "; ".join(lines) for actor, lines in found.items()}


def invitations(
    store: Store, iris: Iris, name: str, *, new_tokens: bool = False, with_contacts: bool = False
) -> list[Invitation]:
    """The mail-merge list of a round: actor, name, address, Stadtbezirk, kind (and links if ``new_tokens``;
    the actors' contact persons if ``with_contacts``, personal data for role intern only).

    The store keeps only hashes, so a link can be shown only when it is made. ``new_tokens=True`` makes a new
    link for every invited actor and **invalidates every earlier link** of the round (use it when the first
    list was lost); answers saved so far stay. Refused for a closed round.
    """
    found = get_round(store, iris, name)
    entries = roster(store, iris, found.name)
    addresses = {a: v["address"] for a, v in _actors(store, iris, "", date.max).items()}
    tokens: dict[str, str] = {}
    if new_tokens:
        if found.closed:
            raise RoundClosed(f'Die Befragungswelle "{found.name}" ist geschlossen / the round is closed')
        private = []
        for e in entries:
            tokens[e.actor] = secrets.token_urlsafe(24)
            private.append(ox.Triple(invitation_iri(iris, found.name, e.actor), _p("zugangsPruefsumme"),
                                     ox.Literal(token_hash(tokens[e.actor]))))  # fmt: skip
        store.replace_graphs({round_graph(iris, found.name, private=True): private})
    people = contacts(store, iris) if with_contacts else {}
    return [
        Invitation(round=found.name, actor=e.actor, label=e.label, address=addresses.get(e.actor, ""),
                   stadtbezirk=e.stadtbezirk_label, kind_label=e.kind_label, token=tokens.get(e.actor),
                   contact=people.get(e.actor, "") if with_contacts else None)
        for e in entries
    ]  # fmt: skip


def states(store: Store, iris: Iris, name: str) -> dict[str, str]:
    """Each invited actor's answer state: ``eingeladen``, ``geoeffnet``, ``entwurf`` or ``beantwortet``."""
    found = get_round(store, iris, name)
    rows = run(get("antwortstatus", folder="survey"), {"round": round_iri(iris, found.name).value},
               store=store, iris=iris, city="stadt").rows  # fmt: skip
    order = ("eingeladen", "geoeffnet", "entwurf", "beantwortet")
    result: dict[str, str] = {}
    for r in rows:
        state = str(r["state"] or "eingeladen")
        if order.index(state if state in order else "eingeladen") >= order.index(result.get(r["actor"], "eingeladen")):
            result[r["actor"]] = state if state in order else "eingeladen"
    return result


def status(store: Store, iris: Iris, name: str) -> list[StatusRow]:
    """Answer states per Stadtbezirk × kind: invited (all), and how many of them opened without saving, saved
    a draft, or answered; each actor counts once, in its current state."""
    entries = roster(store, iris, name)
    now = states(store, iris, name)
    counts: Counter = Counter()
    keys: dict[tuple[str, str], tuple[str, str]] = {}
    for e in entries:
        key = (e.stadtbezirk, e.kind)
        keys[key] = (e.stadtbezirk_label, e.kind_label)
        counts[key, "invited"] += 1
        counts[key, now.get(e.actor, "eingeladen")] += 1
    return [
        StatusRow(stadtbezirk=k[0], stadtbezirk_label=keys[k][0], kind=k[1], kind_label=keys[k][1],
                  invited=counts[k, "invited"], opened=counts[k, "geoeffnet"], draft=counts[k, "entwurf"],
                  answered=counts[k, "beantwortet"])
        for k in sorted(keys, key=lambda k: (keys[k][0], keys[k][1]))
    ]  # fmt: skip
