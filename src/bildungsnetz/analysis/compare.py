"""Two dates, or two survey rounds, side by side: new and lost ties, new isolates, brokers gained and lost."""

from __future__ import annotations

import dataclasses
from datetime import date as Date
from typing import Any

from bildungsnetz.analysis.graphs import _settings_iris, load
from bildungsnetz.analysis.run import Analysis, run_analysis
from bildungsnetz.iris import Iris
from bildungsnetz.store.base import Store
from bildungsnetz.survey import get_round
from bildungsnetz.survey.rounds import roster, states
from bildungsnetz.survey.ties import check_rule, ties

__all__ = ["compare", "compare_dates", "compare_rounds"]


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


def _rates(entries, answered: set[str], common: set[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for e in entries:
        if e.actor not in common:
            continue
        r = out.setdefault(e.stadtbezirk_label or "–", {"invited": 0, "answered": 0})
        r["invited"] += 1
        r["answered"] += e.actor in answered
    return out


def compare_rounds(
    store: Store,
    *,
    round_a: str,
    round_b: str,
    ties_rule: str = "alle",
    iris: Iris | None = None,
    city: str = "",
) -> dict[str, Any]:
    """Two survey rounds side by side, like with like: only actors invited to both, the same tie rule.

    Returns ``common`` (actors invited to both), ``new_ties`` and ``lost_ties`` (survey ties under the rule,
    as pairs of labels), ``intensity_up`` and ``intensity_down`` (mean intensity of a pair in both rounds),
    ``status_changes`` (``einseitig`` → ``bestaetigt`` …), ``response`` per Stadtbezirk (rate in each round
    and the change), and from the analyses at the two Stichtage ``new_isolates``, ``no_longer_isolated`` and
    the brokers gained and lost per district (:func:`compare`).
    """
    iris = iris or _settings_iris()
    rule = check_rule(ties_rule)
    first, second = get_round(store, iris, round_a), get_round(store, iris, round_b)
    rosters = [roster(store, iris, r.name) for r in (first, second)]
    common = {e.actor for e in rosters[0]} & {e.actor for e in rosters[1]}
    labels = {e.actor: e.label for entries in rosters for e in entries}

    def pairs(name: str, which: str) -> dict[tuple[str, str], Any]:
        return {(t.a, t.b): t for t in ties(store, iris, name, which) if t.a in common and t.b in common}

    ta, tb = pairs(first.name, rule), pairs(second.name, rule)
    every_a, every_b = pairs(first.name, "alle"), pairs(second.name, "alle")

    def named(pair: tuple[str, str]) -> list[str]:
        return [labels.get(pair[0], pair[0]), labels.get(pair[1], pair[1])]

    up, down = [], []
    for pair in sorted(set(every_a) & set(every_b)):
        before, after = every_a[pair].intensity_mean, every_b[pair].intensity_mean
        if before is not None and after is not None and before != after:
            (up if after > before else down).append({"pair": named(pair), "before": before, "after": after})
    changes = [
        {"pair": named(p), "before": every_a[p].status, "after": every_b[p].status}
        for p in sorted(set(every_a) & set(every_b)) if every_a[p].status != every_b[p].status
    ]  # fmt: skip
    answered = [{a for a, s in states(store, iris, r.name).items() if s == "beantwortet"} for r in (first, second)]
    ra, rb = _rates(rosters[0], answered[0], common), _rates(rosters[1], answered[1], common)
    response = []
    for district in sorted(set(ra) | set(rb)):
        a, b = ra.get(district, {"invited": 0, "answered": 0}), rb.get(district, {"invited": 0, "answered": 0})
        rate_a = a["answered"] / a["invited"] if a["invited"] else None
        rate_b = b["answered"] / b["invited"] if b["invited"] else None
        change = rate_b - rate_a if rate_a is not None and rate_b is not None else None
        response.append({"stadtbezirk": district, "rate_a": rate_a, "rate_b": rate_b, "change": change})
    analyses = []
    for r in (first, second):
        data = load(store, date=r.stichtag, iris=iris, city=city, ties=rule, round=r.name)
        data = dataclasses.replace(data, actors={k: v for k, v in data.actors.items() if k in common})
        analyses.append(run_analysis(data))
    structure = compare(*analyses)
    return {
        "round_a": first.name, "round_b": second.name, "ties": rule, "common": len(common),
        "new_ties": [named(p) for p in sorted(set(tb) - set(ta))],
        "lost_ties": [named(p) for p in sorted(set(ta) - set(tb))],
        "intensity_up": up, "intensity_down": down, "status_changes": changes, "response": response,
        "new_isolates": structure["new_isolates"], "no_longer_isolated": structure["no_longer_isolated"],
        "districts": structure["districts"],
    }  # fmt: skip
