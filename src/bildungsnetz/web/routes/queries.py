"""The named queries as forms, their downloads, and the SPARQL editor."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bildungsnetz.api.auth import ANONYMOUS
from bildungsnetz.api.deps import ServiceDep, client_id
from bildungsnetz.api.service import Service
from bildungsnetz.api.sparql.worker import Job
from bildungsnetz.errors import BildungsnetzError
from bildungsnetz.queries import NamedQuery
from bildungsnetz.web.data import (
    districts,
)
from bildungsnetz.web.pages import (
    context,
    error_page,
    render,
    vocab_labels,
)
from bildungsnetz.web.routes.common import _QUERY_ROWS
from bildungsnetz.web.routes.reports import _download

router = APIRouter(include_in_schema=False)

# -- queries ------------------------------------------------------------------------------------------------


def _options(service: Service, query: NamedQuery, lang: str = "de") -> dict[str, list[tuple[str, str]]]:
    """Dropdown choices per parameter: districts for ``iri(gebiet)``, the vocabulary for ``code(…)``."""
    options: dict[str, list[tuple[str, str]]] = {}
    for p in query.params:
        if p.type == "iri" and p.scheme == "gebiet":
            choices = []
            for b in districts(service):
                choices.append((b["iri"], f"{b['label']} ({b['code']})"))
                choices += [(t["iri"], f"  – {t['label']} ({t['code']})") for t in b["stadtteile"]]
            options[p.name] = choices
        elif p.type == "code" and p.scheme:
            labels = vocab_labels(p.scheme, lang)
            if p.scheme == "sdg":
                labels = {k: v for k, v in labels.items() if k.isdigit()}
            options[p.name] = [
                (code, f"{code} – {label}" if code != label else code) for code, label in labels.items()
            ]
    return options


def _table_bytes(columns: list[str], rows: list[dict], fmt: str, *, title: str) -> bytes:
    """A download for people: CSV for German Excel or XLSX, through the one table writer."""
    from bildungsnetz.tables import people_csv, xlsx_bytes  # noqa: PLC0415

    if fmt == "csv":
        return people_csv(columns, rows)
    return xlsx_bytes({title: (columns, rows)})


@router.get("/abfragen")
def queries_page(request: Request, service: ServiceDep) -> Response:
    """The named query catalogue."""
    ctx = context(request, service)
    catalogue = [service.catalogue[name] for name in sorted(service.catalogue)]
    return render(ctx, "queries.html", nav="queries", catalogue=catalogue)


@router.get("/abfragen/{name}")
def query_page(request: Request, name: str, service: ServiceDep) -> Response:
    """One named query as a form; its result as a table, CSV or XLSX."""
    ctx = context(request, service)
    query = service.catalogue.get(name)
    if query is None:
        return error_page(ctx, 404, f"{ctx.t('site.not_found')}: {name}"[:100])
    params = [p for p in query.params if not p.paging]
    given = {p.name: (request.query_params.get(p.name) or "").strip()[:200] for p in params}
    actor_names, actor_hints = _actors_by_name(request, service, params, given)
    result = error = None
    fmt = request.query_params.get("format")
    if ("ausfuehren" in request.query_params or fmt) and not actor_hints:
        limit = service.settings.row_cap if fmt in ("csv", "xlsx") else _QUERY_ROWS
        try:
            result = service.page(name, {k: v for k, v in given.items() if v}, limit=limit, offset=0)
        except BildungsnetzError as exc:
            error = exc.text(ctx.lang)
        if result is not None and fmt in ("csv", "xlsx"):
            return _download(
                ctx, _table_bytes(result.columns, result.rows, fmt, title=name), fmt, f"{name}.{fmt}", attach=True
            )
    download = str(request.url.remove_query_params(["format", "lang"]))
    return render(
        ctx,
        "query.html",
        nav="queries",
        query=query,
        params=params,
        given=given,
        options=_options(service, query, ctx.lang),
        result=result,
        error=error,
        download=download,
        actor_names=actor_names,
        actor_hints=actor_hints,
    )


def _actors_by_name(
    request: Request, service: Service, params: list, given: dict[str, str]
) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """Actor parameters chosen by name: the names to show in the form, and a hint per parameter whose typed
    name matches no actor or several (the query then does not run: 0 rows would say nothing)."""
    from bildungsnetz.web.routes.tasks import _matching_actors, resolve_actor_name  # noqa: PLC0415

    names: dict[str, str] = {}
    hints: dict[str, dict[str, Any]] = {}
    for p in params:
        if not (p.type == "iri" and p.scheme == "akteur"):
            continue
        typed = (request.query_params.get(f"{p.name}_name") or "").strip()[:200]
        names[p.name] = typed
        if given[p.name] or not typed:
            if given[p.name] and not typed:
                found = [a for a in _matching_actors(service, given[p.name]) if a["id"] == given[p.name]]
                names[p.name] = str(found[0]["label"]) if found else given[p.name]
            continue
        chosen, candidates = resolve_actor_name(service, typed)
        if chosen is not None:
            given[p.name] = str(chosen["id"])
            continue
        base = str(request.url.remove_query_params([p.name, f"{p.name}_name", "format", "lang"]))
        hints[p.name] = {"typed": typed, "candidates": candidates, "base": base}
    return names, hints


_EXAMPLE_SPARQL = """PREFIX bn: <https://w3id.org/bildungsnetz/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?kind (COUNT(?actor) AS ?actors)
WHERE { ?actor bn:akteursart ?kind }
GROUP BY ?kind
ORDER BY DESC(?actors)"""


@router.get("/sparql-editor")
async def sparql_editor(request: Request, service: ServiceDep) -> Response:
    """A textarea for a read-only SPARQL query against the public endpoint; the answer as a table."""
    ctx = context(request, service)
    text = request.query_params.get("query")
    answer: dict[str, Any] | None = None
    error = None
    if text and len(text) > 200_000:  # as /sparql; never cut: a cut query would fail somewhere else
        error = "Abfrage länger als 200000 Zeichen / query longer than 200000 characters"
    elif text:
        job = Job(
            query=text,
            accept="application/sparql-results+json",
            allowed=service.allowed_graphs(ANONYMOUS),
            landscape=service.landscape_default(ANONYMOUS),
            cap=service.settings.row_cap,
            timeout=service.settings.query_timeout,
        )
        try:
            reply = await service.sparql(job, client=client_id(request))
        except BildungsnetzError as exc:
            error = exc.text(ctx.lang)
        else:
            if reply.status != 200:
                error = reply.error or f"HTTP {reply.status}"
            elif reply.media_type.startswith("application/sparql-results+json"):
                body = json.loads(reply.body)
                if "boolean" in body:
                    answer = {"boolean": body["boolean"]}
                else:
                    columns = body["head"]["vars"]
                    rows = [
                        [b.get(c, {}).get("value", "") for c in columns] for b in body["results"]["bindings"]
                    ]
                    answer = {"columns": columns, "rows": rows[:1000], "count": len(rows)}
            else:
                error = ctx.t("queries.graph_result")
    return render(ctx, "sparql.html", nav="queries", text=text or _EXAMPLE_SPARQL, answer=answer, error=error)
