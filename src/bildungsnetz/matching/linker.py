"""The matcher as the table importer's name linker: names in reference columns linked to the store's actors."""

from __future__ import annotations

from bildungsnetz.ingest.names import NameLink
from bildungsnetz.iris import Iris
from bildungsnetz.matching.decisions import enqueue, store_matcher
from bildungsnetz.matching.index import Matcher
from bildungsnetz.store.base import Store

__all__ = ["StoreLinker"]


class StoreLinker:
    """Links names to the actors of ``store`` with the matcher's own rule, and queues the rest for a person.

    The matcher (every actor, every decision people made) is built on the first name only, so an import whose
    cells all hold ids costs nothing more. ``queue=False`` leaves the review list alone (a read-only store).
    Implements :class:`bildungsnetz.ingest.names.NameLinker`.
    """

    def __init__(self, store: Store, *, iris: Iris | None = None, queue: bool = True) -> None:
        self.store, self.iris, self.queue = store, iris or Iris(), queue
        self._matcher: Matcher | None = None

    @property
    def matcher(self) -> Matcher:
        if self._matcher is None:
            self._matcher = store_matcher(self.store, iris=self.iris)
        return self._matcher

    def link(self, text: str) -> NameLink:
        """The matcher's answer for ``text``: linked only when it accepts the best candidate by itself."""
        result = self.matcher.match(text)
        candidates = tuple((m.candidate.name, m.candidate.id, m.score) for m in result.matches)
        best = result.best
        if result.accepted and best is not None:
            return NameLink(text, best.candidate.iri, best.candidate.name, best.score, candidates)
        return NameLink(text, candidates=candidates)

    def hold(self, names: list[tuple[str, str]]) -> int:
        """Put the names on the review list (``abgleich-queue``, page ``/abgleich``); how many were new."""
        return enqueue(self.store, names, iris=self.iris) if self.queue and names else 0
