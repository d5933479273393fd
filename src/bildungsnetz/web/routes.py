"""The pages: search, actor, network, district, SDGs, reports, queries, SPARQL editor, import, login."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response

from bildungsnetz.api.auth import ANONYMOUS
from bildungsnetz.api.deps import ServiceDep, client_id
from bildungsnetz.api.service import Service
from bildungsnetz.api.sparql.worker import Job
from bildungsnetz.errors import BildungsnetzError, InputError
from bildungsnetz.queries import NamedQuery
from bildungsnetz.web.data import (
    analysis,
    coverage,
    district_network_view,
    districts,
    find_district,
    warm,
    web_query,
)
from bildungsnetz.web.geo import Feature, Marker, map_view
from bildungsnetz.web.netview import ego_view
from bildungsnetz.web.pages import (
    STATIC,
    Ctx,
    context,
    error_page,
    finish,
    render,
    security_headers,
    vocab_labels,
)
from bildungsnetz.web.session import SESSION_COOKIE, SESSION_SECONDS, Session

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_SEARCH_ROWS = 50
_QUERY_ROWS = 200
_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}
#: Reports carry their own inline CSS and nothing else: no script, no request anywhere.
_REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
_STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
_ID = re.compile(r"^[^\s/?#]{1,200}$")


def _split(value: object) -> list[str]:
    return [p.strip() for p in str(value or "").split(",") if p.strip()]


def _forbidden(ctx: Ctx, role: str) -> Response:
    status = 401 if not ctx.who.roles else 403
    return render(
        ctx,
        "login.html",
        status=status,
        nav="login",
        message=ctx.t("site.forbidden", role=role),
        next=ctx.request.url.path,
    )


def _for_redaktion(request: Request, service: Service, csrf: str) -> tuple[Ctx, Response | None]:
    """The page context of a write, and the refusal if its CSRF token is wrong or the user lacks ``redaktion``."""
    ctx = context(request, service)
    if not ctx.csrf_ok(csrf):
        return ctx, error_page(ctx, 403, ctx.t("site.csrf"))
    if "redaktion" not in ctx.who.roles:
        return ctx, _forbidden(ctx, "redaktion")
    return ctx, None


# -- static files -------------------------------------------------------------------------------------------


@router.get("/static/{name}")
def static(name: str) -> Response:
    """The team's CSS and JavaScript (no third-party files), cacheable: URLs carry a content hash."""
    path = STATIC / name
    if "/" in name or name.startswith(".") or not path.is_file() or path.suffix not in _STATIC_TYPES:
        return Response(status_code=404)
    response = FileResponse(path, media_type=_STATIC_TYPES[path.suffix])
    response.headers["Cache-Control"] = "public, max-age=86400"
    return security_headers(response)


# -- start and search ---------------------------------------------------------------------------------------


@router.get("/")
def start(request: Request, service: ServiceDep) -> Response:
    """Search across actors, networks and offers; key figures; the districts."""
    ctx = context(request, service)
    warm(service)
    q = (request.query_params.get("q") or "").strip()[:200]
    results: dict[str, Any] | None = None
    if q:
        actors = service.page("api/actors", {"q": q}, limit=_SEARCH_ROWS, offset=0)
        items = []
        for row in actors.rows:
            areas = service.query("api/actor-districts", {"actor": row["actor"]}).rows
            items.append(dict(row, area=areas[0] if areas else {}))
        folded = q.casefold()
        networks = [
            r
            for r in service.page("api/networks", {}, limit=1000, offset=0).rows
            if folded in str(r.get("networkLabel") or "").casefold()
            or folded == str(r.get("networkId")).casefold()
        ]
        offers: OrderedDict[str, dict[str, Any]] = OrderedDict()
        for row in web_query(service, "offers-search", {"q": q, "limit": _SEARCH_ROWS * 2}, keep=False):
            entry = offers.setdefault(row["offer"], dict(row, providers=[]))
            if row.get("provider"):
                entry["providers"].append(row)
        results = {
            "actors": items,
            "actors_more": actors.more,
            "networks": networks,
            "offers": list(offers.values())[:_SEARCH_ROWS],
        }
    figures = web_query(service, "key-figures")
    return render(
        ctx,
        "start.html",
        nav="start",
        q=q,
        results=results,
        figures=figures[0] if figures else {},
        districts=districts(service),
        limit=_SEARCH_ROWS,
    )


