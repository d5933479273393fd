"""City profiles: a city's district hierarchy and polygons, read from files and turned into RDF."""

from __future__ import annotations

import csv
import difflib
import json
import os
import re
import shutil
import tempfile
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache, cached_property
from pathlib import Path

import shapely
from rdflib import RDF, SKOS, Graph, Literal, URIRef
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from bildungsnetz import resources
from bildungsnetz.errors import CityNotFoundError, CityProfileError, DistrictNotFoundError
from bildungsnetz.iris import Iris
from bildungsnetz.namespace import BN, GEO, PREFIXES

__all__ = [
    "CityProfile",
    "CityProfileError",
    "CityNotFoundError",
    "DistrictNotFoundError",
    "District",
    "DistrictLayout",
    "DistrictLocator",
    "PolygonReport",
    "UnmatchedFeature",
    "COLUMNS",
    "EBENEN",
    "add_city",
    "fold_name",
    "list_profiles",
    "load_profile",
    "lookup_district",
    "profile_graph",
    "profile_layout",
    "read_gebiete_csv",
    "read_polygons",
    "slugify",
    "utm32_to_wgs84",
]

#: Columns of a profile's ``gebiete.csv``, in the order they are written.
COLUMNS = ("ebene", "code", "name", "stadtbezirk_code", "stadtbezirk", "flaeche_km2", "einwohner", "stand")
_REQUIRED = ("ebene", "code", "name", "stadtbezirk_code")

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


# -- Errors ------------------------------------------------------------------------------------------------


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


# -- Reading gebiete.csv -----------------------------------------------------------------------------------

_THOUSANDS = re.compile(r"^\d{1,3}([.\s\u00a0\u202f]\d{3})+$")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def _parse_decimal(text: str, err) -> Decimal:
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise err("keine Zahl", "not a number") from None
    if not value.is_finite() or value < 0:
        raise err("keine nicht-negative Zahl", "not a non-negative number")
    return value


def _parse_int(text: str, err) -> int:
    if _THOUSANDS.match(text):
        text = re.sub(r"\D", "", text)
    if not text.isdigit():
        raise err("keine ganze Zahl ≥ 0", "not a whole number ≥ 0")
    return int(text)


def _parse_date(text: str, err) -> date:
    m = _GERMAN_DATE.match(text)
    try:
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
        return date.fromisoformat(text)
    except ValueError:
        raise err("kein Datum (JJJJ-MM-TT)", "not a date (YYYY-MM-DD)") from None


