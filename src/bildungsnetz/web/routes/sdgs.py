"""The SDG pages: heat map, offers per goal, the review queue and its decisions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.api.service import Service
from bildungsnetz.errors import BildungsnetzError
from bildungsnetz.web.data import (
    coverage,
    districts,
)
from bildungsnetz.web.pages import (
    Ctx,
    context,
    render,
)
from bildungsnetz.web.routes.common import _QUERY_ROWS, redaktion_write

router = APIRouter(include_in_schema=False)

# -- SDGs ---------------------------------------------------------------------------------------------------


def _heat_level(offers: int, top: int) -> int:
    """0 for no offer, 1..8 rising with the share of the busiest cell."""
    if offers <= 0:
        return 0
    return max(1, min(8, 1 + round(7 * offers / max(top, 1))))


def _evidence(service: Service, offer_id: str, goal: str) -> list[str]:
    """Why an SDG was suggested: the stored evidence or, when the suggestion lacks it, the matcher's words."""
    from bildungsnetz.sdg import offer_suggestions  # noqa: PLC0415

    def compute() -> dict[str, list[str]]:
        try:
            found = offer_suggestions(service.store, offer_id, iris=service.iris)
        except BildungsnetzError:
            return {}
        return {str(s["sdg"]): list(s.get("evidence") or []) for s in found["suggestions"]}

    return service.cached(f"web:evidence:{offer_id}", compute).get(goal, [])


def _decided_pairs(service: Service) -> set[tuple[str, str]]:
    from bildungsnetz.sdg import pair_states  # noqa: PLC0415

    return {
        (offer, str(goal))
        for (offer, goal), state in pair_states(service.store, iris=service.iris).items()
        if state.decided
    }


@router.get("/sdgs")
def sdgs_page(request: Request, service: ServiceDep) -> Response:
    """Heat map SDG × Stadtbezirk, offers and providers per SDG, and the review queue for ``redaktion``."""
    ctx = context(request, service)
    cov = coverage(service)
    top = max((c["offers"] for c in cov["by_district"]), default=1)
    cells = {
        (c["sdg"], c["district"]): dict(c, level=_heat_level(c["offers"], top)) for c in cov["by_district"]
    }
    focus_code = (request.query_params.get("stadtbezirk") or "").strip()
    focus = next((b for b in districts(service) if b["code"] == focus_code), None)
    goal = request.query_params.get("ziel") or ""
    goal_offers = None
    if goal.isdigit() and 1 <= int(goal) <= 17:
        values = {"sdg": goal, "stadtbezirk": focus["iri"] if focus else None}
        page = service.page("offers-by-sdg", values, limit=_QUERY_ROWS, offset=0)
        providers: dict[str, dict] = {}
        for r in page.rows:
            providers.setdefault(
                str(r["provider"]), {"id": r.get("providerId"), "label": r.get("providerLabel"), "offers": 0}
            )["offers"] += 1
        goal_offers = {
            "rows": page.rows,
            "more": page.more,
            "providers": sorted(providers.values(), key=lambda p: -p["offers"]),
        }
    queue = None
    if "redaktion" in ctx.who.roles:
        only = request.query_params.get("pruef_sdg") or ""
        rows = service.query("sdg-review-queue", {"sdg": only if only.isdigit() else None}).rows
        # The queue query lists every stored suggestion; a decision made later (its own node in the decisions
        # graph) settles the pair, so decided pairs leave the queue here.
        decided_pairs = service.cached("web:decided", lambda: _decided_pairs(service))
        rows = [r for r in rows if (r["offer"], str(r["goal"])) not in decided_pairs]
        queue = {"total": len(rows), "rows": []}
        for r in rows[:25]:
            evidence = [e.strip() for e in str(r.get("evidence") or "").split(";") if e.strip()]
            if not evidence and r.get("offerId"):
                evidence = _evidence(service, str(r["offerId"]), str(r["goal"]))
            queue["rows"].append(dict(r, evidence=evidence))
    decided = request.query_params.get("entschieden")
    return render(
        ctx,
        "sdgs.html",
        nav="sdgs",
        cov=cov,
        cells=cells,
        focus=focus,
        goal=goal,
        goal_offers=goal_offers,
        queue=queue,
        decided=decided,
    )


@router.post("/sdgs/entscheidung")
async def sdg_decision(
    request: Request,
    service: ServiceDep,
    offer: Annotated[str, Form(max_length=200)],
    sdg: Annotated[str, Form(max_length=16)],
    status: Annotated[str, Form(pattern="^(bestaetigt|abgelehnt)$")],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Confirm or reject a suggested SDG (role ``redaktion``), recorded with who and when."""
    from bildungsnetz.sdg import decide  # noqa: PLC0415

    def write(ctx: Ctx) -> None:
        decide(service.store, offer, sdg, status, user=ctx.who.name, iris=service.iris)

    return await redaktion_write(request, service, csrf, write, f"/sdgs?entschieden={offer}:{sdg}:{status}#pruefliste")
