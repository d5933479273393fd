"""Locate the data artefacts (ontology, vocabularies, city profiles, shapes, queries) by name."""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["data_dir", "ontology_file", "vocabulary_files", "shapes_files", "queries_dir", "cities_dir"]


@cache
def data_dir(name: str) -> Path:
    """Return the directory of one artefact kind: ``ontology``, ``shapes`` or ``queries``.

    In a source checkout (``pip install -e .``) these are the top-level folders of the repository;
    in a wheel they are packed under ``bildungsnetz/_data``.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data" / name, here.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bildungsnetz data folder {name!r} not found beside {here}")


def ontology_file() -> Path:
    """The ontology in Turtle."""
    return data_dir("ontology") / "bildungsnetz.ttl"


def vocabulary_files() -> list[Path]:
    """The team's SKOS vocabularies (``ontology/vokabulare/*.ttl``), sorted by name."""
    return sorted((data_dir("ontology") / "vokabulare").glob("*.ttl"))


def cities_dir() -> Path:
    """Folder of the shipped city profiles (``ontology/staedte/<name>/``)."""
    return data_dir("ontology") / "staedte"


def shapes_files() -> list[Path]:
    """The SHACL shapes (``shapes/*.ttl``), sorted by name."""
    return sorted(data_dir("shapes").glob("*.ttl"))


def queries_dir() -> Path:
    """Folder of the named SPARQL queries."""
    return data_dir("queries")
