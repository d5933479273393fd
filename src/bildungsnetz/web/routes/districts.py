"""The Stadtbezirk and Stadtteil pages: network picture, map, gaps, comparison of dates."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.api.service import Service
from bildungsnetz.errors import BildungsnetzError
from bildungsnetz.web.data import (
    actor_export,
    analysis,
    city_data,
    district_network_view,
    district_tiles,
    find_district,
    web_query,
)
from bildungsnetz.web.geo import Feature, Marker, map_view
from bildungsnetz.web.pages import (
    Ctx,
    context,
    error_page,
    render,
)
from bildungsnetz.web.routes.queries import _table_bytes
from bildungsnetz.web.routes.reports import _download

router = APIRouter(include_in_schema=False)

# -- district -----------------------------------------------------------------------------------------------


def _district_compare(
    service: Service, ebene: str, current: Any, other_date: str, members: set[str], code: str
) -> dict:
    from bildungsnetz.analysis.compare import compare  # noqa: PLC0415

    other = analysis(service, other_date, ebene=ebene)
    before, after = (other, current) if other.data.date <= current.data.date else (current, other)
    result = compare(before, after)

    def mine(pair: Any) -> bool:
        return bool(set(pair) & members)

    brokers = next(
        (d for d in result["districts"] if d["code"] == code), {"brokers_gained": [], "brokers_lost": []}
    )
    return {
        "date_a": result["date_a"],
        "date_b": result["date_b"],
        "new_ties": [p for p in result["new_ties"] if mine(p)],
        "lost_ties": [p for p in result["lost_ties"] if mine(p)],
        "new_isolates": [i for i in result["new_isolates"] if i in members],
        "no_longer_isolated": [i for i in result["no_longer_isolated"] if i in members],
        "brokers_gained": brokers["brokers_gained"],
        "brokers_lost": brokers["brokers_lost"],
    }


def actor_download(ctx: Ctx, service: Service, actors: list[Any], fmt: str, stem: str) -> Response:
    """Actors as CSV (with their IRIs) or XLSX through the one table writer: names, labels, address, Träger."""
    columns, rows = actor_export(service, actors, lang=ctx.lang, iri=fmt == "csv")
    return _download(ctx, _table_bytes(columns, rows, fmt, title="Akteure"), fmt, f"{stem}.{fmt}", attach=True)


@router.get("/gebiet/{ebene}/{code}/akteure.{fmt}")
def district_actors_download(request: Request, ebene: str, code: str, fmt: str, service: ServiceDep) -> Response:
    """The actors of a Stadtbezirk or Stadtteil as CSV or Excel: address, Träger, Stadtteil, kind label."""
    ctx = context(request, service)
    found = find_district(service, ebene, code) if ebene in ("stadtbezirk", "stadtteil") else None
    if found is None or fmt not in ("csv", "xlsx"):
        return error_page(ctx, 404, f"{ctx.t('site.not_found')}: {ebene} {code}.{fmt}"[:200])
    iri = found[0]["iri"]
    actors = [a for a in city_data(service).actors.values() if iri in (a.stadtbezirk, a.stadtteil)]
    actors.sort(key=lambda a: ((a.label or "").casefold(), a.iri))
    return actor_download(ctx, service, actors, fmt, f"akteure-{ebene}-{code}")


@router.get("/gebiet/{ebene}/{code}")
def district_page(request: Request, ebene: str, code: str, service: ServiceDep) -> Response:
    """A Stadtbezirk or Stadtteil: network, map, measures, Bildungskette gaps, another date compared."""
    ctx = context(request, service)
    found = find_district(service, ebene, code) if ebene in ("stadtbezirk", "stadtteil") else None
    if found is None:
        return error_page(ctx, 404, f"{ctx.t('site.not_found')}: {ebene} {code}"[:200])
    area, parent = found
    bezirk = parent or area
    rule = request.query_params.get("ties", "alle")
    rule = rule if rule in ("alle", "bestaetigt", "dokumentiert") else "alle"  # a mistyped rule shows the default
    a = analysis(service, ebene=ebene, ties=rule)
    day = a.data.date
    result = next((d for d in a.districts if d.area.iri == area["iri"]), None)
    summary: dict[str, Any] = result.summary if result is not None else {}
    view = district_network_view(service, a, ebene, code) if result is not None else None
    actors = a.result["actors"]
    label_of = {n["id"]: n["label"] for n in (view or {}).get("nodes", [])}
    label_of.update({k: v.get("label") for k, v in actors.items()})
    gap_rows = [
        t
        for t in a.result["transitions"]
        if (t["stadtteil"] == code if ebene == "stadtteil" else t["stadtbezirk"] == bezirk["code"])
    ]
    missing = next((m for m in a.result["missing_fields"] if m["stadtbezirk"] == bezirk["code"]), None)
    markers = [
        Marker(
            str(r.get("actorLabel") or ""),
            str(r["wkt"]),
            href=f"/akteur/{r.get('actorId')}",
            sector=str(r.get("sector") or ""),
        )
        for r in web_query(service, "area-sites", {"area": area["iri"], "date": day})
    ]
    features = [
        Feature(str(r.get("featureLabel") or r["code"]), str(r["wkt"]))
        for r in web_query(service, "area-geometry", {"area": area["iri"]})
    ]
    networks = service.query("networks-of-district", {"stadtbezirk": area["iri"], "date": day}).rows
    comparison = None
    compare_error = None
    other = (request.query_params.get("vergleich") or "").strip()[:40]
    if other and result is not None:
        members = {n["id"] for n in view["nodes"] if not n["external"]} if view else set()
        try:
            comparison = _district_compare(service, ebene, a, other, members, code)
        except BildungsnetzError as exc:
            compare_error = exc.text(ctx.lang)
    kinds_present = sorted({n["kind"] for n in (view or {}).get("nodes", []) if n["kind"]})
    fields_present = sorted({f for n in (view or {}).get("nodes", []) for f in n["fields"].split()})
    return render(
        ctx,
        "district.html",
        area=area,
        parent=parent,
        bezirk=bezirk,
        ebene=ebene,
        summary=summary,
        view=view,
        label_of=label_of,
        gaps=gap_rows,
        missing=missing,
        map=map_view(features, markers),
        has_polygons=bool(features),
        tiles=district_tiles(service, focus=str(bezirk["code"])) if not features else None,
        networks=networks,
        comparison=comparison,
        compare_error=compare_error,
        other=other,
        date=day,
        rule=rule,
        kinds_present=kinds_present,
        fields_present=fields_present,
    )
