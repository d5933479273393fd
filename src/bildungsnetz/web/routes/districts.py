"""The Stadtbezirk and Stadtteil pages: network picture, map, gaps, comparison of dates."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bildungsnetz.analysis.graphs import resolve_date
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
    fragment,
    render,
    vocab_labels,
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
    # Never wait for the whole-city analysis: until it is ready the page shows the district's own rows (map,
    # networks) and says that the figures are being computed; the page reloads itself when they are.
    a = analysis(service, ebene=ebene, ties=rule, wait=False)
    day = a.data.date if a is not None else resolve_date(None)
    result = next((d for d in a.districts if d.area.iri == area["iri"]), None) if a is not None else None
    summary: dict[str, Any] = result.summary if result is not None else {}
    view = district_network_view(service, a, ebene, code, ties=rule, wait=False) if result is not None else None
    actors = a.result["actors"] if a is not None else {}
    label_of = {n["id"]: n["label"] for n in (view or {}).get("nodes", [])}
    label_of.update({k: v.get("label") for k, v in actors.items()})
    gap_rows = [
        t
        for t in (a.result["transitions"] if a is not None else [])
        if (t["stadtteil"] == code if ebene == "stadtteil" else t["stadtbezirk"] == bezirk["code"])
    ]
    missing = next((m for m in a.result["missing_fields"] if m["stadtbezirk"] == bezirk["code"]), None) if a else None
    features = [
        Feature(str(r.get("featureLabel") or r["code"]), str(r["wkt"]))
        for r in web_query(service, "area-geometry", {"area": area["iri"]})
    ]

    def map_args() -> tuple:
        markers = [
            Marker(
                str(r.get("actorLabel") or ""),
                str(r["wkt"]),
                href=f"/akteur/{r.get('actorId')}",
                sector=str(r.get("sector") or ""),
            )
            for r in web_query(service, "area-sites", {"area": area["iri"], "date": day})
        ]
        found = map_view(features, markers)
        return (found, f"{ctx.t('district.map')} {area['label']}") if not found.empty else None

    # the map and the network picture are drawn once per state of the store: thousands of dots each at size
    drawn_map = fragment(ctx, f"web:map:{ebene}:{code}:{day}", "map_svg", map_args)
    network_html = None
    if view is not None:
        title = f"{ctx.t('district.network')} {area['label']}"
        kinds = vocab_labels("akteursart", ctx.lang)
        network_html = fragment(
            ctx, f"web:view:html:{day}:{ebene}:{code}:{rule}", "network_svg", lambda: (view, ctx.t, title, kinds)
        )
    networks = service.query("networks-of-district", {"stadtbezirk": area["iri"], "date": day}).rows
    comparison = None
    compare_error = None
    other = (request.query_params.get("vergleich") or "").strip()[:40]
    if other and result is not None and a is not None:
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
        drawn_map=drawn_map,
        network_html=network_html,
        has_polygons=bool(features),
        tiles=district_tiles(service, focus=str(bezirk["code"])) if not features else None,
        networks=networks,
        comparison=comparison,
        compare_error=compare_error,
        other=other,
        date=day,
        rule=rule,
        analysed=a is not None,
        pending=a is None or (result is not None and view is None),
        kinds_present=kinds_present,
        fields_present=fields_present,
    )


# -- two dates compared, per Stadtbezirk --------------------------------------------------------------------


def dates_compared(service: Service, von: str, bis: str | None) -> dict[str, Any]:
    """``bildungsnetz analyse --compare VON --date BIS`` for the web: the same :func:`compare` of the same
    analyses, with the changes counted per Stadtbezirk (a tie between two Stadtbezirke counts in both) and
    the CLI's change rows (``comparison_rows``) with names."""
    from bildungsnetz.analysis.compare import compare  # noqa: PLC0415
    from bildungsnetz.analysis.interfaces import comparison_rows  # noqa: PLC0415

    a, b = analysis(service, von), analysis(service, bis)
    before, after = (a, b) if a.data.date <= b.data.date else (b, a)
    result = compare(before, after)
    actors = {x.id: x for x in (*before.data.actors.values(), *after.data.actors.values())}
    areas = {**before.data.areas, **after.data.areas}

    def home(actor_id: str) -> str:
        found = actors.get(actor_id)
        area = areas.get(found.stadtbezirk or "") if found is not None else None
        return area.code if area is not None else ""

    def name(actor_id: str) -> str:
        found = actors.get(actor_id)
        return found.label if found is not None and found.label else actor_id

    per: dict[str, dict[str, Any]] = {}
    for d in after.result["districts"]:
        per[d["code"]] = {"code": d["code"], "name": d["name"], "new_ties": 0, "lost_ties": 0, "new_isolates": 0,
                          "no_longer_isolated": 0, "brokers_gained": [], "brokers_lost": []}  # fmt: skip
    for key in ("new_ties", "lost_ties"):
        for pair in result[key]:
            for code in {home(x) for x in pair} & set(per):
                per[code][key] += 1
    for key in ("new_isolates", "no_longer_isolated"):
        for actor in result[key]:
            if home(actor) in per:
                per[home(actor)][key] += 1
    for d in result["districts"]:
        if d["code"] in per:
            for key in ("brokers_gained", "brokers_lost"):
                per[d["code"]][key] = [name(x) for x in d[key]]
    rows = [dict(r, actorName=name(r["actor"]), partnerName=name(r["partner"]) if r["partner"] else "")
            for r in comparison_rows(result)]  # fmt: skip
    totals = {key: len(result[key]) for key in ("new_ties", "lost_ties", "new_isolates", "no_longer_isolated")}
    return {"date_a": result["date_a"], "date_b": result["date_b"], "districts": list(per.values()),
            "totals": totals, "rows": rows}  # fmt: skip


