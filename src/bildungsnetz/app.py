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
    districts,
    graphs,
    imports,
    networks,
    offers,
    sdgs,
    sparql,
    system,
)
from bildungsnetz.api.routes.queries import build_router
from bildungsnetz.api.service import Service
from bildungsnetz.settings import Settings, get_settings
from bildungsnetz.store import Store, open_store

__all__ = ["create_app"]

_DESCRIPTION = """Wissensgraph der Bildungslandschaft / knowledge graph of a city's education landscape.

REST unter `/api` (JSON, CSV mit `?format=csv` oder `Accept: text/csv`), SPARQL 1.1 unter `/sparql`.
Fehler haben immer die Form `{"ok": false, "status": N, "error": "…"}`. Schreibende Aufrufe brauchen
`Authorization: Bearer TOKEN` mit der Rolle `redaktion`; Ansprechpersonen sieht nur die Rolle `intern`."""


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> FastAPI:
    """The API for ``settings`` (default: the environment's).

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
            yield
        finally:
            service.close()

    app = FastAPI(
        title="bildungsnetz",
        version=__version__,
        description=_DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    from bildungsnetz.web.pages import exception_page  # noqa: PLC0415 - the pages (Jinja2) only where the app is built

    install_error_handlers(app, html=exception_page)  # one handler: JSON for /api and /sparql, a page elsewhere
    # binakom before sdgs and actors: /api/sdgs/coverage must not be taken for /api/sdgs/{n}.
    for module in (system, binakom, analysis, actors, districts, networks, offers, sdgs, graphs, imports, sparql):
        app.include_router(module.router)
    app.include_router(graphs.sources_router)
    from bildungsnetz.queries import load_catalogue  # noqa: PLC0415

    app.include_router(build_router(load_catalogue(), row_cap=settings.row_cap))
    from bildungsnetz.web import router as web_router  # noqa: PLC0415 - the pages (Jinja2) only where the app is built

    app.include_router(web_router)
    return app
