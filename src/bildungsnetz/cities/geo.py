"""Where things lie: point-in-district lookup, the layout of Stadtteile, UTM 32N to WGS84."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import shapely
from shapely.geometry.base import BaseGeometry

from bildungsnetz.cities.model import (
    _LEVELS,
    CityProfile,
    District,
)

__all__ = ["DistrictLayout", "DistrictLocator", "profile_layout", "utm32_to_wgs84"]


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

    >>> from bildungsnetz.cities.registry import load_profile
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

