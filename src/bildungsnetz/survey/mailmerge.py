"""The mail-merge list of a round's invitations: one row per invited actor with its personal link.

The command line (``survey new/invitations``), the web page and REST build their links here, on the public
address of the server (``BILDUNGSNETZ_PUBLIC_URL`` or ``--url``), so every list points where respondents reach it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from bildungsnetz.errors import ParameterError
from bildungsnetz.survey.model import Invitation

__all__ = ["INVITATION_COLUMNS", "invitation_link", "invitation_rows", "public_base"]

#: Columns of the mail-merge list (``kontakt`` only with contact persons, role intern).
INVITATION_COLUMNS = ["welle", "akteur", "name", "adresse", "stadtbezirk", "art", "link"]


def public_base(url: str | None, *, param: str = "BILDUNGSNETZ_PUBLIC_URL / --url") -> str:
    """The public address links are made on, without a trailing slash.

    >>> public_base("https://bildung.example.org/")
    'https://bildung.example.org'

    Raises
    ------
    ParameterError
        When it is missing or not an ``http(s)://`` address: links on a guessed address would reach nobody.
    """
    text = str(url or "").strip()
    if not text:
        raise ParameterError(param, None, "fehlt: die öffentliche Adresse des Servers, unter der die Befragten "
                             "ihn erreichen, z. B. https://bildung.stadt.de (Einstellung BILDUNGSNETZ_PUBLIC_URL "
                             "oder --url); es wurde nichts geändert",
                             "is missing: the server's public address as respondents reach it, e.g. "
                             "https://bildung.stadt.de (setting BILDUNGSNETZ_PUBLIC_URL or --url); nothing was "
                             "changed")  # fmt: skip
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ParameterError(param, text, "ist keine http(s)-Adresse", "is not an http(s) address")
    return text.rstrip("/")


def invitation_link(base: str, token: str) -> str:
    """The personal link of ``token`` on the public address ``base``.

    >>> invitation_link("https://bildung.example.org", "abc")
    'https://bildung.example.org/befragung/abc'
    """
    return f"{base}/befragung/{token}"


def invitation_rows(
    invitations: Iterable[Invitation | dict[str, Any]], *, base: str | None, with_contacts: bool
) -> list[dict[str, Any]]:
    """The mail-merge rows: one per invited actor, the personal link where it was just made.

    ``base`` is the public address (:func:`public_base`); it may be ``None`` only when no invitation has a link.

    >>> inv = Invitation("2026", "urn:a", "Kita Bär", "Weg 1", "Hörde", "Kita", token="abc", contact="X")
    >>> invitation_rows([inv], base="https://b.example", with_contacts=False)[0]["link"]
    'https://b.example/befragung/abc'
    """
    rows = []
    for inv in invitations:
        row = dataclasses.asdict(inv) if isinstance(inv, Invitation) else dict(inv)
        token = row.get("token")
        if token and base is None:
            base = public_base(None)
        entry = {
            "welle": row["round"], "akteur": row["actor"], "name": row["label"], "adresse": row["address"],
            "stadtbezirk": row["stadtbezirk"], "art": row["kind_label"],
            "link": invitation_link(base, token) if token and base else "",
        }  # fmt: skip
        if with_contacts:
            entry["kontakt"] = row.get("contact") or ""
        rows.append(entry)
    return rows
