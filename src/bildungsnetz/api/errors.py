"""One error handler for the whole service: ``{"ok": false, "status": N, "error": "…"}`` for the API and
``/sparql``, the same status and message as an HTML page for the web pages; never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from bildungsnetz.errors import ApiError, BildungsnetzError

__all__ = [
    "ApiError",
    "error_response",
    "install_error_handlers",
    "HtmlErrorPage",
    "wants_json",
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


#: Renders an error for a browser: ``(request, status, error or None, message or None) -> page``; the error's
#: ``text(lang)`` gives the message in the page's language, ``None`` means the status's own text.
HtmlErrorPage = Callable[[Request, int, BildungsnetzError | None, str | None], Response]

_MACHINE_PATHS = ("/api", "/sparql", "/docs", "/openapi.json", "/redoc")


def wants_json(request: Request) -> bool:
    """True for the API, ``/sparql``, the API docs and every client that does not ask for HTML; a browser
    (``Accept: text/html``) gets the web pages' errors as a page.

    >>> from starlette.requests import Request
    >>> html = [(b"accept", b"text/html,application/xhtml+xml,*/*;q=0.8")]
    >>> def asks(path, headers=()):
    ...     return wants_json(Request({"type": "http", "path": path, "headers": list(headers)}))
    >>> asks("/api/actors", html), asks("/akteur/x", html), asks("/akteur/x")
    (True, False, True)
    """
    path = request.url.path
    if any(path == p or path.startswith(p + "/") for p in _MACHINE_PATHS):
        return True
    return "text/html" not in request.headers.get("accept", "")


def install_error_handlers(app: FastAPI, *, html: HtmlErrorPage | None = None) -> None:
    """Route every error through one handler: domain errors, HTTP errors, validation, bugs.

    Each keeps its status; the API answers :func:`error_response`, a web page (when ``html`` is given) the
    same status and message as ``html`` renders it.
    """

    def respond(
        request: Request,
        status: int,
        message: str | None,
        *,
        exc: BildungsnetzError | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        if html is not None and not wants_json(request):
            try:
                page = html(request, status, exc, message)
            except Exception:  # the page itself failed (no service yet …): the plain shape still answers
                _log.exception("error page failed on %s %s", request.method, request.url.path)
            else:
                for name, value in (headers or {}).items():
                    page.headers.setdefault(name, value)
                return page
        return error_response(status, message, headers=headers)

    @app.exception_handler(BildungsnetzError)
    async def domain_error(request: Request, exc: BildungsnetzError) -> Response:
        status = int(getattr(exc, "http_status", 400))
        return respond(request, status, str(exc), exc=exc, headers=getattr(exc, "headers", None))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # The detail of Starlette's own errors is English boilerplate; ours is already bilingual.
        detail = exc.detail if isinstance(exc.detail, str) and " / " in exc.detail else None
        return respond(request, exc.status_code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return respond(request, 422, _validation_message(exc))

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception) -> Response:
        # Logged for the operator; the client learns only that it was our fault.
        _log.exception("unhandled error on %s %s", request.method, request.url.path)
        return respond(request, 500, None)


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
