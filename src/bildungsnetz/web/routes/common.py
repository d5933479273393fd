"""What the page groups share: error pages, the role guard for write forms, small helpers."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Collection

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from bildungsnetz.api.service import Service
from bildungsnetz.web.pages import (
    Ctx,
    context,
    error_page,
    finish,
    render,
)

_SEARCH_ROWS = 50
_QUERY_ROWS = 200
_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}
#: Reports carry their own inline CSS and nothing else: no script, no request anywhere.
_REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
_STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
_ID = re.compile(r"^[^\s/?#]{1,200}$")


def _split(value: object) -> list[str]:
    return [p.strip() for p in str(value or "").split(",") if p.strip()]


def _forbidden(ctx: Ctx, role: str) -> Response:
    status = 401 if not ctx.who.roles else 403
    return render(
        ctx,
        "login.html",
        status=status,
        nav="login",
        message=ctx.t("site.forbidden", role=role),
        next=ctx.request.url.path,
    )


def _for_redaktion(request: Request, service: Service, csrf: str) -> tuple[Ctx, Response | None]:
    """The page context of a write, and the refusal if its CSRF token is wrong or the user lacks ``redaktion``."""
    ctx = context(request, service)
    if not ctx.csrf_ok(csrf):
        return ctx, error_page(ctx, 403, ctx.t("site.csrf"))
    if "redaktion" not in ctx.who.roles:
        return ctx, _forbidden(ctx, "redaktion")
    return ctx, None


async def redaktion_write(
    request: Request,
    service: Service,
    csrf: str,
    write: Callable[[Ctx], object],
    target: str,
    *,
    graphs: Collection[str] | None = None,
    keep: tuple[str, ...] = (),
) -> Response:
    """A write form's whole path: CSRF and role ``redaktion`` (else the refusal page), then ``write(ctx)`` in a
    thread under the service's write lock, the caches refreshed, and a 303 to ``target``. An error of the write
    goes to the one error handler's page, with its status.

    ``graphs`` and ``keep``: a small write that touches only these graphs refreshes only them (see
    :meth:`Service.after_write`). A page script that asks with ``Accept: application/json`` gets what ``write``
    returned as JSON instead of the redirect, so that it can show the result where the user is."""
    ctx, refused = _for_redaktion(request, service, csrf)
    if refused is not None:
        return refused
    async with service.write_lock:
        result = await asyncio.to_thread(write, ctx)
        await service.after_write(graphs, keep=keep)
    if "application/json" in request.headers.get("accept", ""):
        return finish(ctx, JSONResponse({"ok": True, "result": result}))
    return finish(ctx, RedirectResponse(target, status_code=303))
