"""Names in reference columns: what the table importer asks when a partner, member, provider or recipient cell
holds no known id.

The importer sits below the matcher (:mod:`bildungsnetz.matching`), so it only knows this small interface; the
callers of :func:`~bildungsnetz.ingest.pipeline.import_files` hand it a linker built by the matcher
(:class:`bildungsnetz.matching.linker.StoreLinker`). Without one, a name stays an unknown reference, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["NameLink", "NameLinker", "candidates_text"]


@dataclass(frozen=True)
class NameLink:
    """What the matcher says about one name.

    ``actor`` is the IRI of the actor the name is linked to, set only when the matcher accepted the link by its
    own rule (one candidate above its high threshold, clearly ahead of the next); ``label`` and ``score`` belong
    to that actor. ``candidates`` are the best candidates as ``(name, id, score)``, best first, for a person to
    decide; empty when nothing resembles the name.
    """

    text: str
    actor: str | None = None
    label: str = ""
    score: float = 0.0
    candidates: tuple[tuple[str, str, float], ...] = ()


class NameLinker(Protocol):
    """Links a name to an actor of the store, and holds the names a person must decide."""

    def link(self, text: str) -> NameLink:
        """The matcher's answer for ``text`` (a cell value that is no known id)."""
        ...

    def hold(self, names: list[tuple[str, str]]) -> int:
        """Put ``(name, where)`` pairs on the review list; returns how many were new there."""
        ...


def candidates_text(link: NameLink, *, limit: int = 3) -> str:
    """The best candidates of ``link`` for a message: ``"Name" (id, 0.87)``, comma-separated.

    >>> candidates_text(NameLink("Kita Sonne", candidates=(("Kita Sonne Nord", "K-1", 0.871),
    ...                                                     ("Kita Sonne Süd", "K-2", 0.86))))
    '"Kita Sonne Nord" (K-1, 0.87), "Kita Sonne Süd" (K-2, 0.86)'
    """
    return ", ".join(f'"{name}" ({ident}, {score:.2f})' for name, ident, score in link.candidates[:limit])
