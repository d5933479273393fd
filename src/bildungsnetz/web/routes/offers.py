"""The offer catalogue (Angebotsübersicht), an offer's page with its mediations, an institution's offers and
mediations (printable), and mediations per Stadtbezirk against need."""

from __future__ import annotations

from datetime import date as Date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.web.data import analysis, districts, web_query
from bildungsnetz.web.pages import Ctx, context, error_page, render, vocab_labels
from bildungsnetz.web.routes.common import _ID, _split, redaktion_write

router = APIRouter(include_in_schema=False)
_PAGE = 50
_PRINT = 1000
_FILTERS = ("q", "handlungsfeld", "zielgruppe", "bildungsphase", "sdg", "stadtbezirk", "anbieter", "maxkosten", "date")
_STATUSES = ("angefragt", "vermittelt", "durchgefuehrt", "abgelehnt")


def _catalogue_rows(service, values: dict[str, Any], *, limit: int, offset: int):
    if not values.get("stadtbezirk"):  # several cities in the store: only the chosen one's offers
        values = {**values, "stadtbezirk": service.city_area()}
    page = service.page("offer-catalogue", values, limit=limit, offset=offset)
    rows = [dict(r, fields=_split(r.get("fields")), sdgs=_split(r.get("sdgs")),
                 zielgruppen=_split(r.get("zielgruppen"))) for r in page.rows]  # fmt: skip
    return rows, page.more


def _choices(lang: str = "de") -> dict[str, dict[str, str]]:
    return {s: vocab_labels(s, lang) for s in ("handlungsfeld", "zielgruppe", "bildungsphase")}


@router.get("/angebote")
def catalogue_page(
    request: Request,
    service: ServiceDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    handlungsfeld: Annotated[str | None, Query(max_length=64)] = None,
    zielgruppe: Annotated[str | None, Query(max_length=64)] = None,
    bildungsphase: Annotated[str | None, Query(max_length=64)] = None,
    sdg: Annotated[str | None, Query(max_length=16)] = None,
    stadtbezirk: Annotated[str | None, Query(max_length=200)] = None,
    anbieter: Annotated[str | None, Query(max_length=200)] = None,
    maxkosten: Annotated[str | None, Query(max_length=8, pattern=r"^\d*$")] = None,
    date: Annotated[str | None, Query(max_length=10)] = None,
    seite: Annotated[int, Query(ge=1, le=10_000)] = 1,
    druck: Annotated[bool, Query()] = False,
) -> Response:
    """The catalogue: filters, search and paging; ``druck=1`` is the printable list of every match."""
    ctx = context(request, service)
    values = {"q": q, "handlungsfeld": handlungsfeld, "zielgruppe": zielgruppe, "bildungsphase": bildungsphase,
              "sdg": sdg, "stadtbezirk": stadtbezirk, "anbieter": anbieter, "maxkosten": maxkosten, "date": date}
    values = {k: v.strip() for k, v in values.items() if v and v.strip()}
    limit = _PRINT if druck else _PAGE
    rows, more = _catalogue_rows(service, values, limit=limit, offset=0 if druck else (seite - 1) * _PAGE)
    return render(
        ctx, "offers.html", nav="offers", rows=rows, more=more, page=seite, values=values, printable=druck,
        choices=_choices(ctx.lang), districts=districts(service), statuses=_STATUSES,
        day=values.get("date") or Date.today().isoformat(),
    )  # fmt: skip


def _offer(service, offer_id: str) -> dict[str, Any] | None:
    rows = web_query(service, "offer", {"offer": offer_id})
    if not rows:
        return None
    first = dict(rows[0])
    first["providers"] = [
        {"id": r.get("providerId"), "label": r.get("providerLabel"), "iri": r.get("provider")}
        for r in rows if r.get("provider")
    ]  # fmt: skip
    for key in ("fields", "zielgruppen", "bildungsphasen", "sdgs"):
        first[key] = _split(first.get(key))
    return first