def _comparison_xlsx(found: dict[str, Any], t: Any) -> bytes:
    from bildungsnetz.tables import xlsx_bytes  # noqa: PLC0415

    keys = ("new_ties", "lost_ties", "new_isolates", "no_longer_isolated", "brokers_gained", "brokers_lost")
    heads = [t("district.stadtbezirk"), *(t("compare." + k) for k in keys)]
    table = [
        dict(zip(heads, [d["name"], *(", ".join(d[k]) if isinstance(d[k], list) else d[k] for k in keys)],
                 strict=True))
        for d in found["districts"]
    ]  # fmt: skip
    changes = ["change", "district", "actor", "actorName", "partner", "partnerName", "date_a", "date_b"]
    return xlsx_bytes({"Bezirke": (heads, table), "Änderungen": (changes, found["rows"])})


@router.get("/vergleich")
def compare_page(request: Request, service: ServiceDep) -> Response:
    """Two dates → per Stadtbezirk new and lost ties, isolates gained and lost, brokers changed (tables, XLSX)."""
    from bildungsnetz.analysis.graphs import resolve_date  # noqa: PLC0415

    ctx = context(request, service)
    von = (request.query_params.get("von") or "").strip()[:20]
    bis = (request.query_params.get("bis") or "").strip()[:20]
    found = error = None
    if von:
        try:
            found = dates_compared(service, resolve_date(von, param="von"), resolve_date(bis or None, param="bis"))
        except BildungsnetzError as exc:
            error = exc.text(ctx.lang)
    if request.query_params.get("format") == "xlsx" and found is not None:
        body = _comparison_xlsx(found, ctx.t)
        return _download(ctx, body, "xlsx", f"vergleich-{found['date_a']}-{found['date_b']}.xlsx", attach=True)
    return render(ctx, "compare.html", nav="reports", von=von, bis=bis, found=found, error=error,
                  download=str(request.url.include_query_params(format="xlsx")))  # fmt: skip

