"""The survey rounds for role ``redaktion``: list, create, response status, invitation list, workbooks, close."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.errors import BildungsnetzError, UsageError
from bildungsnetz.tables import people_csv, xlsx_bytes
from bildungsnetz.web.pages import Ctx, context, finish, render
from bildungsnetz.web.routes.common import _MEDIA, _for_redaktion, _forbidden, redaktion_write

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
#: A returned questionnaire workbook is small; anything larger is refused before it is read.
_UPLOAD_BYTES = 5 * 1024 * 1024


def _guard(request: Request, service) -> tuple[Ctx, Response | None]:
    ctx = context(request, service)
    if "redaktion" not in ctx.who.roles:
        return ctx, _forbidden(ctx, "redaktion")
    return ctx, None


def _district_choices(service) -> list[tuple[str, str]]:
    """The Stadtbezirke of the city as ``(code, name)`` for the scope of a new round."""
    return [(str(d["code"] or d["iri"]), str(d["label"] or d["code"])) for d in service.district_tree()]


def _overview(ctx: Ctx, service, *, status: int = 200, message: dict | None = None, values: dict | None = None):
    from bildungsnetz.survey.rounds import list_rounds  # noqa: PLC0415

    return render(
        ctx, "befragungen.html", status=status, nav="befragungen", rounds=list_rounds(service.store, service.iris),
        districts=_district_choices(service), message=message, values=values or {}, today=date.today().isoformat(),
    )  # fmt: skip


@router.get("/befragungen")
def rounds_page(request: Request, service: ServiceDep) -> Response:
    """The survey rounds, newest first, and the form for a new one."""
    ctx, refused = _guard(request, service)
    if refused is not None:
        return refused
    return _overview(ctx, service)


def _day(value: str, field: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"Parameter '{field}': kein Datum (JJJJ-MM-TT): {value[:20]!r} / "
                         f"parameter '{field}': not a date (YYYY-MM-DD): {value[:20]!r}") from None  # fmt: skip


@router.post("/befragungen")
async def round_create(
    request: Request,
    service: ServiceDep,
    name: Annotated[str, Form(max_length=60)],
    title: Annotated[str, Form(max_length=200)] = "",
    stichtag: Annotated[str, Form(max_length=20)] = "",
    closes: Annotated[str, Form(max_length=20)] = "",
    stadtbezirk: Annotated[list[str] | None, Form(max_length=100)] = None,
    kind: Annotated[list[str] | None, Form(max_length=100)] = None,
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Create a round with its roster; the links are made when the invitation list is downloaded."""
    from bildungsnetz.survey.rounds import create_round  # noqa: PLC0415

    ctx, refused = _for_redaktion(request, service, csrf)
    if refused is not None:
        return refused
    values = {"name": name, "title": title, "stichtag": stichtag, "closes": closes,
              "stadtbezirk": stadtbezirk or [], "kind": kind or []}  # fmt: skip
    try:
        day = _day(stichtag, "stichtag") or date.today()
        until = _day(closes, "closes")
        async with service.write_lock:
            await asyncio.to_thread(
                create_round, service.store, service.iris, name=name.strip(), title=title.strip(), stichtag=day,
                closes=until, stadtbezirke=tuple(stadtbezirk or ()), kinds=tuple(kind or ()),
                city=service.city, agent=ctx.who.name,
            )  # fmt: skip
            await service.after_write()
    except BildungsnetzError as exc:
        message = {"kind": "error", "text": exc.text(ctx.lang)}
        return _overview(ctx, service, status=int(getattr(exc, "http_status", 400)), message=message, values=values)
    from fastapi.responses import RedirectResponse  # noqa: PLC0415

    return finish(ctx, RedirectResponse(f"/befragungen/{name.strip()}?angelegt=1", status_code=303))


