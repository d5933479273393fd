"""Tasks as forms: SDG suggestions for a pasted text (and saving them to an offer), the partner finder."""

from __future__ import annotations

import asyncio
import csv
import json
import math
import re
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.api.service import Service
from bildungsnetz.errors import BildungsnetzError
from bildungsnetz.web.data import search_actors, web_query
from bildungsnetz.web.pages import (
    context,
    finish,
    render,
    security_headers,
)
from bildungsnetz.web.routes.common import _MEDIA, _for_redaktion

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_TITLE_CHARS = 300
_TEXT_CHARS = 5000
_SUGGESTION_COLUMNS = ["sdg", "target", "label", "score", "evidence"]
_PARTNER_COLUMNS = [
    "rank", "actorId", "label", "distanceKm", "nearness", "sharedAreaLabel", "networkDistance", "offers",
]  # fmt: skip
_OFFER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,60}$")
_POINT = re.compile(r"POINT\s*\(\s*(-?[0-9.]+)\s+(-?[0-9.]+)\s*\)", re.IGNORECASE)


def _xlsx(ctx_lang: str, name: str, sheet: str, columns: list[str], rows: list[dict[str, Any]]) -> Response:
    """An Excel download of ``rows`` (through the one table writer)."""
    from bildungsnetz.tables import xlsx_bytes  # noqa: PLC0415

    body = xlsx_bytes({sheet: (columns, rows)})
    response = Response(
        body, media_type=_MEDIA["xlsx"], headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
    return security_headers(response)


# -- SDG suggestions for a text -----------------------------------------------------------------------------


def _suggestions(title: str, text: str) -> list[dict[str, Any]]:
    from bildungsnetz.sdg import suggest  # noqa: PLC0415 - the matcher loads its model on first use

    if not text.strip() and not title.strip():
        return []
    return [s.to_dict() for s in suggest(text, title=title or None)]


@router.get("/sdg-vorschlag")
def sdg_suggest_page(request: Request, service: ServiceDep) -> Response:
    """Paste a title and a text, see the SDGs it touches and the words that show it; save them with redaktion."""
    ctx = context(request, service)
    title = (request.query_params.get("titel") or "").strip()[:_TITLE_CHARS]
    text = (request.query_params.get("text") or "").strip()[:_TEXT_CHARS]
    asked = bool(title or text)
    found = _suggestions(title, text) if asked else []
    saved = request.query_params.get("gespeichert") or ""
    return render(
        ctx,
        "sdg_suggest.html",
        nav="sdgs",
        title=title,
        text=text,
        asked=asked,
        suggestions=found,
        saved=saved,
        created=(request.query_params.get("neu") or "").strip()[:200],
        offer=(request.query_params.get("angebot") or "").strip()[:200],
    )


@router.get("/sdg-vorschlag.xlsx")
def sdg_suggest_xlsx(request: Request, service: ServiceDep) -> Response:
    """The suggestions for the text as an Excel table."""
    ctx = context(request, service)
    title = (request.query_params.get("titel") or "").strip()[:_TITLE_CHARS]
    text = (request.query_params.get("text") or "").strip()[:_TEXT_CHARS]
    rows = [dict(s, evidence=", ".join(s["evidence"])) for s in _suggestions(title, text)]
    return _xlsx(ctx.lang, "sdg-vorschlaege.xlsx", "SDG-Vorschläge", _SUGGESTION_COLUMNS, rows)


@router.post("/sdg-vorschlag/speichern")
async def sdg_suggest_save(
    request: Request,
    service: ServiceDep,
    offer: Annotated[str, Form(max_length=200)],
    sdg: Annotated[list[str], Form()],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Confirm the chosen SDGs for an existing offer (role ``redaktion``); PROV names who did it."""
    from bildungsnetz.sdg import decide  # noqa: PLC0415

    ctx, refused = _for_redaktion(request, service, csrf)
    if refused is not None:
        return refused
    goals = [g.strip() for g in sdg[:17] if g.strip()]
    async with service.write_lock:  # an unknown offer or goal: the one error handler's page, nothing written
        for goal in goals:
            await asyncio.to_thread(
                decide, service.store, offer.strip(), goal, "bestaetigt", user=ctx.who.name, iris=service.iris
            )
        await service.after_write()
    target = f"/sdg-vorschlag?gespeichert={quote(','.join(goals))}&angebot={quote(offer.strip())}"
    return finish(ctx, RedirectResponse(target, status_code=303))


def _offer_exists(service: Service, offer_id: str) -> bool:
    from bildungsnetz.sdg.workflow import resolve_offer  # noqa: PLC0415

    try:
        resolve_offer(service.store, offer_id, iris=service.iris)
    except BildungsnetzError:
        return False
    return True


def _offer_table(folder: Path, offer_id: str, provider: str, title: str, text: str, goals: list[str]) -> Path:
    """The new offer as a one-row ``angebote`` table, for the import pipeline (which validates it)."""
    path = folder / "angebote.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["id", "titel", "beschreibung", "anbieter", "sdg"])
        writer.writerow([offer_id, title, text, provider, "; ".join(goals)])
    return path


@router.post("/sdg-vorschlag/neues-angebot")
async def sdg_suggest_new_offer(
    request: Request,
    service: ServiceDep,
    offer: Annotated[str, Form(max_length=200)],
    provider: Annotated[str, Form(max_length=200)],
    title: Annotated[str, Form(max_length=_TITLE_CHARS)],
    text: Annotated[str, Form(max_length=_TEXT_CHARS)] = "",
    sdg: Annotated[list[str] | None, Form()] = None,
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Save the text as a new offer of ``provider`` with the chosen SDGs confirmed (role ``redaktion``).

    The offer goes through the import pipeline as its own source ``web-angebot-<id>``: checked against the
    shapes like any table, written in one transaction, with the signed-in person as the PROV agent.
    """
    from bildungsnetz.ingest.pipeline import import_files  # noqa: PLC0415

    ctx, refused = _for_redaktion(request, service, csrf)
    if refused is not None:
        return refused
    offer_id, provider_id = offer.strip(), provider.strip()
    goals = [g.strip() for g in (sdg or [])[:17] if g.strip()]

    def refuse(status: int, message: str, details: list[str] | None = None) -> Response:
        found = _suggestions(title, text)
        return render(
            ctx, "sdg_suggest.html", status=status, nav="sdgs", title=title, text=text, asked=True,
            suggestions=found, saved="", offer=offer_id, error=message, details=details or [],
            provider=provider_id,
        )  # fmt: skip

    if not _OFFER_ID.match(offer_id):
        return refuse(400, ctx.t("task.bad_offer_id", value=offer_id))
    if not title.strip():
        return refuse(400, ctx.t("task.need_title"))
    if _offer_exists(service, offer_id):
        return refuse(409, ctx.t("task.offer_exists", value=offer_id))
    folder = Path(tempfile.mkdtemp(prefix="bildungsnetz-web-angebot-"))
    try:
        path = _offer_table(folder, offer_id, provider_id, title.strip(), text.strip(), goals)
        async with service.write_lock:
            result = await asyncio.to_thread(
                import_files, [path], store=service.store, iris=service.iris, city=service.profile,
                source=f"web-angebot-{offer_id}", kind="angebote", agent=ctx.who.name,
            )  # fmt: skip
            if result.imported:
                await service.after_write()
    except BildungsnetzError as exc:
        return refuse(400, str(exc))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if not result.report.conforms:
        field_word = "Spalte" if ctx.lang == "de" else "column"
        value_word = "Wert" if ctx.lang == "de" else "value"
        details = [
            f"{field_word} {v.column or '–'}"
            + (f", {value_word} »{v.value}«" if v.value is not None else "")
            + f": {v.message(ctx.lang)}"
            for v in result.report.violations
            if v.severity == "Violation"
        ][:20]
        return refuse(400, ctx.t("task.offer_invalid"), details)
    target = f"/sdg-vorschlag?neu={quote(offer_id)}&angebot={quote(offer_id)}"
    return finish(ctx, RedirectResponse(target, status_code=303))


# -- partner finder -----------------------------------------------------------------------------------------


def _matching_actors(service: Service, q: str, limit: int = 10) -> list[dict[str, Any]]:
    """Actors whose name contains ``q`` (umlauts folded: "Hoerde" finds "Hörde") or whose id is ``q``."""
    q = q.strip()[:200]
    if len(q) < 2:
        return []
    rows, _ = search_actors(service, q, limit=limit)
    return [{"id": r.get("actorId"), "label": r.get("actorLabel"), "kind": r.get("kind")} for r in rows]


def resolve_actor_name(service: Service, typed: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The actor a typed name means when that is clear (one match, or one exact name or id), else the
    candidates (none when nothing matches)."""
    candidates = _matching_actors(service, typed, limit=20)
    exact = [a for a in candidates if str(a["label"]).casefold() == typed.casefold() or a["id"] == typed]
    if len(exact) == 1 or len(candidates) == 1:
        return (exact or candidates)[0], []
    return None, candidates


def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two ``(lon, lat)`` points (haversine, mean earth radius).

    >>> round(km_between((7.4653, 51.5136), (7.4653, 51.6136)), 1)
    11.1
    """
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def _points(service: Service) -> dict[str, list[tuple[float, float]]]:
    """The located sites of every actor, as ``(lon, lat)`` points (read once per state of the store)."""

    def compute() -> dict[str, list[tuple[float, float]]]:
        points: dict[str, list[tuple[float, float]]] = {}
        for row in web_query(service, "actor-points", keep=False):
            m = _POINT.search(str(row.get("wkt") or ""))
            if m:
                points.setdefault(str(row["actor"]), []).append((float(m[1]), float(m[2])))
        return points

    return service.cached("web:actor-points", compute)


def _area_labels(service: Service) -> dict[str, str]:
    labels = {}
    for bezirk in service.district_tree():
        labels[bezirk["iri"]] = bezirk["label"]
        labels.update({t["iri"]: t["label"] for t in bezirk["stadtteile"]})
    return labels


def _partners(service: Service, actor: str, goal: str) -> list[dict[str, Any]]:
    """The partner finder's answer, with the distance between the nearest sites and the shared area's name."""
    from bildungsnetz.sdg import partner_suggestions  # noqa: PLC0415

    def compute() -> list[dict[str, Any]]:
        found = partner_suggestions(service.store, actor, goal, limit=25, iris=service.iris)
        points = _points(service)
        labels = _area_labels(service)
        mine = points.get(_actor_iri(service, actor), [])
        for p in found:
            theirs = points.get(str(p["actor"]), [])
            p["distanceKm"] = round(min(km_between(a, b) for a in mine for b in theirs), 1) if mine and theirs else None
            area = p.get("sharedArea")
            # a shared Stadtteil or Stadtbezirk by its name; a shared municipality is the city itself
            p["sharedAreaLabel"] = (labels.get(str(area)) or service.profile.label) if area else None
        return found

    return service.cached(f"web:partners:{actor}:{goal}", compute)


def _actor_iri(service: Service, actor: str) -> str:
    """The IRI of the actor with id ``actor`` (or ``actor`` itself when it is one)."""
    if actor.startswith(("http://", "https://")):
        return actor
    return str(service.iris.akteur(actor))


@router.get("/partner/akteure.json")
def partner_actors(request: Request, service: ServiceDep) -> Response:
    """Names for the autocomplete of the partner finder: ``[{"id", "label", "kind"}]``, at most ten."""
    found = _matching_actors(service, request.query_params.get("q") or "")
    body = json.dumps(found, ensure_ascii=False)
    return security_headers(Response(body, media_type="application/json; charset=utf-8"))


def _partner_request(request: Request, service: Service) -> tuple[str, str, dict[str, Any] | None, list]:
    """The typed name, the goal, the chosen actor (if one is clear) and the candidates when several match."""
    typed = (request.query_params.get("name") or "").strip()[:200]
    actor_id = (request.query_params.get("akteur") or "").strip()[:200]
    goal = (request.query_params.get("sdg") or "").strip()[:8]
    candidates: list[dict[str, Any]] = []
    chosen = None
    if actor_id:
        chosen = next((a for a in _matching_actors(service, actor_id) if a["id"] == actor_id), None)
        chosen = chosen or {"id": actor_id, "label": typed or actor_id}
    elif typed:
        chosen, candidates = resolve_actor_name(service, typed)
    return typed, goal, chosen, candidates


@router.get("/partner")
def partner_page(request: Request, service: ServiceDep) -> Response:
    """The partner finder ("Partner für SDG 13 nahe Schule X"): the nearest providers of confirmed offers, and why."""
    from bildungsnetz.sdg.matcher import goal_label  # noqa: PLC0415

    ctx = context(request, service)
    typed, goal, chosen, candidates = _partner_request(request, service)
    partners = None
    if chosen and goal.isdigit() and 1 <= int(goal) <= 17:
        partners = _partners(service, str(chosen["id"]), goal)
    goals = [(n, goal_label(n)) for n in range(1, 18)]
    return render(
        ctx,
        "partner.html",
        nav="sdgs",
        typed=typed,
        goal=goal,
        goals=goals,
        chosen=chosen,
        candidates=candidates,
        partners=partners,
    )


@router.get("/partner.xlsx")
def partner_xlsx(request: Request, service: ServiceDep) -> Response:
    """The partner list as an Excel table."""
    ctx = context(request, service)
    _, goal, chosen, _ = _partner_request(request, service)
    rows: list[dict[str, Any]] = []
    if chosen and goal.isdigit():
        for p in _partners(service, str(chosen["id"]), goal):
            offers = "; ".join(str(o.get("title") or o.get("offerId")) for o in p["offers"])
            rows.append(dict(p, offers=offers))
    return _xlsx(ctx.lang, "partner.xlsx", f"Partner SDG {goal}", _PARTNER_COLUMNS, rows)
