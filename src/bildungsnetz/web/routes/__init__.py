"""The pages, a module per page group; ``router`` includes them all in the order their paths must match."""

from __future__ import annotations

from fastapi import APIRouter

from bildungsnetz.web.routes import (
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
)

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
for _group in (static, start, actors, districts, sdgs, reports, queries, imports, sources, login):
    router.include_router(_group.router)
