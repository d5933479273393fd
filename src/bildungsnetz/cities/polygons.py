"""District polygons of a city profile: reading GeoJSON, matching features to districts, writing."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from bildungsnetz.cities.model import (
    _LEVELS,
    _POLYGON_FILES,
    _TOUCH_TOLERANCE,
    EBENEN,
    CityProfile,
    CityProfileError,
    District,
    _did_you_mean,
    _hint,
    _Index,
    fold_name,
)

__all__ = ["PolygonReport", "UnmatchedFeature", "read_polygons"]


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

