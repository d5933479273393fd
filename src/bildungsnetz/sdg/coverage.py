"""SDG coverage: confirmed offers and providers per SDG × Stadtbezirk × target group or stage, and gaps."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from bildungsnetz.iris import Iris
from bildungsnetz.sdg.matcher import goal_label
from bildungsnetz.sdg.workflow import _run, pair_states
from bildungsnetz.store.base import Store
from bildungsnetz.vocab import get_vocabulary

__all__ = ["DIMENSIONS", "CITYWIDE", "coverage"]

#: The second dimension of the coverage: offers' target groups or education stages.
DIMENSIONS = ("zielgruppe", "bildungsphase")
#: Label of offers whose area lies in no Stadtbezirk.
CITYWIDE = "gesamtstädtisch"


def coverage(
    store: Store,
    *,
    dimension: str = "zielgruppe",
    on: date | None = None,
    iris: Iris | None = None,
    city: str | None = None,
) -> dict[str, object]:
    """Offers with a confirmed SDG, counted per SDG × Stadtbezirk and per SDG × ``dimension`` value.

    An offer counts for an SDG when the effective status of the pair is confirmed (a staff decision wins over
    an import, see :func:`~bildungsnetz.sdg.workflow.pair_states`) and it runs at ``on`` (default today).
    Providers are counted distinct. Gaps are cells with no offer, and cells served by a single provider.

    Parameters
    ----------
    dimension : {"zielgruppe", "bildungsphase"}
        The second breakdown besides the Stadtbezirk.
    city : str, optional
        Profile name of the city. Where the store holds several cities, only this city's Stadtbezirke and the
        offers placed in them count.

    Returns
    -------
    dict
        JSON-ready: ``date``, ``dimension``, ``sdgs`` (1..17 with labels), ``districts``, ``groups``,
        ``by_district`` and ``by_group`` (cells with ``offers``, ``providers``), ``cells`` (SDG × district ×
        group, non-empty only) and ``gaps`` (``no_offer_district``, ``single_provider_district``,
        ``no_offer_group``, ``single_provider_group``).
    """
    if dimension not in DIMENSIONS:
        from bildungsnetz.sdg.workflow import SdgParameterError  # noqa: PLC0415

        raise SdgParameterError(
            f'Parameter "dimension": "{dimension}" ist nicht {" oder ".join(DIMENSIONS)} / '
            f"is not {' or '.join(DIMENSIONS)}"
        )
    iris = iris or Iris()
    day = (on or date.today()).isoformat()
    confirmed: dict[str, set[int]] = defaultdict(set)
    for (offer, goal), state in pair_states(store, iris=iris).items():
        if state.status == "bestaetigt":
            confirmed[offer].add(goal)
    districts = {
        r["district"]: r.get("districtLabel") or r["district"] for r in _run(store, "stadtbezirke", iris=iris)
    }
    labels = {code: label for _, code, label in get_vocabulary().concepts(dimension)}
    prefix = str(iris.gemeinde(city)) + "/" if city else ""
    several = any(not d.startswith(prefix) for d in districts)
    if several:  # a store with several cities: this city's districts, and offers placed in one of them
        districts = {d: label for d, label in districts.items() if d.startswith(prefix)}
    offers_of: dict[tuple, set[str]] = defaultdict(set)
    providers_of: dict[tuple, dict[str, str]] = defaultdict(dict)
    for row in _run(store, "angebote-merkmale", {"date": day}, iris=iris):
        goals = confirmed.get(row["offer"])
        if not goals:
            continue
        district = row.get("district")
        if several and not (district or "").startswith(prefix):
            continue
        if district and district not in districts:
            districts[district] = row.get("districtLabel") or district
        group = row.get(dimension) or None
        provider = row.get("provider")
        for goal in goals:
            for key in (
                (goal, district, None),
                (goal, None, group),
                (goal, district, group),
                (goal, "*", None),
            ):
                offers_of[key].add(row["offer"])
                if provider:
                    providers_of[key][provider] = row.get("providerLabel") or provider
    ordered_districts = sorted(districts, key=lambda d: str(districts[d]))

    def cell(key: tuple) -> dict[str, object]:
        return {"offers": len(offers_of.get(key, ())), "providers": len(providers_of.get(key, {}))}

    by_district = [
        {"sdg": g, "district": d, "districtLabel": districts[d] if d else CITYWIDE, **cell((g, d, None))}
        for g in range(1, 18) for d in [*ordered_districts, None]
    ]  # fmt: skip
    by_group = [
        {"sdg": g, "group": code, "groupLabel": labels[code], **cell((g, None, code))}
        for g in range(1, 18) for code in labels
    ]  # fmt: skip
    cells = [
        {"sdg": g, "district": d, "districtLabel": districts.get(d, CITYWIDE) if d else CITYWIDE,
         "group": grp, "groupLabel": labels.get(grp, grp) if grp else None, **cell((g, d, grp))}
        for (g, d, grp) in sorted(offers_of, key=lambda k: (k[0], str(k[1]), str(k[2])))
        if d != "*" and d is not None and grp is not None
    ]  # fmt: skip

    def single(key: tuple) -> dict[str, str]:
        ((provider, label),) = providers_of[key].items()
        return {"provider": provider, "providerLabel": label}

    gaps = {
        "no_offer_district": [c for c in by_district if c["district"] and not c["offers"]],
        "single_provider_district": [
            {**c, **single((c["sdg"], c["district"], None))} for c in by_district
            if c["district"] and c["providers"] == 1
        ],
        "no_offer_group": [c for c in by_group if not c["offers"]],
        "single_provider_group": [
            {**c, **single((c["sdg"], None, c["group"]))} for c in by_group if c["providers"] == 1
        ],
    }  # fmt: skip
    return {
        "date": day,
        "dimension": dimension,
        "sdgs": [{"sdg": g, "label": goal_label(g), **cell((g, "*", None))} for g in range(1, 18)],
        "districts": [{"district": d, "label": districts[d]} for d in ordered_districts],
        "groups": [{"group": code, "label": label} for code, label in labels.items()],
        "by_district": by_district,
        "by_group": by_group,
        "cells": cells,
        "gaps": gaps,
    }