def read_gebiete_csv(path: str | os.PathLike[str]) -> tuple[District, ...]:
    """Read and check a profile table (columns :data:`COLUMNS`; ``code`` stays text with its leading zeros).

    Checks: required columns, no unknown columns, known ``ebene`` values, every Stadtteil's
    ``stadtbezirk_code`` is a Stadtbezirk of the table (and its ``stadtbezirk`` name, if given, agrees),
    codes unique per level, numbers and dates parse. Comma or semicolon separated, UTF-8.

    Parameters
    ----------
    path : path-like
        The CSV file.

    Returns
    -------
    tuple of District
        In table order.

    Raises
    ------
    CityProfileError
        On the first problem, naming file, row (header = row 1) and column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "g.csv"
    >>> _ = f.write_text("ebene,code,name,stadtbezirk_code\\nstadtbezirk,1,Nord,\\nortsteil,011,Hafen,1\\n")
    >>> [(d.kind, d.code, d.parent) for d in read_gebiete_csv(f)]
    [('stadtbezirk', '1', None), ('ortsteil', '011', '1')]
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CityProfileError(
            f"keine UTF-8-Datei (Byte {exc.start}); bitte als UTF-8 speichern",
            f"not a UTF-8 file (byte {exc.start}); please save as UTF-8",
            file=path,
        ) from None
    except OSError as exc:
        raise CityProfileError(
            f"kann nicht gelesen werden ({exc.strerror})", f"cannot be read ({exc.strerror})", file=path
        ) from None
    lines = text.splitlines()
    header_line = lines[0] if lines else ""
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(lines, delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader, [])]
    if not any(header):
        raise CityProfileError("leere Datei", "empty file", file=path, row=1)
    for i, col in enumerate(header):
        if not col:
            raise CityProfileError(
                f"Spalte {i + 1} hat keinen Namen", f"column {i + 1} has no name", file=path, row=1
            )
        if col not in COLUMNS:
            de_hint, en_hint = _hint(difflib.get_close_matches(col, COLUMNS, n=1, cutoff=0.6))
            raise CityProfileError(
                f"unbekannte Spalte{de_hint} Erlaubt: {', '.join(COLUMNS)}",
                f"unknown column{en_hint} Allowed: {', '.join(COLUMNS)}",
                file=path,
                row=1,
                column=col,
            )
        if header.count(col) > 1:
            raise CityProfileError("Spalte doppelt", "duplicate column", file=path, row=1, column=col)
    for col in _REQUIRED:
        if col not in header:
            raise CityProfileError(
                "Pflichtspalte fehlt", "required column missing", file=path, row=1, column=col
            )

    rows: list[tuple[int, dict[str, str]]] = []
    for rownum, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            raise CityProfileError(
                f"{len(cells)} Felder, Kopfzeile hat {len(header)}",
                f"{len(cells)} fields, header has {len(header)}",
                file=path,
                row=rownum,
            )
        rows.append(
            (rownum, {col: (cells[i].strip() if i < len(cells) else "") for i, col in enumerate(header)})
        )

    districts: list[District] = []
    rownums: dict[tuple[str, str], int] = {}
    bezirk_names: dict[str, str] = {}
    pending: list[tuple[int, dict[str, str], District]] = []
    for rownum, row in rows:

        def err(de: str, en: str, column: str, *, _row: int = rownum) -> CityProfileError:
            return CityProfileError(de, en, file=path, row=_row, column=column)

        kind = "_".join(fold_name(row["ebene"]).split())
        if kind not in EBENEN:
            raise err(
                f"unbekannte Ebene '{row['ebene']}'; erlaubt: {', '.join(EBENEN)}",
                f"unknown level '{row['ebene']}'; allowed: {', '.join(EBENEN)}",
                "ebene",
            )
        level = EBENEN[kind]
        code, name = row["code"], row["name"]
        if not code:
            raise err("Code fehlt", "code missing", "code")
        if not name:
            raise err("Name fehlt", "name missing", "name")
        if (level, code) in rownums:
            raise err(
                f"Code '{code}' kommt auf Ebene {level} doppelt vor (schon in Zeile {rownums[level, code]})",
                f"code '{code}' occurs twice on level {level} (already in row {rownums[level, code]})",
                "code",
            )
        rownums[level, code] = rownum

        def number(column: str, parse, row: dict[str, str] = row):
            cell = row.get(column, "")
            if not cell:
                return None
            return parse(cell, lambda de, en: err(f"'{cell}' ist {de}", f"'{cell}' is {en}", column))

        parent = row["stadtbezirk_code"] or None
        if level == "stadtbezirk":
            if parent not in (None, code):
                raise err(
                    f"ein Stadtbezirk liegt in keinem Stadtbezirk; leer lassen oder '{code}' eintragen",
                    f"a Stadtbezirk lies in no Stadtbezirk; leave empty or write '{code}'",
                    "stadtbezirk_code",
                )
            parent = None
            bezirk_names[code] = name
        elif parent is None:
            raise err("Stadtbezirk-Code fehlt", "Stadtbezirk code missing", "stadtbezirk_code")
        district = District(
            level,
            code,
            name,
            parent=parent,
            kind=kind,
            population=number("einwohner", _parse_int),
            area_km2=number("flaeche_km2", _parse_decimal),
            as_of=number("stand", _parse_date),
        )
        districts.append(district)
        if level == "stadtteil":
            pending.append((rownum, row, district))

    if not bezirk_names:
        raise CityProfileError(
            "keine Zeile mit Ebene 'stadtbezirk'",
            "no row with level 'stadtbezirk'",
            file=path,
            column="ebene",
        )
    known = ", ".join(bezirk_names)
    for rownum, row, district in pending:
        if district.parent not in bezirk_names:
            raise CityProfileError(
                f"Stadtbezirk '{district.parent}' steht nicht in der Tabelle (vorhanden: {known})",
                f"Stadtbezirk '{district.parent}' is not in the table (present: {known})",
                file=path,
                row=rownum,
                column="stadtbezirk_code",
            )
        given = row.get("stadtbezirk", "")
        expected = bezirk_names[district.parent]
        if given and fold_name(given) != fold_name(expected):
            raise CityProfileError(
                f"'{given}' passt nicht zu Stadtbezirk {district.parent} '{expected}'",
                f"'{given}' does not match Stadtbezirk {district.parent} '{expected}'",
                file=path,
                row=rownum,
                column="stadtbezirk",
            )
    return tuple(districts)


def _write_gebiete_csv(districts: Iterable[District], path: Path) -> None:
    names = {d.code: d.name for d in districts if d.ebene == "stadtbezirk"}
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        for d in districts:
            # A Stadtbezirk's parent is the Gemeinde, so its stadtbezirk columns stay empty.
            writer.writerow(
                [
                    d.kind,
                    d.code,
                    d.name,
                    d.parent or "",
                    names.get(d.parent or "", ""),
                    "" if d.area_km2 is None else str(d.area_km2),
                    "" if d.population is None else str(d.population),
                    "" if d.as_of is None else d.as_of.isoformat(),
                ]
            )


# -- Polygons ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnmatchedFeature:
    """A GeoJSON feature that names no district of the profile."""

    file: str
    feature: int
    code: str | None
    name: str | None
    suggestions: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        """One bilingual line naming file, feature and values."""
        return str(self.error())

    def error(self) -> CityProfileError:
        """The same as an exception."""
        de_hint, en_hint = _hint(self.suggestions)
        what = ", ".join(f"{k} '{v}'" for k, v in (("code", self.code), ("name", self.name)) if v) or "—"
        return CityProfileError(
            f"kein Gebiet des Profils passt zu {what}{de_hint}",
            f"no district of the profile matches {what}{en_hint}",
            file=self.file,
            feature=self.feature,
        )


@dataclass(frozen=True)
class PolygonReport:
    """What :func:`read_polygons` found.

    ``polygons`` maps ``(ebene, code)`` to a shapely (Multi)Polygon in WGS84 lon/lat; ``unmatched`` lists
    features that fit no district; ``missing`` the districts without polygon; ``warnings`` repaired
    geometries, name mismatches and Stadtteile outside their Stadtbezirk.
    """

    polygons: Mapping[tuple[str, str], BaseGeometry]
    unmatched: tuple[UnmatchedFeature, ...]
    missing: tuple[District, ...]
    warnings: tuple[str, ...] = ()

    def apply(self, districts: Iterable[District]) -> tuple[District, ...]:
        """The districts with their polygon attached as WKT."""
        return tuple(
            replace(d, wkt=_to_wkt(self.polygons[d.ebene, d.code]))
            if (d.ebene, d.code) in self.polygons
            else d
            for d in districts
        )


def _to_wkt(geom: BaseGeometry) -> str:
    return shapely.to_wkt(geom, rounding_precision=-1, trim=True)


def _load_geojson(path: Path) -> list[dict]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise CityProfileError(
            f"kein gültiges JSON ({exc.msg}, Spalte {exc.colno})",
            f"not valid JSON ({exc.msg}, column {exc.colno})",
            file=path,
            row=exc.lineno,
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CityProfileError(
            f"kann nicht gelesen werden ({exc})", f"cannot be read ({exc})", file=path
        ) from None
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind == "Feature":
        return [doc]
    if kind != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise CityProfileError(
            "keine GeoJSON-FeatureCollection", "not a GeoJSON FeatureCollection", file=path
        )
    crs = doc.get("crs")
    if crs is not None:
        crs_name = str((crs.get("properties") or {}).get("name", "")) if isinstance(crs, dict) else str(crs)
        if not re.search(r"CRS84|EPSG:+4326$", crs_name):
            raise CityProfileError(
                f"Koordinatensystem {crs_name} nicht unterstützt; bitte nach WGS84 (EPSG:4326) umrechnen",
                f"coordinate system {crs_name} is not supported; please convert to WGS84 (EPSG:4326)",
                file=path,
                column="crs",
            )
    return doc["features"]


def _feature_geometry(path: Path, n: int, feature: object, bounds, warnings: list[str]) -> BaseGeometry:
    def err(de: str, en: str, column: str | None = "geometry") -> CityProfileError:
        return CityProfileError(de, en, file=path, feature=n, column=column)

    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise err("kein GeoJSON-Feature", "not a GeoJSON feature", None)
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict):
        raise err("Geometrie fehlt", "geometry missing")
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise err(f"Geometrie unlesbar ({exc})", f"geometry unreadable ({exc})") from None
    if geom.geom_type == "GeometryCollection" and all(
        g.geom_type in ("Polygon", "MultiPolygon") for g in geom.geoms
    ):
        geom = shapely.union_all(list(geom.geoms))
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
        raise err(
            f"{geom.geom_type} statt Polygon oder MultiPolygon",
            f"{geom.geom_type} instead of Polygon or MultiPolygon",
        )
    coords = shapely.get_coordinates(geom)
    lon, lat = coords[:, 0], coords[:, 1]
    if (abs(lon) > 180).any() or (abs(lat) > 90).any():
        x, y = coords[0]
        raise err(
            f"Koordinaten ({x:g}, {y:g}) sind keine WGS84-Längen/Breiten (projiziert, etwa UTM?); "
            "bitte nach EPSG:4326 umrechnen",
            f"coordinates ({x:g}, {y:g}) are not WGS84 lon/lat (projected, e.g. UTM?); "
            "please convert to EPSG:4326",
        )
    if bounds is not None:
        west, south, east, north = bounds
        inside = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
        if not inside.all():
            swapped = ((lat >= west) & (lat <= east) & (lon >= south) & (lon <= north)).all()
            x, y = coords[~inside][0]
            hint_de = " – Länge und Breite vertauscht?" if swapped else ""
            hint_en = " – longitude and latitude swapped?" if swapped else ""
            raise err(
                f"Koordinate ({x:g}, {y:g}) liegt nicht in Deutschland{hint_de}",
                f"coordinate ({x:g}, {y:g}) is not in Germany{hint_en}",
            )
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        fixed = shapely.make_valid(geom)
        parts = [g for g in getattr(fixed, "geoms", [fixed]) if g.geom_type in ("Polygon", "MultiPolygon")]
        geom = shapely.union_all(parts) if parts else fixed
        if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
            raise err(f"ungültige Geometrie ({reason})", f"invalid geometry ({reason})")
        warnings.append(
            f"{path}: Feature {n}: ungültige Geometrie repariert ({reason}) / "
            f"invalid geometry repaired ({reason})"
        )
    return geom


def _property_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or None


def read_polygons(
    geojson_paths: Iterable[str | os.PathLike[str]],
    districts: Sequence[District],
    *,
    bounds: tuple[float, float, float, float] | None = None,
) -> PolygonReport:
    """Match the polygons of GeoJSON files to districts.

    A feature is matched by its property ``code`` (preferred; a code that lost its leading zeros still
    matches) or else by ``name`` (case, umlauts and punctuation do not count). An optional property
    ``ebene`` restricts the level; otherwise the level follows from the match, and a feature that fits both
    levels (Dortmund's Stadtbezirk Hörde and statistischer Bezirk Hörde) takes the level most other features
    of its file have. Polygon, MultiPolygon and collections of them are accepted, in WGS84 lon/lat.

    Parameters
    ----------
    geojson_paths : iterable of path-like
        GeoJSON files (FeatureCollection or a single Feature).
    districts : sequence of District
        The districts to match, e.g. from :func:`read_gebiete_csv`.
    bounds : (west, south, east, north), optional
        Every coordinate must lie inside; catches swapped lon/lat.

    Returns
    -------
    PolygonReport

    Raises
    ------
    CityProfileError
        For unreadable files, non-polygons, coordinates that are not plausible WGS84, or a level that
        cannot be decided; naming file, feature (1-based) and property.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "b.geojson"
    >>> sq = {"type": "Polygon", "coordinates": [[[7, 51], [7.1, 51], [7.1, 51.1], [7, 51]]]}
    >>> _ = f.write_text(json.dumps({"type": "FeatureCollection", "features": [
    ...     {"type": "Feature", "properties": {"name": "NORD"}, "geometry": sq}]}))
    >>> ds = (District("stadtbezirk", "1", "Nord"), District("stadtbezirk", "2", "Süd"))
    >>> r = read_polygons([f], ds)
    >>> list(r.polygons), [d.name for d in r.missing], r.unmatched
    ([('stadtbezirk', '1')], ['Süd'], ())
    """
    index = _Index(CityProfile("", "", None, tuple(districts)))
    all_choices = {**index.choices["stadtteil"], **index.choices["stadtbezirk"]}
    polygons: dict[tuple[str, str], BaseGeometry] = {}
    sources: dict[tuple[str, str], int] = {}
    unmatched: list[UnmatchedFeature] = []
    warnings: list[str] = []

    for raw_path in geojson_paths:
        path = Path(raw_path)
        matched: list[tuple[int, list[District], str | None]] = []
        for n, feature in enumerate(_load_geojson(path), start=1):
            geom = _feature_geometry(path, n, feature, bounds, warnings)
            props = feature.get("properties") or {}
            if not isinstance(props, dict):
                raise CityProfileError(
                    "properties ist kein Objekt",
                    "properties is not an object",
                    file=path,
                    feature=n,
                    column="properties",
                )
            code, name = _property_text(props.get("code")), _property_text(props.get("name"))
            levels = _LEVELS
            ebene = _property_text(props.get("ebene"))
            if ebene is not None:
                kind = "_".join(fold_name(ebene).split())
                if kind not in EBENEN:
                    raise CityProfileError(
                        f"unbekannte Ebene '{ebene}'",
                        f"unknown level '{ebene}'",
                        file=path,
                        feature=n,
                        column="ebene",
                    )
                levels = (EBENEN[kind],)
            candidates = _feature_candidates(index, levels, code, name)
            if not candidates:
                pool = (
                    {k: v for lvl in levels for k, v in index.choices[lvl].items()} if ebene else all_choices
                )
                unmatched.append(
                    UnmatchedFeature(str(path), n, code, name, tuple(_did_you_mean(name or "", pool)))
                )
                continue
            if code and name and not any(fold_name(d.name) == fold_name(name) for d in candidates):
                warnings.append(
                    f"{path}: Feature {n}: Name '{name}' weicht ab von {candidates[0].label} / "
                    f"name '{name}' differs from {candidates[0].label}"
                )
            matched.append((n, candidates, geom))

        # Level votes of the features that fit only one level decide the ambiguous ones.
        votes = Counter(c[0].ebene for _, c, _ in matched if len({d.ebene for d in c}) == 1)
        for n, candidates, geom in matched:
            if len({d.ebene for d in candidates}) > 1:
                ranked = votes.most_common()
                if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
                    raise CityProfileError(
                        f"passt zu {' und '.join(d.label for d in candidates)}; Eigenschaft 'ebene' angeben",
                        f"fits {' and '.join(d.label for d in candidates)}; add property 'ebene'",
                        file=path,
                        feature=n,
                        column="ebene",
                    )
                candidates = [d for d in candidates if d.ebene == ranked[0][0]]
            district = candidates[0]
            key = (district.ebene, district.code)
            if key in polygons:
                warnings.append(
                    f"{path}: Feature {n}: zweites Polygon für {district.label} vereinigt / "
                    f"second polygon for {district.label} merged (first: feature {sources[key]})"
                )
                polygons[key] = shapely.union_all([polygons[key], geom])
            else:
                polygons[key], sources[key] = geom, n

    by_key = {(d.ebene, d.code): d for d in districts}
    for (ebene, code), geom in polygons.items():
        d = by_key[ebene, code]
        parent = polygons.get(("stadtbezirk", d.parent or ""))
        if ebene == "stadtteil" and parent is not None:
            if not parent.buffer(_TOUCH_TOLERANCE).covers(geom.representative_point()):
                warnings.append(
                    f"{d.label} liegt nicht in Stadtbezirk {d.parent} / lies outside Stadtbezirk {d.parent}"
                )
    missing = tuple(d for d in districts if (d.ebene, d.code) not in polygons)
    return PolygonReport(polygons, tuple(unmatched), missing, tuple(warnings))


def _feature_candidates(index: _Index, levels, code: str | None, name: str | None) -> list[District]:
    if code is not None:
        found = [index.by_code[lvl][code] for lvl in levels if code in index.by_code[lvl]]
        if not found and code.isdigit():
            found = [d for lvl in levels for d in index.by_number[lvl].get(int(code), [])]
            found = found if len(found) == 1 else []
        if found:
            return found
    if name is not None:
        return [d for lvl in levels for d in index.by_name[lvl].get(fold_name(name), [])]
    return []


def _write_polygons(profile: CityProfile, folder: Path) -> None:
    for level, filename in _POLYGON_FILES.items():
        features = [
            {
                "type": "Feature",
                "properties": {"code": d.code, "name": d.name, "ebene": d.ebene},
                "geometry": mapping(profile._shapes[d.ebene, d.code]),
            }
            for d in profile.districts
            if d.ebene == level and d.wkt
        ]
        if features:
            folder.mkdir(exist_ok=True)
            doc = {"type": "FeatureCollection", "features": features}
            (folder / filename).write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")


# -- Profiles on disk --------------------------------------------------------------------------------------


def _toml_string(value: str) -> str:
    # JSON string escapes are valid TOML basic-string escapes.
    return json.dumps(value, ensure_ascii=False)


def _write_profil_toml(profile: CityProfile, path: Path) -> None:
    lines = [
        "# bildungsnetz-Stadtprofil / city profile (written by `bildungsnetz city add`)",
        f"name = {_toml_string(profile.name)}",
        f"label = {_toml_string(profile.label)}",
    ]
    if profile.ags:
        lines.append(f"ags = {_toml_string(profile.ags)}")
    if profile.provenance:
        lines.append(f"quellen = {_toml_string(profile.provenance)}")
    items = "".join(f"\n    {_toml_string(g)}," for g in profile.gaps)
    lines.append(f"luecken = [{items}\n]" if items else "luecken = []")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _load_profile_dir(folder: Path, *, name: str | None = None) -> CityProfile:
    """Load a profile folder; ``name`` is the expected profile name (default: the folder's name)."""
    expected = name or folder.name
    toml_path = folder / "profil.toml"
    try:
        meta = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CityProfileError(
            f"kein gültiges TOML ({exc})", f"not valid TOML ({exc})", file=toml_path
        ) from None
    except OSError as exc:
        raise CityProfileError(
            f"kann nicht gelesen werden ({exc.strerror})", f"cannot be read ({exc.strerror})", file=toml_path
        ) from None
    name = str(meta.get("name") or expected)
    if name != expected or slugify(name) != name:
        raise CityProfileError(
            f"Name '{name}' muss gleich dem Ordnernamen '{expected}' und klein geschrieben sein",
            f"name '{name}' must equal the folder name '{expected}' and be a lower-case slug",
            file=toml_path,
            column="name",
        )
    ags = meta.get("ags")
    if ags is not None and not re.fullmatch(r"\d{8}", str(ags)):
        raise CityProfileError(
            "AGS muss aus 8 Ziffern bestehen (als Text)",
            "AGS must be 8 digits (as text)",
            file=toml_path,
            column="ags",
        )
    districts = read_gebiete_csv(folder / "gebiete.csv")
    poly_files = sorted((folder / "polygone").glob("*.geojson"))
    if poly_files:
        report = read_polygons(poly_files, districts)
        if report.unmatched:
            raise report.unmatched[0].error()
        districts = report.apply(districts)
    gaps = meta.get("luecken", [])
    return CityProfile(
        name=name,
        label=str(meta.get("label") or name),
        ags=str(ags) if ags is not None else None,
        districts=districts,
        source=folder,
        provenance=str(meta.get("quellen", "")).strip(),
        gaps=tuple(str(g) for g in (gaps if isinstance(gaps, list) else [gaps])),
        center=_center(meta.get("zentrum"), toml_path),
    )


def _center(value: object, path: Path) -> tuple[float, float] | None:
    if value is None:
        return None
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int | float) for v in value)
        and -180 <= value[0] <= 180
        and -90 <= value[1] <= 90
    ):
        return (float(value[0]), float(value[1]))
    raise CityProfileError(
        "'zentrum' muss [Länge, Breite] in WGS84 sein",
        "'zentrum' must be [lon, lat] in WGS84",
        file=path,
        column="zentrum",
    )


