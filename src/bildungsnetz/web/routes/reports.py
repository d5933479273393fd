"""The reports page and its downloads (gap report, SDG report)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.web.data import (
    coverage,
    districts,
    find_district,
)
from bildungsnetz.web.pages import (
    Ctx,
    context,
    error_page,
    finish,
    render,
)
from bildungsnetz.web.routes.common import _MEDIA, _REPORT_CSP

router = APIRouter(include_in_schema=False)

# -- reports ------------------------------------------------------------------------------------------------


@router.get("/berichte")
def reports_page(request: Request, service: ServiceDep) -> Response:
    """The gap report and the SDG report, to view and to download."""
    ctx = context(request, service)
    return render(ctx, "reports.html", nav="reports", districts=districts(service))


def _download(ctx: Ctx, body: bytes, fmt: str, name: str, *, attach: bool) -> Response:
    disposition = "attachment" if attach or fmt != "html" else "inline"
    response = Response(
        body, media_type=_MEDIA[fmt], headers={"Content-Disposition": f'{disposition}; filename="{name}"'}
    )
    finish(ctx, response)
    if fmt == "html":
        response.headers["Content-Security-Policy"] = _REPORT_CSP
    return response


@router.get("/berichte/luecken.{fmt}")
def gap_report(request: Request, fmt: str, service: ServiceDep) -> Response:
    """``bildungsnetz report gaps`` in the browser: HTML (to view or save) or XLSX."""
    ctx = context(request, service)
    if fmt not in ("html", "xlsx"):
        return error_page(ctx, 404, ctx.t("site.not_found"))
    code = (request.query_params.get("stadtbezirk") or "").strip()
    if code and find_district(service, "stadtbezirk", code) is None:
        from bildungsnetz.cities import CityProfileError  # noqa: PLC0415

        try:  # a name as staff type it (Hörde, Hoerde): the city's registry knows its code
            code = service.cities.district(code, "stadtbezirk", city=service.profile).code
        except CityProfileError as exc:
            return error_page(ctx, 404, f"{ctx.t('site.not_found')}: {exc.de if ctx.lang == 'de' else exc.en}"[:200])
    if code and find_district(service, "stadtbezirk", code) is None:
        return error_page(ctx, 404, f"{ctx.t('site.not_found')}: {code}"[:100])

    body = service.gaps_report(fmt, stadtbezirk=code or None)
    suffix = f"-{code}" if code else ""
    return _download(
        ctx, body, fmt, f"bildungsnetz-luecken{suffix}.{fmt}", attach="download" in request.query_params
    )


@router.get("/berichte/sdg.{fmt}")
def sdg_report(request: Request, fmt: str, service: ServiceDep) -> Response:
    """``bildungsnetz report sdg`` in the browser: HTML (to view or save) or XLSX."""
    from bildungsnetz.report.sdg import render_html, write_xlsx  # noqa: PLC0415

    ctx = context(request, service)
    dimension = request.query_params.get("dimension") or "zielgruppe"
    if fmt not in ("html", "xlsx") or dimension not in ("zielgruppe", "bildungsphase"):
        return error_page(ctx, 404, ctx.t("site.not_found"))
    data = {**coverage(service, dimension), "city_label": service.city_label}
    if fmt == "html":
        body = render_html(data).encode("utf-8")
    else:
        with tempfile.TemporaryDirectory(prefix="bildungsnetz-web-") as tmp:
            path = Path(tmp) / "sdg.xlsx"
            write_xlsx(data, path)
            body = path.read_bytes()
    return _download(
        ctx, body, fmt, f"bildungsnetz-sdg-{dimension}.{fmt}", attach="download" in request.query_params
    )
