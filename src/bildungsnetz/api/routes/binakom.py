"""BiNaKom's SDG work over HTTP: suggestions with evidence, staff decisions, coverage and the partner finder."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from bildungsnetz.api.deps import RedaktionDep, ServiceDep
from bildungsnetz.api.errors import ERROR_RESPONSES
from bildungsnetz.sdg import coverage, decide, offer_suggestions, partner_suggestions

__all__ = ["router"]

router = APIRouter(tags=["SDG / BiNaKom"], responses=ERROR_RESPONSES)

IdPath = Annotated[str, Path(max_length=200, description="ID, wie sie importiert wurde / id as imported")]


class Decision(BaseModel):
    """A staff decision on one offer–SDG pair."""

    sdg: str = Field(max_length=16, description="SDG oder Unterziel, z. B. 13 oder 13.3")
    status: Literal["bestaetigt", "abgelehnt", "confirmed", "rejected"] = Field(
        description="bestaetigt / confirmed oder abgelehnt / rejected"
    )


@router.get("/api/sdgs/coverage", summary="SDG-Abdeckung und Lücken / SDG coverage and gaps")
def sdg_coverage(
    service: ServiceDep,
    dimension: Annotated[Literal["zielgruppe", "bildungsphase"], Query(description="zweite Achse")] = "zielgruppe",
) -> dict[str, Any]:
    """SDG × Stadtbezirk × target group (or education stage): offers and providers; gaps with no offer or one
    provider. Confirmed assignments only."""
    return service.cached(
        f"sdg-coverage:{dimension}",
        lambda: coverage(service.store, dimension=dimension, iris=service.iris, city=service.city),
    )


@router.get("/api/offers/{offer_id}/sdg-suggestions", summary="SDG-Vorschläge eines Angebots / suggestions")
def sdg_suggestions(offer_id: IdPath, service: ServiceDep) -> dict[str, Any]:
    """Stored assignments of the offer with their status, and fresh suggestions (score and evidence) for goals
    without a decision."""
    return offer_suggestions(service.store, offer_id, iris=service.iris)


@router.post("/api/offers/{offer_id}/sdgs", summary="SDG bestätigen oder ablehnen / confirm or reject (redaktion)")
async def sdg_decide(offer_id: IdPath, body: Decision, service: ServiceDep, who: RedaktionDep) -> dict[str, Any]:
    """Record a decision with who and when (PROV); it settles any suggestion for the pair."""
    async with service.write_lock:  # read-modify-write of the decisions graph: one at a time
        result = await asyncio.to_thread(
            decide, service.store, offer_id, body.sdg, body.status, user=who.name, iris=service.iris
        )
        await service.after_write()
    return result


@router.get("/api/actors/{actor_id}/partner-suggestions", summary="Partner für ein SDG / partners for an SDG")
def sdg_partners(
    actor_id: IdPath,
    service: ServiceDep,
    sdg: Annotated[str, Query(max_length=16, description="SDG, z. B. 13")],
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[dict[str, Any]]:
    """Actors with confirmed offers for the SDG, nearest first (same Stadtteil, Stadtbezirk, city), then by
    network distance to the actor."""
    return partner_suggestions(service.store, actor_id, sdg, limit=limit, iris=service.iris)