def _profile_folders(extra_dirs: Iterable[str | os.PathLike[str] | None]) -> dict[str, Path]:
    """Profile name → folder; user folders come first and shadow shipped profiles of the same name."""
    found: dict[str, Path] = {}
    for base in [*(Path(d) for d in extra_dirs if d is not None), resources.cities_dir()]:
        if not base.is_dir():
            continue
        for folder in sorted(base.iterdir()):
            if folder.name.startswith(".") or not (folder / "profil.toml").is_file():
                continue
            found.setdefault(folder.name, folder)
    return found


def list_profiles(extra_dirs: Iterable[str | os.PathLike[str] | None] = ()) -> list[CityProfile]:
    """All city profiles: the shipped ones and those in ``extra_dirs`` (which win on equal names).

    ``None`` entries are skipped, so ``extra_dirs=[settings.cities_dir]`` works when it is unset.

    >>> [p.name for p in list_profiles()][:2]
    ['dortmund', 'duesseldorf']
    """
    return [_load_profile_dir(folder) for _, folder in sorted(_profile_folders(extra_dirs).items())]


def load_profile(name: str, *, extra_dirs: Iterable[str | os.PathLike[str] | None] = ()) -> CityProfile:
    """Load one city profile by name; ``"Düsseldorf"``, ``"duesseldorf"`` and ``"DUESSELDORF"`` are the same.

    Raises
    ------
    CityNotFoundError
        When no profile has that name (with the closest names as suggestion).

    >>> p = load_profile("Dortmund")
    >>> p.ags, len(p.stadtbezirke), len(p.stadtteile), p.district("stadtteil", "00").name
    ('05913000', 12, 62, 'City')
    """
    folders = _profile_folders(extra_dirs)
    slug = slugify(name)
    if slug not in folders:
        de_hint, en_hint = _hint(_did_you_mean(name, {fold_name(k): k for k in folders}))
        raise CityNotFoundError(
            f"kein Stadtprofil '{name}'{de_hint} Vorhanden: {', '.join(sorted(folders)) or '—'}",
            f"no city profile '{name}'{en_hint} Available: {', '.join(sorted(folders)) or '—'}",
            parameter="city",
        )
    return _load_profile_dir(folders[slug])


