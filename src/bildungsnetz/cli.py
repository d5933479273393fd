"""The ``bildungsnetz`` command line: one app, a subcommand per job; domain errors become one line and an exit code."""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from .errors import BildungsnetzError
from .iris import Iris
from .settings import Settings

__all__ = ["app", "main"]

app = typer.Typer(
    name="bildungsnetz",
    help="Wissensgraph der Bildungslandschaft einer Stadt / knowledge graph of a city's education landscape.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
city_app = typer.Typer(help="Stadtprofile / city profiles.", no_args_is_help=True)
app.add_typer(city_app, name="city")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="Verzeichnis des eingebetteten Speichers / embedded store directory "
        "[env BILDUNGSNETZ_STORE, default ./bildungsnetz-data]",
    ),
]
F = TypeVar("F", bound=Callable)


def _settings(store: Path | None = None) -> Settings:
    settings = Settings()
    if store is not None:
        settings = settings.model_copy(update={"store": store})
    return settings


def _user_cities_dir(settings: Settings) -> Path:
    return settings.cities_dir or settings.store / "staedte"


def _city_dirs(settings: Settings) -> tuple[Path, ...]:
    folder = _user_cities_dir(settings)
    return (folder,) if folder.is_dir() else ()


def domain_errors(func: F) -> F:
    """Turn a domain error into one line on stderr and its exit code; never a traceback."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except BildungsnetzError as exc:
            err.print("[bold red]Fehler / error:[/] ", end="")
            err.print(str(exc), highlight=False, markup=False)
            # Release what the failed command held (an open store keeps its lock) even when the caller keeps
            # the exception, as in-process runners do.
            traceback.clear_frames(exc.__traceback__)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err.print("Abgebrochen, nichts geändert / interrupted, nothing changed")
            raise typer.Exit(130) from None
        except typer.Exit:
            raise
        except Exception as exc:  # a bug, not a user error: one line, the traceback only on request
            if os.environ.get("BILDUNGSNETZ_DEBUG"):
                raise
            err.print(
                f"[bold red]Interner Fehler / internal error:[/] {type(exc).__name__} – "
                "bitte melden / please report (BILDUNGSNETZ_DEBUG=1 zeigt Details / shows details)",
                highlight=False,
            )
            raise typer.Exit(70) from None

    return wrapper  # type: ignore[return-value]


# -- demo ------------------------------------------------------------------------


@app.command()
@domain_errors
def demo(
    city: Annotated[str, typer.Option(help="Stadtprofil / city profile")] = "dortmund",
    actors: Annotated[int, typer.Option(help="Anzahl Akteure / number of actors (100–200000)")] = 2000,
    seed: Annotated[int, typer.Option(help="Zufallsstartwert; gleicher Wert, gleiche Stadt / seed")] = 1,
    store: StoreOpt = None,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Datensatz als TriG schreiben statt speichern / write TriG instead"),
    ] = None,
    rebuild: Annotated[
        bool, typer.Option("--neu/--keep", "--rebuild", help="neu erzeugen, auch wenn es sie schon gibt / rebuild")
    ] = False,
    serve_it: Annotated[
        bool, typer.Option("--serve/--no-serve", help="danach die API starten / then serve the API")
    ] = True,
    host: Annotated[str, typer.Option(help="Adresse / address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
) -> None:
    """Demo-Stadt erzeugen (falls nicht vorhanden) und bereitstellen / build the demo city if missing, then serve it.

    Ohne --neu bleibt eine vorhandene Demo stehen; --no-serve baut nur, --out schreibt TriG und startet nichts.
    """
    from .cities import load_profile
    from .demo import generate
    from .errors import UsageError
    from .reference import reference_graphs
    from .store import open_store

    settings = _settings(store)
    iris = Iris(settings.base_iri)
    if not 100 <= actors <= 200_000:
        raise UsageError(f"--actors {actors}: erlaubt sind 100 bis 200000 / allowed are 100 to 200000")
    if out_file is None and not rebuild and _has_demo(settings, iris):
        err.print(f"Demo vorhanden in / demo present in: {settings.store.resolve()} (--neu baut sie neu / rebuilds)")
        if serve_it:
            _serve(settings, host=host, port=port)
        return
    profile = load_profile(city, extra_dirs=_city_dirs(settings))
    with err.status(f"Erzeuge Demo-Stadt {profile.label} mit {actors} Akteuren …"):
        result = generate(city=profile.name, actors=actors, seed=seed, iris=iris, extra_city_dirs=_city_dirs(settings))
        graphs = dict(result.graphs)
        graphs.update(reference_graphs([profile.name], iris, extra_dirs=_city_dirs(settings)))
    if out_file is not None:
        import pyoxigraph as ox

        from .namespace import PREFIXES

        quads = (ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g)) for g, ts in graphs.items() for t in ts)
        with out_file.open("wb") as fh:
            ox.serialize(quads, fh, ox.RdfFormat.TRIG, prefixes=PREFIXES)
        err.print(f"Geschrieben / written: {out_file}")
    else:
        with err.status(f"Speichere in {settings.store} …"):
            st = open_store(settings)
            st.replace_graphs(graphs)
            st.close()
        err.print(f"Gespeichert in / stored in: {settings.endpoint or settings.store.resolve()}")
    _print_demo_summary(result.summary)
    if out_file is None and serve_it:
        _serve(settings, host=host, port=port)


def _has_demo(settings: Settings, iris: Iris) -> bool:
    """True when the embedded store already holds the demo's graph."""
    from .store import open_store

    if settings.endpoint or not settings.store.is_dir():
        return False
    st = open_store(settings.store)
    try:
        return str(iris.graph("quelle/demo")) in st.named_graphs()
    finally:
        st.close()


