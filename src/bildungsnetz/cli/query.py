"""``bildungsnetz query``: run a named query from the catalogue and write its rows."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bildungsnetz.cli.common import (
    StoreOpt,
    _settings,
    app,
    domain_errors,
    err,
    out,
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
    fmt: Annotated[str, typer.Option("--format", help="table, csv, json oder xlsx")] = "table",
    out_file: Annotated[Path | None, typer.Option("--out", help="Datei für csv/json/xlsx / output file")] = None,
    list_: Annotated[bool, typer.Option("--list", help="Katalog anzeigen / show the catalogue")] = False,
    store: StoreOpt = None,
) -> None:
    """Benannte Abfrage ausführen / run a named query from the catalogue."""
    from bildungsnetz.errors import UsageError
    from bildungsnetz.queries import bind, get, load_catalogue, run
    from bildungsnetz.store import open_store

    if list_ or name is None:
        _print_catalogue(load_catalogue())
        return
    values: dict[str, str] = {}
    for item in param or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"-p {item!r}: erwartet name=Wert / expected name=value")
        values[key.strip()] = value
    if fmt not in ("table", "csv", "json", "xlsx"):
        raise UsageError(f"--format {fmt!r}: erlaubt sind table, csv, json, xlsx / allowed: table, csv, json, xlsx")
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
    bind(named, values, iris=iris, city=settings.city)  # refuse bad parameters before the store is opened
    st = open_store(settings)
    try:
        result = run(named, values, store=st, iris=iris, city=settings.city)
    finally:
        st.close()
    _write_result(result, fmt, out_file, title=name)


def _print_catalogue(catalogue) -> None:
    table = Table(title="Abfragekatalog / query catalogue")
    table.add_column("Name", style="bold")
    table.add_column("Zweck / summary")
    table.add_column("Parameter")
    for q in catalogue.values():
        table.add_row(q.name, f"{q.summary_de}\n[dim]{q.summary}[/]", "\n".join(p.spec() for p in q.params) or "–")
    out.print(table)


def _iri_column(rows: list[dict], column: str) -> bool:
    values = [v for v in (r.get(column) for r in rows) if v is not None]
    return bool(values) and all(isinstance(v, str) and v.startswith(("http://", "https://")) for v in values)


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _write_result(result, fmt: str, out_file: Path | None, *, title: str) -> None:
    import csv
    import io

    if fmt == "table":
        # On screen, IRI columns crowd out what people read (ids, names); csv/json/xlsx keep every column.
        shown = [c for c in result.columns if not _iri_column(result.rows, c)] or result.columns
        table = Table(title=f"{title} – {len(result.rows)} Zeilen / rows")
        for col in shown:
            table.add_column(col)
        for row in result.rows:
            table.add_row(*(_cell(row.get(c)) for c in shown))
        out.print(table, markup=False)
        return
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = title[:31]
        ws.append(result.columns)
        for row in result.rows:
            ws.append([row.get(c) for c in result.columns])
        wb.save(out_file)
        err.print(f"Geschrieben / written: {out_file}")
        return
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(result.columns)
        for row in result.rows:
            writer.writerow([_cell(row.get(c)) for c in result.columns])
        text = buf.getvalue()
    else:
        text = json.dumps(result.rows, ensure_ascii=False, indent=2, default=str)
    if out_file is not None:
        out_file.write_text(text, encoding="utf-8")
        err.print(f"Geschrieben / written: {out_file}")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


