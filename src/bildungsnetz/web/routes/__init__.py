"""The pages, a module per page group; ``router`` includes them all in the order their paths must match."""

from __future__ import annotations

from fastapi import APIRouter

from bildungsnetz.web.routes import (
    abgleich,
    actors,
    befragung,
    befragungen,
    campus,
    districts,
    imports,
    indicators,
    login,
    offers,
    programmes,
    queries,
    reports,
    sdgs,
    sources,
    start,
    static,
    tasks,
    whatif,
)

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
_GROUPS = (
    static, start, actors, districts, offers, programmes, sdgs, tasks, reports, queries, imports, sources, login,
    abgleich, befragung, befragungen, indicators, campus, whatif,
)
for _group in _GROUPS:
    router.include_router(_group.router)