# -- serve -------------------------------------------------------------------------


def _serve(settings: Settings, *, host: str, port: int) -> None:
    import uvicorn

    from .api import create_app

    where = settings.endpoint or settings.store.resolve()
    err.print(f"API: http://{host}:{port}/docs · SPARQL: http://{host}:{port}/sparql · Speicher / store: {where}")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


@app.command()
@domain_errors
def serve(
    host: Annotated[str, typer.Option(help="Adresse / address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    store: StoreOpt = None,
) -> None:
    """REST-API, SPARQL-Endpunkt und OpenAPI-Doku starten / serve the REST API, SPARQL endpoint and docs.

    Der Speicher kommt aus --store oder den Einstellungen (BILDUNGSNETZ_STORE, BILDUNGSNETZ_ENDPOINT für einen
    entfernten Speicher); Tokens aus BILDUNGSNETZ_API_TOKENS.
    """
    _serve(_settings(store), host=host, port=port)


def _print_demo_summary(s) -> None:
    from collections import Counter

    from .demo import ANCHOR

    totals = Counter()
    for (kind, _), n in s.actors_by_kind_and_bezirk.items():
        totals[kind] += n
    shown = [k for k, _ in totals.most_common(6)]
    bezirke = sorted({b for _, b in s.actors_by_kind_and_bezirk})
    table = Table(title=f"Akteure nach Art und Stadtbezirk / actors by kind and district – {s.city} (synthetisch)")
    table.add_column("Stadtbezirk")
    for k in shown:
        table.add_column(k, justify="right")
    table.add_column("andere / other", justify="right")
    table.add_column("Σ", justify="right", style="bold")
    for b in bezirke:
        row = {k: n for (k, bb), n in s.actors_by_kind_and_bezirk.items() if bb == b}
        total = sum(row.values())
        main = [row.get(k, 0) for k in shown]
        table.add_row(b, *map(str, main), str(total - sum(main)), str(total))
    out.print(table)
    facts = Table(title="Überblick / overview", show_header=False)
    facts.add_column()
    facts.add_column(justify="right")
    for label, value in [
        ("Akteure / actors", s.actors),
        ("davon isoliert angelegt / planted isolated", s.isolated),
        ("Kooperationen / partnerships", s.partnerships),
        (f"davon gültig am {ANCHOR:%d.%m.%Y} / valid at that date", s.partnerships_valid),
        ("Netzwerke und Gremien / networks", s.networks),
        ("Mitgliedschaften / memberships", s.memberships),
        ("Angebote / offers", s.offers),
        ("SDG-Vorschläge offen / open SDG suggestions", s.sdg_suggested),
        ("Förderungen / grants", s.grants),
        ("Tripel / triples", s.triples),
    ]:
        facts.add_row(label, f"{value:,}".replace(",", "."))
    out.print(facts)
    sdg = Table(title="SDG-Abdeckung: bestätigte Zuordnungen je Ziel / confirmed SDG assignments per goal")
    sdg.add_column("SDG", justify="right")
    sdg.add_column("Angebote / offers", justify="right")
    sdg.add_column("")
    top = max(s.sdg_confirmed.values(), default=1)
    for goal in range(1, 18):
        n = s.sdg_confirmed.get(goal, 0)
        sdg.add_row(str(goal), str(n), "█" * round(30 * n / top) if n else "[red]– keine / none[/]")
    out.print(sdg)


# -- validate ----------------------------------------------------------------------


@app.command()
@domain_errors
def validate(
    files: Annotated[list[Path], typer.Argument(help="RDF-Dateien / RDF files (ttl, nt, nq, trig, jsonld)")],
    lang: Annotated[str, typer.Option(help="de, en oder both")] = "both",
    fmt: Annotated[str, typer.Option("--format", help="text oder json")] = "text",
) -> None:
    """RDF-Dateien gegen die Formen prüfen, ohne zu importieren / validate RDF files against the shapes."""
    from .validate import validate_files

    report = validate_files(files)
    if fmt == "json":
        out.print_json(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        out.print(report.to_text(lang=lang), highlight=False, markup=False)
    raise typer.Exit(0 if report.conforms else 1)


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
    from .errors import UsageError
    from .queries import bind, get, load_catalogue, run
    from .store import open_store

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


# -- import and moving data --------------------------------------------------------


def _open(settings: Settings):
    from .store import open_store

    return open_store(settings)


@app.command("import")
@domain_errors
def import_(
    files: Annotated[list[Path], typer.Argument(help="CSV, XLSX, Schulliste (schuldaten.csv) oder RDF")],
    kind: Annotated[
        str | None, typer.Option("--kind", help="tabelle, schulliste, rdf oder eine Tabelle (akteure, …)")
    ] = None,
    city: Annotated[str | None, typer.Option("--city", help="Stadtprofil / city profile")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Name der Quelle / source name")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="nur prüfen / validate only")] = False,
    report: Annotated[Path | None, typer.Option("--report", help="Bericht als .html, .json oder .xlsx")] = None,
    lang: Annotated[str, typer.Option(help="de, en oder both")] = "both",
    store: StoreOpt = None,
) -> None:
    """Dateien prüfen und als eine Quelle importieren / validate files and import them as one source.

    Exit 0: importiert (mit --dry-run: würde importieren); 1: Prüfung fehlgeschlagen, nichts geändert;
    2: Eingabe nicht lesbar oder falscher Aufruf.
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from .importer import import_files
    from .importreport import write_report

    settings = _settings(store)
    city_name = city or settings.city
    st = _open(settings)
    try:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err,
                      transient=True) as bar:  # fmt: skip
            task = bar.add_task("Import …")
            result = import_files(
                files, store=st, iris=Iris(settings.base_iri), city=city_name, source=source, kind=kind,
                dry_run=dry_run, extra_city_dirs=_city_dirs(settings),
                progress=lambda msg: bar.update(task, description=msg),
            )  # fmt: skip
    finally:
        st.close()
    if report is not None:
        write_report(result, report)
        err.print(f"Bericht / report: {report}")
    _print_import(result, lang)
    raise typer.Exit(result.exit_code)


def _print_import(result, lang: str) -> None:
    if result.report.violations:
        out.print(result.report.to_text(lang=lang), markup=False, highlight=False)
    for note in result.notes:
        err.print(f"Hinweis / note: {note}", markup=False)
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
    table.add_row("Zeit / time", " · ".join(f"{k} {v:.2f}s" for k, v in result.timings.items()))
    out.print(table)


@app.command()
@domain_errors
def graphs(store: StoreOpt = None) -> None:
    """Benannte Graphen mit Quelle, Zeit, Größe und Prüfstatus / named graphs with source, time, size, status."""
    from .graphinfo import graph_overview

    settings = _settings(store)
    st = _open(settings)
    try:
        rows = graph_overview(st, Iris(settings.base_iri))
    finally:
        st.close()
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
    example: Annotated[bool, typer.Option("--beispiel", help="Beispielmappe mit Daten / example workbook")] = False,
) -> None:
    """Leere Vorlagen oder die Beispielmappe schreiben / write empty templates or the example workbook."""
    from .errors import UsageError
    from .ingest.export import write_example, write_template

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
        bool, typer.Option("--mit-kontakten", help="auch Kontaktpersonen (personenbezogen) / include contacts")
    ] = False,
    city: Annotated[str | None, typer.Option("--city", help="Stadtprofil / city profile")] = None,
    store: StoreOpt = None,
) -> None:
    """Daten exportieren: RDF oder die Importtabellen / export RDF or the import tables (lossless round trip)."""
    import pyoxigraph as ox

    from .errors import UsageError
    from .namespace import PREFIXES

    settings = _settings(store)
    iris = Iris(settings.base_iri)
    formats = {"trig": ox.RdfFormat.TRIG, "nq": ox.RdfFormat.N_QUADS, "ttl": ox.RdfFormat.TURTLE,
               "jsonld": ox.RdfFormat.JSON_LD}  # fmt: skip
    if fmt not in (*formats, "xlsx", "csv"):
        raise UsageError(f"--format {fmt!r}: erlaubt sind trig, nq, ttl, jsonld, xlsx, csv / allowed: same")
    st = _open(settings)
    try:
        if fmt in ("xlsx", "csv"):
            from .ingest.export import export_tables, write_tables

            tables = export_tables(st, city=city or settings.city, iris=iris, include_private=private)
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
    finally:
        st.close()


@app.command("drop-source")
@domain_errors
def drop_source(
    name: Annotated[str, typer.Argument(help="Name der Quelle / source name")], store: StoreOpt = None
) -> None:
    """Die Graphen einer Quelle entfernen / remove one source's graphs."""
    from .errors import UsageError

    settings = _settings(store)
    iris = Iris(settings.base_iri)
    st = _open(settings)
    try:
        names = [str(iris.graph(f"{part}/{name}")) for part in ("quelle", "privat", "meta")]
        present = [g for g in names if g in set(st.named_graphs())]
        if not present:
            raise UsageError(f"Quelle {name!r} gibt es nicht / no source named {name!r}")
        st.drop_graphs(present)
    finally:
        st.close()
    out.print(f"Quelle »{name}« entfernt / source removed ({len(present)} Graphen / graphs)")


@app.command()
@domain_errors
def backup(file: Annotated[Path, typer.Argument(help="Zieldatei (.nq oder .nq.gz)")], store: StoreOpt = None) -> None:
    """Den ganzen Speicher sichern / back up the whole store as N-Quads."""
    from .backup import backup_store

    settings = _settings(store)
    st = _open(settings)
    try:
        n = backup_store(st, file)
    finally:
        st.close()
    out.print(f"{n} Quads gesichert / backed up → {file}")


@app.command()
@domain_errors
def restore(file: Annotated[Path, typer.Argument(help="Sicherung (.nq oder .nq.gz)")], store: StoreOpt = None) -> None:
    """Den Speicher aus einer Sicherung wiederherstellen / restore the store from a backup (replaces everything)."""
    from .backup import restore_store

    settings = _settings(store)
    st = _open(settings)
    try:
        n = restore_store(st, file)
    finally:
        st.close()
    out.print(f"{n} Quads wiederhergestellt / restored ← {file}")


# -- city ------------------------------------------------------------------------


@city_app.command("list")
@domain_errors
def city_list(store: StoreOpt = None) -> None:
    """Stadtprofile anzeigen / list city profiles."""
    from .cities import list_profiles

    settings = _settings(store)
    table = Table(title="Stadtprofile / city profiles")
    for col in (
        "Name",
        "Stadt / city",
        "AGS",
        "Stadtbezirke",
        "Stadtteile",
        "Polygone / polygons",
        "Quelle / source",
    ):
        table.add_column(col)
    for p in list_profiles(extra_dirs=_city_dirs(settings)):
        table.add_row(
            p.name,
            p.label,
            p.ags or "–",
            str(len(p.stadtbezirke)),
            str(len(p.stadtteile)),
            "ja / yes" if p.has_polygons else "nein / no",
            str(p.source or ""),
        )
    out.print(table)


@city_app.command("add")
@domain_errors
def city_add(
    name: Annotated[str, typer.Argument(help="Name der Stadt / city name")],
    gebiete: Annotated[Path, typer.Option("--gebiete", help="CSV: ebene,code,name,stadtbezirk_code,stadtbezirk,…")],
    polygons: Annotated[list[Path] | None, typer.Option("--polygons", help="GeoJSON mit code/name")] = None,
    label: Annotated[str | None, typer.Option(help="Anzeigename / display name")] = None,
    ags: Annotated[str | None, typer.Option(help="Amtlicher Gemeindeschlüssel (8 Ziffern)")] = None,
    store: StoreOpt = None,
) -> None:
    """Stadtprofil anlegen oder aktualisieren / create or update a city profile."""
    from .cities import add_city

    settings = _settings(store)
    target = _user_cities_dir(settings)
    target.mkdir(parents=True, exist_ok=True)
    profile = add_city(name, gebiete, polygons or (), target_dir=target, label=label, ags=ags)
    out.print(
        f"Stadtprofil [bold]{profile.label}[/] ({profile.name}): {len(profile.stadtbezirke)} Stadtbezirke, "
        f"{len(profile.stadtteile)} Stadtteile, Polygone: {'ja' if profile.has_polygons else 'nein'} → {profile.source}"
    )
    missing = profile.districts_without_polygon if profile.has_polygons else ()
    if missing:
        err.print(f"Warnung / warning: {len(missing)} Gebiete ohne Polygon / districts without polygon")


def main() -> None:
    """Entry point of the console script."""
    app()


token_app = typer.Typer(help="API-Zugangsschlüssel / API tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("new")
@domain_errors
def token_new(
    role: Annotated[list[str] | None, typer.Option("--role", help="redaktion und/oder intern (mehrfach)")] = None,
) -> None:
    """Neuen Schlüssel erzeugen und den Eintrag für BILDUNGSNETZ_API_TOKENS ausgeben / new token and its setting."""
    from .api.auth import hash_token, new_token

    token = new_token()
    entry = hash_token(token, roles=role or ["redaktion"])
    out.print(f"Schlüssel (einmalig anzeigen, geheim halten) / token (shown once, keep secret):\n{token}", markup=False)
    out.print(f"Eintrag für / entry for BILDUNGSNETZ_API_TOKENS (nur der Hash / hash only):\n{entry}", markup=False)


@token_app.command("hash")
@domain_errors
def token_hash(
    token: Annotated[str, typer.Argument(help="vorhandener Schlüssel / existing token")],
    role: Annotated[list[str] | None, typer.Option("--role", help="redaktion und/oder intern (mehrfach)")] = None,
) -> None:
    """Den Settings-Eintrag (Hash) zu einem Schlüssel ausgeben / print the settings entry (hash) for a token."""
    from .api.auth import hash_token

    out.print(hash_token(token, roles=role or ["redaktion"]), markup=False)


def _register_subapps() -> None:
    # Sub-apps live in their own modules and import the helpers above, so they are added last.
    from .cli_analyse import analyse, report_gaps
    from .cli_sdg import report_app, sdg_app

    app.command("analyse")(analyse)
    report_app.command("gaps")(report_gaps)
    app.add_typer(sdg_app, name="sdg")
    app.add_typer(report_app, name="report")


if __name__ == "__main__":  # pragma: no cover
    # python -m bildungsnetz.cli: run the package module's app, which has every sub-command. Registering the
    # sub-apps here too would import cli_analyse, which imports bildungsnetz.cli a second time.
    from bildungsnetz.cli import main as _main

    sys.exit(_main())
elif __name__ == "bildungsnetz.cli":
    # Not under "__mp_main__": a worker process spawned from "python -m bildungsnetz.cli serve" imports this
    # file under that name, and must not run into the same double import.
    _register_subapps()
