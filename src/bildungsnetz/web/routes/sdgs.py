"""The SDG pages: heat map, offers per goal, the review queue and its decisions."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from bildungsnetz.analysis.graphs import resolve_date
from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.api.service import Service
from bildungsnetz.errors import BildungsnetzError
from bildungsnetz.matching.normalise import fold
from bildungsnetz.web.data import (
    coverage,
    decided_pairs,
    districts,
)
from bildungsnetz.web.pages import (
    Ctx,
    context,
    render,
)
from bildungsnetz.web.routes.common import _QUERY_ROWS, redaktion_write

router = APIRouter(include_in_schema=False)

# -- SDGs ---------------------------------------------------------------------------------------------------


def _heat_level(offers: int, top: int) -> int:
    """0 for no offer, 1..8 rising with the share of the busiest cell."""
    if offers <= 0:
        return 0
    return max(1, min(8, 1 + round(7 * offers / max(top, 1))))


def _evidence(service: Service, offer_id: str, goal: str) -> list[str]:
    """Why an SDG was suggested: the stored evidence or, when the suggestion lacks it, the matcher's words."""
    from bildungsnetz.sdg import offer_suggestions  # noqa: PLC0415

    def compute() -> dict[str, list[str]]:
        try:
            found = offer_suggestions(service.reader, offer_id, iris=service.iris)  # the read copy: faster
        except BildungsnetzError:
            return {}
        return {str(s["sdg"]): list(s.get("evidence") or []) for s in found["suggestions"]}

    return service.cached(f"web:evidence:{offer_id}", compute).get(goal, [])


#: Cached values an SDG decision leaves as they are: what is read from actors, areas, cooperations and offers
#: (the network analysis and its pages, the district tree, the city), and the review queue itself, which the
#: decision updates in place. Everything else (coverage, query results) is computed again when next asked.
_DECISION_KEEPS = (
    "data:", "analysis:", "report:gaps:", "districts", "city:", "web:view:", "web:fields:", "web:actor-points",
    "web:warm", "web:map:", "abgleich:", "web:decided", "web:queue:", "web:evidence:", "web:search:", "web:offers:",
    "web:figures:",
)  # fmt: skip
#: Suggestions per page of the review queue.
_QUEUE_PAGE = 25


def goal_names(lang: str) -> dict[int, str]:
    """The 17 goals' short titles from the SDG vocabulary in ``lang`` (German where a label is missing).

    >>> goal_names("en")[13], goal_names("de")[4]
    ('Climate action', 'Hochwertige Bildung')
    """
    from bildungsnetz.namespace import VOCAB  # noqa: PLC0415
    from bildungsnetz.vocab import get_vocabulary  # noqa: PLC0415

    vocabulary = get_vocabulary()
    return {n: vocabulary.label(VOCAB[f"sdg/{n}"], lang) for n in range(1, 18)}


def _number(value: str, default: float | None = None) -> float | None:
    try:
        return float(value.replace(",", "."))
    except ValueError:
        return default


