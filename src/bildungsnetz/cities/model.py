"""City profiles' data model: districts, profiles, errors and name folding."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from pathlib import Path

import shapely
from shapely.geometry.base import BaseGeometry

from bildungsnetz.errors import CityNotFoundError, CityProfileError, DistrictNotFoundError

__all__ = [
    "CityProfile",
    "CityProfileError",
    "CityNotFoundError",
    "DistrictNotFoundError",
    "District",
    "PlanningArea",
    "PLANUNGSRAUM",
    "PLANNING_COLUMNS",
    "COLUMNS",
    "EBENEN",
    "fold_name",
    "slugify",
]


#: Columns of a profile's ``gebiete.csv``, in the order they are written.
COLUMNS = ("ebene", "code", "name", "stadtbezirk_code", "stadtbezirk", "flaeche_km2", "einwohner", "stand")
_REQUIRED = ("ebene", "code", "name", "stadtbezirk_code")
#: Columns of a profile's ``planungsraeume.csv`` (a city's own planning areas, such as Sozialräume).
PLANNING_COLUMNS = ("code", "name", "stadtteile")
#: The level of a city's own planning areas (``ebene`` of an indicator; ``sozialraum`` is read as this too).
PLANUNGSRAUM = "planungsraum"

#: Kinds of district a profile may list (column ``ebene``) and the level each one belongs to.
EBENEN: Mapping[str, str] = {
    "stadtbezirk": "stadtbezirk",
    "stadtteil": "stadtteil",
    "statistischer_bezirk": "stadtteil",
    "ortsteil": "stadtteil",
}
_LEVELS = ("stadtbezirk", "stadtteil")
_LEVEL_DE = {
    "stadtbezirk": "Stadtbezirk",
    "stadtteil": "Stadtteil",
    "statistischer_bezirk": "statistischer Bezirk",
    "ortsteil": "Ortsteil",
}
_POLYGON_FILES = {"stadtbezirk": "stadtbezirke.geojson", "stadtteil": "stadtteile.geojson"}

# Two districts of one level are neighbours when their polygons come closer than this (degrees, ≈ 1 m):
# boundaries digitised separately rarely share every vertex exactly.
_TOUCH_TOLERANCE = 1e-5
# Bounding box of Germany with a margin (lon/lat); a profile with an AGS must lie inside it.
_GERMANY = (5.0, 47.0, 16.0, 55.5)


# -- Names -------------------------------------------------------------------------------------------------

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"})
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def fold_name(text: str) -> str:
    """Fold a name for matching: case, umlauts (``ö`` = ``oe``), accents and punctuation do not count.

    >>> fold_name("Hörde") == fold_name("HOERDE") == fold_name(" hoerde ")
    True
    >>> fold_name("Altstadt/Süd")
    'altstadt sued'
    """
    text = text.translate(_UMLAUTS).casefold()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _NON_ALNUM.sub(" ", text).strip()


def slugify(name: str) -> str:
    """The profile name used in IRIs and on the command line.

    >>> slugify("Düsseldorf"), slugify("Mülheim an der Ruhr"), slugify("koeln")
    ('duesseldorf', 'muelheim-an-der-ruhr', 'koeln')
    """
    return "-".join(fold_name(name).split())


def _did_you_mean(value: str, choices: Mapping[str, str]) -> list[str]:
    """Display forms of the choices closest to ``value`` (keys of ``choices`` are folded names)."""
    close = difflib.get_close_matches(fold_name(value), list(choices), n=3, cutoff=0.7)
    return list(dict.fromkeys(choices[c] for c in close))


def _hint(suggestions: Sequence[str]) -> tuple[str, str]:
    if not suggestions:
        return "", ""
    listed = ", ".join(f"'{s}'" for s in suggestions)
    return f" – meinten Sie {listed}?", f" – did you mean {listed}?"


# -- Data classes ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class District:
    """One district of a city profile.

    ``ebene`` is the level (``stadtbezirk`` or ``stadtteil``); ``kind`` keeps the kind the profile gave
    (``statistischer_bezirk`` and ``ortsteil`` are on the ``stadtteil`` level). ``parent`` is the code of
    the Stadtbezirk a Stadtteil lies in (``None`` for a Stadtbezirk). ``wkt`` is the polygon (WGS84 lon/lat).

    >>> District("stadtteil", "05", "Nordmarkt", parent="2", kind="statistischer_bezirk").ebene
    'stadtteil'
    """

    ebene: str
    code: str
    name: str
    parent: str | None = None
    kind: str = ""
    population: int | None = None
    area_km2: Decimal | None = None
    as_of: date | None = None
    wkt: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.ebene not in _LEVELS:
            raise ValueError(f"ebene must be one of {_LEVELS}, not {self.ebene!r}")
        if not self.kind:
            object.__setattr__(self, "kind", self.ebene)
        if EBENEN.get(self.kind) != self.ebene:
            raise ValueError(f"kind {self.kind!r} does not belong to level {self.ebene!r}")

    @property
    def label(self) -> str:
        """Kind, code and name for messages: ``statistischer Bezirk 53 'Hörde'``."""
        return f"{_LEVEL_DE[self.kind]} {self.code} '{self.name}'"


@dataclass(frozen=True)
class PlanningArea:
    """A city's own planning area (a Sozialraum): code, name and the codes of the Stadtteile it comprises.

    >>> PlanningArea("SR1", "Sozialraum Nord", ("11", "12")).label
    "Planungsraum SR1 'Sozialraum Nord'"
    """

    code: str
    name: str
    stadtteile: tuple[str, ...] = ()
    ebene: str = PLANUNGSRAUM

    @property
    def label(self) -> str:
        """Kind, code and name for messages."""
        return f"Planungsraum {self.code} '{self.name}'"


@dataclass(frozen=True)
class CityProfile:
    """A municipality and its districts, as shipped in ``ontology/staedte/<name>/`` or added by the user.

    >>> p = CityProfile("musterstadt", "Musterstadt", "05999000", (
    ...     District("stadtbezirk", "1", "Nord"), District("stadtteil", "11", "Hafen", parent="1")))
    >>> [d.name for d in p.stadtteile], p.has_polygons
    (['Hafen'], False)
    """

    name: str
    label: str
    ags: str | None
    districts: tuple[District, ...]
    source: Path | None = None
    provenance: str = ""
    gaps: tuple[str, ...] = ()
    #: Approximate city centre (lon, lat) from ``zentrum`` in profil.toml; lets the demo place synthetic
    #: sites around the real city when the profile has no polygons.
    center: tuple[float, float] | None = None
    #: Schematic tile map where there are no polygons: (Stadtbezirk code, column, row), north at row 0.
    tiles: tuple[tuple[str, int, int], ...] = ()
    #: Stadtbezirke with a common boundary, as pairs of codes (``nachbarn`` in profil.toml); with polygons the
    #: neighbours are computed from them instead.
    neighbours: tuple[tuple[str, str], ...] = ()
    #: The city's own planning areas (``planungsraeume.csv``), in table order; empty where it has none.
    planning_areas: tuple[PlanningArea, ...] = ()

    @property
    def stadtbezirke(self) -> tuple[District, ...]:
        """The Stadtbezirke, in profile order."""
        return tuple(d for d in self.districts if d.ebene == "stadtbezirk")

    @property
    def stadtteile(self) -> tuple[District, ...]:
        """The level below: Stadtteile, Ortsteile or statistische Bezirke, in profile order."""
        return tuple(d for d in self.districts if d.ebene == "stadtteil")

    @property
    def has_polygons(self) -> bool:
        """True when at least one district has a polygon."""
        return any(d.wkt for d in self.districts)

    @property
    def districts_without_polygon(self) -> tuple[District, ...]:
        """Districts that have no polygon (all of them when the profile has none)."""
        return tuple(d for d in self.districts if not d.wkt)

    def district(self, ebene: str, code: str) -> District:
        """The district of one level with this exact code (``KeyError`` when there is none)."""
        return self._index.by_code[EBENEN[ebene]][code]

    @cached_property
    def _index(self) -> _Index:
        # Built once per profile: lookup_district runs per table cell in the importer.
        return _Index(self)

    @cached_property
    def _shapes(self) -> dict[tuple[str, str], BaseGeometry]:
        return {(d.ebene, d.code): shapely.from_wkt(d.wkt) for d in self.districts if d.wkt}


class _Index:
    """Dictionaries for resolving codes and names of one profile."""

    def __init__(self, profile: CityProfile) -> None:
        self.by_code: dict[str, dict[str, District]] = {lvl: {} for lvl in _LEVELS}
        self.by_name: dict[str, dict[str, list[District]]] = {lvl: {} for lvl in _LEVELS}
        self.by_number: dict[str, dict[int, list[District]]] = {lvl: {} for lvl in _LEVELS}
        self.choices: dict[str, dict[str, str]] = {lvl: {} for lvl in _LEVELS}
        for d in profile.districts:
            self.by_code[d.ebene][d.code] = d
            self.by_name[d.ebene].setdefault(fold_name(d.name), []).append(d)
            if d.code.isdigit():
                self.by_number[d.ebene].setdefault(int(d.code), []).append(d)
            self.choices[d.ebene].setdefault(fold_name(d.name), d.name)