def add_city(
    name: str,
    gebiete_csv: str | os.PathLike[str],
    polygons: Iterable[str | os.PathLike[str]] = (),
    *,
    target_dir: str | os.PathLike[str],
    label: str | None = None,
    ags: str | None = None,
) -> CityProfile:
    """Check a district table and polygons and write them as profile ``target_dir/<slug>/``.

    The profile folder gets ``profil.toml``, ``gebiete.csv`` and, when polygons are given,
    ``polygone/stadtbezirke.geojson`` / ``polygone/stadtteile.geojson`` (properties ``code``, ``name``,
    ``ebene`` only). An existing profile of that name is replaced as a whole (written to a temporary folder
    first, then renamed); its label and AGS are kept unless new ones are given. Nothing is written on error.

    Parameters
    ----------
    name : str
        City name; its slug (``Köln`` → ``koeln``) names the profile.
    gebiete_csv : path-like
        District table, see :func:`read_gebiete_csv`.
    polygons : iterable of path-like
        GeoJSON files, see :func:`read_polygons`. Every feature must match a district.
    target_dir : path-like
        Folder of user profiles (``Settings.cities_dir``).
    label, ags : str, optional
        Display name (default: ``name``) and eight-digit Amtlicher Gemeindeschlüssel. With an AGS, every
        coordinate must lie in Germany.

    Returns
    -------
    CityProfile
        As loaded back from the written folder.

    Raises
    ------
    CityProfileError
        Bilingual, naming the file, row/feature and column/property or the parameter.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (tmp / "g.csv").write_text("ebene,code,name,stadtbezirk_code\\nstadtbezirk,1,Nord,\\n")
    >>> p = add_city("Neustadt a.d. Weinstraße", tmp / "g.csv", target_dir=tmp / "profiles", ags="07316000")
    >>> p.name, p.label, sorted(f.name for f in p.source.iterdir())
    ('neustadt-a-d-weinstrasse', 'Neustadt a.d. Weinstraße', ['gebiete.csv', 'profil.toml'])
    """
    slug = slugify(name)
    if not slug:
        raise CityProfileError("Name ist leer", "name is empty", parameter="name")
    if ags is not None and not re.fullmatch(r"\d{8}", ags.strip()):
        raise CityProfileError(
            f"'{ags}' ist kein achtstelliger Gemeindeschlüssel",
            f"'{ags}' is not an eight-digit municipality key",
            parameter="ags",
        )
    target = Path(target_dir)
    final = target / slug
    if final.exists() and not (final / "profil.toml").is_file():
        raise CityProfileError(
            f"Ordner {final} gibt es schon, er ist aber kein Stadtprofil",
            f"folder {final} exists but is not a city profile",
            parameter="target_dir",
        )
    previous = _load_profile_meta(final)
    ags = ags.strip() if ags is not None else previous.get("ags")
    label = label or previous.get("label") or name.strip()

    districts = read_gebiete_csv(gebiete_csv)
    polygon_paths = [Path(p) for p in polygons]
    report = read_polygons(polygon_paths, districts, bounds=_GERMANY if ags else None)
    if report.unmatched:
        first = report.unmatched[0].error()
        more = len(report.unmatched) - 1
        if more:
            raise CityProfileError(
                f"{first.de} (und {more} weitere Features)",
                f"{first.en} (and {more} more features)",
                file=first.file,
                feature=first.feature,
            )
        raise first
    districts = report.apply(districts)
    without = [d for d in report.missing if polygon_paths]
    gaps = (
        (
            f"{len(without)} von {len(districts)} Gebieten ohne Polygon / {len(without)} of {len(districts)} "
            f"districts without polygon: " + ", ".join(f"{d.code} {d.name}" for d in without),
        )
        if without
        else ()
    )
    provenance = "; ".join(
        [f"Gebiete: {Path(gebiete_csv).name}"]
        + ([f"Polygone: {', '.join(p.name for p in polygon_paths)}"] if polygon_paths else [])
    )
    profile = CityProfile(slug, label, ags, districts, provenance=provenance, gaps=gaps)

    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{slug}.new-", dir=target))
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; the profile is an ordinary folder
        _write_profil_toml(profile, staging / "profil.toml")
        _write_gebiete_csv(profile.districts, staging / "gebiete.csv")
        _write_polygons(profile, staging / "polygone")
        # Load what was written before it becomes visible: the profile must read back as it was checked.
        written = _load_profile_dir(staging, name=slug)
        if final.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{slug}.old-", dir=target))
            retired.rmdir()
            final.rename(retired)
            try:
                staging.rename(final)
            except OSError:
                retired.rename(final)
                raise
            shutil.rmtree(retired, ignore_errors=True)
        else:
            staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return replace(written, source=final)


