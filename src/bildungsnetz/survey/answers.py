"""The questionnaire behind a personal link: open it, save a draft, submit; answers checked and SHACL-validated.

A link grants exactly one actor's questionnaire in one round. Saving replaces that actor's answer graphs
(public: state and Nennungen; private: the answering person and the trust and value items) in one atomic
write; nothing else in the store changes. After submission the questionnaire can be amended until the round
closes; every later save counts as submitted.
"""

from __future__ import annotations

import re
from datetime import datetime

import pyoxigraph as ox
from rdflib import Graph

from bildungsnetz.errors import LocatedError, RoundClosed, SurveyLinkError, UsageError, ValidationFailed
from bildungsnetz.iris import Iris
from bildungsnetz.namespace import BN, PREFIXES, PROV, SCHEMA
from bildungsnetz.store.base import Store
from bildungsnetz.survey.freetext import queue_free_text
from bildungsnetz.survey.model import (
    AGREEMENT,
    CONTRIBUTES,
    FREQUENCY,
    INTENSITY,
    TIE_KINDS,
    Answers,
    PartnerAnswer,
    Questionnaire,
    RosterEntry,
    Round,
)
from bildungsnetz.survey.rounds import (
    _by_subject,
    _parse_time,
    _stamp,
    actor_key,
    answer_graphs,
    get_round,
    invitation_iri,
    list_rounds,
    roster,
    round_graph,
    round_iri,
    token_hash,
)
from bildungsnetz.validate.shacl import rdflib_term, validate

__all__ = [
    "open_questionnaire", "save_answers", "save_actor_answers", "save_many", "find_token", "answers_of",
    "check_answers", "SurveyAnswerError", "LIMITS",
]  # fmt: skip

#: How much one questionnaire may hold (a roster is chosen from, so these are generous).
LIMITS = {"partners": 500, "others": 50, "text": 200}
_N = ox.NamedNode
_TYPE = _N(PREFIXES["rdf"] + "type")
_BOOL = _N(PREFIXES["xsd"] + "boolean")
_INT = _N(PREFIXES["xsd"] + "integer")
_FOAF_NAME = _N(PREFIXES["foaf"] + "name")
_AT, _BY = _N(str(PROV.generatedAtTime)), _N(str(PROV.wasAttributedTo))
_MAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TRUST = ("vertrauenZuverlaessig", "vertrauenZiele", "vertrauenOffen")
_VALUE = ("wertEinfluss", "wertRessourcen", "wertEngagement")


class SurveyAnswerError(LocatedError):
    """An answer that breaks a rule of the questionnaire, naming the field (``partners[2].intensity``)."""


def _p(term: str) -> ox.NamedNode:
    return _N(str(BN[term]))


def find_token(store: Store, iris: Iris, token: str) -> tuple[Round, str]:
    """The round and the actor a personal link opens.

    Raises
    ------
    SurveyLinkError
        For an unknown, malformed or replaced link: one message for all, so a guess learns nothing.
    """
    text = str(token or "").strip()
    if not 16 <= len(text) <= 100:
        raise SurveyLinkError()
    digest = token_hash(text)
    for found in list_rounds(store, iris):
        for q in store.quads(round_graph(iris, found.name, private=True)):
            if q.predicate == _p("zugangsPruefsumme") and q.object.value == digest:
                actor = _actor_of(store, iris, found.name, q.subject)
                if actor:
                    return found, actor
    raise SurveyLinkError()


def _actor_of(store: Store, iris: Iris, name: str, invitation: ox.NamedNode) -> str | None:
    for q in store.quads(round_graph(iris, name)):
        if q.subject == invitation and q.predicate == _p("befragt"):
            return q.object.value
    return None


def _int(nodes: list | None) -> int | None:
    return int(nodes[0].value) if nodes else None


