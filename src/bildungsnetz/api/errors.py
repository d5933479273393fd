"""One error shape for every API error: ``{"ok": false, "status": N, "error": "…"}``, no stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import BildungsnetzError

__all__ = [
    "ApiError",
    "error_response",
    "install_error_handlers",
    "ERROR_RESPONSES",
    "CSV_RESPONSES",
    "LIST_RESPONSES",
]

_log = logging.getLogger("bildungsnetz.api")

_STATUS_TEXT = {
    400: "Ungültige Anfrage / bad request",
    401: "Anmeldung nötig / authentication required",
    403: "Nicht erlaubt / forbidden",
    404: "Nicht gefunden / not found",
    405: "Methode nicht erlaubt / method not allowed",
    406: "Kein passendes Format / no acceptable format",
    413: "Anfrage zu groß / request too large",
    414: "Adresse zu lang; bitte POST / URI too long; please use POST",
    415: "Medientyp nicht unterstützt / unsupported media type",
    422: "Ungültige Eingabe / invalid input",
    429: "Zu viele Anfragen / too many requests",
    500: "Interner Fehler / internal error",
    503: "Dienst gerade nicht verfügbar / service unavailable",
}


class ApiError(BildungsnetzError):
    """An error raised by the API layer itself, with its HTTP status and optional headers."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.http_status = status
        self.headers = headers or {}


def error_response(
    status: int,
    message: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    extra: dict | None = None,
) -> JSONResponse:
    """The one error body.

    >>> error_response(404).body
    b'{"ok":false,"status":404,"error":"Nicht gefunden / not found"}'
    """
    body = {"ok": False, "status": status, "error": message or _STATUS_TEXT.get(status, f"HTTP {status}")}
    if extra:
        body.update({k: v for k, v in extra.items() if k not in body})
    return JSONResponse(body, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        loc = [str(x) for x in error.get("loc", ()) if x not in ("query", "path", "body", "header", "form")]
        name = ".".join(loc) or "?"
        kind = str(error.get("type", ""))
        if kind == "missing":
            parts.append(f'Parameter "{name}" fehlt / is missing')
        else:
            parts.append(f'Parameter "{name}" ist ungültig / is invalid ({kind})')
    return "; ".join(parts) or _STATUS_TEXT[422]


def install_error_handlers(app: FastAPI) -> None:
    """Route every error through :func:`error_response`: domain errors, HTTP errors, validation, bugs."""

    @app.exception_handler(BildungsnetzError)
    async def domain_error(request: Request, exc: BildungsnetzError) -> JSONResponse:
        status = int(getattr(exc, "http_status", 400))
        return error_response(status, str(exc), headers=getattr(exc, "headers", None))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # The detail of Starlette's own errors is English boilerplate; ours is already bilingual.
        detail = exc.detail if isinstance(exc.detail, str) and " / " in exc.detail else None
        return error_response(exc.status_code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, _validation_message(exc))

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception) -> JSONResponse:
        # Logged for the operator; the client learns only that it was our fault.
        _log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500)


#: OpenAPI description of the error body, for ``responses=`` on routes.
ERROR_RESPONSES: dict[int | str, dict] = {
    "4XX": {"description": 'Fehler / error: `{"ok": false, "status": N, "error": "…"}`'},
}

#: OpenAPI: the routes that answer CSV on ``?format=csv`` or ``Accept: text/csv``.
CSV_RESPONSES: dict[int | str, dict] = {
    200: {
        "description": "JSON; CSV mit ?format=csv oder Accept: text/csv",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    },
}
#: Errors and CSV: the responses of every router that lists things.
LIST_RESPONSES: dict[int | str, dict] = {**ERROR_RESPONSES, **CSV_RESPONSES}
