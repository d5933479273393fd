"""The Fördermittel pages: every programme with its total, those ending soon, and one programme's grants and what
its end would cut."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.api.routes.programmes import programme_page_data, programmes_list
from bildungsnetz.web.pages import context, render

router = APIRouter(include_in_schema=False)


@router.get("/programme")
def programmes_page(request: Request, service: ServiceDep) -> Response:
    """Programmes with funders, grants and totals; the lists "ends within 6 / 12 months"."""
    ctx = context(request, service)
    return render(ctx, "programmes.html", nav="programmes", data=programmes_list(service))


@router.get("/programme/{code}")
def programme_page(request: Request, code: str, service: ServiceDep) -> Response:
    """One programme: grants per year and district, what it carries, what its end would cut."""
    ctx = context(request, service)
    return render(ctx, "programme.html", nav="programmes", p=programme_page_data(service, code))
