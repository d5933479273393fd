"""``bildungsnetz indikator``: the indicators of the Wirkungsmonitoring, one per district and year."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bildungsnetz.cli.analyse import ChildrenOpt, NeedLevelOpt
from bildungsnetz.cli.common import CityOpt, StoreOpt, _city, _settings, app, domain_errors, out, write_rows
from bildungsnetz.iris import Iris
from bildungsnetz.store import open_store

__all__ = ["indicator_app", "list_indicators", "need_command", "show_indicator", "store_query"]

indicator_app = typer.Typer(
    help="Kennzahlen je Gebiet und Jahr (Wirkungsmonitoring) / indicators per district and year.",
    no_args_is_help=True,
)
app.add_typer(indicator_app, name="indikator")

FormatOpt = Annotated[
    str | None, typer.Option("--format", help="table, csv oder xlsx (Vorgabe: nach --out, sonst table)")
]
OutOpt = Annotated[Path | None, typer.Option("--out", help="Datei für csv/xlsx")]


def store_query(store, settings, city: str):
    """A :data:`~bildungsnetz.analysis.indicators.Query` over an open store for the city named ``city`` (the
    CLI's; the web has its own)."""
    from bildungsnetz.queries import get, run

    iris = Iris(settings.base_iri)

    def query(name: str, values: dict) -> list[dict]:
        folder, _, stem = name.rpartition("/")
        return run(get(stem, folder=folder or None), {k: str(v) for k, v in values.items()}, store=store,
                   iris=iris, city=city).rows

    return query


@indicator_app.command("list")
@domain_errors
def list_indicators(store: StoreOpt = None, city: CityOpt = None) -> None:
    """Alle Indikatoren mit Einheit, Polarität, Ebene und Zahl der Werte / every indicator."""
    from bildungsnetz.analysis.indicators import indicators

    settings = _settings(store)
    with open_store(settings, write=False) as st:
        profile = _city(settings, st, city)
        rows = indicators(store_query(st, settings, profile.name))
    table = Table(title=f"Indikatoren / indicators – {profile.label}")
    for col in ("code", "Bezeichnung", "Einheit", "Polarität", "Ebene", "Werte", "unterdrückt", "Jahre"):
        table.add_column(col, overflow="fold")
    for r in rows:
        better = r.get("higherIsBetter")
        polarity = {True: "höher ist besser", False: "höher ist schlechter"}.get(better in (True, "true"), "")
        polarity = polarity if better is not None else ""
        years = f"{r.get('firstYear') or ''}–{r.get('lastYear') or ''}" if r.get("values") else ""
        table.add_row(str(r["code"]), str(r.get("label") or ""), str(r.get("unit") or ""), polarity,
                      str(r.get("level") or ""), str(r.get("values") or 0), str(r.get("suppressed") or 0), years)
    out.print(table, markup=False)


@indicator_app.command("show")
@domain_errors
def show_indicator(
    indicator: Annotated[str, typer.Argument(help="Code oder Bezeichnung, z. B. kinderarmut")],
    fmt: FormatOpt = None,
    out_file: OutOpt = None,
    store: StoreOpt = None,
    city: CityOpt = None,
) -> None:
    """Ein Indikator je Gebiet und Jahr; unterdrückte Werte bleiben * / one indicator per district and year."""
    from bildungsnetz.analysis.indicators import cell_text, load_table, table_rows
    from bildungsnetz.errors import UsageError
    from bildungsnetz.tables import output_format

    fmt = output_format(fmt, out_file, allowed=("table", "csv", "xlsx"), default="table")
    if fmt == "xlsx" and out_file is None:
        raise UsageError("--format xlsx braucht --out DATEI.xlsx / needs --out FILE.xlsx")
    settings = _settings(store)
    with open_store(settings, write=False) as st:
        profile = _city(settings, st, city)
        table = load_table(store_query(st, settings, profile.name), indicator)
    if fmt in ("csv", "xlsx"):
        rows = table_rows(table)
        columns = list(rows[0]) if rows else ["indikator", "gebiet", "jahr", "wert"]
        write_rows(columns, rows, fmt, out_file, title=str(table.indicator["code"]))
        return
    unit = table.indicator.get("unit")
    title = f"{table.indicator.get('label') or table.indicator['code']}" + (f" ({unit})" if unit else "")
    grid = Table(title=f"{title} – {profile.label}", caption="* unterdrückt / suppressed · ≈ gerundet / rounded")
    grid.add_column("Gebiet / district")
    for year in table.years:
        grid.add_column(year, justify="right")
    for a in table.areas:
        grid.add_row(a["label"], *(cell_text(a["cells"].get(y)) or "–" for y in table.years))
    out.print(grid, markup=False)


@indicator_app.command("bedarf")
@domain_errors
def need_command(
    need: Annotated[str, typer.Argument(help="Indikator oder gewichtete Kombination: 'kinderarmut:2, sgb2-quote'")],
    date: Annotated[str | None, typer.Option("--date", help="Stichtag / reference date")] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="so viele Gebiete / this many")] = 15,
    level: NeedLevelOpt = "stadtteil",
    children: ChildrenOpt = None,
    store: StoreOpt = None,
    city: CityOpt = None,
) -> None:
    """Bedarf und Netz je Stadtteil oder Stadtbezirk, größte Lücke zuerst (wie im Lückenbericht) / need versus
    network: partners, offers per 1,000 inhabitants and children, mediations."""
    from bildungsnetz.analysis.gaps import need_ranking
    from bildungsnetz.analysis.graphs import cooperation_graph, load

    settings = _settings(store)
    with open_store(settings, write=False) as st:
        profile = _city(settings, st, city)
        data = load(st, date=date, iris=Iris(settings.base_iri), city=profile.name)
    ranking = need_ranking(cooperation_graph(data), data, indicator=need, level=level,
                           children=children or settings.children_indicator)  # fmt: skip
    table = Table(
        title=f"Bedarf und Netz / need versus network – {profile.label}: {ranking['indicator']} ({ranking['year']})",
        caption=(ranking["children_note"] or "").replace(" / ", "\n"),
    )
    heads = ("Rang", "Stadtbezirk" if level == "stadtbezirk" else "Stadtteil", "Bedarf / need", "Partner je Akteur",
             "Angebote", "je 1.000 EW", "je 1.000 Kinder", "Vermittlungen", "Lücke / gap")  # fmt: skip
    for col in heads:
        table.add_column(col, overflow="fold")

    def num(value: float | None) -> str:
        return "–" if value is None else f"{value:.2f}".replace(".", ",")

    for r in ranking["rows"][:top]:
        table.add_row(str(r["rank"]), str(r["area_name"]), num(r["need"]), num(r["mean_partners"]), str(r["offers"]),
                      num(r["offers_per_1000"]), num(r["offers_per_1000_children"]), str(r["mediations"]),
                      num(r["gap"]))  # fmt: skip
    out.print(table, markup=False)
