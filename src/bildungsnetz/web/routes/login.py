"""Sign in and out (session cookie, CSRF)."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.web.pages import (
    context,
    error_page,
    finish,
    render,
)
from bildungsnetz.web.session import SESSION_COOKIE, SESSION_SECONDS, Session

router = APIRouter(include_in_schema=False)

# -- login --------------------------------------------------------------------------------------------------


@router.get("/anmelden")
def login_page(request: Request, service: ServiceDep) -> Response:
    """The login form (API token)."""
    ctx = context(request, service)
    return render(
        ctx, "login.html", nav="login", message=None, next=request.query_params.get("weiter") or "/"
    )


def _local(target: str) -> str:
    """Only paths on this site are followed after login (no open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


@router.post("/anmelden")
def login(
    request: Request,
    service: ServiceDep,
    token: Annotated[str, Form(max_length=500)],
    csrf: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Check the token against the configured ones and set the signed session cookie."""
    ctx = context(request, service)
    if not ctx.csrf_ok(csrf):
        return error_page(ctx, 403, ctx.t("site.csrf"))
    who = service.tokens.principal(token.strip()) if token.strip() else None
    if who is None or not who.roles:
        return render(ctx, "login.html", status=401, nav="login", message=ctx.t("login.wrong"), next=next)
    cookie = ctx.signer.dump(Session(who.roles, who.name, int(time.time()) + SESSION_SECONDS))
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return finish(ctx, response)


@router.post("/abmelden")
def logout(
    request: Request, service: ServiceDep, csrf: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    """End the session."""
    ctx = context(request, service)
    if not ctx.csrf_ok(csrf):
        return error_page(ctx, 403, ctx.t("site.csrf"))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict")
    return finish(ctx, response)
