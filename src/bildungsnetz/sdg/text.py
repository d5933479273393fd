"""German text normalisation for SDG matching: folding, hyphenated compounds, inflection endings."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["ENDINGS", "Token", "fold", "skeleton", "tokenise", "stem", "strip_ending"]

#: Inflection endings a pattern without ``*`` may carry (nouns, adjectives, persons), on the skeleton form.
#: Longest first, so :func:`strip_ending` removes "innen" before "n".
ENDINGS = (
    "erinnen",
    "innen",
    "erin",
    "ern",
    "nen",
    "ens",
    "en",
    "em",
    "er",
    "es",
    "in",
    "e",
    "n",
    "s",
    "r",
    "m",
    "",
)

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
# A word: letters and digits, with inner hyphens joining the parts of a compound ("Müllvermeidungs-AG")
# and a trailing hyphen of an elided compound part ("Klima- und Umweltschutz").
_WORD = re.compile(r"[^\W_]+(?:[-‐‑][^\W_]+)*[-‐‑]?")
_HYPHEN = re.compile(r"[-‐‑]")


def fold(text: str) -> str:
    """Lower-case, compatibility-normalise (CO₂ → co2) and spell umlauts out (ä → ae, ß → ss).

    >>> fold("Mülltrennung"), fold("Muelltrennung"), fold("CO₂-Fußabdruck")
    ('muelltrennung', 'muelltrennung', 'co2-fussabdruck')
    """
    return unicodedata.normalize("NFKC", text).casefold().translate(_UMLAUTS)


def skeleton(word: str) -> str:
    """The matching key of a word: folded, then ae/oe/ue reduced to a/o/u.

    Both spellings of an umlaut (Mülltrennung, Muelltrennung) and umlaut plurals (Wald → Wälder,
    Baum → Bäume) meet in one key. The same function is applied to the vocabulary, so a key is only ever
    compared with keys.

    >>> skeleton("Wälder"), skeleton("Waelder"), skeleton("Bäume")
    ('walder', 'walder', 'baume')
    """
    return fold(word).replace("ae", "a").replace("oe", "o").replace("ue", "u")


def strip_ending(key: str, *, keep: int = 4) -> str:
    """Remove the longest inflection ending of :data:`ENDINGS`, keeping at least ``keep`` letters.

    >>> strip_ending("klimaschutzprojekte"), strip_ending("bienen"), strip_ending("haus")
    ('klimaschutzprojekt', 'bien', 'haus')
    """
    for ending in ENDINGS:
        if ending and key.endswith(ending) and len(key) - len(ending) >= keep:
            return key[: -len(ending)]
    return key


def stem(word: str) -> str:
    """A light stem for display and grouping: the skeleton without its inflection ending.

    This is deliberately light (no derivational suffixes): the vocabulary's patterns say where a
    word may continue, and matching never depends on an aggressive stemmer's guesses.

    >>> stem("Klimaschutzprojekten") == stem("Klimaschutzprojekt")
    True
    """
    return strip_ending(skeleton(word))


@dataclass(frozen=True)
class Token:
    """One word of a text: its surface form, its position and the keys of its compound parts.

    ``parts`` are the skeleton keys of the hyphen-separated parts (one part for a plain word);
    ``key`` is their concatenation, so "Müllvermeidungs-AG" and "Müllvermeidungsag" share a key.
    """

    surface: str
    start: int
    end: int
    parts: tuple[str, ...]
    field: str = "text"

    @property
    def key(self) -> str:
        return "".join(self.parts)

    def candidates(self) -> list[tuple[str, int]]:
        """Strings a pattern may match: the whole key and every run of consecutive parts, with offsets.

        >>> t = tokenise("Eine-Welt-Laden")[0]
        >>> [c for c, _ in t.candidates()]
        ['eineweltladen', 'einewelt', 'weltladen', 'eine', 'welt', 'laden']
        """
        found = [(self.key, 0)]
        if len(self.parts) > 1:
            offsets = [0]
            for part in self.parts:
                offsets.append(offsets[-1] + len(part))
            n = len(self.parts)
            for size in range(n - 1, 0, -1):
                for i in range(n - size + 1):
                    found.append(("".join(self.parts[i : i + size]), offsets[i]))
        return found


def tokenise(text: str, *, field: str = "text") -> list[Token]:
    """Split a text into word tokens; hyphenated compounds stay one token with several parts.

    >>> [(t.surface, t.key) for t in tokenise("Müllvermeidungs-AG: Klima- und Umweltschutz, CO₂!")]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('Müllvermeidungs-AG', 'mullvermeidungsag'), ('Klima-', 'klima'), ('und', 'und'),
     ('Umweltschutz', 'umweltschutz'), ('CO₂', 'co2')]
    """
    tokens = []
    for m in _WORD.finditer(text):
        surface = m.group()
        parts = tuple(skeleton(p) for p in _HYPHEN.split(surface) if p)
        tokens.append(Token(surface=surface, start=m.start(), end=m.end(), parts=parts, field=field))
    return tokens