@router.get("/angebote/{offer_id}")
def offer_page(request: Request, offer_id: str, service: ServiceDep, vermittelt: str | None = None) -> Response:
    """One offer: provider, places, cost, period, SDGs, fields of action; the providers' contacts for role
    ``intern``; where the offer has gone (mediations) and, for ``redaktion``, the form to record one."""
    ctx = context(request, service)
    offer = _offer(service, offer_id) if _ID.match(offer_id) else None
    if offer is None:
        return error_page(ctx, 404, f"{ctx.t('site.not_found')}: {offer_id}"[:200])
    contacts = None
    if ctx.who.intern:
        contacts = [c for p in offer["providers"] if p["iri"]
                    for c in service.query("api/actor-contacts", {"actor": p["iri"]}).rows]  # fmt: skip
    mediations = service.page("mediations", {"offer": offer["offer"]}, limit=200, offset=0).rows
    return render(
        ctx, "offer.html", nav="offers", offer=offer, contacts=contacts, mediations=mediations,
        choices=_choices(ctx.lang), statuses=_STATUSES, recorded=vermittelt, today=Date.today().isoformat(),
    )  # fmt: skip


@router.post("/angebote/{offer_id}/vermittlung")
async def record_mediation_form(
    request: Request,
    offer_id: str,
    service: ServiceDep,
    institution: Annotated[str, Form(max_length=200)],
    status: Annotated[str, Form(max_length=40)] = "angefragt",
    date: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Record a mediation of this offer (role ``redaktion``), as a version of the source ``vermittlungen``."""
    from bildungsnetz.ingest.mediations import record_mediation  # noqa: PLC0415
    from bildungsnetz.ingest.versions import Versions  # noqa: PLC0415

    done: dict[str, str] = {}

    def write(ctx: Ctx) -> None:
        done.update(record_mediation(
            service.store, offer=offer_id, institution=institution, status=status, on=date or None, note=note,
            user=ctx.who.name, iris=service.iris, versions=Versions.from_settings(service.settings),
        ))  # fmt: skip

    return await redaktion_write(request, service, csrf, write, f"/angebote/{offer_id}?vermittelt=1#vermittlungen")


@router.post("/vermittlungen/{mediation_id}/status")
async def mediation_status_form(
    request: Request,
    mediation_id: str,
    service: ServiceDep,
    status: Annotated[str, Form(max_length=40)],
    back: Annotated[str, Form(max_length=300, pattern=r"^/[^/\\]")] = "/vermittlungen",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Change a mediation's status (role ``redaktion``); back to the page the form was on."""
    from bildungsnetz.ingest.mediations import set_mediation_status  # noqa: PLC0415
    from bildungsnetz.ingest.versions import Versions  # noqa: PLC0415

    def write(ctx: Ctx) -> None:
        set_mediation_status(service.store, mediation_id, status, user=ctx.who.name, iris=service.iris,
                             versions=Versions.from_settings(service.settings))  # fmt: skip

    return await redaktion_write(request, service, csrf, write, back)


@router.get("/einrichtung/{actor_id}/angebote")
def institution_page(request: Request, actor_id: str, service: ServiceDep) -> Response:
    """What an institution (school, Kita, campus) has been offered and has taken, and the offers running in its
    Stadtbezirk: one printable page."""
    ctx = context(request, service)
    rows = service.query("api/actor", {"actor": actor_id}).rows if _ID.match(actor_id) else []
    if not rows:
        return error_page(ctx, 404, f"{ctx.t('site.not_found')}: {actor_id}"[:200])
    actor = rows[0]
    mediations = service.page("mediations", {"institution": actor["actor"]}, limit=500, offset=0).rows
    areas = service.query("api/actor-districts", {"actor": actor["actor"]}).rows
    bezirk = next((a for a in areas if a.get("district")), None)
    nearby: list[dict[str, Any]] = []
    if bezirk is not None:
        nearby, _ = _catalogue_rows(service, {"stadtbezirk": bezirk["district"]}, limit=_PRINT, offset=0)
    taken = sum(1 for m in mediations if m.get("status") == "durchgefuehrt")
    return render(
        ctx, "institution.html", nav="offers", actor=actor, mediations=mediations, nearby=nearby, bezirk=bezirk,
        taken=taken,
    )  # fmt: skip


@router.get("/vermittlungen")
def mediations_page(request: Request, service: ServiceDep) -> Response:
    """Mediations per Stadtbezirk by field of action and target group, against need (least reached first)."""
    from bildungsnetz.analysis.mediations import district_reach  # noqa: PLC0415

    ctx = context(request, service)
    a = analysis(service)
    reach = service.cached("web:mediation-reach", lambda: district_reach(service.reader, a, iris=service.iris))
    latest = service.page("mediations", {}, limit=30, offset=0).rows
    return render(
        ctx, "mediations.html", nav="offers", reach=reach, latest=latest, need=a.result["need"],
        choices=_choices(ctx.lang), statuses=_STATUSES,
    )  # fmt: skip
