"""The pages, a module per page group; ``router`` includes them all in the order their paths must match."""

from __future__ import annotations

from fastapi import APIRouter

from bildungsnetz.web.routes import (
    abgleich,
    actors,
    districts,
    imports,
    login,
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
_GROUPS = (static, start, actors, districts, sdgs, tasks, reports, queries, imports, sources, login, abgleich, whatif)
for _group in _GROUPS:
    router.include_router(_group.router)
