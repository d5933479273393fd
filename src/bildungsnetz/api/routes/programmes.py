"""``/api/programmes``: funding programmes (each counted once), those ending soon, and one programme's grants and
what its end would cut."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.api.errors import ERROR_RESPONSES, ApiError
from bildungsnetz.api.service import Service

__all__ = ["router", "programme_page_data", "programmes_list"]

router = APIRouter(prefix="/api/programmes", tags=["Förderprogramme / programmes"], responses=ERROR_RESPONSES)
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def programmes_list(service: Service, months: int = 12) -> dict[str, Any]:
    """Every programme with funders, grants and total (``programmes-and-funding``), and those ending within 6
    and ``months`` months (:func:`~bildungsnetz.analysis.programmes.programmes_ending`)."""
    from bildungsnetz.analysis.programmes import programmes_ending  # noqa: PLC0415

    def compute() -> dict[str, Any]:
        rows = service.query("programmes-and-funding", {}).rows
        return {
            "programmes": rows,
            "ending_6": programmes_ending(service.reader, months=6, iris=service.iris),
            "ending": programmes_ending(service.reader, months=months, iris=service.iris),
            "months": months,
        }

    return service.cached(f"programmes:{months}", compute)


def programme_page_data(service: Service, code: str) -> dict[str, Any]:
    """One programme's overview (:func:`~bildungsnetz.analysis.programmes.programme_overview`) with its label and
    funders; the same dict for the web page, REST and (through the library call) the CLI."""
    from bildungsnetz.analysis.programmes import programme_overview  # noqa: PLC0415

    found = next((p for p in programmes_list(service)["programmes"] if p.get("programmeCode") == code), None)
    if not _CODE.match(code) or found is None:
        raise ApiError(404, f'Programm "{code[:64]}" nicht gefunden / programme not found')

    def compute() -> dict[str, Any]:
        data = service.city_data(None)
        overview = programme_overview(service.reader, data, found["programme"], iris=service.iris)
        return overview | {"label": found.get("programmeLabel"), "funders": found.get("funders")}

    return service.cached(f"programme:{code}", compute)


@router.get("", summary="Förderprogramme / funding programmes")
def list_programmes(
    service: ServiceDep,
    months: Annotated[int, Query(ge=1, le=60, description="endet in den nächsten … Monaten")] = 12,
) -> dict[str, Any]:
    """Programmes with funders, grants, recipients and total in euros (each programme once), and the programmes
    whose running grants all end within 6 and ``months`` months."""
    return programmes_list(service, months)


@router.get("/{code}", summary="Ein Förderprogramm / one programme")
def programme(
    code: Annotated[str, Path(max_length=64, description="Programmcode, z. B. kaoa")], service: ServiceDep
) -> dict[str, Any]:
    """Grants (recipient, amount, period, Stadtbezirk), totals per year and district, and what would end with the
    programme: partnerships, offers, ties, actors left alone, brokers (the what-if of the CLI)."""
    return programme_page_data(service, code)
