"""The conflicts report: values on which sources disagree, per actor and property, and which one the landscape shows.

The CLI (``bildungsnetz report konflikte``), the REST route and the web page all call :func:`conflicts`, so
they list the same disagreements.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from bildungsnetz.iris import Iris
from bildungsnetz.store import Store

__all__ = ["COLUMNS", "Conflict", "conflicts", "conflict_rows"]

#: The columns of the report as a table (one row per value and source).
COLUMNS = ("akteur", "name", "eigenschaft", "sprache", "quelle", "stand", "wert", "gewaehlt")
_SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"


@dataclass(frozen=True)
class Conflict:
    """One single-valued property of one thing that two or more sources give differently."""

    subject: str
    label: str
    property: str
    language: str
    #: ``(source, stand, value)`` per source, sorted by source name.
    values: tuple[tuple[str, str, str], ...]
    winner: str


def _short(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def conflicts(store: Store, iris: Iris) -> list[Conflict]:
    """Every disagreement between sources on a single-valued property, sorted by thing and property.

    Reads the sources' own graphs (the values that lost stay there), and the landscape for each thing's name.
    """
    land = store.landscape  # type: ignore[attr-defined]
    named = store.named_graphs()
    data = [g for g in named if (found := land.source_part(g)) and found[0] == "quelle"]
    meta = [q for g in named if (found := land.source_part(g)) and found[0] == "meta" for q in store.quads(g)]
    sources = land.sources(meta)
    # Only things that two sources describe can disagree: count the sources per subject first.
    seen: dict[ox.Term, set[str]] = {}
    quads: list[ox.Quad] = []
    for g in data:
        name = land.source_part(g)[1]
        for q in store.quads(g):
            if q.predicate.value in land.precedence.single:
                seen.setdefault(q.subject, set()).add(name)
                quads.append(q)
    shared = [q for q in quads if len(seen[q.subject]) > 1]
    found_conflicts = land.alternatives(shared, sources)
    labels: dict[str, str] = {}
    if found_conflicts:
        rows = store.select(f"SELECT ?s ?l WHERE {{ ?s <{_SKOS_PREF}> ?l }}")
        labels = {row[0].value: row[1].value for row in rows if isinstance(row[0], ox.NamedNode)}
    out = []
    for subject, predicate, language, values, winner in found_conflicts:
        shown = tuple(
            (name, (sources[name].ended if name in sources else "")[:10], " | ".join(v.value for v in vals))
            for name, vals in sorted(values.items())
        )
        out.append(Conflict(subject.value, labels.get(subject.value, ""), predicate.value, language, shown, winner))
    return sorted(out, key=lambda c: (c.label, c.subject, c.property, c.language))


def conflict_rows(found: list[Conflict]) -> list[dict[str, str]]:
    """The report as rows of :data:`COLUMNS` for the one table writer (:mod:`bildungsnetz.tables`).

    >>> c = Conflict("https://example.org/s/1", "Kita Sonne", "http://www.w3.org/2004/02/skos/core#prefLabel",
    ...              "de", (("buero", "2025-02-01", "KiTa Sonne"), ("liste", "2024-09-01", "Kita Sonne")), "liste")
    >>> [(r["quelle"], r["wert"], r["gewaehlt"]) for r in conflict_rows([c])]
    [('buero', 'KiTa Sonne', 'nein'), ('liste', 'Kita Sonne', 'ja')]
    """
    return [
        {"akteur": c.subject, "name": c.label, "eigenschaft": _short(c.property), "sprache": c.language,
         "quelle": source, "stand": stand, "wert": value, "gewaehlt": "ja" if source == c.winner else "nein"}
        for c in found
        for source, stand, value in c.values
    ]  # fmt: skip
