"""Organisation names as comparable words: abbreviations expanded, legal forms and city names stripped,
compounds split, umlauts folded."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz import fuzz

__all__ = ["ABBREVIATIONS", "GENERIC", "LEGAL_FORMS", "SCHOOL_TYPES", "fold", "normalise", "words"]

#: Abbreviations as offices write them → the words they stand for (after folding, without dots).
ABBREVIATIONS: dict[str, str] = {
    "gs": "grundschule", "ggs": "gemeinschaft grundschule", "gg": "gemeinschaft grundschule",
    "gem": "gemeinschaft", "kgs": "katholisch grundschule", "kg": "katholisch grundschule",
    "egs": "evangelisch grundschule", "eg": "evangelisch grundschule",
    "ge": "gesamtschule", "sk": "sekundarschule", "gym": "gymnasium", "gy": "gymnasium",
    "rs": "realschule", "hs": "hauptschule", "bk": "berufskolleg", "fos": "forderschule", "fs": "forderschule",
    "wbk": "weiterbildungskolleg", "staedt": "stadtisch", "stadt": "stadtisch", "stad": "stadtisch",
    "kath": "katholisch", "ev": "evangelisch", "vhs": "volkshochschule", "fz": "familienzentrum",
    "famz": "familienzentrum", "jfs": "jugendfreizeitstatte", "jfe": "jugendfreizeiteinrichtung",
    "jz": "jugendzentrum", "kiga": "kita", "kindertagesstatte": "kita", "kindergarten": "kita",
    "kindertageseinrichtung": "kita", "gemeinschaftsgrundschule": "gemeinschaft grundschule",
    "katholische": "katholisch", "evangelische": "evangelisch", "stadtische": "stadtisch",
    "gemeinschafts": "gemeinschaft", "gemeinsch": "gemeinschaft", "grundsch": "grundschule",
    "st": "sankt", "hl": "heilig", "str": "strasse", "fsp": "forderschwerpunkt", "sek": "sekundarstufe",
}  # fmt: skip
#: Legal forms, stripped (compared after folding, dots and blanks removed).
LEGAL_FORMS = frozenset({"ev", "ggmbh", "gug", "gmbh", "kdor", "aor", "stiftung", "ek", "ag", "kg", "co", "gbr"})
#: The kinds of school: a name with one of them never means a school of another kind.
SCHOOL_TYPES = frozenset(
    "grundschule gesamtschule sekundarschule gymnasium realschule hauptschule berufskolleg forderschule".split()
)
#: Words every second name carries; they count, but little (the distinctive word decides).
GENERIC = frozenset(
    """schule grundschule gemeinschaft katholisch evangelisch stadtisch gesamtschule sekundarschule gymnasium
    realschule hauptschule berufskolleg forderschule weiterbildungskolleg primarstufe sekundarstufe und der die
    das dem den des am an im in auf fur von zu zum zur f d u i ii stadt kita familienzentrum""".split()
)
# Heads that end a compound: "Herderschule" → "herder schule". Longest first, so "grundschule" wins.
_HEADS = tuple(
    sorted(
        """schule grundschule gesamtschule realschule hauptschule sekundarschule forderschule gymnasium
        berufskolleg kolleg zentrum kita kindergarten bibliothek verein strasse""".split(),
        key=len,
        reverse=True,
    )
)
_STRIP = re.compile(r"[^a-z0-9]+")
_LEGAL_SPACED = re.compile(r"\b(e\.\s?v|g\.?\s?gmbh|gmbh\s*&\s*co\.?\s*kg|e\.\s?k)\b\.?", re.IGNORECASE)


def fold(text: str) -> str:
    """Lower case, ``ß`` → ``ss``, umlauts and accents folded (``ä`` → ``a``), for comparison only.

    >>> fold("Städt. Größe Ärztinnen")
    'stadt. grosse arztinnen'
    """
    text = text.casefold().replace("ß", "ss")
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def _split(word: str) -> list[str]:
    if word in _HEADS or word in GENERIC:
        return [word]
    for head in _HEADS:
        if word.endswith(head) and len(word) - len(head) >= 3:
            stem = word[: -len(head)]
            return [*_split(stem), head]
    # A typo in the head ("Hohwartshule"): a tail close to a long head is that head.
    for head in reversed(_HEADS):  # shortest first: "Lieberfeldschle" is a "schule", not a "realschule"
        if len(head) < 6:
            continue
        for cut in (len(head) - 1, len(head) + 1, len(head)):
            if len(word) - cut >= 3 and fuzz.ratio(word[-cut:], head) >= 85:
                return [*_split(word[:-cut]), head]
    return [word]


def words(text: str, *, strip: Iterable[str] = ()) -> list[str]:
    """The comparable words of a name, in order.

    Parameters
    ----------
    text : str
        A name as written (``"GS Am Röttgersbach"``, ``"Herderschule"``).
    strip : iterable of str
        Words to drop as well, typically the municipality (``"Dortmund"``): they tell nothing about which
        of the city's institutions is meant.

    Returns
    -------
    list of str
        Folded words; abbreviations expanded, legal forms removed, compounds split at a known head.

    Examples
    --------
    >>> words("Städt. KGS Herderschule e. V.", strip=["Dortmund"])
    ['stadtisch', 'katholisch', 'grundschule', 'herder', 'schule']
    >>> words("Erich Kästner-Schule Dortmund", strip=["Dortmund"])
    ['erich', 'kastner', 'schule']
    >>> words("Hohwartshule")
    ['hohwart', 'schule']
    >>> words("KG Stenzelbergstr.")
    ['katholisch', 'grundschule', 'stenzelberg', 'strasse']
    """
    dropped = {fold(s) for s in strip}
    text = _LEGAL_SPACED.sub(" ", text)
    result: list[str] = []
    for raw in _STRIP.split(fold(text)):
        if not raw or raw in dropped:
            continue
        if raw.endswith("str") and len(raw) > 5:  # "Stenzelbergstr." is the Stenzelbergstraße
            raw += "asse"
        if raw in LEGAL_FORMS and raw not in ABBREVIATIONS:
            continue
        for part in ABBREVIATIONS.get(raw, raw).split():
            for piece in _split(part):
                piece = ABBREVIATIONS.get(piece, piece)
                result.extend(piece.split())
    return result


def normalise(text: str, *, strip: Iterable[str] = ()) -> str:
    """The normalised form of a name: its :func:`words` joined by blanks (the key of confirmed aliases).

    >>> normalise("GS Am Röttgersbach") == normalise("Grundschule am Roettgersbach")
    False
    >>> normalise("GS  Am Röttgersbach"), normalise("Grundschule am Röttgersbach")
    ('grundschule am rottgersbach', 'grundschule am rottgersbach')
    """
    return " ".join(words(text, strip=strip))
