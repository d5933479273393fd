"""``/api/graphs``: the named graphs with source, size and status; deleting one (role ``redaktion``).
``/api/sources/{name}``: a source's version history and undo (role ``redaktion``)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from bildungsnetz.api.deps import PrincipalDep, RedaktionDep, ServiceDep
from bildungsnetz.api.errors import CSV_RESPONSES, ERROR_RESPONSES
from bildungsnetz.api.models import GraphDropped, GraphItem
from bildungsnetz.api.routes import FormatQ, listed
from bildungsnetz.api.service import Service
from bildungsnetz.ingest import sources
from bildungsnetz.ingest.sources import graph_overview, source_of
from bildungsnetz.ingest.versions import Versions, record_drop, undo

__all__ = ["router", "sources_router", "UndoRequest"]

router = APIRouter(prefix="/api/graphs", tags=["Graphen / graphs"], responses=ERROR_RESPONSES)
_COLUMNS = ["name", "source", "triples", "modified", "conforms", "private", "synthetic", "graph"]


def _overview(service: Service) -> list[dict[str, Any]]:
    def compute() -> list[dict[str, Any]]:
        return [
            {
                "graph": g.graph,
                "name": g.short,
                "source": g.source,
                "triples": g.triples,
                "modified": g.modified,
                "conforms": g.conforms,
                "private": g.private,
                "synthetic": g.synthetic,
            }
            for g in graph_overview(service.store, service.iris)
        ]

    return service.cached("graphs", compute)


@router.get(
    "", response_model=list[GraphItem], summary="Benannte Graphen / named graphs", responses=CSV_RESPONSES
)
def list_graphs(request: Request, service: ServiceDep, who: PrincipalDep, format: FormatQ = None) -> Any:
    """Every named graph with source, triples, last import and validation status (private: with a token)."""
    rows = [r for r in _overview(service) if not r["private"] or who.roles]
    return listed(request, rows, columns=_COLUMNS, name="graphen")


@router.delete("/{name:path}", response_model=GraphDropped, summary="Graph löschen / delete a graph")
async def drop_graph(
    name: Annotated[
        str, Path(max_length=300, description="Kurzname, z. B. quelle/schulen oder privat/schulen")
    ],
    service: ServiceDep,
    who: RedaktionDep,
) -> Any:
    """Remove a graph (role ``redaktion``): a source's graph removes the whole source, as ``drop-source`` does.

    409 for reference data (ontology, vocabularies, city profiles), however the name is written; 404 when
    there is no such graph; 400 for a name that is none.
    """
    async with service.write_lock:
        source = source_of(service.iris, sources.resolve_graph(service.iris, name))
        if source is not None:  # a source's graph removes the whole source: kept as a version, undo brings it back
            dropped = await asyncio.to_thread(record_drop, service.store, service.iris,
                                              Versions.from_settings(service.settings), source, agent=who.name)
        else:
            dropped = await asyncio.to_thread(sources.drop_graph, service.store, service.iris, name)
        await service.after_write()
    return {"ok": True, "dropped": dropped[0], "graphs": dropped}


# -- /api/sources: history and undo ----------------------------------------------------------------------------

sources_router = APIRouter(prefix="/api/sources", tags=["Graphen / graphs"], responses=ERROR_RESPONSES)
SourceName = Annotated[str, Path(max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$",
                                 description="Name der Quelle / source name")]  # fmt: skip


class UndoRequest(BaseModel):
    """Which version to undo: the state before it, or (``to``) the state right after it."""

    version: int = Field(ge=1, description="Nummer der Version (aus der Historie)")
    to: bool = Field(False, description="den Stand nach dieser Version herstellen statt davor")


@sources_router.get("/conflicts", summary="Widersprüche zwischen Quellen / values on which sources disagree")
async def source_conflicts(service: ServiceDep, who: RedaktionDep) -> dict[str, Any]:
    """Every single-valued property (name, address, …) that two or more sources give differently: per thing and
    property the value of each source with its Stand, and which one the landscape shows (``gewaehlt``)."""
    from bildungsnetz.report.conflicts import conflict_rows, conflicts  # noqa: PLC0415

    rows = conflict_rows(await asyncio.to_thread(conflicts, service.store, service.iris))
    return {"items": rows, "count": len(rows)}


@sources_router.get("/{name}/history", summary="Versionen einer Quelle / a source's versions")
def source_history(name: SourceName, service: ServiceDep, who: RedaktionDep) -> dict[str, Any]:
    """Every kept version, newest first: who, when, files with checksums, counts and the change
    (contact persons only as counts, and only for role ``intern``)."""
    versions = Versions.from_settings(service.settings)
    items = [v.to_dict(private=who.intern) for v in reversed(versions.history(name))]
    return {"source": name, "versions": items, "keep": versions.keep}


@sources_router.post("/{name}/undo", summary="Version rückgängig machen / undo a version")
async def source_undo(name: SourceName, body: UndoRequest, service: ServiceDep, who: RedaktionDep) -> dict[str, Any]:
    """Restore the source as it was before version ``version`` (``to``: right after it), in one replacement of
    its graphs; recorded as a new version that can be undone in turn. 404 for an unknown version."""
    async with service.write_lock:
        done = await asyncio.to_thread(undo, service.store, service.iris, Versions.from_settings(service.settings),
                                       f"{name}@{body.version}", to=body.to, agent=who.name)  # fmt: skip
        if done is not None:
            await service.after_write()
    if done is None:
        return {"ok": True, "unchanged": True, "version": None}
    return {"ok": True, "unchanged": False, "version": done.to_dict(private=who.intern)}