def answers_of(store: Store, iris: Iris, name: str, actor: str) -> tuple[Answers | None, str, datetime | None]:
    """What ``actor`` saved in round ``name``: ``(answers or None, state, submitted)``."""
    public, private = answer_graphs(iris, name, actor)
    nodes = _by_subject(store, public)
    for subject, p in _by_subject(store, private).items():
        for pred, objects in p.items():
            nodes.setdefault(subject, {}).setdefault(pred, []).extend(objects)
    inv = nodes.get(invitation_iri(iris, name, actor).value, {})
    state = inv[_p("antwortstatus").value][0].value if _p("antwortstatus").value in inv else "eingeladen"
    submitted = inv.get(_p("abgeschicktAm").value)
    when = _parse_time(submitted[0].value) if submitted else None
    if state not in ("entwurf", "beantwortet"):
        return None, state, when
    partners, desired = [], []
    person = {}
    for p in nodes.values():
        if _p("genannt").value in p:
            named = p[_p("genannt").value][0].value
            if p.get(_p("gewuenscht").value, [None])[0] is not None and p[_p("gewuenscht").value][0].value == "true":
                desired.append(named)
                continue
            partners.append(PartnerAnswer(
                partner=named, frequency=_int(p.get(_p("haeufigkeit").value)),
                intensity=_int(p.get(_p("intensitaet").value)),
                kinds=tuple(sorted(o.value for o in p.get(_p("nennungsart").value, []))),
                trust=tuple(_int(p.get(_p(t).value)) for t in _TRUST),  # type: ignore[arg-type]
                value=tuple(_int(p.get(_p(t).value)) for t in _VALUE),  # type: ignore[arg-type]
            ))  # fmt: skip
        elif _FOAF_NAME.value in p or str(SCHEMA.email) in p:
            person = p
    answers = Answers(
        partners=tuple(sorted(partners, key=lambda a: a.partner)),
        desired=tuple(sorted(desired)),
        others=tuple(sorted(o.value for o in inv.get(_p("weitererPartner").value, []))),
        contributes=tuple(sorted(o.value for o in inv.get(_p("beitrag").value, []))),
        consent=bool(inv.get(_p("einwilligung").value)) and inv[_p("einwilligung").value][0].value == "true",
        respondent_name=person[_FOAF_NAME.value][0].value if _FOAF_NAME.value in person else None,
        respondent_mail=person[str(SCHEMA.email)][0].value if str(SCHEMA.email) in person else None,
    )
    return answers, state, when


def _questionnaire(store: Store, iris: Iris, found: Round, actor: str) -> Questionnaire:
    entries = roster(store, iris, found.name)
    own = next(e for e in entries if e.actor == actor)
    answers, state, submitted = answers_of(store, iris, found.name, actor)
    return Questionnaire(round=found, actor=own, roster=entries, answers=answers, submitted=submitted,
                         draft=state == "entwurf", closed=found.closed)  # fmt: skip


def open_questionnaire(store: Store, iris: Iris, token: str) -> Questionnaire:
    """The questionnaire a personal link opens; the first opening of an open round is recorded (``geoeffnet``).

    Raises
    ------
    SurveyLinkError
        (HTTP 404) for an unknown or replaced link, with the same message either way.
    """
    found, actor = find_token(store, iris, token)
    _, state, _ = answers_of(store, iris, found.name, actor)
    if state == "eingeladen" and not found.closed:
        inv = invitation_iri(iris, found.name, actor)
        public, _ = answer_graphs(iris, found.name, actor)
        store.replace_graphs({public: [
            ox.Triple(inv, _p("antwortstatus"), ox.Literal("geoeffnet")),
            ox.Triple(inv, _p("geoeffnetAm"), _stamp()),
        ]})  # fmt: skip
    return _questionnaire(store, iris, found, actor)


# -- Checking and writing -------------------------------------------------------------------------------------


def _fail(parameter: str, de: str, en: str) -> SurveyAnswerError:
    return SurveyAnswerError(de, en, parameter=parameter)


