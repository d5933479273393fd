"""``/api/mediations``: offers mediated to institutions – listed for everyone, recorded by role ``redaktion``."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from bildungsnetz.api.deps import RedaktionDep, ServiceDep
from bildungsnetz.api.errors import LIST_RESPONSES
from bildungsnetz.api.models import MediationPage
from bildungsnetz.api.routes import FormatQ, LimitQ, OffsetQ, paged, snake, split_codes

__all__ = ["router", "mediation_item"]

router = APIRouter(prefix="/api/mediations", tags=["Vermittlungen / mediations"], responses=LIST_RESPONSES)
_COLUMNS = ["id", "date", "status", "offer_id", "title", "institution_id", "institution_label", "fields",
            "zielgruppen", "note", "iri"]  # fmt: skip


class NewMediation(BaseModel):
    """A mediation to record: offer and institution by id, status, date (default today) and a note."""

    offer: str = Field(max_length=200, description="Angebots-ID oder IRI")
    institution: str = Field(max_length=200, description="Einrichtung: Kennung, Schulnummer oder IRI")
    status: str = Field("angefragt", max_length=40, description="angefragt, vermittelt, durchgefuehrt, abgelehnt")
    date: str | None = Field(None, max_length=10, description="JJJJ-MM-TT (Vorgabe: heute)")
    note: str = Field("", max_length=2000)


class StatusChange(BaseModel):
    """A new status of a mediation, and optionally a new note."""

    status: str = Field(max_length=40, description="angefragt, vermittelt, durchgefuehrt, abgelehnt")
    note: str | None = Field(None, max_length=2000)


def mediation_item(row: dict[str, Any]) -> dict[str, Any]:
    """A row of the ``mediations`` query as a :class:`~bildungsnetz.api.models.MediationItem`."""
    item = snake(row, {"mediation": "iri", "mediationId": "id"})
    for key in ("fields", "zielgruppen"):
        item[key] = split_codes(row.get(key))
    return item


@router.get("", response_model=MediationPage, summary="Vermittlungen / mediations")
def list_mediations(
    request: Request,
    service: ServiceDep,
    offer: Annotated[str | None, Query(max_length=200, description="Angebots-ID")] = None,
    institution: Annotated[str | None, Query(max_length=200, description="Einrichtung: Kennung")] = None,
    stadtbezirk: Annotated[str | None, Query(max_length=200, description="Stadtbezirk der Einrichtung")] = None,
    status: Annotated[str | None, Query(max_length=40, description="Status")] = None,
    limit: LimitQ = 100,
    offset: OffsetQ = 0,
    format: FormatQ = None,
) -> Any:
    """Mediations, newest first; who mediated is personal data and never part of this answer."""
    values = {"offer": offer, "institution": institution, "stadtbezirk": stadtbezirk, "status": status}
    page = service.page("mediations", values, limit=limit, offset=offset)
    return paged(request, page, [mediation_item(r) for r in page.rows], columns=_COLUMNS, name="vermittlungen")


async def _write(service, call, **kwargs) -> dict[str, Any]:
    from bildungsnetz.ingest.versions import Versions  # noqa: PLC0415

    async with service.write_lock:
        result = await asyncio.to_thread(
            call, service.store, iris=service.iris, versions=Versions.from_settings(service.settings), **kwargs
        )
        await service.after_write()
    return {k: v for k, v in result.items() if k != "user"}  # the person stays out of answers


@router.post("", status_code=201, summary="Vermittlung erfassen / record a mediation (redaktion)")
async def add_mediation(body: NewMediation, service: ServiceDep, who: RedaktionDep) -> dict[str, Any]:
    """Record a mediation as a version of the source ``vermittlungen`` (who: the login, when: now)."""
    from bildungsnetz.ingest.mediations import record_mediation  # noqa: PLC0415

    return await _write(service, record_mediation, offer=body.offer, institution=body.institution,
                        status=body.status, on=body.date, note=body.note, user=who.name)  # fmt: skip


@router.post("/{mediation_id}/status", summary="Status ändern / change the status (redaktion)")
async def change_status(
    mediation_id: Annotated[str, Path(max_length=40, description="z. B. V-3")],
    body: StatusChange,
    service: ServiceDep,
    who: RedaktionDep,
) -> dict[str, Any]:
    """A new status (and note) of a mediation, as a version of the source ``vermittlungen``."""
    from bildungsnetz.ingest.mediations import set_mediation_status  # noqa: PLC0415

    def call(store, **kw):
        return set_mediation_status(store, mediation_id, body.status, note=body.note, user=who.name, **kw)

    return await _write(service, call)
