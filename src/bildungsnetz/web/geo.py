"""Maps without a tile server: district polygons (WKT) and site points projected into an SVG viewport."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

__all__ = ["Feature", "Marker", "MapView", "map_view", "Tile", "TileMap", "tile_map"]


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


def _text(wkt: str) -> str:
    text = wkt.strip()
    if text.startswith("<"):  # a GeoSPARQL literal may start with its CRS IRI
        text = text[text.index(">") + 1 :].strip()
    return text


def _parse_all(wkts: Sequence[str]) -> list:
    """Geometries of many WKT texts at once (``None`` for what does not parse): one call into shapely instead
    of one per text, which made a district's map of 2,000 sites cost a second."""
    if not wkts:
        return []
    return list(shapely.from_wkt([_text(w) for w in wkts], on_invalid="ignore"))


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
    parsed = _parse_all([f.wkt for f in features])
    shapes = [(f, g) for f, g in zip(features, parsed, strict=True) if g is not None and not g.is_empty]
    parsed = _parse_all([m.wkt for m in markers])
    points = [(m, g) for m, g in zip(markers, parsed, strict=True) if isinstance(g, Point)]
    xs: list[float] = []
    ys: list[float] = []
    if shapes or points:  # bounds of all geometries in one call (per geometry it cost more than the drawing)
        for minx, miny, maxx, maxy in shapely.bounds([g for _, g in shapes + points]).tolist():
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
    coords = shapely.get_coordinates([g for _, g in points]).tolist() if points else []
    for (marker, _), (lon, lat) in zip(points, coords, strict=True):
        x, y = project(lon, lat)
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


# -- schematic tile map ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    """One Stadtbezirk's square: where it is drawn, its label, link, value and colour class."""

    code: str
    label: str
    x: int
    y: int
    size: int
    href: str | None = None
    value: str = ""
    level: str = ""
    focus: bool = False
    near: bool = False


@dataclass
class TileMap:
    """A schematic map of a city's Stadtbezirke as tiles, one per Stadtbezirk, roughly where it lies."""

    width: int
    height: int
    tiles: list[Tile] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """No tiles (the profile has no tile layout)."""
        return not self.tiles


def tile_map(
    layout: Sequence[tuple[str, int, int]],
    labels: Mapping[str, str],
    *,
    values: Mapping[str, str] | None = None,
    levels: Mapping[str, str] | None = None,
    href: str | None = "/gebiet/stadtbezirk/{code}",
    focus: str | None = None,
    neighbours: Iterable[tuple[str, str]] = (),
    size: int = 96,
    gap: int = 6,
) -> TileMap:
    """The tiles of a city profile's layout (``CityProfile.tiles``) for the ``tile_map_svg`` macro.

    A choropleth passes ``values`` (the text in a tile) and ``levels`` (a CSS class per Stadtbezirk, e.g. the
    heat levels ``h0`` … ``h8``); ``focus`` marks one Stadtbezirk and its ``neighbours`` beside it.

    >>> m = tile_map([("1", 0, 0), ("2", 1, 0), ("3", 1, 1)], {"1": "Nord", "2": "Ost", "3": "Süd"},
    ...              values={"2": "7"}, focus="2", neighbours=[("1", "2")], size=10, gap=0)
    >>> (m.width, m.height), [(t.code, t.x, t.y, t.value, t.focus, t.near) for t in m.tiles]
    ((20, 20), [('1', 0, 0, '', False, True), ('2', 10, 0, '7', True, False), ('3', 10, 10, '', False, False)])
    """
    if not layout:
        return TileMap(0, 0)
    values, levels = values or {}, levels or {}
    near = {b if a == focus else a for a, b in neighbours if focus in (a, b)}
    step = size + gap
    columns = max(c for _, c, _ in layout) + 1
    rows = max(r for _, _, r in layout) + 1
    view = TileMap(columns * step - gap, rows * step - gap)
    for code, column, row in sorted(layout, key=lambda t: (t[2], t[1])):
        view.tiles.append(
            Tile(
                code=code,
                label=labels.get(code, code),
                x=column * step,
                y=row * step,
                size=size,
                href=href.format(code=code) if href else None,
                value=str(values.get(code, "")),
                level=levels.get(code, ""),
                focus=code == focus,
                near=code in near,
            )
        )
    return view
