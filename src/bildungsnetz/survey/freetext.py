""""Weitere Partner (nicht in der Liste)": free-text partner names of a survey answer, linked by the matcher.

On submission each name goes to the name matcher (every actor of the city, every decision people made). A name
the matcher accepts by itself counts as a Nennung of that actor, marked as coming from free text; every other
name waits in the review queue (``bildungsnetz abgleich-queue``, page ``/abgleich``) with the round and the
reporting institution it came from. Ties are computed with the matcher of the moment, so a name a person
confirms there becomes a Nennung at the next computation of ties.
"""

from __future__ import annotations

import pyoxigraph as ox

from bildungsnetz.iris import Iris
from bildungsnetz.matching.decisions import enqueue, store_matcher
from bildungsnetz.namespace import BN
from bildungsnetz.store.base import Store
from bildungsnetz.survey.rounds import answer_graphs, invitation_iri

__all__ = ["free_text_source", "queue_free_text", "free_text_nominations"]

_OTHER = ox.NamedNode(str(BN.weitererPartner))


def free_text_source(name: str, reporter_label: str) -> str:
    """Where a queued name came from, as the review queue shows it.

    >>> free_text_source("2026", "Kita Bär")
    'Befragung 2026, Weitere Partner von Kita Bär'
    """
    return f"Befragung {name}, Weitere Partner von {reporter_label}"


def queue_free_text(store: Store, iris: Iris, name: str, reporter_label: str, others: tuple[str, ...]) -> int:
    """Queue the names of ``others`` the matcher does not accept by itself; how many were new in the queue."""
    names = [" ".join(o.split()) for o in others if o.strip()]
    if not names:
        return 0
    matcher = store_matcher(store, iris=iris)
    waiting = [(text, free_text_source(name, reporter_label)) for text in dict.fromkeys(names)
               if not matcher.match(text).accepted]  # fmt: skip
    return enqueue(store, waiting, iris=iris) if waiting else 0


def free_text_nominations(store: Store, iris: Iris, name: str, reporters: set[str]) -> set[tuple[str, str]]:
    """``(reporter, actor)`` for every free-text name of ``reporters`` in round ``name`` that the matcher links.

    Linked are names it accepts by itself and names a person confirmed in the review queue.
    """
    said: dict[str, list[str]] = {}
    for reporter in sorted(reporters):
        public, _ = answer_graphs(iris, name, reporter)
        invitation = invitation_iri(iris, name, reporter)
        texts = [q.object.value for q in store.quads(public) if q.subject == invitation and q.predicate == _OTHER]
        if texts:
            said[reporter] = texts
    if not said:
        return set()
    matcher = store_matcher(store, iris=iris)
    found = set()
    for reporter, texts in said.items():
        for text in texts:
            result = matcher.match(text)
            if result.accepted and result.best is not None and result.best.candidate.iri != reporter:
                found.add((reporter, result.best.candidate.iri))
    return found
