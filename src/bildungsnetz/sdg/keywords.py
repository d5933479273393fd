"""The curated German SDG keyword vocabulary (``ontology/sdg/stichwoerter.tsv``) and the model parameters."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bildungsnetz.errors import VocabularyError
from bildungsnetz.resources import data_dir
from bildungsnetz.sdg.text import skeleton

__all__ = [
    "Pattern",
    "Rule",
    "Modell",
    "VocabularyError",
    "vocabulary_file",
    "model_file",
    "load_rules",
    "load_model",
]

_CODE = re.compile(r"^(1[0-7]|[1-9])(?:\.(\d{1,2}|[a-c]))?$")
_HEADER = ("muster", "ziele", "hinweis")
_CLEAN = re.compile(r"[^0-9a-zäöüß*\-]")


def vocabulary_file() -> Path:
    """The shipped keyword table.

    >>> vocabulary_file().name
    'stichwoerter.tsv'
    """
    return data_dir("ontology") / "sdg" / "stichwoerter.tsv"


def model_file() -> Path:
    """The shipped model parameters (threshold, title factor, calibration)."""
    return data_dir("ontology") / "sdg" / "modell.toml"


@dataclass(frozen=True)
class Pattern:
    """One word of a keyword pattern: its skeleton ``literal`` and whether it continues left or right.

    >>> Pattern.parse("Klimaschutz*")
    Pattern(literal='klimaschutz', left=False, right=True)
    """

    literal: str
    left: bool = False
    right: bool = False

    @classmethod
    def parse(cls, word: str) -> Pattern:
        text = _CLEAN.sub("", word.casefold())
        left, right = text.startswith("*"), text.endswith("*")
        literal = skeleton(text.strip("*").replace("-", ""))
        return cls(literal=literal, left=left, right=right)

    @property
    def mode(self) -> str:
        """``exact``, ``modifier`` (wort*), ``head`` (*wort) or ``infix`` (*wort*)."""
        return {(False, False): "exact", (False, True): "modifier", (True, False): "head"}.get(
            (self.left, self.right), "infix"
        )


@dataclass(frozen=True)
class Rule:
    """One line of the vocabulary: a pattern (one or more words) and the goals it is evidence for.

    ``weights`` holds ``(goal, target or None, weight)``; an empty tuple marks an exclusion.
    """

    text: str
    words: tuple[Pattern, ...]
    weights: tuple[tuple[int, str | None, float], ...]
    line: int

    @property
    def exclusion(self) -> bool:
        return not self.weights


@dataclass(frozen=True)
class Modell:
    """Parameters of the suggester, read from ``ontology/sdg/modell.toml``."""

    method: str
    threshold: float
    threshold_more: float
    title_factor: float
    max_suggestions: int
    relative: float
    a: float
    b: float


def _error(path: Path, line: int, column: str, german: str, english: str) -> VocabularyError:
    return VocabularyError(f"{path.name}, Zeile/line {line}, Spalte/column {column}: {german} / {english}")


def _weights(path: Path, number: int, cell: str) -> tuple[tuple[int, str | None, float], ...]:
    if cell.strip() == "-":
        return ()
    found = []
    for item in cell.split():
        code, sep, weight = item.partition(":")
        m = _CODE.match(code)
        if not sep or not m:
            raise _error(
                path,
                number,
                "ziele",
                f"»{item}« ist nicht Ziel:Gewicht (z. B. 13.3:0.8)",
                f"{item!r} is not goal:weight (e.g. 13.3:0.8)",
            )
        try:
            value = float(weight)
        except ValueError:
            value = -1.0
        if not 0 < value <= 1:
            raise _error(
                path,
                number,
                "ziele",
                f"Gewicht »{weight}« liegt nicht in (0, 1]",
                f"weight {weight!r} is not in (0, 1]",
            )
        found.append((int(m[1]), code if m[2] else None, value))
    if not found:
        raise _error(
            path, number, "ziele", "leer (»-« für einen Ausschluss)", "empty (use '-' for an exclusion)"
        )
    return tuple(found)


def parse_rules(path: Path, *, text: str | None = None) -> tuple[Rule, ...]:
    """Read a keyword table: comment lines start with ``#``, the first other line is the header.

    >>> text = "muster\\tziele\\thinweis\\nKlima*\\t13:0.8\\nschulklima\\t-\\n"
    >>> rules = parse_rules(Path("t.tsv"), text=text)
    >>> [(r.words[0].mode, r.weights) for r in rules]
    [('modifier', ((13, None, 0.8),)), ('exact', ())]
    """
    if text is None:
        text = path.read_text(encoding="utf-8")
    rules: list[Rule] = []
    header_seen = False
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        cells = raw.split("\t")
        if not header_seen:
            if tuple(c.strip() for c in cells[:3]) != _HEADER[: len(cells[:3])] or len(cells) < 2:
                raise _error(
                    path,
                    number,
                    "-",
                    "Kopfzeile muss »muster, ziele, hinweis« sein",
                    "header must be 'muster, ziele, hinweis' (tab-separated)",
                )
            header_seen = True
            continue
        if len(cells) < 2:
            raise _error(path, number, "ziele", "fehlt (Tabulator?)", "is missing (tab?)")
        pattern = cells[0].strip()
        words = tuple(Pattern.parse(w) for w in pattern.split())
        if not words or any(not w.literal for w in words) or len("".join(w.literal for w in words)) < 2:
            raise _error(path, number, "muster", f"»{pattern}« ist zu kurz", f"{pattern!r} is too short")
        key = " ".join(f"{'*' * w.left}{w.literal}{'*' * w.right}" for w in words)
        if key in seen:
            raise _error(
                path,
                number,
                "muster",
                f"»{pattern}« steht schon in Zeile {seen[key]}",
                f"{pattern!r} is already given in line {seen[key]}",
            )
        seen[key] = number
        rules.append(Rule(text=pattern, words=words, weights=_weights(path, number, cells[1]), line=number))
    return tuple(rules)


@cache
def load_rules(path: Path | None = None) -> tuple[Rule, ...]:
    """The rules of the keyword table (the shipped one by default), parsed once per process.

    >>> len(load_rules()) > 500
    True
    """
    return parse_rules(path or vocabulary_file())


@cache
def load_model(path: Path | None = None) -> Modell:
    """The model parameters (the shipped ones by default).

    >>> 0 < load_model().threshold < 1
    True
    """
    path = path or model_file()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        return Modell(
            method=str(data["verfahren"]["name"]),
            threshold=float(data["bewertung"]["schwelle"]),
            threshold_more=float(data["bewertung"]["schwelle_weitere"]),
            title_factor=float(data["bewertung"]["titel_faktor"]),
            max_suggestions=int(data["bewertung"]["hoechstens"]),
            relative=float(data["bewertung"].get("relativ", 0.0)),
            a=float(data["kalibrierung"]["a"]),
            b=float(data["kalibrierung"]["b"]),
        )
    except KeyError as exc:
        raise VocabularyError(f"{path.name}: Eintrag {exc} fehlt / entry {exc} is missing") from None