def _round_page(ctx: Ctx, service, name: str, *, status: int = 200, message: dict | None = None) -> Response:
    from bildungsnetz.survey import rounds  # noqa: PLC0415

    found = rounds.get_round(service.store, service.iris, name)
    rows = rounds.status(service.store, service.iris, found.name)
    total = {key: sum(getattr(r, key) for r in rows) for key in ("invited", "opened", "draft", "answered")}
    total["rate"] = total["answered"] / total["invited"] if total["invited"] else 0.0
    if message is None and ctx.request.query_params.get("angelegt"):
        message = {"kind": "ok", "text": ctx.t("befragungen.created", name=found.name)}
    return render(ctx, "befragung_runde.html", status=status, nav="befragungen", round=found, rows=rows, total=total,
                  message=message)  # fmt: skip


@router.get("/befragungen/{name}")
def round_page(request: Request, name: str, service: ServiceDep) -> Response:
    """One round: scope, response status per Stadtbezirk and kind, downloads, upload of workbooks, close."""
    ctx, refused = _guard(request, service)
    if refused is not None:
        return refused
    return _round_page(ctx, service, name)


@router.post("/befragungen/{name}/schliessen")
async def round_close(
    request: Request,
    name: str,
    service: ServiceDep,
    csrf: Annotated[str, Form(max_length=200)] = "",
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Close a round after the user ticked the confirmation: from then on answers are refused."""
    from bildungsnetz.survey.rounds import close_round  # noqa: PLC0415

    if confirm != "ja":
        ctx, refused = _for_redaktion(request, service, csrf)
        if refused is not None:
            return refused
        return _round_page(ctx, service, name, status=400,
                           message={"kind": "error", "text": ctx.t("befragungen.confirm_missing")})  # fmt: skip

    def write(ctx: Ctx) -> None:
        close_round(service.store, service.iris, name, ctx.who.name)

    return await redaktion_write(request, service, csrf, write, f"/befragungen/{name}")


@router.post("/befragungen/{name}/einladungen")
async def round_invitations(
    request: Request,
    name: str,
    service: ServiceDep,
    format: Annotated[str, Form(pattern="^(csv|xlsx)$")] = "xlsx",
    csrf: Annotated[str, Form(max_length=200)] = "",
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """The mail-merge list with a new personal link per invited actor (earlier links stop working); contact
    persons only for role ``intern``."""
    from bildungsnetz.survey.mailmerge import INVITATION_COLUMNS, invitation_rows, public_base  # noqa: PLC0415
    from bildungsnetz.survey.rounds import invitations  # noqa: PLC0415

    ctx, refused = _for_redaktion(request, service, csrf)
    if refused is not None:
        return refused
    if confirm != "ja":
        return _round_page(ctx, service, name, status=400,
                           message={"kind": "error", "text": ctx.t("befragungen.confirm_links")})  # fmt: skip
    intern = "intern" in ctx.who.roles
    base = public_base(service.settings.public_url or str(request.base_url))  # before the old links are replaced
    async with service.write_lock:
        made = await asyncio.to_thread(invitations, service.store, service.iris, name, new_tokens=True,
                                       with_contacts=intern)  # fmt: skip
        await service.after_write()
    # the rows and columns of the command line's list (``survey invitations``), so one mail merge fits both
    columns = INVITATION_COLUMNS + (["kontakt"] if intern else [])
    rows = invitation_rows(made, base=base, with_contacts=intern)
    body = people_csv(columns, rows) if format == "csv" else xlsx_bytes({"Einladungen": (columns, rows)})
    response = Response(body, media_type=_MEDIA[format])
    response.headers["Content-Disposition"] = f'attachment; filename="einladungen-{name}.{format}"'
    response.headers["Cache-Control"] = "no-store"
    return finish(ctx, response)


@router.get("/befragungen/{name}/arbeitsmappen.zip")
async def round_workbooks(request: Request, name: str, service: ServiceDep) -> Response:
    """Every invited actor's questionnaire as an Excel workbook with dropdowns, in one ZIP (made in a thread:
    a few hundred workbooks take a while, and other requests go on meanwhile)."""
    ctx, refused = _guard(request, service)
    if refused is not None:
        return refused
    from bildungsnetz.survey.workbook import round_zip  # noqa: PLC0415

    body, _ = await asyncio.to_thread(round_zip, service.store, service.iris, name)
    response = Response(body, media_type="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="fragebogen-{name}.zip"'
    return finish(ctx, response)


@router.post("/befragungen/{name}/arbeitsmappe")
async def round_workbook_upload(
    request: Request,
    name: str,
    service: ServiceDep,
    datei: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """A returned workbook, imported as its actor's answers (validated like every import; refused after close)."""
    from bildungsnetz.ingest.tables.read import ReadLimits  # noqa: PLC0415
    from bildungsnetz.survey.workbook import import_workbook  # noqa: PLC0415

    ctx, refused = _for_redaktion(request, service, csrf)
    if refused is not None:
        return refused
    data = await datei.read(_UPLOAD_BYTES + 1)
    filename = Path(datei.filename or "fragebogen.xlsx").name[:200]
    try:
        if len(data) > _UPLOAD_BYTES:
            raise UsageError(f"{filename}: größer als 5 MB / larger than 5 MB")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "fragebogen.xlsx"
            path.write_bytes(data)
            async with service.write_lock:
                q = await asyncio.to_thread(import_workbook, service.store, service.iris, name, path,
                                            agent=ctx.who.name, filename=filename,
                                            limits=ReadLimits.from_settings(service.settings))  # fmt: skip
                await service.after_write()
    except BildungsnetzError as exc:
        return _round_page(ctx, service, name, status=int(getattr(exc, "http_status", 400)),
                           message={"kind": "error", "text": exc.text(ctx.lang)})  # fmt: skip
    text = ctx.t("befragungen.imported", actor=q.actor.label, n=len(q.answers.partners) if q.answers else 0)
    return _round_page(ctx, service, name, message={"kind": "ok", "text": text})


