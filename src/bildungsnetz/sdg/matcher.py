"""Explainable SDG suggestions for short German offer texts from the curated keyword vocabulary."""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from bildungsnetz.errors import InputError
from bildungsnetz.sdg.keywords import Modell, Pattern, Rule, load_model, load_rules
from bildungsnetz.sdg.text import ENDINGS, Token, tokenise

__all__ = ["Suggestion", "Match", "Matcher", "get_matcher", "suggest", "suggest_file", "goal_label"]


@dataclass(frozen=True)
class Suggestion:
    """One suggested SDG: goal, target where clear, German goal label, calibrated score, evidence words."""

    sdg: int
    target: str | None
    label: str
    score: float
    evidence: list[str]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form.

        >>> Suggestion(13, "13.3", "Maßnahmen zum Klimaschutz", 0.9, ["Klimaschutz"]).to_dict()["target"]
        '13.3'
        """
        return asdict(self)


@dataclass(frozen=True)
class Match:
    """One rule matched in a text: the words it covers, their surface text, field and position."""

    rule: Rule
    first: int  # index of the first token
    last: int  # index of the last token
    start: int  # span in the document's key coordinates, for "longer match wins"
    end: int
    surface: str
    field: str


@cache
def goal_label(goal: int) -> str:
    """The German short title of a goal from the SDG vocabulary.

    >>> goal_label(13)
    'Maßnahmen zum Klimaschutz'
    """
    from bildungsnetz.namespace import VOCAB  # noqa: PLC0415 - the vocabulary graph is only loaded when needed
    from bildungsnetz.vocab import get_vocabulary  # noqa: PLC0415

    return get_vocabulary().label(VOCAB[f"sdg/{goal}"]) or f"SDG {goal}"


def _word_matches(p: Pattern, key: str) -> bool:
    lit = p.literal
    if p.mode == "infix":
        return lit in key
    if p.mode == "modifier":
        return key.startswith(lit)
    for ending in ENDINGS:
        if key.endswith(ending):
            stem = key[: len(key) - len(ending)] if ending else key
            if (p.mode == "exact" and stem == lit) or (p.mode == "head" and stem.endswith(lit)):
                return True
    return False


class Matcher:
    """Find vocabulary rules in a text and turn them into scored suggestions.

    All single words (and the first word of each phrase, and each phrase written as one word) are indexed
    by their literal, so a token costs a few dictionary look-ups per character instead of one regular
    expression per rule.

    Parameters
    ----------
    rules : tuple of Rule
        The keyword vocabulary, usually :func:`~bildungsnetz.sdg.keywords.load_rules`.
    model : Modell
        Threshold, title factor and calibration.

    Examples
    --------
    >>> m = get_matcher()
    >>> [s.sdg for s in m.suggest("Klimaschutzprojekt: Wir messen den CO2-Ausstoß der Schule.")][:1]
    [13]
    >>> m.suggest("Mathe-Nachhilfe für die Klassen 5 bis 10")
    []
    """

    def __init__(self, rules: tuple[Rule, ...], model: Modell) -> None:
        self.rules = rules
        self.model = model
        # literal → [(rule, word index)] per mode; word index 0 of a phrase starts a phrase match,
        # word index -1 marks a phrase matched in its written-together form.
        self._index: dict[str, dict[str, list[tuple[Rule, int]]]] = {
            m: defaultdict(list) for m in ("exact", "modifier", "head", "infix")
        }
        for rule in rules:
            first = rule.words[0]
            self._index[first.mode][first.literal].append((rule, 0))
            if (
                len(rule.words) > 1
                and not any(w.right for w in rule.words[:-1])
                and not any(w.left for w in rule.words[1:])
            ):
                joined = Pattern(
                    "".join(w.literal for w in rule.words), rule.words[0].left, rule.words[-1].right
                )
                self._index[joined.mode][joined.literal].append((rule, -1))
        self._max_len = max((len(lit) for idx in self._index.values() for lit in idx), default=0)

    # -- finding rules in a text -------------------------------------------------------------

    def _lookups(self, cand: str) -> list[tuple[Rule, int, int, int]]:
        """Rules whose (first) word matches the string ``cand``: (rule, word index, span start, span end)."""
        found = []
        idx = self._index
        n = len(cand)
        for ending in ENDINGS:
            if not cand.endswith(ending):
                continue
            stem = cand[: n - len(ending)] if ending else cand
            for rule, w in idx["exact"].get(stem, ()):
                found.append((rule, w, 0, len(stem)))
            for j in range(len(stem)):
                for rule, w in idx["head"].get(stem[j:], ()):
                    found.append((rule, w, j, len(stem)))
        for i in range(1, min(n, self._max_len) + 1):
            for rule, w in idx["modifier"].get(cand[:i], ()):
                found.append((rule, w, 0, i))
        infix = idx["infix"]
        for i in range(n):
            for j in range(i + 1, min(n, i + self._max_len) + 1):
                for rule, w in infix.get(cand[i:j], ()):
                    found.append((rule, w, i, j))
        return found

    def find(self, tokens: list[Token]) -> list[Match]:
        """All rule matches in a token list, before overlapping ones are resolved."""
        offsets = []
        pos = 0
        for t in tokens:
            offsets.append(pos)
            pos += len(t.key) + 1
        matches: dict[tuple[int, int, int, int], Match] = {}
        for i, token in enumerate(tokens):
            for cand, off in token.candidates():
                for rule, w, s, e in self._lookups(cand):
                    if w == -1 or len(rule.words) == 1:
                        start, end, last = offsets[i] + off + s, offsets[i] + off + e, i
                    else:
                        last = i + len(rule.words) - 1
                        if off + len(cand) != len(token.key) or last >= len(tokens):
                            continue  # a phrase starts with the last part of a word
                        if not all(
                            _word_matches(p, tokens[i + k].key) or _word_matches(p, tokens[i + k].parts[0])
                            for k, p in enumerate(rule.words[1:], start=1)
                        ):
                            continue
                        start = offsets[i] + off + s
                        end = offsets[last] + len(tokens[last].key)
                    key = (id(rule), start, end, i)
                    if key not in matches:
                        surface = " ".join(t.surface for t in tokens[i : last + 1]).rstrip("-‐‑")
                        matches[key] = Match(rule, i, last, start, end, surface, token.field)
        return list(matches.values())

    @staticmethod
    def resolve(matches: list[Match]) -> list[Match]:
        """Drop matches strictly inside a longer one (klima* inside klimaschutz* or inside schulklima)."""
        kept = []
        for m in matches:
            inside = any(
                o is not m and o.start <= m.start and m.end <= o.end and (o.end - o.start) > (m.end - m.start)
                for o in matches
            )
            if not inside:
                kept.append(m)
        return kept

    # -- scoring -----------------------------------------------------------------------------

    def calibrate(self, evidence: float) -> float:
        """Map the evidence (0..1) to the calibrated score (estimated probability of confirmation)."""
        return 1.0 / (1.0 + math.exp(-(self.model.a * evidence + self.model.b)))

    def evidence(self, text: str, *, title: str | None = None) -> dict[int, dict[str, object]]:
        """Per goal: the evidence value (noisy-OR of weights), the target, and the evidence words.

        >>> ev = get_matcher().evidence("Wir legen eine Streuobstwiese an.")
        >>> {goal: (round(e["value"], 2), e["words"]) for goal, e in sorted(ev.items())}
        {2: (0.3, ['Streuobstwiese']), 15: (0.9, ['Streuobstwiese'])}
        """
        tokens = tokenise(title, field="titel") if title else []
        tokens += tokenise(text, field="text")
        found = [m for m in self.resolve(self.find(tokens)) if not m.rule.exclusion]
        per_goal: dict[int, dict[str, tuple[float, str | None, str, int]]] = defaultdict(dict)
        for m in found:
            factor = self.model.title_factor if m.field == "titel" else 1.0
            for goal, target, weight in m.rule.weights:
                w = min(1.0, weight * factor)
                word = m.surface.casefold()
                old = per_goal[goal].get(word)
                if old is None or w > old[0]:
                    per_goal[goal][word] = (w, target, m.surface, m.start)
        result: dict[int, dict[str, object]] = {}
        for goal, words in per_goal.items():
            value = 1.0 - math.prod(1.0 - w for w, _, _, _ in words.values())
            targets: dict[str | None, float] = defaultdict(float)
            for w, target, _, _ in words.values():
                targets[target] += w
            best = max((t for t in targets if t), key=lambda t: targets[t], default=None)
            if best is not None and targets[best] < 0.5 * sum(targets.values()):
                best = None
            ordered = sorted(words.values(), key=lambda x: (-x[0], x[3]))
            result[goal] = {
                "value": value,
                "target": best,
                "words": list(dict.fromkeys(x[2] for x in ordered)),
            }
        return result

    def suggest(self, text: str, *, title: str | None = None) -> list[Suggestion]:
        """Suggested SDGs for one text, best first; an empty list when the evidence is too weak.

        Parameters
        ----------
        text : str
            The offer's description (or title and description in one string).
        title : str, optional
            The offer's title; its words weigh ``titel_faktor`` times more.

        Returns
        -------
        list of Suggestion
            Sorted by score, highest first; at most ``hoechstens`` goals.
        """
        ev = self.evidence(text, title=title)
        if not ev:
            return []
        top = max(e["value"] for e in ev.values())
        if top < self.model.threshold:
            return []  # abstain: nothing in the text is clear evidence of any goal
        # Once one goal is clear, weaker goals of the same text are worth a reviewer's look.
        floor = max(self.model.threshold_more, self.model.relative * top)
        picked = [(goal, e) for goal, e in ev.items() if e["value"] >= floor]
        picked.sort(key=lambda ge: (-ge[1]["value"], -len(ge[1]["words"]), ge[0]))
        return [
            Suggestion(
                sdg=goal,
                target=e["target"],
                label=goal_label(goal),
                score=round(self.calibrate(e["value"]), 3),
                evidence=list(e["words"]),
            )
            for goal, e in picked[: self.model.max_suggestions]
        ]


@cache
def get_matcher() -> Matcher:
    """The matcher over the shipped vocabulary and model (built once per process)."""
    return Matcher(load_rules(), load_model())


def suggest(text: str, *, title: str | None = None) -> list[Suggestion]:
    """Suggested SDGs for a short German offer text, best first, each with its evidence words.

    >>> [(s.sdg, s.evidence) for s in suggest("Unsere Müllvermeidungs-AG sammelt Ideen gegen Plastik.")][:1]
    [(12, ['Müllvermeidungs-AG', 'Plastik'])]
    """
    return get_matcher().suggest(text, title=title)


def suggest_file(path: Path | str) -> dict[str, list[dict[str, object]]]:
    """Suggestions for every row of a CSV with the columns ``id, titel, beschreibung``.

    The delimiter (comma or semicolon) is detected; the file must be UTF-8 (a BOM is accepted).

    Returns
    -------
    dict
        Offer id → list of suggestions as JSON-ready dicts (possibly empty), in file order.

    Raises
    ------
    InputError
        When the file cannot be read, a column is missing, or an id is empty or repeated.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"{path.name}: Datei nicht lesbar (UTF-8?) / cannot read file (UTF-8?): {exc}"
        ) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(text.splitlines(), dialect=dialect)
    columns = [c.strip().casefold() for c in reader.fieldnames or []]
    missing = [c for c in ("id", "titel", "beschreibung") if c not in columns]
    if missing:
        raise InputError(
            f"{path.name}: Spalte(n) {', '.join(missing)} fehlen / column(s) {', '.join(missing)} missing "
            f"(erwartet/expected: id, titel, beschreibung)"
        )
    result: dict[str, list[dict[str, object]]] = {}
    for number, row in enumerate(reader, start=2):
        row = {(k or "").strip().casefold(): (v or "") for k, v in row.items()}
        key = row["id"].strip()
        if not key:
            raise InputError(f"{path.name}, Zeile/row {number}, Spalte/column id: leer / empty")
        if key in result:
            raise InputError(
                f"{path.name}, Zeile/row {number}, Spalte/column id: »{key}« doppelt / {key!r} repeated"
            )
        result[key] = [s.to_dict() for s in suggest(row["beschreibung"], title=row["titel"])]
    return result
