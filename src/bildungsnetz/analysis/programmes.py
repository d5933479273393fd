"""Funding programmes: grants per year and district, what a programme carries, and what its end would cut."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date as Date
from typing import Any

from bildungsnetz.analysis.graphs import CityData
from bildungsnetz.iris import Iris
from bildungsnetz.queries import get, run

__all__ = ["DEPENDENTS", "grant_totals", "programme_dependency", "programme_overview", "programmes_ending"]

#: What else ends with a programme, by kind: ``kind → f(store, data, programme_iri, iris) → list of dicts`` with
#: at least ``id`` and ``label``. Partnerships and offers are built in; other kinds of work (campus activities)
#: register here and appear on the programme page, in REST and in the CLI without further changes.
DEPENDENTS: dict[str, Callable[..., list[dict[str, Any]]]] = {}


def _rows(store: Any, name: str, values: Mapping[str, str], iris: Iris) -> list[dict[str, Any]]:
    return run(get(name, folder="analysis"), dict(values), store=store, iris=iris, city="").rows


def grant_totals(grants: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Sum each grant once: in all, per year (the year it starts) and per Stadtbezirk of its recipient.

    >>> grant_totals([{"grant": "g1", "amount": 100.0, "since": "2025-01-01", "districtLabel": "Nord"},
    ...               {"grant": "g1", "amount": 100.0, "since": "2025-01-01", "districtLabel": "Nord"},
    ...               {"grant": "g2", "amount": 50.0, "since": "2026-01-01", "districtLabel": None}])
    {'total': 150.0, 'grants': 2, 'by_year': {'2025': 100.0, '2026': 50.0}, 'by_district': {'Nord': 100.0, '–': 50.0}}
    """
    seen: set[str] = set()
    by_year: dict[str, float] = defaultdict(float)
    by_district: dict[str, float] = defaultdict(float)
    total = 0.0
    for g in grants:
        if g["grant"] in seen:
            continue
        seen.add(g["grant"])
        amount = float(g.get("amount") or 0.0)
        total += amount
        by_year[str(g.get("since") or "")[:4] or "–"] += amount
        by_district[str(g.get("districtLabel") or "–")] += amount
    return {"total": total, "grants": len(seen), "by_year": dict(sorted(by_year.items())),
            "by_district": dict(sorted(by_district.items()))}  # fmt: skip


def programmes_ending(
    store: Any, *, date: str | None = None, months: int = 12, iris: Iris | None = None
) -> list[dict[str, Any]]:
    """Programmes whose funding ends within ``months`` of ``date`` (default today): the latest end of the grants
    running at the date falls in that window, and none of them runs open-ended. Soonest first.

    Returns dicts with ``programme`` (IRI), ``code``, ``end`` and ``grants`` (running grants).
    """
    day = date or Date.today().isoformat()
    year, month = int(day[:4]), int(day[5:7]) + months
    limit = f"{year + (month - 1) // 12:04d}-{(month - 1) % 12 + 1:02d}{day[7:]}"
    running: dict[str, list[dict]] = defaultdict(list)
    for g in _rows(store, "foerderungen", {}, iris or Iris()):
        if (not g.get("since") or g["since"] <= day) and (not g.get("until") or g["until"] >= day):
            running[g["programme"]].append(g)
    out = []
    for programme, grants in running.items():
        ends = [g.get("until") for g in grants]
        if None in ends or not ends:
            continue
        end = max(ends)
        if end <= limit:
            out.append({"programme": programme, "code": programme.rstrip("/").rsplit("/", 1)[-1], "end": end,
                        "grants": len({g["grant"] for g in grants})})  # fmt: skip
    return sorted(out, key=lambda p: (p["end"], p["code"]))


def _partnerships(store: Any, data: CityData, programme: str, iris: Iris) -> list[dict[str, Any]]:
    out = []
    for c in data.cooperations.values():
        if programme in c.programmes:
            names = [data.actors[p].label for p in c.partners if p in data.actors]
            out.append({"id": c.id, "iri": c.iri, "label": " – ".join(names)})
    return sorted(out, key=lambda c: c["id"])


def _offers(store: Any, data: CityData, programme: str, iris: Iris) -> list[dict[str, Any]]:
    rows = _rows(store, "programm-angebote", {"programme": programme, "date": data.date}, iris)
    return [{"id": r.get("offerId"), "iri": r["offer"], "label": r.get("title") or r.get("offerId")} for r in rows]


