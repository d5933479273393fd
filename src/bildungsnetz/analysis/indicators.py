"""Indicators per district and year (Wirkungsmonitoring): the one table every view, export and report reads.

A value the source suppressed (``*``, ``<5``) has no number here either: its cell keeps the published text and
``suppressed=True``, and nothing computes with it as if it were 0.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bildungsnetz.errors import UnknownIndicator

__all__ = [
    "Cell", "IndicatorTable", "Query", "cell_text", "find_indicator", "indicator_table", "indicators", "load_table",
    "profile_rows", "table_rows",
]  # fmt: skip

#: Runs a named query of ``queries/api/`` with parameters and returns its rows (the API's cached
#: ``Service.query`` or :func:`bildungsnetz.queries.run` on a store in the CLI).
Query = Callable[[str, dict], list[dict]]


@dataclass(frozen=True)
class Cell:
    """One published value: the number (None when suppressed), how the source wrote it, and its notes."""

    value: float | None
    shown: str = ""
    suppressed: bool = False
    rounded: bool = False


@dataclass
class IndicatorTable:
    """An indicator's values: areas (rows) × years (columns)."""

    indicator: dict
    years: list[str] = field(default_factory=list)
    areas: list[dict] = field(default_factory=list)

    @property
    def suppressed(self) -> int:
        """How many values are suppressed."""
        return sum(c.suppressed for a in self.areas for c in a["cells"].values())


def cell_text(cell: Cell | None, *, lang: str = "de") -> str:
    """A value as people read it: ``14,8``, ``*`` (suppressed), ``≈ 45`` (rounded), ``""`` (none).

    >>> cell_text(Cell(14.8)), cell_text(Cell(None, "*", suppressed=True)), cell_text(Cell(45.0, rounded=True))
    ('14,8', '*', '≈ 45')
    >>> cell_text(Cell(1234.5), lang="en"), cell_text(None)
    ('1234.5', '')
    """
    if cell is None:
        return ""
    if cell.suppressed or cell.value is None:
        return cell.shown or "*"
    text = f"{cell.value:.10g}"
    if lang == "de":
        text = text.replace(".", ",")
    return f"≈ {text}" if cell.rounded else text


def _number(value: object) -> float | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _truth(value: object) -> bool:
    return value is True or str(value).lower() in ("true", "1")


def find_indicator(indicators: Sequence[Mapping], wanted: str) -> dict:
    """The indicator row (from ``queries/api/indicators.rq``) named by code or label, case and umlauts aside.

    Raises :class:`~bildungsnetz.errors.UnknownIndicator` naming the closest codes.

    >>> rows = [{"code": "sgb2-quote", "label": "SGB-II-Quote"}, {"code": "kinderarmut", "label": "Kinderarmut"}]
    >>> find_indicator(rows, "Kinderarmut")["code"]
    'kinderarmut'
    >>> try:
    ...     find_indicator(rows, "kinderamut")
    ... except LookupError as exc:
    ...     print(exc.text("de"))
    Indikator "kinderamut" nicht gefunden – meinten Sie kinderarmut?
    """
    folded = wanted.strip().casefold()
    for row in indicators:
        if folded in (str(row.get("code") or "").casefold(), str(row.get("label") or "").casefold()):
            return dict(row)
    codes = [str(r.get("code")) for r in indicators if r.get("code")]
    close = difflib.get_close_matches(folded, codes, n=3, cutoff=0.6)
    shown = wanted if len(wanted) <= 40 else wanted[:40] + "…"
    hint_de = f" – meinten Sie {', '.join(close)}?" if close else ""
    hint_en = f" – did you mean {', '.join(close)}?" if close else ""
    raise UnknownIndicator(f'Indikator "{shown}" nicht gefunden{hint_de} / indicator "{shown}" not found{hint_en}')


