"""The review page of name matching (role ``redaktion``): waiting names with their candidates, and the decision."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.web.pages import context, finish, render
from bildungsnetz.web.routes.common import _for_redaktion, _forbidden

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

    ctx, refused = _for_redaktion(request, service, csrf)
    if refused is not None:
        return refused
    async with service.write_lock:  # a refused decision: the one error handler's page, with its status
        await asyncio.to_thread(decide, service.store, name, actor, status, user=ctx.who.name, iris=service.iris)
        await service.after_write()
    return finish(ctx, RedirectResponse(f"/abgleich?entschieden={status}", status_code=303))