# -- actor --------------------------------------------------------------------------------------------------


def _actor_measures(a: Any, iri: str) -> dict[str, Any] | None:
    """The actor's measures in its district network, its roles and what they mean for it."""
    for d in a.districts:
        if iri not in d.measures:
            continue
        summary = d.summary
        actor_id = d.graph.nodes[iri].get("id")
        rank = next((i for i, b in enumerate(summary["brokers"], 1) if b["actor"] == actor_id), 0)
        sector_rules = [
            s.get("rule") for s in summary.get("sector_isolated", []) if s.get("actor") == actor_id
        ]
        return {
            "district": summary,
            "m": d.measures[iri],
            "roles": d.roles.counts.get(iri) if d.roles is not None else None,
            "broker_rank": rank,
            "isolated": actor_id in summary["isolates"],
            "isolated_in_district": actor_id in summary.get("isolated_in_district", []),
            "sector_isolated": [r for r in sector_rules if r],
        }
    return None


@router.get("/akteur/{actor_id}")
def actor_page(request: Request, actor_id: str, service: ServiceDep) -> Response:
    """One actor: facts, sites on a map, partners (table and ego network), networks, offers, measures."""
    ctx = context(request, service)
    if not _ID.match(actor_id):
        return error_page(ctx, 404, ctx.t("site.not_found"))
    rows = service.query("actor-detail", {"actor": actor_id}).rows  # a bad id: the one error handler's page
    if not rows:
        return error_page(ctx, 404, f"{ctx.t('site.not_found')}: {actor_id}")
    actor = rows[0]
    iri = str(actor["actor"])
    sites = [r for r in rows if r.get("site")]
    partners = service.query("partners-of-actor", {"actor": iri}).rows
    networks = service.query("api/actor-networks", {"actor": iri}).rows
    offers = [
        dict(r, sdgs=_split(r.get("sdgs"))) for r in service.query("api/actor-offers", {"actor": iri}).rows
    ]
    programmes = sorted({str(p["programme"]) for p in partners if p.get("programme")})
    contacts = service.query("api/actor-contacts", {"actor": iri}).rows if ctx.who.intern else None
    a = analysis(service)
    measures = _actor_measures(a, iri)
    ego = ego_view(a.graph, iri)
    district_iri = next((s.get("district") for s in sites if s.get("district")), None)
    markers = [
        Marker(
            s.get("siteLabel") or actor.get("actorLabel") or iri,
            s["wkt"],
            sector=actor.get("sector"),
            highlight=True,
        )
        for s in sites
        if s.get("wkt")
    ]
    features: list[Feature] = []
    if district_iri:
        for row in web_query(service, "area-sites", {"area": district_iri}):
            if row["actor"] != iri:
                markers.append(
                    Marker(
                        str(row.get("actorLabel") or ""),
                        str(row["wkt"]),
                        href=f"/akteur/{row.get('actorId')}",
                        sector=str(row.get("sector") or ""),
                    )
                )
        features = [
            Feature(str(r.get("featureLabel") or r["code"]), str(r["wkt"]))
            for r in web_query(service, "area-geometry", {"area": district_iri})
        ]
    district = None
    if measures:
        district = measures["district"]
    return render(
        ctx,
        "actor.html",
        actor=actor,
        sites=sites,
        partners=partners,
        networks=networks,
        offers=offers,
        programmes=programmes,
        contacts=contacts,
        measures=measures,
        ego=ego,
        district=district,
        map=map_view(features, markers, width=640, height=360),
        date=a.data.date,
    )


# -- network ------------------------------------------------------------------------------------------------