def indicator_table(indicator: Mapping, rows: Iterable[Mapping]) -> IndicatorTable:
    """Rows of ``queries/api/indicator-values.rq`` as areas × years; Stadtbezirke first, then Stadtteile by code.

    >>> t = indicator_table({"code": "kinderarmut"}, [
    ...     {"area": "a1", "code": "11", "label": "Hörde", "level": "stadtteil", "year": "2023", "value": 24.6},
    ...     {"area": "a1", "code": "11", "label": "Hörde", "level": "stadtteil", "year": "2024", "value": None,
    ...      "shown": "*", "suppressed": True}])
    >>> t.years, [cell_text(t.areas[0]["cells"][y]) for y in t.years], t.suppressed
    (['2023', '2024'], ['24,6', '*'], 1)
    """
    areas: dict[str, dict] = {}
    years: set[str] = set()
    for r in rows:
        year = str(r.get("year") or "")[:4]
        if not year:
            continue
        years.add(year)
        area = areas.setdefault(str(r["area"]), {
            "area": str(r["area"]), "code": str(r.get("code") or ""), "label": str(r.get("label") or r["area"]),
            "level": str(r.get("level") or ""), "stadtbezirk": str(r.get("stadtbezirkCode") or ""), "cells": {},
        })  # fmt: skip
        suppressed = _truth(r.get("suppressed"))
        area["cells"][year] = Cell(
            value=None if suppressed else _number(r.get("value")),
            shown=str(r.get("shown") or ""),
            suppressed=suppressed or _number(r.get("value")) is None,
            rounded=_truth(r.get("rounded")),
        )

    def order(a: dict) -> tuple:
        code = a["code"]
        return (a["level"] != "stadtbezirk", int(code) if code.isdigit() else 10**9, code, a["label"])

    return IndicatorTable(dict(indicator), sorted(years), sorted(areas.values(), key=order))


def table_rows(table: IndicatorTable) -> list[dict[str, object]]:
    """The table long, one row per area and year, for CSV/XLSX and JSON; a suppressed value stays text.

    >>> t = indicator_table({"code": "k"}, [{"area": "a", "code": "1", "label": "A", "level": "stadtteil",
    ...                                       "year": "2024", "value": None, "shown": "<5", "suppressed": True}])
    >>> table_rows(t)[0]["wert"], table_rows(t)[0]["unterdrueckt"]
    ('<5', 'ja')
    """
    out = []
    for a in table.areas:
        for year in table.years:
            cell = a["cells"].get(year)
            if cell is None:
                continue
            out.append({
                "indikator": table.indicator.get("code", ""), "gebiet": a["label"], "code": a["code"],
                "ebene": a["level"], "jahr": year,
                "wert": (cell.shown or "*") if cell.suppressed else cell.value,  # a number: decimal comma in CSV
                "unterdrueckt": "ja" if cell.suppressed else "", "gerundet": "ja" if cell.rounded else "",
            })  # fmt: skip
    return out


def profile_rows(tables: Iterable[IndicatorTable], area: str) -> list[dict]:
    """A district's profile: each indicator with its cells over the years for one area IRI.

    >>> t = indicator_table({"code": "k", "label": "K"}, [{"area": "a", "year": "2024", "value": 3}])
    >>> [(p["indicator"]["code"], cell_text(p["cells"]["2024"])) for p in profile_rows([t], "a")]
    [('k', '3')]
    """
    out = []
    for t in tables:
        found = next((a for a in t.areas if a["area"] == area), None)
        if found is not None:
            out.append({"indicator": t.indicator, "years": t.years, "cells": found["cells"]})
    return out


def indicators(query: Query) -> list[dict]:
    """Every indicator the store knows, the city's own first (``queries/api/indicators.rq``)."""
    return query("api/indicators", {})


def load_table(query: Query, wanted: str) -> IndicatorTable:
    """The table of the indicator named by code or label, for every view, export and report."""
    found = find_indicator(indicators(query), wanted)
    return indicator_table(found, query("api/indicator-values", {"indicator": found["indicator"]}))
