"""Two dates side by side: new and lost ties, new isolates, brokers gained and lost."""

from __future__ import annotations

from datetime import date as Date
from typing import Any

from bildungsnetz.analysis.graphs import load
from bildungsnetz.analysis.run import Analysis, run_analysis
from bildungsnetz.iris import Iris
from bildungsnetz.store.base import Store

__all__ = ["compare", "compare_dates"]


def _ties(a: Analysis) -> set[tuple[str, str]]:
    ids = a.graph.nodes
    return {tuple(sorted((ids[u]["id"], ids[v]["id"]))) for u, v in a.graph.edges()}


def _isolates(a: Analysis) -> set[str]:
    return {x for d in a.result["districts"] for x in d["isolates"]}


def _brokers(a: Analysis) -> dict[str, set[str]]:
    out = {d["code"]: {b["actor"] for b in d["brokers"]} for d in a.result["districts"]}
    out["stadt"] = {b["actor"] for b in a.result["city"]["brokers"]}
    return out


def compare(before: Analysis, after: Analysis) -> dict[str, Any]:
    """What changed between two analyses (of two dates, same options).

    Returns ``new_ties`` and ``lost_ties`` (pairs of actor ids), ``new_isolates`` and ``no_longer_isolated``,
    and per district (and ``stadt``) the ``brokers_gained`` and ``brokers_lost`` among the top brokers.
    """
    ta, tb = _ties(before), _ties(after)
    ia, ib = _isolates(before), _isolates(after)
    ba, bb = _brokers(before), _brokers(after)
    districts = []
    for code in dict.fromkeys([*ba, *bb]):
        districts.append(
            {
                "code": code,
                "brokers_gained": sorted(bb.get(code, set()) - ba.get(code, set())),
                "brokers_lost": sorted(ba.get(code, set()) - bb.get(code, set())),
            }
        )
    return {
        "date_a": before.data.date,
        "date_b": after.data.date,
        "ties_a": len(ta),
        "ties_b": len(tb),
        "new_ties": sorted(tb - ta),
        "lost_ties": sorted(ta - tb),
        "new_isolates": sorted(ib - ia),
        "no_longer_isolated": sorted(ia - ib),
        "districts": districts,
    }


def compare_dates(
    store: Store,
    *,
    date_a: str | Date,
    date_b: str | Date | None = None,
    stadtbezirk: str | None = None,
    ebene: str = "stadtbezirk",
    gruppe: str = "sektor",
    iris: Iris | None = None,
    city: str = "",
) -> dict[str, Any]:
    """Analyse the store at two dates (``date_b`` default today) and :func:`compare` them."""
    options = {"stadtbezirk": stadtbezirk, "ebene": ebene, "gruppe": gruppe}
    before = run_analysis(load(store, date=date_a, iris=iris, city=city), **options)
    after = run_analysis(load(store, date=date_b, iris=iris, city=city), **options)
    return compare(before, after)
