"""The review page of name matching (role ``redaktion``): waiting names with their candidates, and the decision."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.web.pages import Ctx, context, render
from bildungsnetz.web.routes.common import _forbidden, redaktion_write

router = APIRouter(include_in_schema=False)
_ROWS = 50


@router.get("/abgleich")
def abgleich_page(request: Request, service: ServiceDep) -> Response:
    """The names waiting for a person, each with up to three candidates: score, matched words, address, kind."""
    from bildungsnetz.matching.decisions import queue, store_matcher  # noqa: PLC0415

    ctx = context(request, service)
    if "redaktion" not in ctx.who.roles:
        return _forbidden(ctx, "redaktion")
    matcher = service.cached("abgleich:matcher", lambda: store_matcher(service.reader, iris=service.iris))
    waiting = queue(service.reader, iris=service.iris)
    rows = [
        dict(item, candidates=[m.to_dict() for m in matcher.match(item["text"], limit=3).matches])
        for item in waiting[:_ROWS]
    ]
    return render(
        ctx, "abgleich.html", nav="abgleich", rows=rows, total=len(waiting),
        decided=request.query_params.get("entschieden"),
    )  # fmt: skip


@router.post("/abgleich/entscheidung")
async def abgleich_decision(
    request: Request,
    service: ServiceDep,
    name: Annotated[str, Form(max_length=500)],
    actor: Annotated[str, Form(max_length=300)],
    status: Annotated[str, Form(pattern="^(bestaetigt|abgelehnt)$")],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Confirm or reject one candidate for a waiting name (role ``redaktion``), recorded with who and when."""
    from bildungsnetz.matching.decisions import decide  # noqa: PLC0415

    def write(ctx: Ctx) -> None:
        decide(service.store, name, actor, status, user=ctx.who.name, iris=service.iris)

    return await redaktion_write(request, service, csrf, write, f"/abgleich?entschieden={status}")
