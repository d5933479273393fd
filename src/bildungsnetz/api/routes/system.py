"""``/health``: the service is up, and what it serves."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.api.models import Health

__all__ = ["router"]

router = APIRouter(tags=["System"])


@router.get("/health", response_model=Health, summary="Läuft der Dienst? / is the service up?")
def health(service: ServiceDep) -> Any:
    """Answers without touching the store, also while a long ``/sparql`` query runs."""
    pool = service.pool
    return {
        "ok": True,
        "store": "embedded" if service.embedded else "remote",
        "graphs": len(service.graphs),
        "sparql_workers": pool.size if pool else 0,
        "queries_stopped": pool.killed if pool else 0,
    }
