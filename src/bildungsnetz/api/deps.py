"""Dependencies of the routes, as type aliases: the service, the caller's roles, a required role."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from fastapi import Depends, Request

from bildungsnetz.api.auth import ANONYMOUS, AuthError, Principal
from bildungsnetz.api.service import Service

__all__ = [
    "get_service",
    "get_principal",
    "require_redaktion",
    "client_id",
    "ServiceDep",
    "PrincipalDep",
    "RedaktionDep",
]


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
    who = service.tokens.principal(token.strip())
    if who is None:
        raise AuthError("Token unbekannt / unknown token")
    return who


def require_redaktion(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    """The caller, who must hold role ``redaktion``."""
    principal.require("redaktion")
    return principal


def client_id(request: Request, principal: Principal = ANONYMOUS) -> str:
    """Who counts as one client for ``/sparql``'s fair share: a token by its name, else the address.

    An IPv6 address counts by its /64, which one host usually holds whole. Behind a reverse proxy the address is
    the one the proxy reports (uvicorn's ``--forwarded-allow-ips``), else every client would be the proxy.

    >>> from types import SimpleNamespace as NS
    >>> client_id(NS(client=NS(host="2001:db8::1:2")))
    '2001:db8::/64'
    """
    if principal.name != ANONYMOUS.name:
        return principal.name
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "?"
    if address.version == 6 and address.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{host}/64", strict=False))
    return str(address)


ServiceDep = Annotated[Service, Depends(get_service)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
RedaktionDep = Annotated[Principal, Depends(require_redaktion)]