def _scale(value: object, scale: dict, parameter: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value not in scale:
        low, high = min(scale), max(scale)
        raise _fail(parameter, f"{value!r} liegt nicht auf der Skala {low} bis {high}",
                    f"{value!r} is not on the scale {low} to {high}")  # fmt: skip
    return value


def _text(value: object, parameter: str) -> str:
    text = " ".join(str(value or "").split())
    if len(text) > LIMITS["text"]:
        raise _fail(parameter, f"ist länger als {LIMITS['text']} Zeichen", f"is longer than {LIMITS['text']} "
                    "characters")  # fmt: skip
    return text


def check_answers(answers: Answers, entries: tuple[RosterEntry, ...], actor: str, *, final: bool) -> None:
    """Raise :class:`SurveyAnswerError` naming the first answer that breaks a rule of the questionnaire."""
    on_roster = {e.actor for e in entries}
    if len(answers.partners) > LIMITS["partners"] or len(answers.desired) > LIMITS["partners"]:
        raise _fail("partners", f"mehr als {LIMITS['partners']} Einträge", f"more than {LIMITS['partners']} entries")
    seen: set[str] = set()
    for i, a in enumerate(answers.partners):
        where = f"partners[{i + 1}]"
        if a.partner == actor:
            raise _fail(where, "die eigene Einrichtung kann nicht Partner sein", "the own institution cannot be a "
                        "partner")  # fmt: skip
        if a.partner not in on_roster:
            raise _fail(where, "ist nicht in der Liste dieser Befragung (unter 'Weitere Partner' eintragen)",
                        "is not on this survey's list (enter it under 'other partners')")  # fmt: skip
        if a.partner in seen:
            raise _fail(where, "ist doppelt genannt", "is named twice")
        seen.add(a.partner)
        _scale(a.frequency, FREQUENCY, f"{where}.frequency")
        _scale(a.intensity, INTENSITY, f"{where}.intensity")
        for kind in a.kinds:
            if kind not in TIE_KINDS:
                raise _fail(f"{where}.kinds", f"unbekannte Art {kind!r}", f"unknown kind {kind!r}")
        for label, items in (("trust", a.trust), ("value", a.value)):
            if len(items) != 3:
                raise _fail(f"{where}.{label}", "braucht genau drei Werte", "needs exactly three values")
            for j, item in enumerate(items):
                _scale(item, AGREEMENT, f"{where}.{label}[{j + 1}]")
    for i, partner in enumerate(answers.desired):
        if partner == actor or partner not in on_roster:
            raise _fail(f"desired[{i + 1}]", "ist nicht in der Liste dieser Befragung (oder die eigene "
                        "Einrichtung)", "is not on this survey's list (or the own institution)")  # fmt: skip
    if len(answers.others) > LIMITS["others"]:
        raise _fail("others", f"mehr als {LIMITS['others']} Einträge", f"more than {LIMITS['others']} entries")
    for i, other in enumerate(answers.others):
        _text(other, f"others[{i + 1}]")
    for code in answers.contributes:
        if code not in CONTRIBUTES:
            raise _fail("contributes", f"unbekannter Beitrag {code!r}", f"unknown contribution {code!r}")
    _text(answers.respondent_name, "respondent_name")
    mail = _text(answers.respondent_mail, "respondent_mail")
    if mail and not _MAIL.match(mail):
        raise _fail("respondent_mail", "ist keine E-Mail-Adresse", "is not an e-mail address")
    if final and not answers.consent:
        raise _fail("consent", "Zum Abschicken bitte der Verwendung der Angaben zustimmen",
                    "to submit, please consent to the use of the answers")  # fmt: skip


def _triples(iris: Iris, found: Round, actor: str, answers: Answers, state: str, opened: list,
             submitted: ox.Literal | None) -> tuple[list[ox.Triple], list[ox.Triple]]:
    inv = invitation_iri(iris, found.name, actor)
    wave = round_iri(iris, found.name)
    me = _N(actor)
    now = _stamp()
    public = [ox.Triple(inv, _p("antwortstatus"), ox.Literal(state))]
    public += [ox.Triple(inv, _p("geoeffnetAm"), o) for o in opened[:1]] or [
        ox.Triple(inv, _p("geoeffnetAm"), now)]
    if submitted is not None:
        public.append(ox.Triple(inv, _p("abgeschicktAm"), submitted))
    public.append(ox.Triple(inv, _p("einwilligung"), ox.Literal("true" if answers.consent else "false",
                                                                 datatype=_BOOL)))  # fmt: skip
    public += [ox.Triple(inv, _p("weitererPartner"), ox.Literal(" ".join(o.split())))
               for o in dict.fromkeys(answers.others) if o.strip()]  # fmt: skip
    public += [ox.Triple(inv, _p("beitrag"), ox.Literal(c)) for c in dict.fromkeys(answers.contributes)]
    private: list[ox.Triple] = []
    key = actor_key(actor)
    for desired, items in ((False, [(a.partner, a) for a in answers.partners]),
                           (True, [(p, None) for p in dict.fromkeys(answers.desired)])):  # fmt: skip
        for partner, a in items:
            node = _N(f"{iris.base}befragung/{found.name}/{'wunsch' if desired else 'nennung'}/{key}/"
                      f"{actor_key(partner)}")  # fmt: skip
            public += [
                ox.Triple(node, _TYPE, _p("Nennung")),
                ox.Triple(node, _p("welle"), wave),
                ox.Triple(node, _p("nennender"), me),
                ox.Triple(node, _p("genannt"), _N(partner)),
                ox.Triple(node, _p("gewuenscht"), ox.Literal("true" if desired else "false", datatype=_BOOL)),
                ox.Triple(node, _AT, now),
                ox.Triple(node, _BY, me),
            ]
            if a is None:
                continue
            if a.frequency is not None:
                public.append(ox.Triple(node, _p("haeufigkeit"), ox.Literal(str(a.frequency), datatype=_INT)))
            if a.intensity is not None:
                public.append(ox.Triple(node, _p("intensitaet"), ox.Literal(str(a.intensity), datatype=_INT)))
            public += [ox.Triple(node, _p("nennungsart"), ox.Literal(k)) for k in dict.fromkeys(a.kinds)]
            for terms, values in ((_TRUST, a.trust), (_VALUE, a.value)):
                private += [ox.Triple(node, _p(t), ox.Literal(str(v), datatype=_INT))
                            for t, v in zip(terms, values, strict=True) if v is not None]  # fmt: skip
    name = _text(answers.respondent_name, "respondent_name")
    mail = _text(answers.respondent_mail, "respondent_mail")
    if name or mail:
        person = _N(f"{iris.base}befragung/{found.name}/antwortende/{key}")
        private += [ox.Triple(person, _TYPE, _p("Kontaktperson")), ox.Triple(person, _p("kontaktFuer"), me)]
        if name:
            private.append(ox.Triple(person, _FOAF_NAME, ox.Literal(name)))
        if mail:
            private.append(ox.Triple(person, _N(str(SCHEMA.email)), ox.Literal(mail)))
    return public, private


def _validate(store: Store, iris: Iris, found: Round, public: list[ox.Triple], private: list[ox.Triple]) -> None:
    data, reference = Graph(), Graph()
    for t in public + private:
        data.add((rdflib_term(t.subject, "a"), rdflib_term(t.predicate, "a"), rdflib_term(t.object, "a")))
    for q in store.quads(round_graph(iris, found.name)):
        reference.add((rdflib_term(q.subject, "r"), rdflib_term(q.predicate, "r"), rdflib_term(q.object, "r")))
        if q.predicate == _p("befragt"):  # the roster's actors, so shapes can check what a Nennung points at
            reference.add((rdflib_term(q.object, "r"), rdflib_term(_TYPE, "r"), rdflib_term(_p("Akteur"), "r")))
    report = validate(data, reference=reference)
    if not report.conforms:
        raise ValidationFailed(report.to_text("de").splitlines()[0] if report.errors else "SHACL")


def save_answers(
    store: Store, iris: Iris, token: str, answers: Answers, *, final: bool, agent: str = "befragung"
) -> Questionnaire:
    """Save the answers behind a personal link, as a draft or (``final``) submitted.

    Checked first (partners on the roster and not the own institution, scales in range, consent to submit),
    then validated against the shapes like every import; written only when both pass. On submission the
    free-text partners the matcher does not link by itself go to the review queue
    (:func:`bildungsnetz.survey.freetext.queue_free_text`).

    Raises
    ------
    SurveyLinkError
        For an unknown or replaced link.
    RoundClosed
        (HTTP 409) when the round is closed.
    SurveyAnswerError
        Naming the answer that breaks a rule.
    ValidationFailed
        When the written graph would not conform to the shapes.
    """
    found, actor = find_token(store, iris, token)
    return save_actor_answers(store, iris, found.name, actor, answers, final=final, agent=agent)


def save_actor_answers(
    store: Store, iris: Iris, name: str, actor: str, answers: Answers, *, final: bool, agent: str = "befragung"
) -> Questionnaire:
    """Save the answers of an invited actor named by staff rather than by its link (a returned workbook), with
    the same checks as :func:`save_answers`.

    Raises
    ------
    UsageError
        (HTTP 404) when ``actor`` is not invited to round ``name``.
    RoundClosed, SurveyAnswerError, ValidationFailed
        As :func:`save_answers`.
    """
    with store.writer():
        found = get_round(store, iris, name)
        if found.closed:
            raise RoundClosed(f'Die Befragungswelle "{found.name}" ist geschlossen; Antworten werden nicht mehr '
                              f'angenommen / the survey round is closed; answers are no longer accepted')  # fmt: skip
        entries = roster(store, iris, found.name)
        if actor not in {e.actor for e in entries}:
            error = UsageError(f"{actor[:200]} ist zur Befragungswelle {found.name!r} nicht eingeladen / is not "
                               f"invited to the survey round {found.name!r}")  # fmt: skip
            error.http_status = 404
            raise error
        check_answers(answers, entries, actor, final=final)
        _, state, _ = answers_of(store, iris, found.name, actor)
        public_graph, private_graph = answer_graphs(iris, found.name, actor)
        old = _by_subject(store, public_graph).get(invitation_iri(iris, found.name, actor).value, {})
        opened = old.get(_p("geoeffnetAm").value, [])
        submitted = old.get(_p("abgeschicktAm").value)
        new_state = "beantwortet" if final or state == "beantwortet" else "entwurf"
        stamp = _stamp() if final else (submitted[0] if submitted else None)
        public, private = _triples(iris, found, actor, answers, new_state, opened, stamp)
        _validate(store, iris, found, public, private)
        store.replace_graphs({public_graph: public, private_graph: private})
        if new_state == "beantwortet":
            own = next(e for e in entries if e.actor == actor)
            queue_free_text(store, iris, found.name, own.label, answers.others)
    return _questionnaire(store, iris, found, actor)


def save_many(
    store: Store, iris: Iris, name: str, answers: dict[str, tuple[Answers | None, str]]
) -> int:
    """Write many actors' answers of round ``name`` at once (the demo, a batch of returned workbooks).

    ``answers`` maps an invited actor to ``(answers, state)``, state ``geoeffnet`` (answers ``None``),
    ``entwurf`` or ``beantwortet``. Every answer is checked as in :func:`save_answers` and all of them are
    validated against the shapes together; then one atomic write. Returns how many actors were written.

    Raises
    ------
    RoundClosed, SurveyAnswerError, ValidationFailed
        As :func:`save_answers`; nothing is written then.
    """
    with store.writer():
        found = get_round(store, iris, name)
        if found.closed:
            raise RoundClosed(f'Die Befragungswelle "{found.name}" ist geschlossen / the survey round is closed')
        entries = roster(store, iris, found.name)
        on_roster = {e.actor for e in entries}
        graphs: dict[str, list[ox.Triple]] = {}
        everything: list[ox.Triple] = []
        private_all: list[ox.Triple] = []
        for actor, (given, state) in answers.items():
            if actor not in on_roster:
                raise SurveyAnswerError("ist nicht zu dieser Befragungswelle eingeladen",
                                        "is not invited to this survey round", parameter=actor)  # fmt: skip
            public_graph, private_graph = answer_graphs(iris, found.name, actor)
            if given is None:
                inv = invitation_iri(iris, found.name, actor)
                public = [ox.Triple(inv, _p("antwortstatus"), ox.Literal("geoeffnet")),
                          ox.Triple(inv, _p("geoeffnetAm"), _stamp())]  # fmt: skip
                private: list[ox.Triple] = []
            else:
                final = state == "beantwortet"
                check_answers(given, entries, actor, final=final)
                public, private = _triples(iris, found, actor, given, "beantwortet" if final else "entwurf", [],
                                           _stamp() if final else None)  # fmt: skip
            graphs[public_graph], graphs[private_graph] = public, private
            everything += public
            private_all += private
        _validate(store, iris, found, everything, private_all)
        store.replace_graphs(graphs)
    return len(answers)
