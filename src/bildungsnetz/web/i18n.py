"""The web application's texts in German and English, read from ``texte.toml`` by key."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from functools import cache
from pathlib import Path

__all__ = ["LANGUAGES", "texts", "translator", "pick_language"]

#: Languages of the interface; the first is the default.
LANGUAGES = ("de", "en")
_FILE = Path(__file__).with_name("texte.toml")


@cache
def texts() -> dict[str, dict[str, str]]:
    """Every text as ``"section.key" → {"de": …, "en": …}``.

    >>> texts()["site.start"]["en"]
    'Home'
    """
    with _FILE.open("rb") as fh:
        data = tomllib.load(fh)
    return {f"{section}.{key}": value for section, entries in data.items() for key, value in entries.items()}


def translator(lang: str) -> Callable[..., str]:
    """A function ``t(key, **values)`` giving the text in ``lang`` (German when a text lacks it).

    >>> t = translator("en")
    >>> t("start.results_for", q="Kita")
    "Results for 'Kita'"
    >>> translator("de")("start.results_for", q="Kita")
    'Ergebnisse für »Kita«'
    """
    table = texts()

    def t(key: str, **values: object) -> str:
        entry = table.get(key)
        if entry is None:  # a missing key shows as itself: visible in the page and in the tests
            return key
        text = entry.get(lang) or entry["de"]
        return text.format(**values) if values else text

    return t


def pick_language(query: str | None, cookie: str | None) -> str:
    """``?lang=`` wins over the cookie; anything unknown falls back to German.

    >>> pick_language("en", None), pick_language(None, "en"), pick_language("fr", None)
    ('en', 'en', 'de')
    """
    for value in (query, cookie):
        if value in LANGUAGES:
            return value
    return LANGUAGES[0]
