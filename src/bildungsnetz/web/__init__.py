"""The web application for Bildungsbüro staff: server-rendered pages over the same service as the API."""

from __future__ import annotations

from bildungsnetz.web.routes import router

__all__ = ["router"]
