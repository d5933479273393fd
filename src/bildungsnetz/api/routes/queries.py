"""``/api/queries``: the named query catalogue, one route per query with its own OpenAPI parameters."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.api.errors import LIST_RESPONSES, ApiError
from bildungsnetz.api.formats import csv_response, wants_csv
from bildungsnetz.api.models import QueryInfo, QueryRows
from bildungsnetz.api.routes import FormatQ
from bildungsnetz.queries import NamedQuery, Param, UnknownQuery, get

__all__ = ["build_router"]

_TYPE_HELP = {
    "iri": "IRI oder Kurzform (Kennung, Schulnummer, Gebietscode oder -name)",
    "string": "Text (bis 200 Zeichen)",
    "int": "ganze Zahl",
    "date": "Datum: 2025-06-01, 01.06.2025 oder heute",
    "code": "Code, Name oder Synonym aus dem Vokabular",
}


def _describe(param: Param) -> str:
    text = _TYPE_HELP[param.type]
    if param.scheme:
        text += f" ({param.scheme})"
    if param.default not in (None, ""):
        text += f"; Vorgabe / default: {param.default}"
    return text


def _info(query: NamedQuery, request: Request) -> dict[str, Any]:
    return {
        "name": query.name,
        "summary": query.summary,
        "summary_de": query.summary_de,
        "audience": list(query.audience),
        "params": [
            {
                "name": p.name,
                "type": p.spec().split(":", 1)[1].split("=")[0].strip(),
                "required": p.required,
                "default": p.default,
            }
            for p in query.params
        ],
        "returns": list(query.returns),
        "url": str(request.url_for("query_" + query.name)),
    }


def _endpoint(query: NamedQuery, row_cap: int) -> Any:
    """A route function whose signature declares the query's own parameters (FastAPI reads it for OpenAPI)."""
    own = [p for p in query.params if not p.paging]
    paged = any(p.paging for p in query.params)
    max_limit = 1000 if paged else row_cap

    def endpoint(request: Request, service: ServiceDep, **kwargs: Any) -> Any:
        values = {p.name: kwargs.get(p.name) for p in own}
        limit, offset = kwargs.get("limit"), kwargs.get("offset") or 0
        explicit = limit is not None
        limit = limit or (100 if paged else row_cap)
        page = service.page(query.name, values, limit=limit, offset=offset)
        if page.more and not explicit and not paged:
            raise ApiError(
                422,
                f"Mehr als {row_cap} Zeilen (Obergrenze): bitte mit limit und offset seitenweise abrufen / "
                "more than "
                f"{row_cap} rows (the row cap): page through the result with limit and offset",
                headers={"X-Row-Cap": str(row_cap)},
            )
        following = None
        if page.more:
            following = str(request.url.include_query_params(offset=offset + limit, limit=limit))
        if wants_csv(request):
            headers = {"Link": f'<{following}>; rel="next"'} if following else {}
            return csv_response(page.columns, page.rows, filename=query.name, headers=headers)
        return {
            "query": query.name,
            "columns": page.columns,
            "rows": page.rows,
            "count": len(page.rows),
            "limit": limit,
            "offset": offset,
            "next": following,
        }

    parameters = [
        inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request),
        inspect.Parameter("service", inspect.Parameter.KEYWORD_ONLY, annotation=ServiceDep),
    ]
    for p in own:
        base: Any = int if p.type == "int" else str
        extra = {"max_length": 200} if p.type != "int" else {}
        annotation = Annotated[base if p.required else base | None, Query(description=_describe(p), **extra)]
        parameters.append(
            inspect.Parameter(
                p.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=annotation,
                default=inspect.Parameter.empty if p.required else None,
            )
        )
    parameters.append(
        inspect.Parameter(
            "limit",
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[
                int | None, Query(ge=1, le=max_limit, description=f"Zeilen je Seite (bis {max_limit})")
            ],
        )
    )
    parameters.append(
        inspect.Parameter(
            "offset",
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[int | None, Query(ge=0, le=100_000_000, description="Zeilen überspringen")],
        )
    )
    parameters.append(
        inspect.Parameter("format", inspect.Parameter.KEYWORD_ONLY, annotation=FormatQ, default=None)
    )
    endpoint.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    endpoint.__name__ = "query_" + query.name
    endpoint.__doc__ = f"{query.summary}\n\n{query.summary_de}"
    return endpoint


def build_router(catalogue: dict[str, NamedQuery], *, row_cap: int) -> APIRouter:
    """The catalogue's routes: ``GET /api/queries`` and ``GET /api/queries/NAME`` for every query."""
    router = APIRouter(
        prefix="/api/queries", tags=["Benannte Abfragen / named queries"], responses=LIST_RESPONSES
    )

    @router.get("", response_model=list[QueryInfo], summary="Der Abfragekatalog / the query catalogue")
    def list_queries(request: Request) -> Any:
        """Every named query with its summary, parameters and columns."""
        rows = [_info(catalogue[name], request) for name in sorted(catalogue)]
        if wants_csv(request):
            flat = [
                dict(
                    r,
                    params=", ".join(p["name"] for p in r["params"]),
                    returns=", ".join(r["returns"]),
                    audience=", ".join(r["audience"]),
                )
                for r in rows
            ]
            return csv_response(
                ["name", "summary", "summary_de", "audience", "params", "returns", "url"],
                flat,
                filename="abfragen",
            )
        return rows

    for name in sorted(catalogue):
        query = catalogue[name]
        router.add_api_route(
            f"/{name}",
            _endpoint(query, row_cap),
            methods=["GET"],
            response_model=QueryRows,
            name="query_" + name,
            summary=query.summary_de,
        )

    @router.get("/{name}", include_in_schema=False)
    def unknown(name: str) -> Any:
        try:
            get(name)
        except UnknownQuery:
            raise
        raise ApiError(404)

    return router
