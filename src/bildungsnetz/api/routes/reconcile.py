"""``/reconcile``: the actors as a W3C Reconciliation Service (API v0.2), for OpenRefine and other clients.

Public and read-only: names, ids, addresses and kinds of actors, never contact persons. Queries carry a name,
optionally a type (an ``akteursart`` code such as ``schule``) and property hints (``plz``/``postalCode``,
``ort``/``gemeinde``/``municipality``); the answer ranks candidates with the project's one matcher and marks
as ``match`` only what the matcher would link on its own.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from pydantic import BaseModel, RootModel

from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.api.errors import ERROR_RESPONSES, ApiError
from bildungsnetz.api.service import Service
from bildungsnetz.matching import Matcher, Result, fold
from bildungsnetz.matching.decisions import store_matcher

__all__ = [
    "router", "manifest", "reconcile_batch", "Manifest", "Candidates", "Answers", "Suggestions", "Reconciled",
]  # fmt: skip

router = APIRouter(prefix="/reconcile", tags=["Abgleich / reconciliation"], responses=ERROR_RESPONSES)


class _Type(BaseModel):
    id: str
    name: str


class _SuggestService(BaseModel):
    service_url: str
    service_path: str


class _Suggest(BaseModel):
    entity: _SuggestService


class _View(BaseModel):
    url: str


class Manifest(BaseModel):
    """The service manifest of the Reconciliation Service API v0.2."""

    versions: list[str]
    name: str
    identifierSpace: str  # noqa: N815 - the specification's name
    schemaSpace: str  # noqa: N815
    defaultTypes: list[_Type]  # noqa: N815
    view: _View
    suggest: _Suggest
    batchSize: int  # noqa: N815


class _Candidate(BaseModel):
    id: str
    name: str
    score: float
    match: bool
    type: list[_Type]
    description: str


class Candidates(BaseModel):
    """The answer to one query: candidates, best first."""

    result: list[_Candidate]


class Answers(RootModel[dict[str, Candidates]]):
    """The answer to a batch: one :class:`Candidates` per query key."""


class _Suggestion(BaseModel):
    id: str
    name: str
    description: str


class Suggestions(BaseModel):
    """The answer of the entity suggest service."""

    result: list[_Suggestion]


#: What ``/reconcile`` answers: the manifest without ``queries``, the candidates with.
Reconciled = Manifest | Answers

#: At most this many queries in one batch, and candidates per query.
MAX_QUERIES = 100
MAX_LIMIT = 25
_POSTCODE = {"plz", "postalcode", "postleitzahl", "schema:postalcode"}
_TOWN = {"ort", "gemeinde", "municipality", "stadt", "addresslocality", "schema:addresslocality"}


def _matcher(service: Service) -> Matcher:
    return service.cached("abgleich:matcher", lambda: store_matcher(service.reader, iris=service.iris))


def _types(service: Service) -> list[dict[str, str]]:
    from bildungsnetz.vocab import get_vocabulary  # noqa: PLC0415

    return [{"id": code, "name": label} for _, code, label in get_vocabulary().concepts("akteursart")]


def manifest(request: Request, service: Service) -> dict[str, Any]:
    """The service manifest (v0.2): versions, name, identifier and schema spaces, types, view, suggest."""
    base = str(request.url_for("reconcile_get"))
    return {
        "versions": ["0.2"],
        "name": f"bildungsnetz – Akteure {service.city}",
        "identifierSpace": f"{service.iris.base}akteur/",
        "schemaSpace": "https://w3id.org/bildungsnetz/ontology#",
        "defaultTypes": _types(service),
        "view": {"url": f"{service.iris.base}akteur/{{{{id}}}}"},
        "suggest": {"entity": {"service_url": base, "service_path": "/suggest/entity"}},
        "batchSize": 50,
    }


def _problem(key: str, de: str, en: str) -> ApiError:
    return ApiError(400, f'Parameter "queries", Anfrage "{key}": {de} / parameter "queries", query "{key}": {en}')


def _one(key: str, query: Any, matcher: Matcher, kinds: dict[str, str]) -> dict[str, Any]:
    if not isinstance(query, dict):
        raise _problem(key, "kein Objekt", "not an object")
    text = query.get("query")
    if not isinstance(text, str) or not text.strip() or len(text) > 500:
        raise _problem(key, '"query" fehlt oder ist kein Text (bis 500 Zeichen)', '"query" missing or not text')
    limit = query.get("limit", 5)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise _problem(key, f'"limit" muss 1 bis {MAX_LIMIT} sein', f'"limit" must be 1 to {MAX_LIMIT}')
    wanted = query.get("type")
    wanted = [wanted] if isinstance(wanted, str) else wanted
    if wanted is not None and not (isinstance(wanted, list) and all(isinstance(t, str) for t in wanted)):
        raise _problem(key, '"type" ist kein Typ', '"type" is not a type')
    codes = {t.rstrip("/").rsplit("/", 1)[-1] for t in wanted or []}
    unknown = sorted(codes - set(kinds))
    if unknown:
        raise _problem(key, f"unbekannter Typ {unknown}", f"unknown type {unknown}")
    properties = query.get("properties", [])
    if not isinstance(properties, list) or not all(isinstance(p, dict) and "pid" in p and "v" in p for p in properties):
        raise _problem(key, '"properties" braucht [{"pid", "v"}]', '"properties" needs [{"pid", "v"}]')
    town = postcode = None
    for p in properties:
        pid, value = str(p["pid"]).strip().casefold(), p["v"]
        value = value.get("id") if isinstance(value, dict) else value
        if pid in _TOWN and value:
            town = str(value)
        elif pid in _POSTCODE and value:
            postcode = str(value).strip()
    result = matcher.match(text, municipality=town, limit=MAX_LIMIT)
    return {"result": _ranked(result, codes, postcode, kinds)[:limit]}


def _ranked(result: Result, codes: set[str], postcode: str | None, kinds: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for position, m in enumerate(result.matches):
        c = m.candidate
        if codes and c.kind not in codes:
            continue
        score = m.score + (0.05 if postcode and c.postcode == postcode else 0.0)
        rows.append({
            "id": c.id, "name": c.name, "score": round(min(score, 1.0) * 100, 1),
            "match": bool(result.accepted and position == 0),
            "type": [{"id": c.kind, "name": kinds.get(c.kind, c.kind)}] if c.kind else [],
            "description": " ".join(x for x in (c.address, c.postcode, c.municipality) if x),
        })  # fmt: skip
    return sorted(rows, key=lambda r: -r["score"])


def reconcile_batch(raw: str, service: Service) -> dict[str, Any]:
    """Answer a batch ``{"q0": {"query": …}, …}`` with ``{"q0": {"result": […]}, …}``.

    Raises
    ------
    ApiError
        400 when ``queries`` is no JSON object of at most :data:`MAX_QUERIES` well-formed queries.
    """
    try:
        batch = json.loads(raw)
    except ValueError:
        raise ApiError(400, 'Parameter "queries": kein JSON / is not JSON') from None
    if not isinstance(batch, dict) or not batch:
        raise ApiError(400, 'Parameter "queries": kein JSON-Objekt mit Anfragen / not a JSON object of queries')
    if len(batch) > MAX_QUERIES:
        raise ApiError(400, f'Parameter "queries": höchstens {MAX_QUERIES} Anfragen / at most {MAX_QUERIES} queries')
    matcher = _matcher(service)
    kinds = {t["id"]: t["name"] for t in _types(service)}
    return {str(key): _one(str(key), query, matcher, kinds) for key, query in batch.items()}


@router.get(
    "", name="reconcile_get", response_model=Reconciled, summary="Manifest oder Abgleich / manifest or reconciliation"
)
def reconcile_get(
    request: Request,
    service: ServiceDep,
    queries: Annotated[str | None, Query(max_length=200_000, description="JSON-Stapel / batch")] = None,
) -> dict[str, Any]:
    """Without ``queries``: the service manifest. With: the candidates of each query (Reconciliation API 0.2)."""
    if queries is None:
        return manifest(request, service)
    return reconcile_batch(queries, service)


@router.post("", response_model=Reconciled, summary="Abgleich (Formular) / reconciliation (form)")
def reconcile_post(
    request: Request,
    service: ServiceDep,
    queries: Annotated[str | None, Form(max_length=200_000)] = None,
) -> dict[str, Any]:
    """``queries`` as a form field (``application/x-www-form-urlencoded``), as OpenRefine sends it."""
    if queries is None:
        return manifest(request, service)
    return reconcile_batch(queries, service)


@router.get("/suggest/entity", response_model=Suggestions, summary="Vorschläge beim Tippen / suggest while typing")
def suggest_entity(
    service: ServiceDep,
    prefix: Annotated[str, Query(min_length=1, max_length=200, description="was getippt wurde / typed text")],
    cursor: Annotated[int, Query(ge=0, le=1000)] = 0,
) -> dict[str, Any]:
    """Actors whose name starts with or contains ``prefix`` (folded), then the matcher's candidates."""
    matcher = _matcher(service)
    needle = fold(prefix).strip()
    starts = [c for c in matcher.candidates if fold(c.name).startswith(needle)]
    contains = [c for c in matcher.candidates if needle in fold(c.name) and c not in starts]
    fuzzy = [m.candidate for m in matcher.match(prefix, limit=10).matches]
    seen: dict[str, Any] = {}
    for c in sorted(starts, key=lambda c: c.name) + sorted(contains, key=lambda c: c.name) + fuzzy:
        seen.setdefault(c.iri, c)
    page = list(seen.values())[cursor : cursor + 10]
    return {
        "result": [
            {"id": c.id, "name": c.name, "description": " ".join(x for x in (c.address, c.municipality) if x)}
            for c in page
        ]
    }
