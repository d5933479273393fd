"""Dependencies of the routes, as type aliases: the service, the caller's roles, a required role."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import Depends, Request

from bildungsnetz.api.auth import ANONYMOUS, AuthError, Principal
from bildungsnetz.api.service import Service

__all__ = ["get_service", "get_principal", "require_redaktion", "ServiceDep", "PrincipalDep", "RedaktionDep"]


def get_service(request: Request) -> Service:
    """The service of this app (created by the lifespan; tests may override the dependency)."""
    return request.app.state.service


def get_principal(request: Request, service: Annotated[Service, Depends(get_service)]) -> Principal:
    """The roles of the bearer token in ``Authorization``; anonymous without one, 401 for an unknown one."""
    header = request.headers.get("authorization")
    if not header:
        return ANONYMOUS
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("Nur »Authorization: Bearer …« / only 'Authorization: Bearer …' is supported")
    roles = service.tokens.roles(token.strip())
    if roles is None:
        raise AuthError("Token unbekannt / unknown token")
    return Principal(roles, name="token-" + hashlib.sha256(token.strip().encode()).hexdigest()[:10])


def require_redaktion(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    """The caller, who must hold role ``redaktion``."""
    principal.require("redaktion")
    return principal


ServiceDep = Annotated[Service, Depends(get_service)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
RedaktionDep = Annotated[Principal, Depends(require_redaktion)]
