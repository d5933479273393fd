"""The team's CSS, JavaScript and SVG, served from the package."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from bildungsnetz.web.pages import (
    STATIC,
    security_headers,
)
from bildungsnetz.web.routes.common import _STATIC_TYPES

router = APIRouter(include_in_schema=False)

# -- static files -------------------------------------------------------------------------------------------


@router.get("/static/{name}")
def static(name: str) -> Response:
    """The team's CSS and JavaScript (no third-party files), cacheable: URLs carry a content hash.
    ``farben.css`` is the sector colour scale of :mod:`bildungsnetz.report.colours`, the gap report's too."""
    if name == "farben.css":
        from bildungsnetz.report.colours import sector_css  # noqa: PLC0415

        generated = Response(sector_css(), media_type=_STATIC_TYPES[".css"])
        generated.headers["Cache-Control"] = "public, max-age=86400"
        return security_headers(generated)
    path = STATIC / name
    if "/" in name or name.startswith(".") or not path.is_file() or path.suffix not in _STATIC_TYPES:
        return Response(status_code=404)
    response = FileResponse(path, media_type=_STATIC_TYPES[path.suffix])
    response.headers["Cache-Control"] = "public, max-age=86400"
    return security_headers(response)
