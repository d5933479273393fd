"""``/api/graphs``: the named graphs with source, size and status; deleting one (role ``redaktion``)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from bildungsnetz.api.deps import PrincipalDep, RedaktionDep, ServiceDep
from bildungsnetz.api.errors import CSV_RESPONSES, ERROR_RESPONSES
from bildungsnetz.api.models import GraphDropped, GraphItem
from bildungsnetz.api.routes import FormatQ, listed
from bildungsnetz.api.service import Service
from bildungsnetz.ingest import sources
from bildungsnetz.ingest.sources import graph_overview

__all__ = ["router"]

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
        dropped = await asyncio.to_thread(sources.drop_graph, service.store, service.iris, name)
        await service.after_write()
    return {"ok": True, "dropped": dropped[0], "graphs": dropped}