def _load_profile_meta(folder: Path) -> dict:
    try:
        return tomllib.loads((folder / "profil.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}


# -- RDF ---------------------------------------------------------------------------------------------------


def _neighbours(geoms: Sequence[BaseGeometry]) -> list[tuple[int, int]]:
    """Index pairs (i < j) of polygons that touch or share a boundary (within the tolerance)."""
    if len(geoms) < 2:
        return []
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=_TOUCH_TOLERANCE)
    return sorted({(int(i), int(j)) for i, j in zip(left, right, strict=True) if i < j})


def profile_graph(profile: CityProfile, iris: Iris) -> Graph:
    """The district hierarchy of a profile as RDF (the content of graph ``stadt/<name>``).

    The municipality is a ``bn:Gemeinde``; Stadtbezirke are ``bn:Stadtbezirk``; the level below is
    ``bn:Stadtteil`` (statistische Bezirke are additionally typed ``bn:StatistischerBezirk`` so that queries
    without inference find them as Stadtteile too). Each district has ``skos:prefLabel``, ``bn:code``,
    ``bn:gemeinde``, ``geo:sfWithin`` its parent, the optional figures, and, with a polygon,
    ``geo:hasGeometry`` and symmetric ``geo:sfTouches`` to neighbours of the same level.

    >>> p = CityProfile("musterstadt", "Musterstadt", "05999000", (
    ...     District("stadtbezirk", "1", "Nord", wkt="POLYGON ((7 51, 7.1 51, 7.1 51.1, 7 51.1, 7 51))"),
    ...     District("stadtbezirk", "2", "Süd", wkt="POLYGON ((7 50.9, 7.1 50.9, 7.1 51, 7 51, 7 50.9))"),
    ...     District("stadtteil", "11", "Hafen", parent="1", population=1200)))
    >>> g = profile_graph(p, Iris())
    >>> len(list(g.subjects(RDF.type, BN.Stadtbezirk))), len(list(g.triples((None, GEO.sfTouches, None))))
    (2, 2)
    """
    g = Graph()
    for prefix in ("bn", "geo", "skos", "xsd"):
        g.bind(prefix, PREFIXES[prefix])
    gemeinde = iris.gemeinde(profile.name)
    g.add((gemeinde, RDF.type, BN.Gemeinde))
    g.add((gemeinde, SKOS.prefLabel, Literal(profile.label)))
    g.add((gemeinde, BN.profil, Literal(profile.name)))
    if profile.ags:
        g.add((gemeinde, BN.gemeindeschluessel, Literal(profile.ags)))

    nodes: dict[tuple[str, str], URIRef] = {}
    for d in profile.districts:
        node = iris.gebiet(profile.name, d.ebene, d.code)
        nodes[d.ebene, d.code] = node
        g.add((node, RDF.type, BN.Stadtbezirk if d.ebene == "stadtbezirk" else BN.Stadtteil))
        if d.kind == "statistischer_bezirk":
            g.add((node, RDF.type, BN.StatistischerBezirk))
        g.add((node, SKOS.prefLabel, Literal(d.name)))
        g.add((node, BN.code, Literal(d.code)))
        g.add((node, BN.gemeinde, gemeinde))
        parent = iris.gebiet(profile.name, "stadtbezirk", d.parent) if d.parent else gemeinde
        g.add((node, GEO.sfWithin, parent))
        # Python int, Decimal and date become xsd:integer, xsd:decimal and xsd:date.
        if d.population is not None:
            g.add((node, BN.einwohner, Literal(d.population)))
        if d.area_km2 is not None:
            g.add((node, BN.flaecheKm2, Literal(d.area_km2)))
        if d.as_of is not None:
            g.add((node, BN.stand, Literal(d.as_of)))
        if d.wkt:
            geometry = iris.gebiet_geometrie(node)
            g.add((node, GEO.hasGeometry, geometry))
            g.add((geometry, RDF.type, GEO.Geometry))
            g.add((geometry, GEO.asWKT, Literal(d.wkt, datatype=GEO.wktLiteral)))

    shapes = profile._shapes
    for level in _LEVELS:
        keys = [k for k in shapes if k[0] == level]
        for i, j in _neighbours([shapes[k] for k in keys]):
            a, b = nodes[keys[i]], nodes[keys[j]]
            g.add((a, GEO.sfTouches, b))
            g.add((b, GEO.sfTouches, a))
    return g


# -- Locating points ---------------------------------------------------------------------------------------


class DistrictLocator:
    """Find the districts a point (WGS84 lon/lat) lies in, by point-in-polygon.

    Uses the Stadtteil polygons where they exist and falls back to the Stadtbezirk polygons (Duisburg has
    Ortsteil polygons for only part of the city). A point on a shared boundary goes to the lower code.

    >>> p = CityProfile("musterstadt", "Musterstadt", None, (
    ...     District("stadtbezirk", "1", "Nord", wkt="POLYGON ((7 51, 7.2 51, 7.2 51.1, 7 51.1, 7 51))"),
    ...     District("stadtteil", "11", "Hafen", parent="1",
    ...              wkt="POLYGON ((7 51, 7.1 51, 7.1 51.1, 7 51.1, 7 51))")))
    >>> loc = DistrictLocator(p)
    >>> loc.locate(7.05, 51.05), loc.locate(7.15, 51.05), loc.locate(8.0, 52.0)
    (('1', '11'), ('1', None), None)
    """

    def __init__(self, profile: CityProfile) -> None:
        self.profile = profile
        self._levels: dict[str, tuple[list[District], list[BaseGeometry], shapely.STRtree | None]] = {}
        for level in _LEVELS:
            ds = sorted((d for d in profile.districts if d.ebene == level and d.wkt), key=lambda d: d.code)
            geoms = [profile._shapes[level, d.code] for d in ds]
            for geom in geoms:
                shapely.prepare(geom)
            self._levels[level] = (ds, geoms, shapely.STRtree(geoms) if geoms else None)

    @property
    def has_polygons(self) -> bool:
        """True when the profile has any polygon; without, :meth:`locate` always returns ``None``."""
        return any(tree is not None for _, _, tree in self._levels.values())

    def _find(self, level: str, point: BaseGeometry) -> District | None:
        ds, geoms, tree = self._levels[level]
        if tree is None:
            return None
        for i in sorted(tree.query(point)):
            if geoms[i].covers(point):
                return ds[i]
        return None

    def locate(self, lon: float, lat: float) -> tuple[str, str | None] | None:
        """``(stadtbezirk_code, stadtteil_code)`` of a point; the Stadtteil code is ``None`` when only the
        Stadtbezirk is known, and the result is ``None`` outside all polygons."""
        point = shapely.Point(lon, lat)
        teil = self._find("stadtteil", point)
        if teil is not None:
            return (teil.parent or "", teil.code)
        bezirk = self._find("stadtbezirk", point)
        return (bezirk.code, None) if bezirk is not None else None


@dataclass(frozen=True)
class DistrictLayout:
    """A Stadtteil with what a generator needs to place things in it (see :func:`profile_layout`)."""

    bezirk_code: str
    bezirk_name: str
    code: str
    name: str
    weight: float
    center: tuple[float, float] | None
    polygon: BaseGeometry | None


def profile_layout(profile: CityProfile) -> list[DistrictLayout]:
    """The Stadtteile of a profile, in profile order, with a population weight and, if known, their geometry.

    ``weight`` is the population where the profile has it; otherwise the area times the median density of
    the Stadtteile with both figures, or else the median known population (1 when nothing is known), so
    that generated data spreads roughly like the people. ``center`` is a point inside the polygon
    (``None`` without polygon); nothing is made up for profiles without polygons.

    >>> [(a.code, a.bezirk_name, a.weight, a.center) for a in profile_layout(load_profile("dortmund"))][:2]
    [('00', 'Innenstadt-West', 9782.0, None), ('01', 'Innenstadt-West', 15893.0, None)]
    """
    teile = profile.stadtteile
    known = sorted(float(d.population) for d in teile if d.population)
    densities = sorted(float(d.population) / float(d.area_km2) for d in teile if d.population and d.area_km2)
    median_pop = known[len(known) // 2] if known else 1.0
    median_density = densities[len(densities) // 2] if densities else None
    names = {d.code: d.name for d in profile.stadtbezirke}
    layout = []
    for d in teile:
        if d.population:
            weight = float(d.population)
        elif d.area_km2 and median_density is not None:
            weight = float(d.area_km2) * median_density
        else:
            weight = median_pop
        polygon = profile._shapes.get((d.ebene, d.code))
        center = None
        if polygon is not None:
            point = polygon.representative_point()
            center = (point.x, point.y)
        layout.append(
            DistrictLayout(
                d.parent or "", names.get(d.parent or "", ""), d.code, d.name, weight, center, polygon
            )
        )
    return layout


@cache
def _utm32_transformer():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True)


def utm32_to_wgs84(easting: float, northing: float) -> tuple[float, float]:
    """Convert ETRS89/UTM zone 32N (EPSG:25832, the NRW school list) to WGS84 ``(lon, lat)``.

    An easting written with the zone prefix (``32352258``) is accepted.

    >>> lon, lat = utm32_to_wgs84(352258, 5645500)
    >>> round(lon, 4), round(lat, 4)
    (6.897, 50.9422)
    >>> utm32_to_wgs84(32352258, 5645500) == (lon, lat)
    True
    """
    easting, northing = float(easting), float(northing)
    if 32_000_000 <= easting < 33_000_000:
        easting -= 32_000_000
    if not (100_000 <= easting <= 900_000 and 0 <= northing <= 9_400_000):
        raise ValueError(
            f"({easting:g}, {northing:g}) ist keine UTM-32N-Koordinate (Rechtswert, Hochwert) / "
            f"({easting:g}, {northing:g}) is not a UTM 32N coordinate (easting, northing)"
        )
    lon, lat = _utm32_transformer().transform(easting, northing)
    return lon, lat


# -- Looking up districts ----------------------------------------------------------------------------------


def lookup_district(
    profile: CityProfile,
    value: str | int,
    ebene: str | None = None,
    *,
    file: str | os.PathLike[str] | None = None,
    row: int | None = None,
    column: str | None = None,
) -> District:
    """Resolve a code or a name to a district of the profile.

    Tried in turn: the exact code, the name (case, umlauts, punctuation ignored: ``Hoerde`` = ``Hörde``),
    the code as a number (``5`` for ``05``, as spreadsheets write it). ``ebene`` (``stadtbezirk``,
    ``stadtteil`` or a kind such as ``statistischer_bezirk``) restricts the level; without it, a value that
    fits both levels is an error, since Dortmund's Stadtbezirk Hörde and statistischer Bezirk Hörde differ.

    Parameters
    ----------
    profile : CityProfile
    value : str or int
        A table cell.
    ebene : str, optional
        Level to search.
    file, row, column : optional
        Where the value came from, for the error message.

    Raises
    ------
    DistrictNotFoundError
        With ``suggestions`` ("meinten Sie / did you mean") for near misses.
    CityProfileError
        When the value fits districts of both levels.

    Examples
    --------
    >>> p = CityProfile("x", "X", None, (District("stadtbezirk", "9", "Hombruch"),
    ...     District("stadtteil", "65", "Hombruch", parent="9"),
    ...     District("stadtteil", "05", "Nordmarkt", parent="9")))
    >>> lookup_district(p, "HOMBRUCH", "stadtbezirk").code, lookup_district(p, 5).name
    ('9', 'Nordmarkt')
    >>> try:
    ...     lookup_district(p, "Hombrch", "stadtteil")
    ... except DistrictNotFoundError as exc:
    ...     print(exc.suggestions, str(exc).split(" / ")[1])
    ('Hombruch',) district 'Hombrch' (stadtteil) not in city profile 'x' – did you mean 'Hombruch'?
    """
    where = {"file": file, "row": row, "column": column}
    text = str(value).strip()
    if not text:
        raise DistrictNotFoundError("kein Gebiet angegeben", "no district given", **where)
    if ebene is None:
        levels = _LEVELS
    else:
        kind = "_".join(fold_name(ebene).split())
        if kind not in EBENEN:
            raise CityProfileError(
                f"unbekannte Ebene '{ebene}'", f"unknown level '{ebene}'", parameter="ebene"
            )
        levels = (EBENEN[kind],)
    index = profile._index

    def unique(found: list[District]) -> District | None:
        if len(found) > 1:
            listed_de = " oder ".join(d.label for d in found)
            listed_en = " or ".join(d.label for d in found)
            raise CityProfileError(
                f"'{text}' ist mehrdeutig: {listed_de}; Ebene angeben",
                f"'{text}' is ambiguous: {listed_en}; give the level",
                **where,
            )
        return found[0] if found else None

    folded = fold_name(text)
    for found in (
        [index.by_code[lvl][text] for lvl in levels if text in index.by_code[lvl]],
        [d for lvl in levels for d in index.by_name[lvl].get(folded, [])],
        [d for lvl in levels for d in index.by_number[lvl].get(int(text), [])] if text.isdigit() else [],
    ):
        district = unique(found)
        if district is not None:
            return district
    choices = {k: v for lvl in levels for k, v in index.choices[lvl].items()}
    suggestions = _did_you_mean(text, choices)
    de_hint, en_hint = _hint(suggestions)
    level_de = f" ({_LEVEL_DE[levels[0]]})" if len(levels) == 1 else ""
    level_en = f" ({levels[0]})" if len(levels) == 1 else ""
    raise DistrictNotFoundError(
        f"Gebiet '{text}'{level_de} nicht in Stadtprofil '{profile.name}'{de_hint}",
        f"district '{text}'{level_en} not in city profile '{profile.name}'{en_hint}",
        suggestions=suggestions,
        **where,
    )