def _queue(service: Service, request: Request, lang: str) -> dict:
    """One page of the open suggestions, filtered by goal, Stadtbezirk, provider and minimum score."""
    params = request.query_params
    only = (params.get("pruef_sdg") or "").strip()
    only = only if only.isdigit() and 1 <= int(only) <= 17 else ""
    area = (params.get("pruef_bezirk") or "").strip()
    provider = (params.get("pruef_anbieter") or "").strip()[:100]
    least = _number((params.get("pruef_wert") or "").strip(), None)
    page = max(1, int(p) if (p := params.get("seite") or "1").isdigit() else 1)
    # the Stadtbezirk of each offer comes from the city data, and decided pairs are left out: both are read in
    # the background after a start or an import, and the queue says so until then
    decided = decided_pairs(service, wait=False)
    if service.city_data(wait=False) is None or decided is None:
        return {"pending": True}
    rows = service.cached(f"web:queue:{only}", lambda: _queue_rows(service, only))
    open_rows = [r for r in rows if (r["offer"], str(r["goal"])) not in decided]
    found = [
        r for r in open_rows
        if (not area or r["bezirk"] == area)
        and (not provider or fold(provider) in fold(str(r.get("providerLabel") or "")))
        and (least is None or float(r.get("score") or 0) >= least)
    ]  # fmt: skip
    pages = max(1, -(-len(found) // _QUEUE_PAGE))
    page = min(page, pages)
    shown = []
    for r in found[(page - 1) * _QUEUE_PAGE : page * _QUEUE_PAGE]:
        evidence = [e.strip() for e in str(r.get("evidence") or "").split(",") if e.strip()]
        if not evidence and r.get("offerId"):
            evidence = _evidence(service, str(r["offerId"]), str(r["goal"]))
        shown.append(dict(r, evidence=evidence))
    filters = {"pruef_sdg": only, "pruef_bezirk": area, "pruef_anbieter": provider,
               "pruef_wert": "" if least is None else params.get("pruef_wert", "")}  # fmt: skip
    return {
        "total": len(open_rows), "found": len(found), "rows": shown, "page": page, "pages": pages,
        "filters": filters, "query": urlencode({k: v for k, v in filters.items() if v}),
        "districts": districts(service),
    }  # fmt: skip


def _queue_rows(service: Service, only: str) -> list[dict]:
    """Every stored suggestion (of one goal), with its offer's Stadtbezirk code (``bezirk``, "" when unknown)."""
    data = service.city_data()
    rows = service.query("sdg-review-queue", {"sdg": only or None}).rows
    out = []
    for r in rows:
        offer = data.offers.get(str(r["offer"]))
        place = data.areas.get(offer.area) if offer is not None and offer.area else None
        bezirk = ""
        if place is not None:
            bezirk = place.code if place.level == "stadtbezirk" else str(
                getattr(data.areas.get(place.stadtbezirk or ""), "code", "") or ""
            )
        out.append(dict(r, bezirk=bezirk))
    return out


@router.get("/sdgs")
def sdgs_page(request: Request, service: ServiceDep) -> Response:
    """Heat map SDG × Stadtbezirk, offers and providers per SDG, and the review queue for ``redaktion``."""
    ctx = context(request, service)
    cov = coverage(service, wait=False)  # None while first computed: the page says so and reloads itself
    by_district = cov["by_district"] if cov is not None else []
    top = max((c["offers"] for c in by_district), default=1)
    cells = {(c["sdg"], c["district"]): dict(c, level=_heat_level(c["offers"], top)) for c in by_district}
    focus_code = (request.query_params.get("stadtbezirk") or "").strip()
    focus = next((b for b in districts(service) if b["code"] == focus_code), None)
    goal = request.query_params.get("ziel") or ""
    goal_offers = None
    if goal.isdigit() and 1 <= int(goal) <= 17:
        values = {"sdg": goal, "stadtbezirk": focus["iri"] if focus else None}
        page = service.page("offers-by-sdg", values, limit=_QUERY_ROWS, offset=0)
        providers: dict[str, dict] = {}
        for r in page.rows:
            providers.setdefault(
                str(r["provider"]), {"id": r.get("providerId"), "label": r.get("providerLabel"), "offers": 0}
            )["offers"] += 1
        goal_offers = {
            "rows": page.rows,
            "more": page.more,
            "providers": sorted(providers.values(), key=lambda p: -p["offers"]),
        }
    queue = _queue(service, request, ctx.lang) if "redaktion" in ctx.who.roles else None
    decided = request.query_params.get("entschieden")
    return render(
        ctx,
        "sdgs.html",
        nav="sdgs",
        cov=cov,
        date=cov["date"] if cov is not None else resolve_date(None),
        cells=cells,
        focus=focus,
        goal=goal,
        goal_offers=goal_offers,
        queue=queue,
        decided=decided,
        names=goal_names(ctx.lang),
    )


@router.post("/sdgs/entscheidung")
async def sdg_decision(
    request: Request,
    service: ServiceDep,
    offer: Annotated[str, Form(max_length=200)],
    sdg: Annotated[str, Form(max_length=16)],
    status: Annotated[str, Form(pattern="^(bestaetigt|abgelehnt)$")],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Confirm or reject a suggested SDG (role ``redaktion``), recorded with who and when."""
    from bildungsnetz.sdg.workflow import decision  # noqa: PLC0415

    def write(ctx: Ctx) -> dict[str, object]:
        result, change = decision(service.store, offer, sdg, status, user=ctx.who.name, iris=service.iris)
        service.apply_change(change)  # the store and the read copy take the decision's statements alone
        # the queue leaves out decided pairs: the pair joins them here instead of the whole list being read again
        decided_pairs(service).add((str(result["offer"]), str(result["sdg"])))
        return {"offerId": result["offerId"], "sdg": result["sdg"], "status": result["status"], "by": ctx.who.name}

    target = f"/sdgs?entschieden={offer}:{sdg}:{status}"
    back = request.headers.get("referer", "")
    if "?" in back and "/sdgs?" in back:  # stay on the page and the filters the decision was made on
        kept = [kv for kv in back.split("?", 1)[1].split("#")[0].split("&") if not kv.startswith("entschieden=")]
        target += "&" + "&".join(kept) if kept else ""
    return await redaktion_write(
        request, service, csrf, write, f"{target}#v-{offer}-{sdg}", graphs=(), keep=_DECISION_KEEPS
    )
