"""Which city a request is about: ``?stadt=`` or ``?city=``, else the web's city chooser (a cookie), else the
service's default city; in a store with several cities and none configured, pages show the first one."""

from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection

from bildungsnetz.api.service import REQUEST_CITY
from bildungsnetz.cities import slugify

__all__ = ["CITY_COOKIE", "CityScope"]

#: The cookie the city chooser leaves, so that the links of the pages need not carry the city.
CITY_COOKIE = "bildungsnetz_stadt"
_MACHINE = ("/api", "/sparql", "/reconcile", "/openapi.json", "/docs", "/redoc", "/static")


class CityScope:
    """ASGI middleware: sets :data:`~bildungsnetz.api.service.REQUEST_CITY` for the request.

    A city named in the query is taken as asked (an unknown one is answered by the service with 404 and the
    known names); a page asked with ``?stadt=`` remembers the choice in a cookie. A remembered city that no
    longer exists is forgotten. Without any, the service's default city answers; where that is undecided (several
    cities, none configured) the REST API reports it and the pages show the first city with the chooser.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        service = getattr(scope["app"].state, "service", None)
        if service is None:  # still starting
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        page = not scope["path"].startswith(_MACHINE)
        asked = (conn.query_params.get("stadt") or conn.query_params.get("city") or "").strip()
        city = slugify(asked) if asked else None
        remember = page and city is not None and city in service.known_cities()
        if city is None and CITY_COOKIE in conn.cookies:
            kept = slugify(conn.cookies[CITY_COOKIE])
            city = kept if kept in service.known_cities() else None
        if city is None and page:
            city = service.page_city()
        token = REQUEST_CITY.set(city)

        async def send_with_cookie(message: dict) -> None:
            if remember and message["type"] == "http.response.start":
                cookie = f"{CITY_COOKIE}={city}; Path=/; Max-Age=31536000; SameSite=Strict"
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie.encode("latin-1"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_cookie)
        finally:
            REQUEST_CITY.reset(token)
