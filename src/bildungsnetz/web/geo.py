"""Maps without a tile server: district polygons (WKT) and site points projected into an SVG viewport."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

__all__ = ["Feature", "Marker", "MapView", "map_view"]


@dataclass(frozen=True)
class Feature:
    """A district polygon to draw: label, link and its WKT."""

    label: str
    wkt: str
    href: str | None = None
    klass: str = ""  # a CSS class, e.g. the colour step of a choropleth


@dataclass(frozen=True)
class Marker:
    """A site point to draw: label, link, sector (for the colour), WKT and whether to emphasise it."""

    label: str
    wkt: str
    href: str | None = None
    sector: str | None = None
    highlight: bool = False


@dataclass
class MapView:
    """What the template draws: SVG path data of the polygons and projected points, in a fixed viewport."""

    width: int
    height: int
    shapes: list[dict] = field(default_factory=list)
    points: list[dict] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing to draw."""
        return not self.shapes and not self.points


def _parse(wkt: str):
    text = wkt.strip()
    if text.startswith("<"):  # a GeoSPARQL literal may start with its CRS IRI
        text = text[text.index(">") + 1 :].strip()
    try:
        return shapely.from_wkt(text)
    except shapely.errors.ShapelyError:
        return None


def _rings(geom) -> Iterable[Sequence[tuple[float, float]]]:
    polygons = geom.geoms if isinstance(geom, MultiPolygon) else [geom] if isinstance(geom, Polygon) else []
    for polygon in polygons:
        yield polygon.exterior.coords
        for hole in polygon.interiors:
            yield hole.coords


def map_view(
    features: Sequence[Feature],
    markers: Sequence[Marker],
    *,
    width: int = 640,
    height: int = 440,
    pad: int = 14,
) -> MapView:
    """Project polygons and points (longitude/latitude) into a ``width`` × ``height`` SVG viewport.

    The projection is equirectangular with the longitude scaled by the cosine of the mean latitude, which is
    exact enough for one city and needs no projection library.

    >>> view = map_view([Feature("A", "POLYGON((7 51, 7.1 51, 7.1 51.1, 7 51, 7 51))")],
    ...                 [Marker("x", "POINT(7.05 51.05)")], width=100, height=100, pad=0)
    >>> view.shapes[0]["d"][:9], view.points[0]["x"] < 100
    ('M18.6,100', True)
    """
    shapes = [(f, g) for f in features if (g := _parse(f.wkt)) is not None and not g.is_empty]
    points = [(m, g) for m in markers if isinstance(g := _parse(m.wkt), Point)]
    xs: list[float] = []
    ys: list[float] = []
    for _, g in shapes + points:
        minx, miny, maxx, maxy = g.bounds
        xs += [minx, maxx]
        ys += [miny, maxy]
    view = MapView(width, height)
    if not xs:
        return view
    kx = math.cos(math.radians((min(ys) + max(ys)) / 2))
    span_x = max((max(xs) - min(xs)) * kx, 1e-6)
    span_y = max(max(ys) - min(ys), 1e-6)
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
    off_x = (width - span_x * scale) / 2
    off_y = (height - span_y * scale) / 2
    x0, y1 = min(xs), max(ys)

    def project(lon: float, lat: float) -> tuple[float, float]:
        return round(off_x + (lon - x0) * kx * scale, 1), round(off_y + (y1 - lat) * scale, 1)

    for feature, g in shapes:
        parts = []
        for ring in _rings(g):
            coords = [project(x, y) for x, y, *_ in ring]
            parts.append("M" + "L".join(f"{x},{y}" for x, y in coords) + "Z")
        if parts:
            cx, cy = project(g.representative_point().x, g.representative_point().y)
            view.shapes.append(
                {"label": feature.label, "href": feature.href, "d": "".join(parts), "cx": cx, "cy": cy,
                 "klass": feature.klass}
            )
    for marker, g in points:
        x, y = project(g.x, g.y)
        view.points.append(
            {
                "label": marker.label,
                "href": marker.href,
                "sector": marker.sector or "",
                "x": x,
                "y": y,
                "highlight": marker.highlight,
            }
        )
    view.points.sort(key=lambda p: p["highlight"])  # emphasised points drawn last, on top
    return view
