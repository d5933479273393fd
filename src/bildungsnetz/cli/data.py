"""Moving data: ``validate``, ``import``, ``graphs``, ``template``, ``export``, ``drop-source``, backups."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bildungsnetz.cli.common import (
    CityOpt,
    StoreOpt,
    _cities,
    _city,
    _settings,
    app,
    domain_errors,
    err,
    out,
)
from bildungsnetz.cli.handoff import hand_off, import_result
from bildungsnetz.iris import Iris
from bildungsnetz.store import open_store

# -- validate ----------------------------------------------------------------------


@app.command()
@domain_errors
def validate(
    files: Annotated[list[Path], typer.Argument(help="RDF-Dateien / RDF files (ttl, nt, nq, trig, jsonld)")],
    lang: Annotated[str, typer.Option(help="de, en oder both")] = "both",
    fmt: Annotated[str, typer.Option("--format", help="text oder json")] = "text",
    city: Annotated[
        str | None,
        typer.Option("--city", "--stadt", help="nur gegen dieses Stadtprofil / only against this city profile"),
    ] = None,
    store: StoreOpt = None,
) -> None:
    """RDF-Dateien gegen die Formen prüfen, ohne zu importieren / validate RDF files against the shapes.

    Gelesen wird wie beim Import; geprüft gegen die mitgelieferten und die mit 'city add' angelegten
    Stadtprofile (Ordner BILDUNGSNETZ_CITIES_DIR, sonst staedte/ neben --store); mit --city nur gegen dieses.
    """
    from bildungsnetz.ingest.files import validate_files
    from bildungsnetz.reference import reference_graph

    settings = _settings(store)
    cities = _cities(settings)
    profiles = [cities.load(city)] if city is not None else cities.profiles()
    report = validate_files(files, reference=reference_graph(Iris(settings.base_iri), profiles=profiles))
    if fmt == "json":
        out.print_json(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        out.print(report.to_text(lang=lang), highlight=False, markup=False)
    raise typer.Exit(0 if report.conforms else 1)




@app.command("import")
@domain_errors
def import_(
    files: Annotated[list[Path], typer.Argument(help="CSV, XLSX, Schulliste (schuldaten.csv) oder RDF")],
    kind: Annotated[
        str | None, typer.Option("--kind", help="tabelle, schulliste, rdf oder eine Tabelle (akteure, …)")
    ] = None,
    city: CityOpt = None,
    source: Annotated[str | None, typer.Option("--source", help="Name der Quelle / source name")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="nur prüfen / validate only")] = False,
    report: Annotated[Path | None, typer.Option("--report", help="Bericht als .html, .json oder .xlsx")] = None,
    lang: Annotated[str, typer.Option(help="de, en oder both")] = "both",
    allow_removals: Annotated[
        int | None,
        typer.Option("--allow-removals", min=0, help="diese Zahl entfernter Zeilen bestätigen / confirm this many "
                     "removed rows (needed above 10 % of the source)"),
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Dateien prüfen und als eine Quelle importieren / validate files and import them as one source.

    Zeigt die Änderung gegenüber dem Stand der Quelle (neue, geänderte, entfernte Zeilen je Tabelle). Würde der
    Import mehr als 10 % der Zeilen der Quelle (oder alle) entfernen, muss --allow-removals genau diese Zahl
    nennen. Jeder Import wird eine Version ('bildungsnetz history', 'bildungsnetz undo').

    Exit 0: importiert (mit --dry-run: würde importieren); 1: Prüfung fehlgeschlagen oder abgelehnt (keine
    Datenzeile, zu viele Zeilen entfernt, Grenze überschritten), nichts geändert; 2: Eingabe nicht lesbar oder
    falscher Aufruf.
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from bildungsnetz.ingest.pipeline import import_files
    from bildungsnetz.ingest.versions import Versions
    from bildungsnetz.matching.linker import StoreLinker
    from bildungsnetz.report.imports import write_report

    settings = _settings(store)
    # With a server running on the store, it runs the import (and shows it at once); else this process does.
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err,
                  transient=True) as bar:  # fmt: skip
        task = bar.add_task("Import …")
        handed, answer = hand_off(settings, "import", {"city": city, "source": source, "kind": kind,
                                                       "dry_run": dry_run, "allow_removals": allow_removals,
                                                       "agent": _who()}, files)  # fmt: skip
        if handed:
            result = import_result(answer)
        else:
            with open_store(settings, write=not dry_run) as st:
                profile = _city(settings, st, city)
                result = import_files(
                    files, store=st, iris=Iris(settings.base_iri), city=profile, source=source, kind=kind,
                    dry_run=dry_run, allow_removals=allow_removals, versions=Versions.from_settings(settings),
                    agent=_who(), progress=lambda msg: bar.update(task, description=msg),
                    names=StoreLinker(st, iris=Iris(settings.base_iri), queue=not dry_run),
                )  # fmt: skip
    try:
        if report is not None:
            write_report(result, report)
            err.print(f"Bericht / report: {report}")
        _print_import(result, lang)
    except KeyboardInterrupt:
        if result.imported:  # the data is in: say so, not "nothing changed"
            from bildungsnetz.ingest.pipeline import ImportInterrupted

            raise ImportInterrupted(result.source, True) from None
        raise
    raise typer.Exit(result.exit_code)


def _who() -> str:
    """Who runs the command, for the version history: the login name."""
    import getpass

    try:
        return getpass.getuser() or "bildungsnetz"
    except (OSError, KeyError):
        return "bildungsnetz"


def _print_change(result) -> None:
    """The change against what the source holds, and the confirmation a large removal needs."""
    change = result.change
    if change is None:
        return
    out.print(f"Änderung / change (Quelle / source »{result.source}«, {change.held} Zeilen / rows):", markup=False)
    for line in change.lines():
        out.print("  " + line, markup=False, highlight=False)
    if change.needs_confirmation is not None and not result.imported:
        out.print(f"  Entfernt {change.needs_confirmation} Zeilen: nur mit --allow-removals "
                  f"{change.needs_confirmation} / removes {change.needs_confirmation} rows: only with "
                  f"--allow-removals {change.needs_confirmation}", markup=False, highlight=False)  # fmt: skip


def _print_import(result, lang: str) -> None:
    if result.report.violations:
        out.print(result.report.to_text(lang=lang), markup=False, highlight=False)
    for note in result.notes:
        err.print(f"Hinweis / note: {note}", markup=False)
    if result.queued:
        err.print(f"{result.queued} Name(n) neu auf der Prüfliste: bildungsnetz abgleich-queue / {result.queued} "
                  "name(s) new on the review list: bildungsnetz abgleich-queue", markup=False)  # fmt: skip
    if not result.unchanged:
        _print_change(result)
    table = Table(title=f"Import – Quelle / source »{result.source}«", show_header=False)
    table.add_column()
    table.add_column(justify="right")
    if result.imported:
        status = "[green]importiert / imported[/]"
    elif result.unchanged:
        status = "[green]unverändert – nichts zu tun / unchanged – nothing to do[/]"
    elif not result.report.conforms:
        status = "[red]nicht importiert: Prüfung fehlgeschlagen / not imported: validation failed[/]"
    else:
        status = "[yellow]Probelauf: würde importieren / dry run: would import[/]"
    table.add_row("Ergebnis / result", status)
    table.add_row("Dateien / files", ", ".join(f.path.name for f in result.files))
    table.add_row("Zeilen / rows", str(result.rows))
    table.add_row("Tripel / triples", f"{result.triples} (+{result.private_triples} privat)")
    table.add_row("Verstöße / violations", str(len(result.report.errors)))
    table.add_row("Warnungen / warnings", str(len(result.report.warnings)))
    if result.version:
        table.add_row("Version", f"{result.version} (rückgängig / undo: bildungsnetz undo {result.version})")
    table.add_row("Zeit / time", " · ".join(f"{k} {v:.2f}s" for k, v in result.timings.items()))
    out.print(table)


@app.command()
@domain_errors
def graphs(
    store: StoreOpt = None,
    rebuild_view: Annotated[
        bool,
        typer.Option("--rebuild-view", "--landschaft-neu", help="die Landschaft aus allen Quellen neu aufbauen / "
                     "rebuild the landscape from every source (repair)"),
    ] = False,
) -> None:
    """Benannte Graphen mit Quelle, Zeit, Größe und Prüfstatus / named graphs with source, time, size, status."""
    from bildungsnetz.ingest.sources import graph_overview

    settings = _settings(store)
    if rebuild_view:
        # A repair of derived data: the sources stay as they are (docs/speicher.md, "Die Landschaft").
        with open_store(settings, write=True) as st:
            size = st.rebuild_view()
        out.print(f"Landschaft neu aufgebaut / landscape rebuilt: {size} Tripel / triples")
    with open_store(settings, write=False) as st:
        rows = graph_overview(st, Iris(settings.base_iri))
    table = Table(title=f"Graphen / graphs – {settings.store}")
    for col in ("Graph", "Quelle / source", "Tripel / triples", "Stand / modified", "konform", "privat"):
        table.add_column(col)
    for r in rows:
        table.add_row(r.short, r.source or "–", str(r.triples), r.modified or "–",
                      {True: "ja / yes", False: "NEIN / NO", None: "–"}[r.conforms],
                      "ja / yes" if r.private else "")  # fmt: skip
    out.print(table)


@app.command()
@domain_errors
def template(
    table: Annotated[str, typer.Argument(help="akteure, kooperationen, …, oder alle / or all")] = "alle",
    fmt: Annotated[str, typer.Option("--format", help="xlsx oder csv")] = "xlsx",
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Zieldatei oder -ordner / target file or folder")
    ] = None,
    example: Annotated[
        bool, typer.Option("--example", "--beispiel", help="Beispielmappe mit Daten / example workbook")
    ] = False,
) -> None:
    """Leere Vorlagen oder die Beispielmappe schreiben / write empty templates or the example workbook."""
    from bildungsnetz.errors import UsageError
    from bildungsnetz.ingest.tables import write_example, write_template

    if fmt not in ("xlsx", "csv"):
        raise UsageError(f"--format {fmt!r}: erlaubt sind xlsx, csv / allowed are xlsx, csv")
    if example:
        written = [write_example(out_file or Path("beispiel.xlsx"))]
    else:
        default = Path(f"{table}.xlsx") if fmt == "xlsx" else Path(f"{table}.csv" if table != "alle" else "vorlagen")
        written = write_template(table, fmt, out_file or default)
    for path in written:
        out.print(f"Geschrieben / written: {path}")


@app.command()
@domain_errors
def export(
    fmt: Annotated[str, typer.Option("--format", help="trig, nq, ttl, jsonld, xlsx oder csv")],
    out_file: Annotated[Path, typer.Option("--out", help="Zieldatei (csv: Ordner) / target file (csv: folder)")],
    graph: Annotated[str | None, typer.Option("--graph", help="nur dieser Graph, z. B. quelle/demo")] = None,
    private: Annotated[
        bool,
        typer.Option(
            "--with-contacts", "--mit-kontakten", help="auch Kontaktpersonen (personenbezogen) / include contacts"
        ),
    ] = False,
    city: CityOpt = None,
    store: StoreOpt = None,
) -> None:
    """Daten exportieren: RDF oder die Importtabellen / export RDF or the import tables (lossless round trip)."""
    import pyoxigraph as ox

    from bildungsnetz.errors import UsageError
    from bildungsnetz.namespace import PREFIXES

    settings = _settings(store)
    iris = Iris(settings.base_iri)
    formats = {"trig": ox.RdfFormat.TRIG, "nq": ox.RdfFormat.N_QUADS, "ttl": ox.RdfFormat.TURTLE,
               "jsonld": ox.RdfFormat.JSON_LD}  # fmt: skip
    if fmt not in (*formats, "xlsx", "csv"):
        raise UsageError(f"--format {fmt!r}: erlaubt sind trig, nq, ttl, jsonld, xlsx, csv / allowed: same")
    with open_store(settings, write=False) as st:
        if fmt in ("xlsx", "csv"):
            from bildungsnetz.ingest.tables import export_tables, write_tables

            profile = _city(settings, st, city)
            tables = export_tables(st, city=profile.name, profile=profile, iris=iris, include_private=private)
            written = write_tables(tables, out_file, fmt)
            out.print(f"Geschrieben / written: {', '.join(str(p) for p in written)}")
            return
        names = st.named_graphs()
        if graph is not None:
            wanted = graph if graph.startswith(("http://", "https://")) else str(iris.graph(graph))
            if wanted not in names:
                raise UsageError(f"--graph {graph!r}: gibt es nicht / no such graph")
            names = [wanted]
        if not private:
            names = [g for g in names if not g.startswith(str(iris.graph("privat")))]
        if fmt in ("ttl",) and len(names) > 1 and graph is None:
            raise UsageError("--format ttl kennt keine Graphen: --graph angeben oder trig/nq wählen / "
                             "ttl has no graphs: give --graph or use trig/nq")  # fmt: skip
        quads = [q for g in names for q in st.quads(g)]
        with out_file.open("wb") as fh:
            if fmt == "ttl":
                ox.serialize([q.triple for q in quads], fh, formats[fmt], prefixes=PREFIXES)
            elif fmt == "nq":
                ox.serialize(quads, fh, formats[fmt])
            else:
                ox.serialize(quads, fh, formats[fmt], prefixes=PREFIXES)
        out.print(f"{len(quads)} Quads → {out_file}")
        if graph is None and len(_cities(settings, st).held()) > 1:  # graphs are per source, not per city
            out.print("Hinweis: der RDF-Export enthält alle Städte des Speichers; eine Stadt allein: --format xlsx "
                      "oder csv mit --stadt / note: the RDF export holds every city in the store; one city alone: "
                      "--format xlsx or csv with --stadt")  # fmt: skip


@app.command("drop-source")
@domain_errors
def drop_source(
    name: Annotated[str, typer.Argument(help="Name der Quelle / source name")], store: StoreOpt = None
) -> None:
    """Die Graphen einer Quelle entfernen / remove one source's graphs (quelle/, privat/, meta/)."""
    from bildungsnetz.ingest.versions import Versions, record_drop

    settings = _settings(store)
    handed, dropped = hand_off(settings, "drop-source", {"name": name, "agent": _who()})
    if not handed:
        with open_store(settings, write=True) as st:
            dropped = record_drop(st, Iris(settings.base_iri), Versions.from_settings(settings), name, agent=_who())
    out.print(f"Quelle »{name}« entfernt / source removed ({len(dropped)} Graphen / graphs)", markup=False)


@app.command()
@domain_errors
def backup(file: Annotated[Path, typer.Argument(help="Zieldatei (.nq oder .nq.gz)")], store: StoreOpt = None) -> None:
    """Den ganzen Speicher sichern / back up the whole store as N-Quads."""
    from bildungsnetz.store.backup import backup_store

    settings = _settings(store)
    with open_store(settings, write=False) as st:
        n = backup_store(st, file)
    out.print(f"{n} Quads gesichert / backed up → {file}")


@app.command()
@domain_errors
def restore(file: Annotated[Path, typer.Argument(help="Sicherung (.nq oder .nq.gz)")], store: StoreOpt = None) -> None:
    """Den Speicher aus einer Sicherung wiederherstellen / restore the store from a backup (replaces everything)."""
    from bildungsnetz.store.backup import restore_store

    settings = _settings(store)
    with open_store(settings, write=True) as st:
        n = restore_store(st, file)
    out.print(f"{n} Quads wiederhergestellt / restored ← {file}")