def _campuses(store: Any, data: CityData, programme: str, iris: Iris) -> list[dict[str, Any]]:
    """The Kindercampus sites funded by ``programme`` (``bn:programm``), each with the offers that take place there:
    when the programme ends, the campus loses its funding and with it the ground its on-site offers stand on.
    """
    campuses: dict[str, dict[str, Any]] = {}
    for r in _rows(store, "programm-campus", {"programme": programme}, iris):
        label = r.get("campusLabel") or r.get("campusId")
        key = r["campus"]
        c = campuses.setdefault(key, {"id": r.get("campusId"), "iri": key, "label": label, "offers": []})
        if r.get("offer") and all(o["iri"] != r["offer"] for o in c["offers"]):
            c["offers"].append({"id": r.get("offerId"), "iri": r["offer"], "label": r.get("title") or r.get("offerId")})
    return sorted(campuses.values(), key=lambda c: str(c["label"] or ""))


DEPENDENTS["campuses"] = _campuses


def programme_dependency(store: Any, data: CityData, programme: str, *, iris: Iris | None = None) -> dict[str, Any]:
    """What would end with ``programme`` (IRI): its partnerships, offers and other registered work
    (:data:`DEPENDENTS`), the ties lost, the actors left without any partner, the components that fall apart,
    the city's top brokers that would no longer be among them, and actors that would lose their last tie to
    one of the city's top brokers. The network figures are the what-if of ``bildungsnetz analyse --without``
    (:func:`~bildungsnetz.analysis.whatif.whatif` through :func:`~bildungsnetz.analysis.run.run_analysis`).
    """
    from bildungsnetz.analysis.run import run_analysis  # noqa: PLC0415 - run imports this package's siblings

    iris = iris or Iris()
    ends: dict[str, list[dict[str, Any]]] = {"partnerships": _partnerships(store, data, programme, iris),
                                             "offers": _offers(store, data, programme, iris)}  # fmt: skip
    for kind, find in DEPENDENTS.items():
        ends[kind] = find(store, data, programme, iris)
    result: dict[str, Any] = {"ends": ends, "lost_ties": 0, "newly_isolated": [], "split": [], "brokers_lost": [],
                              "lose_broker": []}  # fmt: skip
    if not ends["partnerships"]:
        return result  # no tie runs through it: the network stays as it is
    before = run_analysis(data)
    after = run_analysis(data, without=[programme])
    w = after.result["without"]
    label = {a.iri: a.label for a in data.actors.values()}
    top_before = {b["iri"]: b for b in before.result["city"]["brokers"]}
    top_after = {b["iri"] for b in after.result["city"]["brokers"]}
    g0, g1 = before.graph, after.graph
    lose = sorted(
        v for v in g0 if v in g1 and not set(g1[v]) & set(top_before)
        and set(g0[v]) & set(top_before)
    )  # fmt: skip
    result.update(
        lost_ties=w["lost_ties"],
        newly_isolated=[{"id": g0.nodes[v]["id"], "iri": v, "label": label.get(v, v)}
                        for v in w["newly_isolated_iris"]],
        split=w["split"],
        brokers_lost=[{"id": b["actor"], "iri": i, "label": b["label"]} for i, b in top_before.items()
                      if i not in top_after],
        lose_broker=[{"id": g0.nodes[v]["id"], "iri": v, "label": label.get(v, v)} for v in lose],
    )  # fmt: skip
    return result


def programme_overview(
    store: Any, data: CityData, programme: str, *, iris: Iris | None = None
) -> dict[str, Any]:
    """Everything the programme page, ``/api/programmes/{code}`` and ``bildungsnetz programme CODE`` show:
    the grants (recipient, amount, period, Stadtbezirk), their totals per year and district, the funding's end,
    and :func:`programme_dependency`.
    """
    iris = iris or Iris()
    grants = _rows(store, "foerderungen", {"programme": programme}, iris)
    ends = [g.get("until") for g in grants]
    return {
        "programme": programme,
        "code": programme.rstrip("/").rsplit("/", 1)[-1],
        "date": data.date,
        "grants": grants,
        "totals": grant_totals(grants),
        "end": None if not ends or None in ends else max(ends),
        "dependency": programme_dependency(store, data, programme, iris=iris),
    }
