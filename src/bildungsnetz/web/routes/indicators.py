"""The Kennzahlen pages: every indicator, one indicator per district and year, a district's profile."""

from __future__ import annotations

import shapely
from fastapi import APIRouter, Request
from fastapi.responses import Response

from bildungsnetz.analysis.gaps import NEED_LEVELS
from bildungsnetz.analysis.indicators import Cell, IndicatorTable, cell_text, indicators, load_table, table_rows
from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.api.routes.indicators import indicator_item, service_query
from bildungsnetz.api.service import Service
from bildungsnetz.cities.model import PLANUNGSRAUM
from bildungsnetz.errors import BildungsnetzError
from bildungsnetz.web.data import district_tiles, find_district, find_planning_area, web_query
from bildungsnetz.web.geo import Feature, map_view
from bildungsnetz.web.pages import context, error_page, render
from bildungsnetz.web.routes.queries import _table_bytes
from bildungsnetz.web.routes.reports import _download

router = APIRouter(include_in_schema=False)

_CLASSES = 5  # colour steps of the map and the tiles


def sparkline(years: list[str], cells: dict[str, Cell], *, width: int = 120, height: int = 28,
              low: float | None = None, high: float | None = None) -> dict:
    """A small line chart (inline SVG) of one area's values; a suppressed year breaks the line, it is no 0."""
    numbers = [c.value for c in cells.values() if c.value is not None]
    if not numbers or not years:
        return {"width": width, "height": height, "paths": [], "points": []}
    low = min(numbers) if low is None else low
    high = max(numbers) if high is None else high
    span = (high - low) or 1.0
    step = (width - 8) / max(len(years) - 1, 1)
    points, paths, current = [], [], []
    for i, year in enumerate(years):
        cell = cells.get(year)
        if cell is None or cell.value is None:
            if current:
                paths.append(current)
            current = []
            if cell is not None:  # suppressed: a hollow mark at the foot, not a point at 0
                points.append({"x": round(4 + i * step, 1), "y": height - 3, "suppressed": True, "year": year,
                               "text": cell_text(cell)})
            continue
        x, y = round(4 + i * step, 1), round(height - 4 - (cell.value - low) / span * (height - 8), 1)
        current.append((x, y))
        points.append({"x": x, "y": y, "suppressed": False, "year": year, "text": cell_text(cell)})
    if current:
        paths.append(current)
    return {
        "width": width, "height": height, "points": points,
        "paths": ["M" + "L".join(f"{x},{y}" for x, y in p) for p in paths if len(p) > 1],
    }  # fmt: skip


def _classes(table: IndicatorTable, year: str) -> dict[str, str]:
    """Area IRI → colour class of its value in ``year``: ``q0``…``q4`` (more need is darker), ``sup``, ``na``."""
    values = sorted(
        c.value for a in table.areas if (c := a["cells"].get(year)) is not None and c.value is not None
    )
    better = table.indicator.get("higherIsBetter") in (True, "true")
    out: dict[str, str] = {}
    for a in table.areas:
        cell = a["cells"].get(year)
        if cell is None:
            out[a["area"]] = "na"
        elif cell.value is None:
            out[a["area"]] = "sup"
        else:
            rank = sum(v < cell.value for v in values) / max(len(values) - 1, 1) if len(values) > 1 else 0.5
            step = min(_CLASSES - 1, int(rank * _CLASSES))
            out[a["area"]] = f"q{_CLASSES - 1 - step if better else step}"
    return out


def _planning_outlines(service: Service, by_area: dict, classes: dict[str, str], latest: str) -> list[Feature]:
    """Planning areas drawn as the union of their Stadtteile's polygons, where the profile has every one of them
    (an outline with a Stadtteil missing would mislead)."""
    profile = service.profile
    wkt = {d.code: d.wkt for d in profile.stadtteile if d.wkt}
    out = []
    for p in profile.planning_areas:
        a = by_area.get(str(service.iris.gebiet(profile.name, p.ebene, p.code)))
        if a is None or not p.stadtteile or any(c not in wkt for c in p.stadtteile):
            continue
        outline = shapely.union_all([shapely.from_wkt(wkt[c]) for c in p.stadtteile])
        out.append(Feature(f"{a['label']}: {cell_text(a['cells'].get(latest)) or '–'}", outline.wkt,
                           klass=classes.get(a["area"], "na")))  # fmt: skip
    return out