@router.get("/netzwerk/{network_id}")
def network_page(request: Request, network_id: str, service: ServiceDep) -> Response:
    """One network or committee and its members."""
    ctx = context(request, service)
    if not _ID.match(network_id):
        return error_page(ctx, 404, ctx.t("site.not_found"))
    rows = service.query("api/network", {"network": network_id}).rows
    members = service.query("network-members", {"network": network_id}).rows if rows else []
    if not rows:
        return error_page(ctx, 404, f"{ctx.t('site.not_found')}: {network_id}")
    return render(ctx, "network.html", network=rows[0], members=members)


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


@router.get("/gebiet/{ebene}/{code}")
def district_page(request: Request, ebene: str, code: str, service: ServiceDep) -> Response:
    """A Stadtbezirk or Stadtteil: network, map, measures, Bildungskette gaps, another date compared."""
    ctx = context(request, service)
    found = find_district(service, ebene, code) if ebene in ("stadtbezirk", "stadtteil") else None
    if found is None:
        return error_page(ctx, 404, f"{ctx.t('site.not_found')}: {ebene} {code}"[:200])
    area, parent = found
    bezirk = parent or area
    a = analysis(service, ebene=ebene)
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
        for r in web_query(service, "area-sites", {"area": area["iri"]})
    ]
    features = [
        Feature(str(r.get("featureLabel") or r["code"]), str(r["wkt"]))
        for r in web_query(service, "area-geometry", {"area": area["iri"]})
    ]
    networks = service.query("networks-of-district", {"stadtbezirk": area["iri"]}).rows
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
        networks=networks,
        comparison=comparison,
        compare_error=compare_error,
        other=other,
        date=day,
        kinds_present=kinds_present,
        fields_present=fields_present,
    )


# -- SDGs ---------------------------------------------------------------------------------------------------


def _heat_level(offers: int, top: int) -> int:
    """0 for no offer, 1..8 rising with the share of the busiest cell."""
    if offers <= 0:
        return 0
    return max(1, min(8, 1 + round(7 * offers / max(top, 1))))


def _evidence(service: Service, offer_id: str, goal: str) -> list[str]:
    """Why an SDG was suggested: the stored evidence or, when the suggestion lacks it, the matcher's words."""
    from bildungsnetz.sdg import offer_suggestions  # noqa: PLC0415

    def compute() -> dict[str, list[str]]:
        try:
            found = offer_suggestions(service.store, offer_id, iris=service.iris)
        except BildungsnetzError:
            return {}
        return {str(s["sdg"]): list(s.get("evidence") or []) for s in found["suggestions"]}

    return service.cached(f"web:evidence:{offer_id}", compute).get(goal, [])


def _decided_pairs(service: Service) -> set[tuple[str, str]]:
    from bildungsnetz.sdg import pair_states  # noqa: PLC0415

    return {
        (offer, str(goal))
        for (offer, goal), state in pair_states(service.store, iris=service.iris).items()
        if state.decided
    }


