"""Mediations of offers per Stadtbezirk, by field of action and target group, against need."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from bildungsnetz.analysis.gaps import REACHED, percentile_ranks
from bildungsnetz.iris import Iris
from bildungsnetz.queries import get, run

__all__ = ["district_reach", "mediation_reach"]


def mediation_reach(
    rows: Iterable[Mapping[str, Any]],
    need: Mapping[str, Any],
    *,
    districts: Iterable[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """Per Stadtbezirk: mediations reached, carried out and asked for, by field of action and target group,
    next to its need; the districts that get least against their need first.

    Parameters
    ----------
    rows
        Rows of ``queries/analysis/vermittlungen.rq``: ``mediation``, ``status``, ``stadtteil`` (IRI),
        ``field``, ``zielgruppe``.
    need
        ``Analysis.result["need"]`` (:func:`~bildungsnetz.analysis.gaps.need_ranking`): its rows carry
        ``stadtteil_iri``, ``stadtbezirk`` (code) and ``need``; a district's need is the mean of its Stadtteile.
    districts
        The Stadtbezirke with ``code``, ``label`` and ``stadtteile`` (each with ``iri``).

    Returns
    -------
    list of dict
        One dict per Stadtbezirk: ``code``, ``label``, ``need`` (or None), ``reached`` (vermittelt or
        durchgeführt), ``done`` (durchgeführt), ``asked`` (angefragt), ``declined``, ``fields`` and
        ``zielgruppen`` (code → reached mediations), ``gap`` (mean of the need's percentile rank and the
        percentile rank of few mediations; higher is worse), ordered by ``gap``, highest first.

    Examples
    --------
    >>> districts = [{"code": "1", "label": "Nord", "stadtteile": [{"iri": "t11"}]},
    ...              {"code": "2", "label": "Süd", "stadtteile": [{"iri": "t21"}]}]
    >>> need = {"rows": [{"stadtteil_iri": "t11", "need": 30.0}, {"stadtteil_iri": "t21", "need": 10.0}]}
    >>> rows = [{"mediation": "v1", "status": "durchgefuehrt", "stadtteil": "t21", "field": "mint",
    ...          "zielgruppe": "kinder"}, {"mediation": "v2", "status": "angefragt", "stadtteil": "t11"}]
    >>> [(d["label"], d["reached"], d["asked"], d["gap"]) for d in mediation_reach(rows, need, districts=districts)]
    [('Nord', 0, 1, 1.0), ('Süd', 1, 0, 0.0)]
    """
    district_of: dict[str, str] = {}
    out: dict[str, dict[str, Any]] = {}
    for d in districts:
        out[d["code"]] = {
            "code": d["code"], "label": d.get("label") or d["code"], "need": None, "reached": 0, "done": 0,
            "asked": 0, "declined": 0, "fields": defaultdict(int), "zielgruppen": defaultdict(int),
        }  # fmt: skip
        for teil in d.get("stadtteile", []):
            district_of[teil["iri"]] = d["code"]
    needs: dict[str, list[float]] = defaultdict(list)
    for r in need.get("rows", []):
        code = district_of.get(r.get("stadtteil_iri", ""))
        if code is not None and r.get("need") is not None:
            needs[code].append(float(r["need"]))
    for code, values in needs.items():
        out[code]["need"] = sum(values) / len(values)
    seen: dict[str, set] = defaultdict(set)
    for r in rows:
        code = district_of.get(str(r.get("stadtteil") or ""))
        if code is None:
            continue
        mediation, status = str(r["mediation"]), str(r.get("status") or "")
        d = out[code]
        if (mediation, "count") not in seen[code]:
            seen[code].add((mediation, "count"))
            d["reached"] += status in REACHED
            d["done"] += status == "durchgefuehrt"
            d["asked"] += status == "angefragt"
            d["declined"] += status == "abgelehnt"
        if status not in REACHED:
            continue
        for key, column in (("fields", "field"), ("zielgruppen", "zielgruppe")):
            value = r.get(column)
            if value and (mediation, key, value) not in seen[code]:
                seen[code].add((mediation, key, value))
                d[key][value] += 1
    need_rank = percentile_ranks({c: d["need"] for c, d in out.items() if d["need"] is not None})
    few_rank = percentile_ranks({c: -d["reached"] for c, d in out.items()})
    for code, d in out.items():
        d["fields"], d["zielgruppen"] = dict(d["fields"]), dict(d["zielgruppen"])
        parts = [few_rank.get(code, 0.0)] + ([need_rank[code]] if code in need_rank else [])
        d["gap"] = sum(parts) / len(parts)
    return sorted(out.values(), key=lambda d: (-d["gap"], d["reached"], d["code"]))


def district_reach(store: Any, analysis: Any, *, iris: Iris | None = None) -> list[dict[str, Any]]:
    """:func:`mediation_reach` for the store's mediations and the need of an analysis run
    (:class:`~bildungsnetz.analysis.run.Analysis`): the one computation behind the web page, REST and CLI.

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> from types import SimpleNamespace
    >>> from bildungsnetz.analysis.graphs import Area
    >>> data = SimpleNamespace(stadtbezirke=lambda: [Area("b1", "1", "Nord", "stadtbezirk", "b1")],
    ...                        stadtteile=lambda b: [Area("t11", "11", "Hafen", "stadtteil", "b1")])
    >>> run_ = SimpleNamespace(data=data, result={"need": {"rows": []}})
    >>> [(d["label"], d["reached"]) for d in district_reach(ox.Store(), run_)]
    [('Nord', 0)]
    """
    rows = run(get("vermittlungen", folder="analysis"), {}, store=store, iris=iris or Iris(), city="").rows
    districts = [
        {"code": b.code, "label": b.label,
         "stadtteile": [{"iri": b.iri}] + [{"iri": t.iri} for t in analysis.data.stadtteile(b.iri)]}
        for b in analysis.data.stadtbezirke()
    ]  # fmt: skip
    return mediation_reach(rows, analysis.result["need"], districts=districts)