def _context_for(service: Service, table: IndicatorTable, lang: str = "de") -> dict:
    latest = table.years[-1] if table.years else ""
    classes = _classes(table, latest) if latest else {}
    numbers = [c.value for a in table.areas for c in a["cells"].values() if c.value is not None]
    low, high = (min(numbers), max(numbers)) if numbers else (None, None)
    lines = {a["area"]: sparkline(table.years, a["cells"], low=low, high=high) for a in table.areas}
    geometry = web_query(service, "indicator-geometry", {"indicator": table.indicator["indicator"]})
    by_area = {a["area"]: a for a in table.areas}
    features = [
        Feature(f"{by_area[r['area']]['label']}: {cell_text(by_area[r['area']]['cells'].get(latest)) or '–'}",
                str(r["wkt"]), klass=classes.get(str(r["area"]), "na"))
        for r in geometry if str(r["area"]) in by_area
    ]  # fmt: skip
    if not features and any(a["level"] == PLANUNGSRAUM for a in table.areas):
        features = _planning_outlines(service, by_area, classes, latest)
    tiles = None
    if not features and table.areas and all(a.get("level") == "stadtbezirk" for a in table.areas):
        # no polygons: the city's schematic tile map, in the same colour steps (one tile per Stadtbezirk)
        tiles = district_tiles(
            service,
            values={a["code"]: cell_text(a["cells"].get(latest), lang=lang) or "–" for a in table.areas},
            levels={a["code"]: classes.get(a["area"], "na") for a in table.areas},
            href="/kennzahlen/gebiet/stadtbezirk/{code}",
        )
    return {"latest": latest, "classes": classes, "lines": lines, "map": map_view(features, []),
            "tiles": tiles if tiles is not None and tiles.tiles else None}


@router.get("/kennzahlen")
def indicators_page(request: Request, service: ServiceDep) -> Response:
    """Every indicator with its unit, polarity, level and how many values (and suppressed ones) it has."""
    ctx = context(request, service)
    items = [indicator_item(r) for r in indicators(service_query(service))]
    return render(ctx, "indicators.html", nav="indicators", items=items)


@router.get("/kennzahlen/{code}")
def indicator_page(request: Request, code: str, service: ServiceDep) -> Response:
    """One indicator per district and year: table with small line charts, map or tile grid, downloads."""
    ctx = context(request, service)
    try:
        table = load_table(service_query(service), code[:100])
    except BildungsnetzError as exc:
        return error_page(ctx, exc.http_status, exc.text(ctx.lang))
    fmt = request.query_params.get("format")
    if fmt in ("csv", "xlsx"):
        rows = table_rows(table)
        columns = list(rows[0]) if rows else ["indikator", "gebiet", "jahr", "wert"]
        name = f"kennzahl-{table.indicator['code']}.{fmt}"
        return _download(ctx, _table_bytes(columns, rows, fmt, title=str(table.indicator["code"])[:31]), fmt,
                         name, attach=True)
    level = request.query_params.get("level") or (
        "stadtbezirk" if table.areas and all(a["level"] == "stadtbezirk" for a in table.areas) else "stadtteil")
    if level not in NEED_LEVELS:
        return error_page(ctx, 400, f"Parameter 'level': {level[:40]} – stadtteil / stadtbezirk")
    ranking = service.need_ranking(None, need=str(table.indicator["code"]), level=level)
    return render(ctx, "indicator.html", nav="indicators", table=table, item=indicator_item(table.indicator),
                  cell_text=cell_text, need=ranking["rows"][:10], need_level=level,
                  children_note=ranking["children_note"], **_context_for(service, table, ctx.lang))


@router.get("/kennzahlen/gebiet/{ebene}/{code}")
def district_profile_page(request: Request, ebene: str, code: str, service: ServiceDep) -> Response:
    """A district's profile: all its indicators over the years."""
    ctx = context(request, service)
    found = find_district(service, ebene, code) if ebene in ("stadtbezirk", "stadtteil") else None
    if ebene == PLANUNGSRAUM and (planning := find_planning_area(service, code)) is not None:
        found = (planning, None)
    if found is None:
        return error_page(ctx, 404, f"{ctx.t('site.not_found')}: {ebene} {code}"[:200])
    area = found[0]
    query = service_query(service)
    profile = []
    for item in indicators(query):
        if not item.get("values"):
            continue
        table = load_table(query, str(item["code"]))
        row = next((a for a in table.areas if a["area"] == area["iri"]), None)
        if row is not None:
            profile.append({"item": indicator_item(item), "years": table.years, "cells": row["cells"],
                            "line": sparkline(table.years, row["cells"])})
    return render(ctx, "indicator_profile.html", nav="indicators", area=area, ebene=ebene, profile=profile,
                  cell_text=cell_text)
