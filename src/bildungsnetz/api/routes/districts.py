"""``/api/districts``: the city's Stadtbezirke and Stadtteile; one district with its actors and networks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.api.errors import LIST_RESPONSES, ApiError
from bildungsnetz.api.formats import csv_response, wants_csv
from bildungsnetz.api.models import District, DistrictDetail
from bildungsnetz.api.routes import DateQ, FormatQ, listed, snake

__all__ = ["router"]

router = APIRouter(prefix="/api/districts", tags=["Gebiete / districts"], responses=LIST_RESPONSES)


@router.get("", response_model=list[District], summary="Stadtbezirke und Stadtteile / districts")
def list_districts(request: Request, service: ServiceDep, format: FormatQ = None) -> Any:
    """The Stadtbezirke of the configured city, each with its Stadtteile (or statistische Bezirke)."""
    if wants_csv(request):
        rows = []
        for b in service.district_tree():
            for t in b["stadtteile"] or [{"code": None, "label": None, "einwohner": None, "iri": b["iri"]}]:
                rows.append(
                    {
                        "stadtbezirk_code": b["code"],
                        "stadtbezirk": b["label"],
                        "stadtteil_code": t["code"],
                        "stadtteil": t["label"],
                        "einwohner": t["einwohner"],
                        "iri": t["iri"],
                    }
                )
        return csv_response(list(rows[0]) if rows else ["stadtbezirk"], rows, filename="gebiete")
    return listed(request, service.district_tree(), columns=[], name="gebiete")


@router.get("/{code}", response_model=DistrictDetail, summary="Ein Gebiet / one district")
def get_district(
    request: Request,
    code: Annotated[
        str, Path(max_length=64, description="Code des Stadtbezirks oder Stadtteils, z. B. 8 oder 55")
    ],
    service: ServiceDep,
    ebene: Annotated[
        str | None,
        Query(pattern="^(stadtbezirk|stadtteil)$", description="Ebene, wenn der Code auf beiden vorkommt"),
    ] = None,
    date: DateQ = None,
    format: FormatQ = None,
) -> Any:
    """A Stadtbezirk (or Stadtteil) with its parts, actors per kind and the networks active at ``date``.

    ``code`` is a code as the store has it or, failing that, a code or name the city profile knows (``Hörde``,
    ``Hoerde``); an unknown one is a 404 that names the closest districts."""
    found = _find(service, code, ebene)
    if found is None:
        from bildungsnetz.cities import CityProfileError

        suggestions: list[str] = []
        for level in (ebene,) if ebene else ("stadtbezirk", "stadtteil"):  # a name on both levels: the Bezirk
            try:
                district = service.cities.district(code, level, city=service.profile)
            except CityProfileError as exc:
                suggestions += [s for s in getattr(exc, "suggestions", ()) if s not in suggestions]
                continue
            found = _find(service, district.code, district.ebene)
            break
        if found is None and suggestions:
            shown = code if len(code) <= 40 else code[:40] + "…"
            listed = ", ".join(f"'{s}'" for s in suggestions)
            raise ApiError(
                404,
                f'Gebiet "{shown}" nicht gefunden – meinten Sie {listed}? / '
                f"district not found – did you mean {listed}?",
            )
    if found is None:
        shown = code if len(code) <= 40 else code[:40] + "…"
        raise ApiError(404, f'Gebiet "{shown}" nicht gefunden / district not found')
    found["actors_by_kind"] = service.query("api/area-actor-counts", {"area": found["iri"]}).rows
    networks = service.query("networks-of-district", {"stadtbezirk": found["iri"], "date": date}).rows
    found["networks"] = [snake(r) for r in networks]
    if wants_csv(request):
        return csv_response(["kind", "actors"], found["actors_by_kind"], filename=f"gebiet-{code}")
    return found


def _find(service: ServiceDep, code: str, ebene: str | None) -> dict[str, Any] | None:
    """The district of the store's tree with exactly this code (a Stadtbezirk before a Stadtteil)."""
    for bezirk in service.district_tree():
        if bezirk["code"] == code and ebene in (None, "stadtbezirk"):
            return dict(bezirk, parent=None)
    if ebene in (None, "stadtteil"):
        for bezirk in service.district_tree():
            for teil in bezirk["stadtteile"]:
                if teil["code"] == code:
                    parent = {k: bezirk[k] for k in ("code", "iri", "label", "einwohner")}
                    return dict(teil, level="stadtteil", stadtteile=[], parent=parent)
    return None