@router.get("/sdgs")
def sdgs_page(request: Request, service: ServiceDep) -> Response:
    """Heat map SDG × Stadtbezirk, offers and providers per SDG, and the review queue for ``redaktion``."""
    ctx = context(request, service)
    cov = coverage(service)
    top = max((c["offers"] for c in cov["by_district"]), default=1)
    cells = {
        (c["sdg"], c["district"]): dict(c, level=_heat_level(c["offers"], top)) for c in cov["by_district"]
    }
    focus_code = (request.query_params.get("stadtbezirk") or "").strip()
    focus = next((b for b in districts(service) if b["code"] == focus_code), None)
    goal = request.query_params.get("ziel") or ""
    goal_offers = None
    if goal.isdigit() and 1 <= int(goal) <= 17:
        values = {"sdg": goal, "stadtbezirk": focus["iri"] if focus else None}
        page = service.page("offers-by-sdg", values, limit=_QUERY_ROWS, offset=0)
        providers: dict[str, dict] = {}
        for r in page.rows:
            providers.setdefault(
                str(r["provider"]), {"id": r.get("providerId"), "label": r.get("providerLabel"), "offers": 0}
            )["offers"] += 1
        goal_offers = {
            "rows": page.rows,
            "more": page.more,
            "providers": sorted(providers.values(), key=lambda p: -p["offers"]),
        }
    queue = None
    if "redaktion" in ctx.who.roles:
        only = request.query_params.get("pruef_sdg") or ""
        rows = service.query("sdg-review-queue", {"sdg": only if only.isdigit() else None}).rows
        # The queue query lists every stored suggestion; a decision made later (its own node in the decisions
        # graph) settles the pair, so decided pairs leave the queue here.
        decided_pairs = service.cached("web:decided", lambda: _decided_pairs(service))
        rows = [r for r in rows if (r["offer"], str(r["goal"])) not in decided_pairs]
        queue = {"total": len(rows), "rows": []}
        for r in rows[:25]:
            evidence = [e.strip() for e in str(r.get("evidence") or "").split(";") if e.strip()]
            if not evidence and r.get("offerId"):
                evidence = _evidence(service, str(r["offerId"]), str(r["goal"]))
            queue["rows"].append(dict(r, evidence=evidence))
    decided = request.query_params.get("entschieden")
    return render(
        ctx,
        "sdgs.html",
        nav="sdgs",
        cov=cov,
        cells=cells,
        focus=focus,
        goal=goal,
        goal_offers=goal_offers,
        queue=queue,
        decided=decided,
    )


