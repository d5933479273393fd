"""The Kindercampus pages: every campus, and one campus with members, network, offers on site and gaps."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bildungsnetz.analysis.campus import campus_network
from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.api.routes.campuses import campus_detail
from bildungsnetz.errors import BildungsnetzError
from bildungsnetz.web.netview import district_view
from bildungsnetz.web.pages import context, error_page, render, vocab_labels

router = APIRouter(include_in_schema=False)


@router.get("/kindercampus")
def campuses_page(request: Request, service: ServiceDep) -> Response:
    """Every Kindercampus with school, Stadtteil, members and offers on site."""
    ctx = context(request, service)
    day = service.analysis(None, ebene="stadtteil").data.date  # the Stichtag of the campus pages
    return render(ctx, "campuses.html", nav="campus", campuses=service.query("api/campuses", {"date": day}).rows)


@router.get("/kindercampus/{campus}")
def campus_page(request: Request, campus: str, service: ServiceDep) -> Response:
    """One campus: members and their network, offers on site by field, target group and weekday, the gaps of
    the Bildungskette in its Stadtteil and the mediations to it. No personal data: the campus manager is private."""
    ctx = context(request, service)
    try:
        found = campus_detail(service, campus[:100])
    except BildungsnetzError as exc:
        return error_page(ctx, exc.http_status, exc.text(ctx.lang))
    a = service.analysis(None, ebene="stadtteil")
    members = [str(m["member"]) for m in found["members"]]
    N = campus_network(a.graph, members)
    view = district_view(N, measures={}, brokers=[], isolates=[], fields={}) if len(N) else None
    label_of = {attrs.get("id"): attrs.get("label") for _, attrs in a.graph.nodes(data=True)}
    return render(ctx, "campus.html", nav="campus", found=found, view=view, label_of=label_of,
                  groups=vocab_labels("zielgruppe", ctx.lang))
