"""The what-if page: a Stadtbezirk's network without one actor or programme, before and after, as Excel too."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bildungsnetz.analysis.run import Analysis, run_analysis
from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.api.service import Service
from bildungsnetz.errors import BildungsnetzError
from bildungsnetz.web.data import analysis, district_network_view, districts, fields_by_actor
from bildungsnetz.web.netview import district_view
from bildungsnetz.web.pages import context, render
from bildungsnetz.web.routes.reports import _download
from bildungsnetz.web.routes.tasks import resolve_actor_name

__all__ = ["router", "whatif_figures"]

router = APIRouter(include_in_schema=False)


def _programmes(a: Analysis) -> list[tuple[str, str]]:
    """Programmes with valid cooperations at the analysis date: (code, label), by label."""
    from bildungsnetz.vocab import get_vocabulary  # noqa: PLC0415

    vocabulary = get_vocabulary()
    found = {p for c in a.data.cooperations.values() for p in c.programmes}
    out = []
    for iri in found:
        code = iri.rstrip("/").rsplit("/", 1)[-1]
        try:
            label = vocabulary.label(iri)  # type: ignore[arg-type]
        except KeyError:
            label = code
        out.append((code, label))
    return sorted(out, key=lambda p: p[1].casefold())


def whatif_figures(service: Service, code: str, without: str) -> dict[str, Any]:
    """The what-if of one Stadtbezirk without an actor id or programme code: the numbers the CLI prints
    (``bildungsnetz analyse --stadtbezirk CODE --without VALUE``, from the same :func:`run_analysis`), the
    brokers before and after and both network pictures. Computed once per state of the store."""
    before = analysis(service)
    day = before.data.date

    def compute() -> dict[str, Any]:
        after = run_analysis(before.data, stadtbezirk=code, without=[without])
        was = next(d for d in before.result["districts"] if d["code"] == code)
        now = after.result["districts"][0]
        changed = after.result["without"]
        actors = before.data.actors
        label = {a.id: a.label for a in actors.values()}
        ranks_now = {b["actor"]: i for i, b in enumerate(now["brokers"], 1)}
        ranks_was = {b["actor"]: i for i, b in enumerate(was["brokers"], 1)}
        brokers = [
            {"actor": b, "label": label.get(b, b), "before": ranks_was.get(b), "after": ranks_now.get(b)}
            for b in dict.fromkeys([*ranks_was, *ranks_now])
        ]
        result = after.districts[0]
        fields = fields_by_actor(before.data)
        picture = district_view(
            result.graph, measures=result.measures, isolates=result.summary["isolates"],
            brokers=[b["actor"] for b in now["brokers"]], fields=fields,
        )  # fmt: skip
        inner = set(result.graph.nodes)
        return {
            "removed": [label.get(a, a) for a in changed["removed_actors"]],
            "programmes": changed["programmes"],
            "lost_ties": changed["lost_ties"],
            "isolated": [
                {"actor": a, "label": label.get(a, a)}
                for a, iri in zip(changed["newly_isolated"], changed["newly_isolated_iris"], strict=True)
                if iri in inner
            ],
            "isolated_city": len(changed["newly_isolated"]),
            "components_before": was["components"],
            "components_after": now["components"],
            "ties_before": was["ties"],
            "ties_after": now["ties"],
            "brokers": brokers,
            "after_view": picture,
            "before_view": district_network_view(service, before, "stadtbezirk", code),
        }

    return service.cached(f"web:whatif:{day}:{code}:{without}", compute)


def _choice(request: Request, service: Service) -> tuple[str, str, str, str, list, str | None]:
    """The chosen Stadtbezirk, the actor name typed, the value to leave out, its kind, candidates, a hint."""
    params = request.query_params
    code = (params.get("stadtbezirk") or "").strip()[:20]
    typed = (params.get("akteur_name") or "").strip()[:200]
    actor = (params.get("akteur") or "").strip()[:200]
    programme = (params.get("programm") or "").strip()[:100]
    candidates: list = []
    if not actor and typed:
        chosen, candidates = resolve_actor_name(service, typed)
        actor = str(chosen["id"]) if chosen else ""
    without = actor or programme
    kind = "akteur" if actor else "programm" if programme else ""
    return code, typed, without, kind, candidates, None


@router.get("/was-waere-wenn")
def whatif_page(request: Request, service: ServiceDep) -> Response:
    """Choose a Stadtbezirk and an actor or programme: who loses ties, who becomes isolated, which brokers change."""
    ctx = context(request, service)
    code, typed, without, kind, candidates, _ = _choice(request, service)
    a = analysis(service)
    figures = error = None
    if code and without:
        try:
            figures = whatif_figures(service, code, without)
        except (BildungsnetzError, StopIteration) as exc:
            error = exc.text(ctx.lang) if isinstance(exc, BildungsnetzError) else ctx.t("whatif.no_district")
    fmt = request.query_params.get("format")
    if fmt == "xlsx" and figures is not None:
        return _download(ctx, _xlsx(figures, ctx.t), "xlsx", f"was-waere-wenn-{code}.xlsx", attach=True)
    return render(
        ctx,
        "whatif.html",
        nav="reports",
        bezirke=districts(service),
        programmes=_programmes(a),
        code=code,
        typed=typed,
        without=without,
        kind=kind,
        candidates=candidates,
        figures=figures,
        error=error,
        download=str(request.url.include_query_params(format="xlsx")),
    )


def _xlsx(figures: dict[str, Any], t: Any) -> bytes:
    from bildungsnetz.tables import xlsx_bytes  # noqa: PLC0415

    summary = [
        {"Kennzahl": t("whatif.lost_ties"), "Wert": figures["lost_ties"]},
        {"Kennzahl": t("whatif.isolated"), "Wert": len(figures["isolated"])},
        {"Kennzahl": t("whatif.components") + " – " + t("whatif.before"), "Wert": figures["components_before"]},
        {"Kennzahl": t("whatif.components") + " – " + t("whatif.after"), "Wert": figures["components_after"]},
        {"Kennzahl": t("whatif.ties") + " – " + t("whatif.before"), "Wert": figures["ties_before"]},
        {"Kennzahl": t("whatif.ties") + " – " + t("whatif.after"), "Wert": figures["ties_after"]},
    ]
    brokers = [
        {"Kennung": b["actor"], "Name": b["label"], "Rang vorher": b["before"], "Rang nachher": b["after"]}
        for b in figures["brokers"]
    ]
    isolated = [{"Kennung": i["actor"], "Name": i["label"]} for i in figures["isolated"]]
    return xlsx_bytes({
        "Überblick": (["Kennzahl", "Wert"], summary),
        "Vermittler": (["Kennung", "Name", "Rang vorher", "Rang nachher"], brokers),
        "Neu isoliert": (["Kennung", "Name"], isolated),
    })  # fmt: skip
