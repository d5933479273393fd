"""``/sparql``: the SPARQL 1.1 Protocol, read-only, over the public graphs (all for role ``intern``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response

from bildungsnetz.api.deps import PrincipalDep, ServiceDep, client_id
from bildungsnetz.api.errors import ApiError, error_response
from bildungsnetz.api.service import Service
from bildungsnetz.api.sparql.results import GRAPH, negotiate
from bildungsnetz.api.sparql.worker import Job

__all__ = ["router"]

router = APIRouter(tags=["SPARQL"])

_MAX_QUERY = 200_000
_MAX_BODY = _MAX_QUERY * 4  # UTF-8 takes up to 4 bytes a character
_SD = "http://www.w3.org/ns/sparql-service-description#"
_FORMATS = "http://www.w3.org/ns/formats/"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_READ_ONLY = "Dieser Endpunkt ist schreibgeschützt: keine Updates / this endpoint is read-only: no updates"
_DOC = """SPARQL 1.1 Protocol (read-only). `GET /sparql?query=…`, `POST` form-encoded (`query=…`) or
`POST` with `Content-Type: application/sparql-query`. SELECT/ASK answer as JSON, XML, CSV or TSV,
CONSTRUCT/DESCRIBE as
Turtle, N-Triples, JSON-LD or RDF/XML, chosen by `Accept`. The default graph is the union of the public
graphs;
`default-graph-uri` / `named-graph-uri` (or FROM / FROM NAMED) may name graphs of the store only.
Without `query`, `GET` returns the service description."""


def _one(values: dict[str, list[str]], key: str) -> str | None:
    found = values.get(key, [])
    if len(found) > 1:
        raise ApiError(400, f'Parameter "{key}" mehrfach angegeben / given more than once')
    return found[0] if found else None


def _description(request: Request, service: Service, graphs: tuple[str, ...]) -> Response:
    endpoint = ox.NamedNode(str(request.url.replace(query="")))
    sd = {
        name: ox.NamedNode(_SD + name)
        for name in (
            "Service",
            "endpoint",
            "supportedLanguage",
            "SPARQL11Query",
            "resultFormat",
            "feature",
            "defaultDataset",
            "Dataset",
            "defaultGraph",
            "Graph",
            "namedGraph",
            "NamedGraph",
            "name",
            "UnionDefaultGraph",
        )
    }
    dataset, default = ox.BlankNode(), ox.BlankNode()
    triples = [
        ox.Triple(endpoint, _RDF_TYPE, sd["Service"]),
        ox.Triple(endpoint, sd["endpoint"], endpoint),
        ox.Triple(endpoint, sd["supportedLanguage"], sd["SPARQL11Query"]),
        ox.Triple(endpoint, sd["feature"], sd["UnionDefaultGraph"]),
        ox.Triple(endpoint, sd["defaultDataset"], dataset),
        ox.Triple(dataset, _RDF_TYPE, sd["Dataset"]),
        ox.Triple(dataset, sd["defaultGraph"], default),
        ox.Triple(default, _RDF_TYPE, sd["Graph"]),
    ]
    for fmt in (
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "JSON-LD",
        "RDF_XML",
    ):
        triples.append(ox.Triple(endpoint, sd["resultFormat"], ox.NamedNode(_FORMATS + fmt)))
    for graph in graphs:
        node = ox.BlankNode()
        triples += [
            ox.Triple(dataset, sd["namedGraph"], node),
            ox.Triple(node, _RDF_TYPE, sd["NamedGraph"]),
            ox.Triple(node, sd["name"], ox.NamedNode(graph)),
        ]
    fmt, media = negotiate(request.headers.get("accept"), GRAPH)
    return Response(ox.serialize(triples, format=fmt), media_type=media)


def _too_long(status: int) -> ApiError:
    return ApiError(
        status,
        f"Abfrage länger als {_MAX_QUERY} Zeichen; bitte kürzen / query longer than {_MAX_QUERY} characters; "
        "please shorten it",
    )


async def _body(request: Request) -> bytes:
    """The request body, read only up to the limit (a larger one is refused before it is all in memory)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > _MAX_BODY:
        raise ApiError(413, f"Anfrage größer als {_MAX_BODY} Bytes / request body larger than {_MAX_BODY} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > _MAX_BODY:
            raise ApiError(413, f"Anfrage größer als {_MAX_BODY} Bytes / request body larger than {_MAX_BODY} bytes")
    return bytes(body)


async def _run(
    request: Request, service: Service, who: Any, query: str, params: dict[str, list[str]]
) -> Response:
    if len(query) > _MAX_QUERY:
        raise _too_long(414 if request.method == "GET" else 413)
    default = params.get("default-graph-uri")
    named = params.get("named-graph-uri")
    protocol = default is not None or named is not None
    job = Job(
        query=query,
        accept=request.headers.get("accept"),
        allowed=service.allowed_graphs(who),
        landscape=service.landscape_default(who),
        default_graphs=tuple(default or ()) if protocol else None,
        named_graphs=tuple(named or ()) if protocol else None,
        cap=service.settings.row_cap,
        timeout=service.settings.query_timeout,
    )
    answer = await service.sparql(job, client=client_id(request, who))
    if answer.status != 200:
        return error_response(answer.status, answer.error, headers=answer.headers)
    return Response(answer.body, media_type=answer.media_type, headers={"Vary": "Accept", **answer.headers})


@router.get(
    "/sparql",
    summary="SPARQL-Abfrage (GET) / SPARQL query",
    description=_DOC,
    responses={200: {"description": "Ergebnis im ausgehandelten Format"}},
)
async def sparql_get(request: Request, service: ServiceDep, who: PrincipalDep) -> Response:
    params = parse_qs(request.url.query, keep_blank_values=True)
    if "update" in params:
        raise ApiError(403, _READ_ONLY)
    query = _one(params, "query")
    if query is None:
        return _description(request, service, service.allowed_graphs(who))
    return await _run(request, service, who, query, params)


@router.post(
    "/sparql",
    summary="SPARQL-Abfrage (POST) / SPARQL query",
    description=_DOC,
    responses={200: {"description": "Ergebnis im ausgehandelten Format"}},
)
async def sparql_post(request: Request, service: ServiceDep, who: PrincipalDep) -> Response:
    media, *options = (p.strip().lower() for p in request.headers.get("content-type", "").split(";"))
    charset = next((o.split("=", 1)[1].strip('"') for o in options if o.startswith("charset=")), "utf-8")
    params = parse_qs(request.url.query, keep_blank_values=True)
    if "update" in params or media == "application/sparql-update":
        raise ApiError(403, _READ_ONLY)
    body = await _body(request)
    if charset.replace("-", "") != "utf8":
        raise ApiError(415, "Nur UTF-8 / only UTF-8 is accepted")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "Anfrage ist kein gültiges UTF-8 / request body is not valid UTF-8") from None
    if media == "application/x-www-form-urlencoded":
        form = parse_qs(text, keep_blank_values=True)
        if "update" in form:
            raise ApiError(403, _READ_ONLY)
        query = _one(form, "query")
        if query is None:
            raise ApiError(400, 'Parameter "query" fehlt / is missing')
        for key in ("default-graph-uri", "named-graph-uri"):
            if key in form:
                params[key] = params.get(key, []) + form[key]
        return await _run(request, service, who, query, params)
    if media == "application/sparql-query":
        return await _run(request, service, who, text, params)
    raise ApiError(
        415,
        "POST braucht application/x-www-form-urlencoded oder application/sparql-query / POST needs "
        "application/x-www-form-urlencoded or application/sparql-query",
    )
