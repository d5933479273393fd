"""CLI for matching names to actors: ``bildungsnetz abgleich FILE --column NAME`` and the review queue
``bildungsnetz abgleich-queue`` (list, ``confirm``, ``reject``)."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bildungsnetz.cli.common import StoreOpt, _settings, app, domain_errors, err, out
from bildungsnetz.iris import Iris
from bildungsnetz.store import open_store

__all__ = ["abgleich", "queue_app"]

queue_app = typer.Typer(
    help="Namen, die eine Person prüfen muss / names waiting for review.", invoke_without_command=True
)


@app.command("abgleich")
@domain_errors
def abgleich(
    file: Annotated[Path, typer.Argument(help="CSV oder XLSX mit Namen von Einrichtungen / with organisation names")],
    column: Annotated[str, typer.Option("--column", help="Spalte mit den Namen / column holding the names")],
    sheet: Annotated[str | None, typer.Option("--sheet", help="Blatt der XLSX-Datei / sheet of the workbook")] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Ergebnisdatei / result file [Vorgabe: DATEI-abgleich.csv|.xlsx]")
    ] = None,
    municipality: Annotated[
        str | None, typer.Option("--municipality", "--gemeinde", help="nur Akteure dieser Gemeinde / only this town")
    ] = None,
    queue: Annotated[
        bool, typer.Option("--queue/--no-queue", help="Unsichere Namen in die Prüfliste / unsure names to review")
    ] = True,
    store: StoreOpt = None,
) -> None:
    """Namen einer Spalte den Akteuren zuordnen: id, Name, Wert und Status als neue Spalten / match names."""
    from bildungsnetz.errors import UsageError
    from bildungsnetz.ingest.tables.read import ReadLimits
    from bildungsnetz.matching.decisions import enqueue, store_matcher
    from bildungsnetz.matching.files import match_sheet, read_sheet
    from bildungsnetz.tables import people_csv, xlsx_bytes

    settings = _settings(store)
    table = read_sheet(file, sheet=sheet, limits=ReadLimits.from_settings(settings))
    suffix = ".xlsx" if file.suffix.lower() in (".xlsx", ".xlsm") else ".csv"
    target = out_file or file.with_name(f"{file.stem}-abgleich{suffix}")
    if target.resolve() == file.resolve():
        raise UsageError(f"--out {target.name}: das ist die Eingabedatei / that is the input file")
    if target.suffix.lower() not in (".csv", ".xlsx"):
        raise UsageError(f"--out {target.name}: nur .csv oder .xlsx / only .csv or .xlsx")
    iris = Iris(settings.base_iri)
    with open_store(settings) as st:
        matcher = store_matcher(st, iris=iris)
        columns, rows, results = match_sheet(table, column, matcher, municipality=municipality)
        waiting = [(r.query, f"{file.name}, Spalte {column}") for r in results if r.status == "pruefen"]
        added = enqueue(st, waiting, iris=iris) if queue else 0
    data = (
        xlsx_bytes({table.sheet or "abgleich": (columns, rows)})
        if target.suffix.lower() == ".xlsx"
        else (people_csv(columns, rows))
    )
    target.write_bytes(data)
    counts = {s: sum(r.status == s for r in results if r.query) for s in ("automatisch", "pruefen", "kein_treffer")}
    err.print(
        f"{target}: {counts['automatisch']} automatisch zugeordnet / linked, {counts['pruefen']} zu prüfen / "
        f"to review ({added} neu in der Prüfliste / new in the queue), {counts['kein_treffer']} ohne Treffer / "
        "no candidate",
        highlight=False,
        markup=False,
    )


@queue_app.callback()
@domain_errors
def queue_list(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="Kandidaten je Name / candidates per name")] = 3,
    fmt: Annotated[str, typer.Option("--format", help="table oder json")] = "table",
    store: StoreOpt = None,
) -> None:
    """Die Prüfliste mit Kandidaten, Wert, passenden Wörtern, Adresse und Art / the review queue."""
    if ctx.invoked_subcommand is not None:
        return
    from bildungsnetz.matching.decisions import queue, store_matcher

    settings = _settings(store)
    iris = Iris(settings.base_iri)
    with open_store(settings) as st:
        matcher = store_matcher(st, iris=iris)
        items = [
            dict(item, candidates=[m.to_dict() for m in matcher.match(item["text"], limit=limit).matches])
            for item in queue(st, iris=iris)
        ]
    if fmt == "json":
        out.print_json(json.dumps([{k: v for k, v in i.items() if k != "node"} for i in items], ensure_ascii=False))
        return
    if not items:
        out.print("Die Prüfliste ist leer / the review queue is empty")
        return
    table = Table(title="Prüfliste / review queue")
    for col in ("Name", "Quelle / source", "Kandidat / candidate", "id", "Wert / score", "Wörter / words",
                "Adresse / address", "Art / kind"):  # fmt: skip
        table.add_column(col)
    for item in items:
        first = True
        for c in item["candidates"] or [{}]:
            table.add_row(
                item["text"] if first else "", item["source"] if first else "", c.get("name", "–"), c.get("id", ""),
                f"{c['score']:.2f}" if c else "", ", ".join(c.get("words", [])),
                " ".join(x for x in (c.get("address"), c.get("postcode"), c.get("municipality")) if x),
                c.get("kind", ""),
            )  # fmt: skip
            first = False
    out.print(table, markup=False)
    err.print(
        'Entscheiden / decide: bildungsnetz abgleich-queue confirm "NAME" ID  |  reject "NAME" ID',
        markup=False,
    )


def _decide(name: str, actor: str, status: str, user: str | None, store: Path | None) -> None:
    from bildungsnetz.matching.decisions import decide

    settings = _settings(store)
    with open_store(settings) as st:
        result = decide(st, name, actor, status, user=user or getpass.getuser(), iris=Iris(settings.base_iri))
    out.print_json(json.dumps(result, ensure_ascii=False))


@queue_app.command("confirm")
@domain_errors
def queue_confirm(
    name: Annotated[str, typer.Argument(help="der Name, wie er geschrieben wurde / the name as written")],
    actor: Annotated[str, typer.Argument(help="Akteurs-ID oder Schulnummer / actor id")],
    user: Annotated[str | None, typer.Option("--user", help="wer entscheidet / who decides")] = None,
    store: StoreOpt = None,
) -> None:
    """Bestätigen: der Name meint diesen Akteur (wird Alias) / confirm: the name means this actor."""
    _decide(name, actor, "bestaetigt", user, store)


@queue_app.command("reject")
@domain_errors
def queue_reject(
    name: Annotated[str, typer.Argument(help="der Name, wie er geschrieben wurde / the name as written")],
    actor: Annotated[str, typer.Argument(help="Akteurs-ID oder Schulnummer / actor id")],
    user: Annotated[str | None, typer.Option("--user", help="wer entscheidet / who decides")] = None,
    store: StoreOpt = None,
) -> None:
    """Ablehnen: der Name meint diesen Akteur nicht / reject: the name does not mean this actor."""
    _decide(name, actor, "abgelehnt", user, store)
