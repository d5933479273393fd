"""Ties of a survey round from its Nennungen (bestätigt, einseitig, unbestätigt) and the response rates."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from bildungsnetz.errors import ParameterError
from bildungsnetz.iris import Iris
from bildungsnetz.queries import get, run
from bildungsnetz.store.base import Store
from bildungsnetz.survey.freetext import free_text_nominations
from bildungsnetz.survey.rounds import get_round, roster, round_iri, states

__all__ = ["RULES", "Tie", "Rate", "ties", "response_rates", "check_rule", "classify"]

#: The tie rules of an analysis: ``alle`` (documented and every survey tie: the union, default), ``bestaetigt``
#: (documented and confirmed survey ties: conservative, for claims about isolated institutions),
#: ``dokumentiert`` (agreements and spreadsheets only, no survey).
RULES = ("alle", "bestaetigt", "dokumentiert")
_RULE_ALIASES = {"all": "alle", "union": "alle", "confirmed": "bestaetigt", "bestätigt": "bestaetigt",
                 "documented": "dokumentiert"}  # fmt: skip


def check_rule(rule: str | None, *, param: str = "ties") -> str:
    """The tie rule as its code; English names and ``bestätigt`` are accepted.

    >>> check_rule("confirmed"), check_rule(None)
    ('bestaetigt', 'alle')
    """
    text = str(rule or "alle").strip().casefold()
    text = _RULE_ALIASES.get(text, text)
    if text not in RULES:
        raise ParameterError(param, str(rule), f"ist keine Regel ({', '.join(RULES)})",
                             f"is no tie rule ({', '.join(RULES)})")  # fmt: skip
    return text


@dataclass(frozen=True)
class Tie:
    """An undirected tie of a round between ``a`` and ``b`` (IRIs, ``a < b``) with each side's answers.

    ``intensity`` and ``frequency`` are ``(a about b, b about a)``; ``None`` where that side did not name the
    other (or left the item out). Where both answered, ``min``, ``mean`` and ``gap`` describe how differently
    they see the tie: asymmetric perception is itself a finding. ``free_text`` is true where a side named the
    other only under "Weitere Partner" (free text the matcher linked), not from the list.
    """

    a: str
    b: str
    status: str
    intensity: tuple[int | None, int | None]
    frequency: tuple[int | None, int | None]
    free_text: bool = False

    @property
    def intensity_min(self) -> int | None:
        both = [x for x in self.intensity if x is not None]
        return min(both) if both else None

    @property
    def intensity_mean(self) -> float | None:
        both = [x for x in self.intensity if x is not None]
        return sum(both) / len(both) if both else None

    @property
    def intensity_gap(self) -> int | None:
        """``|a about b − b about a|`` when both gave an intensity, else ``None``."""
        x, y = self.intensity
        return abs(x - y) if x is not None and y is not None else None


def classify(named: set[tuple[str, str]], answered: set[str]) -> dict[tuple[str, str], str]:
    """The status of every pair from directed nominations ``(reporter, named)`` and who answered.

    >>> classify({("A", "B"), ("B", "A"), ("A", "C"), ("D", "E")}, {"A", "B", "C", "D"})
    {('A', 'B'): 'bestaetigt', ('A', 'C'): 'einseitig', ('D', 'E'): 'unbestaetigt'}
    """
    result: dict[tuple[str, str], str] = {}
    for u, v in sorted(named):
        pair = (min(u, v), max(u, v))
        if pair in result:
            continue
        if (v, u) in named:
            result[pair] = "bestaetigt"
        elif v in answered:
            result[pair] = "einseitig"
        else:
            result[pair] = "unbestaetigt"
    return result


def ties(store: Store, iris: Iris, name: str, rule: str = "alle") -> list[Tie]:
    """The ties of round ``name`` from its submitted Nennungen (desired partners are not ties), and from the
    free-text partners the matcher links (:func:`bildungsnetz.survey.freetext.free_text_nominations`).

    ``rule`` ``alle`` keeps every status (ties reported about non-respondents too), ``bestaetigt`` only
    confirmed pairs, ``dokumentiert`` none (documented ties are not the survey's).
    """
    rule = check_rule(rule)
    found = get_round(store, iris, name)
    if rule == "dokumentiert":
        return []
    answered = {a for a, s in states(store, iris, found.name).items() if s == "beantwortet"}
    wanted = round_iri(iris, found.name).value
    rows = [r for r in run(get("nennungen", folder="survey"), {}, store=store, iris=iris, city="stadt").rows
            if r["round"] == wanted]  # fmt: skip
    said: dict[tuple[str, str], dict] = {}
    for r in rows:
        if r["desired"] is True or r["reporter"] == r["named"]:
            continue
        said[(r["reporter"], r["named"])] = r
    for pair in free_text_nominations(store, iris, found.name, answered):
        said.setdefault(pair, {"free_text": True})
    result = []
    for (a, b), status in classify(set(said), answered).items():
        if rule == "bestaetigt" and status != "bestaetigt":
            continue
        ab, ba = said.get((a, b), {}), said.get((b, a), {})
        result.append(Tie(a, b, status, (ab.get("intensity"), ba.get("intensity")),
                          (ab.get("frequency"), ba.get("frequency")),
                          bool(ab.get("free_text") or ba.get("free_text"))))  # fmt: skip
    return result


@dataclass(frozen=True)
class Rate:
    """Response of one scope: invited, answered, and the rate (answered / invited)."""

    invited: int
    answered: int

    @property
    def rate(self) -> float:
        return self.answered / self.invited if self.invited else 0.0


def response_rates(store: Store, iris: Iris, name: str) -> dict[str, Rate]:
    """Response per Stadtbezirk (IRI) and for the whole round (key ``""``)."""
    now = states(store, iris, name)
    invited: dict[str, int] = defaultdict(int)
    answered: dict[str, int] = defaultdict(int)
    for e in roster(store, iris, name):
        for scope in ("", e.stadtbezirk):
            invited[scope] += 1
            answered[scope] += now.get(e.actor) == "beantwortet"
    return {scope: Rate(invited[scope], answered[scope]) for scope in invited}
