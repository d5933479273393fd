"""The pages, a module per page group; ``router`` includes them all in the order their paths must match."""

from __future__ import annotations

from fastapi import APIRouter

from bildungsnetz.web.routes import (
    abgleich,
    actors,
    campus,
    districts,
    imports,
    indicators,
    login,
    queries,
    reports,
    sdgs,
    sources,
    start,
    static,
    tasks,
)

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
for _group in (
    static, start, actors, districts, sdgs, tasks, reports, queries, imports, sources, login, abgleich, indicators,
    campus,
):
    router.include_router(_group.router)
