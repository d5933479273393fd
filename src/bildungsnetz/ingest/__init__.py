"""Ingest: map source files (spreadsheets, the NRW school list, RDF) to RDF triples with stable IRIs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from bildungsnetz.validate.report import Violation

__all__ = ["Origin", "SourceFile", "Staged", "TABLES"]

#: The spreadsheet tables and their fixed German columns, in order.
TABLES: dict[str, tuple[str, ...]] = {
    "akteure": ("id", "name", "typ", "schulform", "traeger", "strasse", "plz", "ort", "stadtbezirk", "stadtteil",
                "lat", "lon", "website"),
    "kooperationen": ("id", "akteur_a", "akteur_b", "art", "handlungsfeld", "programm", "beginn", "ende",
                      "beschreibung"),
    "netzwerke": ("id", "name", "art", "stadtbezirk", "stadtteil", "koordination", "beginn", "ende"),
    "mitgliedschaften": ("netzwerk", "akteur", "rolle", "beginn", "ende"),
    "angebote": ("id", "titel", "beschreibung", "anbieter", "zielgruppe", "bildungsphase", "handlungsfeld", "sdg",
                 "stadtteil", "beginn", "ende", "plaetze", "kosten_eur"),
    "kindercampus": ("id", "name", "schule", "stadtteil", "mitglieder", "programm", "campusmanagement", "email",
                     "telefon"),
    "angebotsorte": ("angebot", "ort", "wochentage"),
    "vermittlungen": ("id", "angebot", "einrichtung", "datum", "status", "notiz", "erfasst", "nutzer"),
    "foerderungen": ("id", "programm", "empfaenger", "betrag_eur", "beginn", "ende", "zweck"),
    "indikatordefinitionen": ("code", "name", "name_en", "einheit", "polaritaet", "ebene", "beschreibung"),
    "indikatoren": ("gebiet", "indikator", "jahr", "wert", "einheit", "quelle"),
    "kontakte": ("akteur", "name", "funktion", "email", "telefon"),
}  # fmt: skip


@dataclass(frozen=True)
class Origin:
    """Where a resource came from: file, sheet/table, 1-based row (header = row 1), and the column of each field.

    ``columns`` maps a predicate IRI to the column name that produced it, so a SHACL result on
    (focus, path) can be traced to one cell.
    """

    file: str
    table: str
    row: int | None
    columns: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SourceFile:
    """One file read by an import, for the PROV record."""

    path: Path
    sha256: str
    kind: str  # tabelle, schulliste, rdf
    rows: int = 0


@dataclass
class Staged:
    """What a mapper produced, before validation and before anything touches the store.

    ``data`` goes to the source's public graph, ``private`` (contact persons) to its private graph.
    ``origins`` maps a subject IRI to its :class:`Origin`. ``references`` are IRIs the data points at that
    must already exist in the store or in this import (actors, networks); the pipeline reads their types from
    the store for validation. ``notes`` are remarks for the
    report (German / English, one line each), e.g. how many schools were left without a district; ``problems``
    are row-level findings that SHACL cannot see, traced to file, row and column.
    """

    data: list[ox.Triple] = field(default_factory=list)
    private: list[ox.Triple] = field(default_factory=list)
    origins: dict[str, Origin] = field(default_factory=dict)
    references: set[str] = field(default_factory=set)
    files: list[SourceFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: int = 0
    #: Row-level problems found while mapping (unknown codes, bad dates …), reported with the SHACL results.
    problems: list[Violation] = field(default_factory=list)
    #: Names in reference columns that no actor was linked to, for the review list: ``(name, where)``.
    unmatched: list[tuple[str, str]] = field(default_factory=list)