@router.get("/befragungen/{name}/netz")
def round_network(request: Request, name: str, service: ServiceDep) -> Response:
    """The ties of a round by status (bestätigt, einseitig, unbestätigt; ``?regel=bestaetigt`` for confirmed
    ones only), both sides' intensity, and the response rate beside them."""
    from bildungsnetz.survey.model import INTENSITY, TIE_STATES  # noqa: PLC0415
    from bildungsnetz.survey.rounds import get_round, roster  # noqa: PLC0415
    from bildungsnetz.survey.ties import check_rule, response_rates, ties  # noqa: PLC0415

    ctx, refused = _guard(request, service)
    if refused is not None:
        return refused
    rule = check_rule(request.query_params.get("regel"), param="regel")
    found = get_round(service.store, service.iris, name)
    found_ties = ties(service.store, service.iris, found.name, rule)
    entries = roster(service.store, service.iris, found.name)
    labels = {e.actor: e.label for e in entries}
    districts = {e.stadtbezirk: e.stadtbezirk_label for e in entries}
    rates = response_rates(service.store, service.iris, found.name)
    i = 1 if ctx.lang == "en" else 0
    counts = {code: sum(t.status == code for t in found_ties) for code in ("bestaetigt", "einseitig", "unbestaetigt")}
    return render(
        ctx, "befragung_netz.html", nav="befragungen", round=found, rule=rule, counts=counts,
        states={code: labels_[i] for code, labels_ in TIE_STATES.items()},
        intensity={v: labels_[i] for v, labels_ in INTENSITY.items()},
        ties=sorted(found_ties, key=lambda t: (t.status, labels.get(t.a, t.a).casefold())), labels=labels,
        overall=rates.get(""), rates=sorted(((districts.get(k, k), r) for k, r in rates.items() if k),
                                            key=lambda pair: pair[0]),
    )  # fmt: skip
