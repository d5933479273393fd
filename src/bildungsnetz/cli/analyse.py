"""CLI commands of the network analysis: ``bildungsnetz analyse`` and ``bildungsnetz report gaps``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bildungsnetz.cli.common import CityOpt, StoreOpt, _city, _settings, domain_errors, err, out, write_rows
from bildungsnetz.iris import Iris
from bildungsnetz.store import open_store

__all__ = ["ChildrenOpt", "NeedLevelOpt", "analyse", "report_gaps", "TiesOpt"]

TiesOpt = Annotated[
    str,
    typer.Option("--ties", "--beziehungen", help="Beziehungsregel / tie rule: alle (dokumentiert und Befragung), "
                 "bestaetigt (dokumentiert und beidseitig bestätigt) oder dokumentiert (ohne Befragung)"),
]  # fmt: skip
#: Level of need versus network (parameter ``level`` of the API).
NeedLevelOpt = Annotated[
    str, typer.Option("--level", "--ebene", help="Bedarf und Netz je stadtteil oder stadtbezirk / ranked per level"),
]
#: The indicator holding the number of children per area (offers per 1,000 children).
ChildrenOpt = Annotated[
    str | None,
    typer.Option("--children", "--kinder", help="Kennzahl mit der Zahl der Kinder je Gebiet (für Angebote je 1.000 "
                 "Kinder; Vorgabe BILDUNGSNETZ_CHILDREN_INDICATOR) / indicator holding the number of children"),
]  # fmt: skip


def analyse(
    date: Annotated[str | None, typer.Option("--date", help="Stichtag (Vorgabe heute) / reference date")] = None,
    stadtbezirk: Annotated[str, typer.Option("--stadtbezirk", help="Code, Name oder all")] = "all",
    ebene: Annotated[str, typer.Option("--level", "--ebene", help="stadtbezirk oder stadtteil")] = "stadtbezirk",
    gruppe: Annotated[
        str, typer.Option("--group", "--gruppe", help="Gruppen der Makler-Rollen: sektor oder bezirk")
    ] = "sektor",
    without: Annotated[
        list[str] | None, typer.Option("--without", help="Akteur oder Programm herausnehmen (was wäre wenn)")
    ] = None,
    compare: Annotated[
        str | None, typer.Option("--compare", "--vergleich", help="mit diesem früheren Datum vergleichen")
    ] = None,
    save: Annotated[
        bool, typer.Option("--save", help="Maße als Analyse-Graph mit PROV speichern / store the measures")
    ] = False,
    fmt: Annotated[
        str | None, typer.Option("--format", help="table, json, csv oder xlsx (Vorgabe: nach --out, sonst table)")
    ] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="Datei für json/csv/xlsx")] = None,
    city: CityOpt = None,
    ties: TiesOpt = "alle",
    store: StoreOpt = None,
) -> None:
    """Netzwerkanalyse je Bezirk: Isolierte, Makler, Lücken der Bildungskette / network analysis per district."""
    from bildungsnetz.analysis.interfaces import analyse_command
    from bildungsnetz.errors import UsageError
    from bildungsnetz.tables import output_format

    fmt = output_format(fmt, out_file, allowed=("table", "json", "csv", "xlsx"), default="table")
    if fmt == "xlsx" and out_file is None:
        raise UsageError("--format xlsx braucht --out DATEI.xlsx / needs --out FILE.xlsx")
    if save and (without or stadtbezirk != "all"):
        raise UsageError("--save nur für die ganze Stadt ohne --without / --save only for the whole city, no --without")
    settings = _settings(store)
    iris = Iris(settings.base_iri)
    with open_store(settings, write=save) as st:
        profile = _city(settings, st, city)
        stadtbezirk = _bezirk_code(stadtbezirk, profile)
        if compare is not None:
            from bildungsnetz.analysis.compare import compare_dates

            result = compare_dates(st, date_a=compare, date_b=date, stadtbezirk=None if stadtbezirk == "all" else
                                   stadtbezirk, ebene=ebene, gruppe=gruppe, iris=iris, city=profile.name)  # fmt: skip
            if fmt in ("csv", "xlsx"):
                from bildungsnetz.analysis.interfaces import COMPARISON_COLUMNS, comparison_rows

                rows = comparison_rows(result)
                write_rows(list(COMPARISON_COLUMNS), rows, fmt, out_file, title="Vergleich")
            else:  # table and json: the comparison is nested, so JSON on screen too
                _emit(json.dumps(result, ensure_ascii=False, indent=2, default=str), out_file)
            return
        result = analyse_command(st, date=date, stadtbezirk=stadtbezirk, ebene=ebene, gruppe=gruppe,
                                 without=tuple(without or ()), fmt=fmt, iris=iris, city=profile.name,
                                 ties=ties)  # fmt: skip
        if save:
            from bildungsnetz.analysis.graphs import load
            from bildungsnetz.analysis.rdf import write_measures
            from bildungsnetz.analysis.run import run_analysis

            data = load(st, date=date, iris=iris, city=profile.name, ties=ties)
            graph = write_measures(st, run_analysis(data, ebene=ebene, gruppe=gruppe), iris=iris, city=profile.name)
            err.print(f"Maße gespeichert / measures stored: {graph}")
    if fmt == "table":
        table = Table(title=f"Netzwerkanalyse je Bezirk / network analysis per district – {profile.label}")
        columns = ["code", "name", "nodes", "ties", "density", "components", "isolates", "cross_border_ties",
                   "top_broker_label"]  # fmt: skip
        if any(row.get("response_rate") is not None for row in result):
            columns.insert(2, "response_rate")
        for col in columns:
            table.add_column(col, justify="right" if col not in ("name", "top_broker_label") else "left")
        for row in result:
            table.add_row(*(f"{row[c]:.3f}" if isinstance(row[c], float) else str(row[c] or "–") for c in columns))
        out.print(table, markup=False)
        low = [row for row in result if row.get("response_rate") is not None and row["response_rate"] < 0.8]
        if low:  # betweenness suffers most from missing answers (docs/befragung.md)
            names = ", ".join(f"{row['name']} ({round(row['response_rate'] * 100)} %)" for row in low)
            err.print(f"Warnung: Antwortquote unter 80 % in {names} – Makler und Isolierte mit Vorsicht lesen / "
                      "warning: response rate below 80 %: read brokers and isolates with caution", markup=False)
    elif fmt in ("csv", "xlsx"):
        write_rows(list(result[0]) if result else ["code"], result, fmt, out_file, title="Analyse")
    else:
        _emit(result, out_file)


def _bezirk_code(value: str | None, profile) -> str | None:
    """A Stadtbezirk of the city ``profile`` as staff name it (8, Hörde, Hoerde) → its code; ``all`` and None
    stay."""
    if value is None or value == "all":
        return value
    from bildungsnetz.cities import CityProfileError, lookup_district
    from bildungsnetz.errors import UsageError

    try:
        return lookup_district(profile, value, "stadtbezirk").code
    except CityProfileError as exc:
        raise UsageError(f"--stadtbezirk: {exc}") from None


def _emit(text: str, out_file: Path | None) -> None:
    if out_file is not None:
        out_file.write_text(text, encoding="utf-8")
        err.print(f"Geschrieben / written: {out_file}")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def report_gaps(
    out_file: Annotated[Path, typer.Option("--out", help="Bericht als .html, .xlsx oder .md")],
    stadtbezirk: Annotated[str | None, typer.Option("--stadtbezirk", help="nur dieser Bezirk")] = None,
    date: Annotated[str | None, typer.Option("--date", help="Stichtag / reference date")] = None,
    city: CityOpt = None,
    ties: TiesOpt = "alle",
    need: Annotated[
        str | None,
        typer.Option("--need", help="Bedarf: Indikator oder gewichtete Kombination, z. B. 'kinderarmut:2, sgb2-quote'"),
    ] = None,
    need_level: NeedLevelOpt = "stadtteil",
    children: ChildrenOpt = None,
    store: StoreOpt = None,
) -> None:
    """Lückenbericht für den Schulausschuss: Netzwerke, Makler, Isolierte, Bildungskette / the gap report."""
    from bildungsnetz.report.gaps import report_gaps as write

    settings = _settings(store)
    with open_store(settings, write=False) as st:
        profile = _city(settings, st, city)
        stadtbezirk = _bezirk_code(stadtbezirk, profile)
        path = write(st, out=out_file, stadtbezirk=stadtbezirk, date=date, city=profile.name, label=profile.label,
                     ties=ties, need=need, need_level=need_level,
                     children=children or settings.children_indicator)  # fmt: skip
    err.print(f"Bericht / report: {path}")


analyse = domain_errors(analyse)
report_gaps = domain_errors(report_gaps)