@router.post("/sdgs/entscheidung")
async def sdg_decision(
    request: Request,
    service: ServiceDep,
    offer: Annotated[str, Form(max_length=200)],
    sdg: Annotated[str, Form(max_length=16)],
    status: Annotated[str, Form(pattern="^(bestaetigt|abgelehnt)$")],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Confirm or reject a suggested SDG (role ``redaktion``), recorded with who and when."""
    from bildungsnetz.sdg import decide  # noqa: PLC0415

    ctx, refused = _for_redaktion(request, service, csrf)
    if refused is not None:
        return refused
    async with service.write_lock:  # a refused decision: the one error handler's page, with its status
        await asyncio.to_thread(decide, service.store, offer, sdg, status, user=ctx.who.name, iris=service.iris)
        await service.after_write()
    target = f"/sdgs?entschieden={offer}:{sdg}:{status}#pruefliste"
    return finish(ctx, RedirectResponse(target, status_code=303))


# -- reports ------------------------------------------------------------------------------------------------


@router.get("/berichte")
def reports_page(request: Request, service: ServiceDep) -> Response:
    """The gap report and the SDG report, to view and to download."""
    ctx = context(request, service)
    return render(ctx, "reports.html", nav="reports", districts=districts(service))


def _download(ctx: Ctx, body: bytes, fmt: str, name: str, *, attach: bool) -> Response:
    disposition = "attachment" if attach or fmt != "html" else "inline"
    response = Response(
        body, media_type=_MEDIA[fmt], headers={"Content-Disposition": f'{disposition}; filename="{name}"'}
    )
    finish(ctx, response)
    if fmt == "html":
        response.headers["Content-Security-Policy"] = _REPORT_CSP
    return response


@router.get("/berichte/luecken.{fmt}")
def gap_report(request: Request, fmt: str, service: ServiceDep) -> Response:
    """``bildungsnetz report gaps`` in the browser: HTML (to view or save) or XLSX."""
    ctx = context(request, service)
    if fmt not in ("html", "xlsx"):
        return error_page(ctx, 404, ctx.t("site.not_found"))
    code = (request.query_params.get("stadtbezirk") or "").strip()
    if code and find_district(service, "stadtbezirk", code) is None:
        from bildungsnetz.cities import CityProfileError  # noqa: PLC0415

        try:  # a name as staff type it (Hörde, Hoerde): the city's registry knows its code
            code = service.cities.district(code, "stadtbezirk", city=service.profile).code
        except CityProfileError as exc:
            return error_page(ctx, 404, f"{ctx.t('site.not_found')}: {exc.de if ctx.lang == 'de' else exc.en}"[:200])
    if code and find_district(service, "stadtbezirk", code) is None:
        return error_page(ctx, 404, f"{ctx.t('site.not_found')}: {code}"[:100])

    body = service.gaps_report(fmt, stadtbezirk=code or None)
    suffix = f"-{code}" if code else ""
    return _download(
        ctx, body, fmt, f"bildungsnetz-luecken{suffix}.{fmt}", attach="download" in request.query_params
    )


@router.get("/berichte/sdg.{fmt}")
def sdg_report(request: Request, fmt: str, service: ServiceDep) -> Response:
    """``bildungsnetz report sdg`` in the browser: HTML (to view or save) or XLSX."""
    from bildungsnetz.report.sdg import render_html, write_xlsx  # noqa: PLC0415

    ctx = context(request, service)
    dimension = request.query_params.get("dimension") or "zielgruppe"
    if fmt not in ("html", "xlsx") or dimension not in ("zielgruppe", "bildungsphase"):
        return error_page(ctx, 404, ctx.t("site.not_found"))
    data = coverage(service, dimension)
    if fmt == "html":
        body = render_html(data).encode("utf-8")
    else:
        with tempfile.TemporaryDirectory(prefix="bildungsnetz-web-") as tmp:
            path = Path(tmp) / "sdg.xlsx"
            write_xlsx(data, path)
            body = path.read_bytes()
    return _download(
        ctx, body, fmt, f"bildungsnetz-sdg-{dimension}.{fmt}", attach="download" in request.query_params
    )


# -- queries ------------------------------------------------------------------------------------------------


def _options(service: Service, query: NamedQuery) -> dict[str, list[tuple[str, str]]]:
    """Dropdown choices per parameter: districts for ``iri(gebiet)``, the vocabulary for ``code(…)``."""
    options: dict[str, list[tuple[str, str]]] = {}
    for p in query.params:
        if p.type == "iri" and p.scheme == "gebiet":
            choices = []
            for b in districts(service):
                choices.append((b["iri"], f"{b['label']} ({b['code']})"))
                choices += [(t["iri"], f"  – {t['label']} ({t['code']})") for t in b["stadtteile"]]
            options[p.name] = choices
        elif p.type == "code" and p.scheme:
            labels = vocab_labels(p.scheme)
            if p.scheme == "sdg":
                labels = {k: v for k, v in labels.items() if k.isdigit()}
            options[p.name] = [
                (code, f"{code} – {label}" if code != label else code) for code, label in labels.items()
            ]
    return options


def _table_bytes(columns: list[str], rows: list[dict], fmt: str, *, title: str) -> bytes:
    """A download for people: CSV for German Excel or XLSX, through the one table writer."""
    from bildungsnetz.tables import people_csv, xlsx_bytes  # noqa: PLC0415

    if fmt == "csv":
        return people_csv(columns, rows)
    return xlsx_bytes({title: (columns, rows)})


@router.get("/abfragen")
def queries_page(request: Request, service: ServiceDep) -> Response:
    """The named query catalogue."""
    ctx = context(request, service)
    catalogue = [service.catalogue[name] for name in sorted(service.catalogue)]
    return render(ctx, "queries.html", nav="queries", catalogue=catalogue)


@router.get("/abfragen/{name}")
def query_page(request: Request, name: str, service: ServiceDep) -> Response:
    """One named query as a form; its result as a table, CSV or XLSX."""
    ctx = context(request, service)
    query = service.catalogue.get(name)
    if query is None:
        return error_page(ctx, 404, f"{ctx.t('site.not_found')}: {name}"[:100])
    params = [p for p in query.params if not p.paging]
    given = {p.name: (request.query_params.get(p.name) or "").strip()[:200] for p in params}
    result = error = None
    fmt = request.query_params.get("format")
    if "ausfuehren" in request.query_params or fmt:
        limit = service.settings.row_cap if fmt in ("csv", "xlsx") else _QUERY_ROWS
        try:
            result = service.page(name, {k: v for k, v in given.items() if v}, limit=limit, offset=0)
        except BildungsnetzError as exc:
            error = exc.text(ctx.lang)
        if result is not None and fmt in ("csv", "xlsx"):
            return _download(
                ctx, _table_bytes(result.columns, result.rows, fmt, title=name), fmt, f"{name}.{fmt}", attach=True
            )
    download = str(request.url.remove_query_params(["format", "lang"]))
    return render(
        ctx,
        "query.html",
        nav="queries",
        query=query,
        params=params,
        given=given,
        options=_options(service, query),
        result=result,
        error=error,
        download=download,
    )


_EXAMPLE_SPARQL = """PREFIX bn: <https://w3id.org/bildungsnetz/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?kind (COUNT(?actor) AS ?actors)
WHERE { ?actor bn:akteursart ?kind }
GROUP BY ?kind
ORDER BY DESC(?actors)"""


@router.get("/sparql-editor")
async def sparql_editor(request: Request, service: ServiceDep) -> Response:
    """A textarea for a read-only SPARQL query against the public endpoint; the answer as a table."""
    ctx = context(request, service)
    text = request.query_params.get("query")
    answer: dict[str, Any] | None = None
    error = None
    if text and len(text) > 200_000:  # as /sparql; never cut: a cut query would fail somewhere else
        error = "Abfrage länger als 200000 Zeichen / query longer than 200000 characters"
    elif text:
        job = Job(
            query=text,
            accept="application/sparql-results+json",
            allowed=service.allowed_graphs(ANONYMOUS),
            cap=service.settings.row_cap,
            timeout=service.settings.query_timeout,
        )
        try:
            reply = await service.sparql(job, client=client_id(request))
        except BildungsnetzError as exc:
            error = exc.text(ctx.lang)
        else:
            if reply.status != 200:
                error = reply.error or f"HTTP {reply.status}"
            elif reply.media_type.startswith("application/sparql-results+json"):
                body = json.loads(reply.body)
                if "boolean" in body:
                    answer = {"boolean": body["boolean"]}
                else:
                    columns = body["head"]["vars"]
                    rows = [
                        [b.get(c, {}).get("value", "") for c in columns] for b in body["results"]["bindings"]
                    ]
                    answer = {"columns": columns, "rows": rows[:1000], "count": len(rows)}
            else:
                error = ctx.t("queries.graph_result")
    return render(ctx, "sparql.html", nav="queries", text=text or _EXAMPLE_SPARQL, answer=answer, error=error)


# -- import -------------------------------------------------------------------------------------------------

#: Uploaded files waiting between check and import: stage id → (directory, source, user, time).
_STAGED: dict[str, tuple[Path, str | None, str, float]] = {}
_STAGED_LOCK = threading.Lock()
_STAGE_SECONDS = 3600
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _clean_staged() -> None:
    now = time.time()
    with _STAGED_LOCK:
        for key, (path, _, _, made) in list(_STAGED.items()):
            if now - made > _STAGE_SECONDS:
                shutil.rmtree(path, ignore_errors=True)
                del _STAGED[key]


def _report_rows(result: Any, lang: str) -> list[dict[str, Any]]:
    """The violations, most severe first, each with file, row and column (for data from a table)."""
    rank = {"Violation": 0, "Warning": 1, "Info": 2}
    rows = []
    for v in sorted(result.report.violations, key=lambda v: (rank.get(v.severity, 3), v.row or 0)):
        rows.append(
            {
                "severity": v.severity,
                "file": Path(v.source_file).name if v.source_file else "",
                "row": v.row,
                "column": v.column,
                "message": v.message(lang),
                "value": v.value,
                "focus": v.focus,
            }
        )
    return rows[:300]


def _upload_limits(service: Any) -> dict[str, Any]:
    """Uploads are read in a child process under the import limits of the settings."""
    from bildungsnetz.ingest.guarded import ChildLimits  # noqa: PLC0415
    from bildungsnetz.ingest.tables import ReadLimits  # noqa: PLC0415

    return {"limits": ReadLimits.from_settings(service.settings), "child": ChildLimits.from_settings(service.settings)}


def _refusal_status(exc: Exception) -> int:
    """413 for a file over an import limit, else 400."""
    return 413 if getattr(exc, "http_status", None) == 413 else 400


@router.get("/import")
def import_page(request: Request, service: ServiceDep) -> Response:
    """Upload form and templates (role ``redaktion``)."""
    ctx = context(request, service)
    if "redaktion" not in ctx.who.roles:
        return _forbidden(ctx, "redaktion")
    return render(ctx, "import.html", nav="import", stage=None, outcome=None)


@router.post("/import/pruefen")
async def import_check(
    request: Request,
    service: ServiceDep,
    files: Annotated[list[UploadFile], File()],
    csrf: Annotated[str, Form(max_length=200)] = "",
    source: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    """Keep the uploads and validate them (a dry run); the report names file, row and column."""
    from bildungsnetz.ingest.pipeline import import_files  # noqa: PLC0415

    ctx, refused = _for_redaktion(request, service, csrf)
    if refused is not None:
        return refused
    _clean_staged()
    folder = Path(tempfile.mkdtemp(prefix="bildungsnetz-web-import-"))
    limit = service.settings.max_upload_mb * 1024 * 1024
    total = 0
    paths = []
    for number, upload in enumerate(files, start=1):
        base = Path(upload.filename or f"datei-{number}").name
        target = folder / (_SAFE.sub("_", base).strip("._") or f"datei-{number}")
        with target.open("wb") as out:
            while chunk := await upload.read(1 << 20):
                total += len(chunk)
                if total > limit:
                    shutil.rmtree(folder, ignore_errors=True)
                    return error_page(ctx, 413, f"> {service.settings.max_upload_mb} MB")
                out.write(chunk)
        paths.append(target)
    source_name = _SAFE.sub("-", source.strip()).strip("-.") or None
    try:
        result = await asyncio.to_thread(
            import_files,
            paths,
            store=service.store,
            iris=service.iris,
            city=service.profile,
            source=source_name,
            dry_run=True,
            **_upload_limits(service),
        )
    except (InputError, BildungsnetzError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        outcome = {"kind": "unreadable", "message": str(exc)}
        return render(ctx, "import.html", status=_refusal_status(exc), nav="import", stage=None, outcome=outcome)
    stage = None
    if result.report.conforms:
        stage = ctx.signer.new_nonce()
        with _STAGED_LOCK:
            _STAGED[stage] = (folder, source_name, ctx.who.name, time.time())
    else:
        shutil.rmtree(folder, ignore_errors=True)
    outcome = {
        "kind": "checked",
        "result": result,
        "rows": _report_rows(result, ctx.lang),
        "violations": sum(1 for v in result.report.violations if v.severity == "Violation"),
    }
    # 200 also when the check fails: the page itself is fine, and it shows the report (a 4xx would read as a
    # broken page to browsers and monitors).
    return render(ctx, "import.html", nav="import", stage=stage, outcome=outcome)


@router.post("/import/ausfuehren")
async def import_run(
    request: Request,
    service: ServiceDep,
    stage: Annotated[str, Form(max_length=100)],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Import files that passed the check, as one source, and refresh what the service reads."""
    from bildungsnetz.ingest.pipeline import import_files  # noqa: PLC0415

    ctx, refused = _for_redaktion(request, service, csrf)
    if refused is not None:
        return refused
    with _STAGED_LOCK:
        staged = _STAGED.pop(stage, None)
    if staged is None or staged[2] != ctx.who.name:
        return render(
            ctx,
            "import.html",
            status=410,
            nav="import",
            stage=None,
            outcome={"kind": "unreadable", "message": ctx.t("import.expired")},
        )
    folder, source_name, _, _ = staged
    try:
        async with service.write_lock:
            result = await asyncio.to_thread(
                import_files,
                sorted(folder.iterdir()),
                store=service.store,
                iris=service.iris,
                city=service.profile,
                source=source_name,
                agent=ctx.who.name,
                **_upload_limits(service),
            )
            if result.imported:
                await service.after_write()
    except (InputError, BildungsnetzError) as exc:
        outcome = {"kind": "unreadable", "message": str(exc)}
        return render(ctx, "import.html", status=_refusal_status(exc), nav="import", stage=None, outcome=outcome)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    outcome = {
        "kind": "imported" if result.imported else "unchanged" if result.unchanged else "checked",
        "result": result,
        "rows": _report_rows(result, ctx.lang),
        "violations": sum(1 for v in result.report.violations if v.severity == "Violation"),
    }
    return render(ctx, "import.html", nav="import", stage=None, outcome=outcome)


@router.get("/import/vorlage.{fmt}")
def import_template(request: Request, fmt: str, service: ServiceDep) -> Response:
    """The empty import template: one workbook with every table, or one table as CSV (``?tabelle=``)."""
    from bildungsnetz.ingest import TABLES  # noqa: PLC0415
    from bildungsnetz.ingest.export import write_template  # noqa: PLC0415

    ctx = context(request, service)
    table = request.query_params.get("tabelle") or "alle"
    if (
        fmt not in ("xlsx", "csv")
        or (table != "alle" and table not in TABLES)
        or (fmt == "csv" and table == "alle")
    ):
        return error_page(ctx, 404, ctx.t("site.not_found"))
    with tempfile.TemporaryDirectory(prefix="bildungsnetz-web-") as tmp:
        path = Path(tmp) / (f"{table}.csv" if fmt == "csv" else "vorlage.xlsx")
        written = write_template(table, fmt, path)
        body = written[0].read_bytes()
    name = f"vorlage-{table}.{fmt}" if fmt == "csv" else "bildungsnetz-vorlage.xlsx"
    return _download(ctx, body, fmt, name, attach=True)


@router.get("/import/beispiel.xlsx")
def import_example(request: Request, service: ServiceDep) -> Response:
    """The example workbook: a small education landscape, filled in."""
    from bildungsnetz.ingest.export import write_example  # noqa: PLC0415

    ctx = context(request, service)
    with tempfile.TemporaryDirectory(prefix="bildungsnetz-web-") as tmp:
        body = write_example(Path(tmp) / "beispiel.xlsx").read_bytes()
    return _download(ctx, body, "xlsx", "bildungsnetz-beispiel.xlsx", attach=True)


# -- login --------------------------------------------------------------------------------------------------


@router.get("/anmelden")
def login_page(request: Request, service: ServiceDep) -> Response:
    """The login form (API token)."""
    ctx = context(request, service)
    return render(
        ctx, "login.html", nav="login", message=None, next=request.query_params.get("weiter") or "/"
    )


def _local(target: str) -> str:
    """Only paths on this site are followed after login (no open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


@router.post("/anmelden")
def login(
    request: Request,
    service: ServiceDep,
    token: Annotated[str, Form(max_length=500)],
    csrf: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Check the token against the configured ones and set the signed session cookie."""
    import hashlib  # noqa: PLC0415

    ctx = context(request, service)
    if not ctx.csrf_ok(csrf):
        return error_page(ctx, 403, ctx.t("site.csrf"))
    roles = service.tokens.roles(token.strip()) if token.strip() else None
    if not roles:
        return render(ctx, "login.html", status=401, nav="login", message=ctx.t("login.wrong"), next=next)
    name = "token-" + hashlib.sha256(token.strip().encode()).hexdigest()[:10]
    cookie = ctx.signer.dump(Session(roles, name, int(time.time()) + SESSION_SECONDS))
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return finish(ctx, response)


@router.post("/abmelden")
def logout(
    request: Request, service: ServiceDep, csrf: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    """End the session."""
    ctx = context(request, service)
    if not ctx.csrf_ok(csrf):
        return error_page(ctx, 403, ctx.t("site.csrf"))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict")
    return finish(ctx, response)
