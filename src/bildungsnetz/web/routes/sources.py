"""Quellen: the sources with their version history, each version's change, and undo with confirmation."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.errors import BildungsnetzError
from bildungsnetz.ingest.sources import SOURCE_NAME
from bildungsnetz.web.pages import context, error_page, render
from bildungsnetz.web.routes.common import _for_redaktion, _forbidden

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _versions(service):
    from bildungsnetz.ingest.versions import Versions  # noqa: PLC0415

    return Versions.from_settings(service.settings)


def _overview(service) -> list[dict]:
    """Every source the store or the history knows: triples held, number of versions, the last one."""
    from bildungsnetz.ingest.sources import graph_overview, source_of  # noqa: PLC0415

    versions = _versions(service)
    held: dict[str, int] = {}
    for g in graph_overview(service.store, service.iris):
        name = source_of(service.iris, g.graph)
        if name is not None and g.graph == str(service.iris.graph(f"quelle/{name}")):
            held[name] = g.triples
        elif name is not None:
            held.setdefault(name, 0)
    rows = []
    for name in sorted(set(held) | set(versions.sources())):
        history = versions.history(name)
        rows.append({"name": name, "triples": held.get(name), "versions": len(history),
                     "last": history[-1] if history else None})  # fmt: skip
    return rows


@router.get("/quellen")
def sources_page(request: Request, service: ServiceDep) -> Response:
    """The sources with their versions (role ``redaktion``)."""
    ctx = context(request, service)
    if "redaktion" not in ctx.who.roles:
        return _forbidden(ctx, "redaktion")
    return render(ctx, "sources.html", nav="sources", rows=_overview(service), source=None, message=None)


def _history_page(ctx, service, name: str, *, status: int = 200, message: dict | None = None) -> Response:
    history = list(reversed(_versions(service).history(name)))
    return render(ctx, "sources.html", status=status, nav="sources", rows=None, source=name, history=history,
                  message=message)  # fmt: skip


@router.get("/konflikte")
def conflicts_page(request: Request, service: ServiceDep, format: str | None = None) -> Response:
    """Values on which sources disagree, and which one the landscape shows (role ``redaktion``); XLSX with
    ``?format=xlsx``. The same function as ``bildungsnetz report konflikte`` and ``/api/sources/conflicts``."""
    from bildungsnetz.report.conflicts import COLUMNS, conflict_rows, conflicts  # noqa: PLC0415
    from bildungsnetz.tables import xlsx_bytes  # noqa: PLC0415

    ctx = context(request, service)
    if "redaktion" not in ctx.who.roles:
        return _forbidden(ctx, "redaktion")
    rows = conflict_rows(conflicts(service.store, service.iris))
    if format == "xlsx":
        return Response(xlsx_bytes({"konflikte": (list(COLUMNS), rows)}),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": 'attachment; filename="konflikte.xlsx"'})  # fmt: skip
    return render(ctx, "conflicts.html", nav="sources", rows=rows)


@router.get("/quellen/{name}")
def source_page(request: Request, name: str, service: ServiceDep) -> Response:
    """One source's versions, newest first, each with its change and an undo form."""
    ctx = context(request, service)
    if "redaktion" not in ctx.who.roles:
        return _forbidden(ctx, "redaktion")
    if not SOURCE_NAME.match(name):
        return error_page(ctx, 404, ctx.t("site.not_found"))
    return _history_page(ctx, service, name)


@router.post("/quellen/{name}/rueckgaengig")
async def source_undo(
    request: Request,
    name: str,
    service: ServiceDep,
    version: Annotated[int, Form(ge=1)],
    csrf: Annotated[str, Form(max_length=200)] = "",
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Undo a version after the user ticked the confirmation; recorded as a version itself."""
    from bildungsnetz.ingest.versions import undo  # noqa: PLC0415

    ctx, refused = _for_redaktion(request, service, csrf)
    if refused is not None:
        return refused
    if not SOURCE_NAME.match(name):
        return error_page(ctx, 404, ctx.t("site.not_found"))
    if confirm != "ja":
        return _history_page(ctx, service, name, status=400,
                             message={"kind": "error", "text": ctx.t("sources.confirm_missing")})  # fmt: skip
    try:
        async with service.write_lock:
            done = await asyncio.to_thread(undo, service.store, service.iris, _versions(service), f"{name}@{version}",
                                           agent=ctx.who.name)  # fmt: skip
            if done is not None:
                await service.after_write()
    except BildungsnetzError as exc:
        status = int(getattr(exc, "http_status", 400))
        return _history_page(ctx, service, name, status=status, message={"kind": "error", "text": exc.text(ctx.lang)})
    if done is None:
        return _history_page(ctx, service, name, message={"kind": "ok", "text": ctx.t("sources.unchanged")})
    text = ctx.t("sources.done", note=done.note, version=done.id)
    return _history_page(ctx, service, name, message={"kind": "ok", "text": text})
