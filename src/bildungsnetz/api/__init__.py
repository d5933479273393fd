"""The HTTP service: REST under ``/api``, the SPARQL 1.1 Protocol at ``/sparql``, OpenAPI at ``/docs``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ..settings import Settings

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, **options: Any) -> FastAPI:
    """The FastAPI application for ``settings`` (see :func:`bildungsnetz.api.app.create_app`).

    Imported on first use, so that the ``/sparql`` worker processes, which import this package, start without
    loading FastAPI.
    """
    from .app import create_app as _create_app  # noqa: PLC0415

    return _create_app(settings, **options)
