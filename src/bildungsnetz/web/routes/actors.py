"""The actor and network pages."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bildungsnetz.analysis.graphs import resolve_date
from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.web.data import (
    analysis,
    web_query,
)
from bildungsnetz.web.geo import Feature, Marker, map_view
from bildungsnetz.web.netview import ego_view
from bildungsnetz.web.pages import (
    context,
    error_page,
    fragment,
    render,
)
from bildungsnetz.web.routes.common import _ID, _split

router = APIRouter(include_in_schema=False)

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
    sources = service.query("api/actor-sources", {"actor": iri}).rows
    a = analysis(service, wait=False)  # None while computed after a start or import: the page says so
    day = a.data.date if a is not None else resolve_date(None)  # the Stichtag of everything on the page: today
    # What is over: ended cooperations and memberships, shown as history, never as current.
    history = web_query(service, "actor-history", {"actor": iri, "date": day})
    closed = str(actor["closed"]) if actor.get("closed") and str(actor["closed"]) < day else None
    measures = _actor_measures(a, iri) if a is not None else None
    ego = ego_view(a.graph, iri) if a is not None else None
    district_iri = next((s.get("district") for s in sites if s.get("district")), None)

    def map_args() -> tuple | None:
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
            for row in web_query(service, "area-sites", {"area": district_iri, "date": day}):
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
        found = map_view(features, markers, width=640, height=360)
        return None if found.empty else (found, ctx.t("actor.map"))

    # the map holds every site of the actor's district (thousands at size): drawn once per state of the store
    drawn_map = fragment(ctx, f"web:map:actor:{iri}:{day}", "map_svg", map_args)
    district = None
    if measures:
        district = measures["district"]
    return render(
        ctx,
        "actor.html",
        actor=actor,
        sources=sources,
        sites=sites,
        partners=partners,
        networks=networks,
        history=history,
        closed=closed,
        offers=offers,
        programmes=programmes,
        contacts=contacts,
        measures=measures,
        ego=ego,
        district=district,
        drawn_map=drawn_map,
        date=day,
        analysed=a is not None,
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
