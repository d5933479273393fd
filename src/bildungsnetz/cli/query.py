"""``bildungsnetz query``: run a named query from the catalogue and write its rows."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bildungsnetz.cli.common import (
    CityOpt,
    StoreOpt,
    _city,
    _settings,
    app,
    domain_errors,
    out,
    write_rows,
)
from bildungsnetz.iris import Iris

# -- query -----------------------------------------------------------------------


@app.command()
@domain_errors
def query(
    name: Annotated[str | None, typer.Argument(help="Name der Abfrage / query name (see --list)")] = None,
    param: Annotated[
        list[str] | None, typer.Option("-p", "--param", help="Parameter name=Wert / name=value (mehrfach / repeat)")
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="table, csv, json oder xlsx (Vorgabe: nach --out, sonst table)")
    ] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="Datei für csv/json/xlsx / output file")] = None,
    list_: Annotated[bool, typer.Option("--list", help="Katalog anzeigen / show the catalogue")] = False,
    city: CityOpt = None,
    store: StoreOpt = None,
) -> None:
    """Benannte Abfrage ausführen / run a named query from the catalogue."""
    from bildungsnetz.errors import UsageError
    from bildungsnetz.queries import bind, get, load_catalogue, run
    from bildungsnetz.store import open_store
    from bildungsnetz.tables import output_format

    if list_ or name is None:
        _print_catalogue(load_catalogue())
        return
    values: dict[str, str] = {}
    for item in param or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"-p {item!r}: erwartet name=Wert / expected name=value")
        values[key.strip()] = value
    fmt = output_format(fmt, out_file, allowed=("table", "csv", "json", "xlsx"), default="table")
    if fmt == "xlsx" and out_file is None:
        raise UsageError("--format xlsx braucht --out DATEI.xlsx / needs --out FILE.xlsx")
    settings = _settings(store)
    if not settings.endpoint and not settings.store.is_dir():
        raise UsageError(
            f"Kein Speicher in {settings.store} – zuerst 'bildungsnetz demo' oder einen Import ausführen / "
            f"no store in {settings.store} – run 'bildungsnetz demo' or an import first"
        )
    iris = Iris(settings.base_iri)
    named = get(name)
    with open_store(settings, write=False) as st:
        # The city whose district names the parameters use: --city, BILDUNGSNETZ_CITY, or the store's only city.
        profile = _city(settings, st, city)
        bind(named, values, iris=iris, city=profile)  # refuse bad parameters before anything runs
        result = run(named, values, store=st, iris=iris, city=profile)
    write_rows(result.columns, result.rows, fmt, out_file, title=name)


def _print_catalogue(catalogue) -> None:
    table = Table(title="Abfragekatalog / query catalogue")
    table.add_column("Name", style="bold")
    table.add_column("Zweck / summary")
    table.add_column("Parameter")
    for q in catalogue.values():
        table.add_row(q.name, f"{q.summary_de}\n[dim]{q.summary}[/]", "\n".join(p.spec() for p in q.params) or "–")
    out.print(table)


@domain_errors
def report_conflicts(
    fmt: Annotated[str | None, typer.Option("--format", help="table, csv, json oder xlsx")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="Zieldatei (.csv, .xlsx, .json)")] = None,
    store: StoreOpt = None,
) -> None:
    """Werte, bei denen Quellen sich widersprechen, und welcher gilt / values on which sources disagree, and
    which one the landscape shows."""
    from bildungsnetz.errors import UsageError
    from bildungsnetz.report.conflicts import COLUMNS, conflict_rows, conflicts
    from bildungsnetz.store import open_store
    from bildungsnetz.tables import output_format

    fmt = output_format(fmt, out_file, allowed=("table", "csv", "json", "xlsx"), default="table")
    if fmt == "xlsx" and out_file is None:
        raise UsageError("--format xlsx braucht --out DATEI.xlsx / needs --out FILE.xlsx")
    settings = _settings(store)
    with open_store(settings, write=False) as st:
        rows = conflict_rows(conflicts(st, Iris(settings.base_iri)))
    write_rows(list(COLUMNS), rows, fmt, out_file, title="konflikte")
