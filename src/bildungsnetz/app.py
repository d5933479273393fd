"""The application factory: one FastAPI app per settings, its store opened once at startup."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from bildungsnetz import __version__
from bildungsnetz.api.errors import install_error_handlers
from bildungsnetz.api.routes import (
    actors,
    analysis,
    binakom,
    campuses,
    districts,
    graphs,
    imports,
    indicators,
    local,
    mediations,
    networks,
    offers,
    programmes,
    reconcile,
    sdgs,
    sparql,
    survey,
    system,
)
from bildungsnetz.api.routes.queries import build_router
from bildungsnetz.api.service import Service
from bildungsnetz.settings import Settings, get_settings
from bildungsnetz.store import Store, open_store
from bildungsnetz.store.access import announce, withdraw

__all__ = ["create_app"]

_DESCRIPTION = """Wissensgraph der Bildungslandschaft / knowledge graph of a city's education landscape.

REST unter `/api` (JSON, CSV mit `?format=csv` oder `Accept: text/csv`), SPARQL 1.1 unter `/sparql`.
Fehler haben immer die Form `{"ok": false, "status": N, "error": "…"}`. Schreibende Aufrufe brauchen
`Authorization: Bearer TOKEN` mit der Rolle `redaktion`; Ansprechpersonen sieht nur die Rolle `intern`."""


_DOCS_FILES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
}


def _offline_docs(app: FastAPI) -> None:
    """``/docs`` (Swagger UI) and ``/redoc`` with their scripts from the installed ``fastapi_offline`` package.

    The files are read from the package at run time (nothing third-party is in this repository); no page asks
    a CDN or a font service, so both work without internet.
    """
    from importlib.resources import files  # noqa: PLC0415

    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html  # noqa: PLC0415
    from fastapi.responses import HTMLResponse, Response  # noqa: PLC0415

    static = files("fastapi_offline") / "static"
    favicon = "/static/favicon.svg"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="bildungsnetz – API",
            swagger_js_url="/docs-dateien/swagger-ui-bundle.js",
            swagger_css_url="/docs-dateien/swagger-ui.css",
            swagger_favicon_url=favicon,
            swagger_ui_parameters={"validatorUrl": None},  # no badge fetched from validator.swagger.io
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url="/openapi.json",
            title="bildungsnetz – API",
            redoc_js_url="/docs-dateien/redoc.standalone.js",
            redoc_favicon_url=favicon,
            with_google_fonts=False,
        )

    @app.get("/docs-dateien/{name}", include_in_schema=False)
    def docs_file(name: str) -> Response:
        media = _DOCS_FILES.get(name)
        if media is None:
            return Response("nicht gefunden / not found", status_code=404, media_type="text/plain")
        body = (static / name).read_bytes()
        if name == "redoc.standalone.js":
            # ReDoc's side menu shows a logo from its vendor's CDN; our own icon keeps the page off the internet.
            body = body.replace(b"https://cdn.redoc.ly/redoc/logo-mini.svg", favicon.encode("ascii"))
        return Response(body, media_type=media, headers={"Cache-Control": "public, max-age=86400"})


def create_app(
    settings: Settings | None = None, *, store: Store | None = None, local_url: str | None = None
) -> FastAPI:
    """The API for ``settings`` (default: the environment's).

    With ``local_url`` (the server's own loopback address) and an embedded store on disk, the app announces
    itself in the store folder while it runs, so that command-line processes read beside it and hand their
    writes to it (:mod:`bildungsnetz.store.access`, :mod:`bildungsnetz.api.routes.local`).

    The store named by the settings (or ``store``, which the app then owns and closes) is opened when the
    app starts, never per request; the named queries are prepared once, the ``/sparql`` workers started,
    and the Python heap frozen so that garbage collection does not walk the startup objects on every pass.
    """
    settings = settings or get_settings()
    service_box: dict[str, Service] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = Service(settings, store if store is not None else open_store(settings))
        service_box["service"] = service
        app.state.service = service
        try:
            await service.start()
            gc.collect()
            gc.freeze()
            # The analysis behind the district and actor pages starts now, in the background, so that the
            # first visitor does not wait for it.
            from bildungsnetz.web.data import warm  # noqa: PLC0415

            warm(service)
            service.after_refresh.append(warm)  # and again after every import or drop
            path = service.store_path()
            if local_url and path is not None:
                service.local_token = announce(path, local_url).token()
            yield
        finally:
            if service.local_token is not None:
                withdraw(path)
            await service.settle()
            service.close()

    app = FastAPI(
        title="bildungsnetz",
        version=__version__,
        description=_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served below from the installed fastapi-offline package, never from a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    _offline_docs(app)
    from bildungsnetz.web.pages import exception_page  # noqa: PLC0415 - the pages (Jinja2) only where the app is built

    install_error_handlers(app, html=exception_page)  # one handler: JSON for /api and /sparql, a page elsewhere
    # binakom before sdgs and actors: /api/sdgs/coverage must not be taken for /api/sdgs/{n}.
    for module in (
        system, binakom, analysis, actors, districts, networks, offers, mediations, programmes, sdgs, graphs,
        imports, local, sparql, reconcile, survey, indicators, campuses,
    ):  # fmt: skip
        app.include_router(module.router)
    app.include_router(graphs.sources_router)
    from bildungsnetz.queries import load_catalogue  # noqa: PLC0415

    app.include_router(build_router(load_catalogue(), row_cap=settings.row_cap))
    from bildungsnetz.web import router as web_router  # noqa: PLC0415 - the pages (Jinja2) only where the app is built

    app.include_router(web_router)
    from bildungsnetz.api.cityscope import CityScope  # noqa: PLC0415

    app.add_middleware(CityScope)  # the city of each request: ?stadt= / ?city= / the chooser's cookie
    return app
