"""``bildungsnetz demo`` and ``bildungsnetz serve``: build the demo city, serve a store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bildungsnetz.cli.common import (
    StoreOpt,
    _cities,
    _settings,
    app,
    domain_errors,
    err,
    out,
)
from bildungsnetz.iris import Iris
from bildungsnetz.settings import Settings

# -- demo ------------------------------------------------------------------------


@app.command()
@domain_errors
def demo(
    city: Annotated[
        str | None, typer.Option(help="Stadtprofil / city profile [Vorgabe: BILDUNGSNETZ_CITY, dortmund]")
    ] = None,
    actors: Annotated[int, typer.Option(help="Anzahl Akteure / number of actors (100–200000)")] = 2000,
    seed: Annotated[int, typer.Option(help="Zufallsstartwert; gleicher Wert, gleiche Stadt / seed")] = 1,
    store: StoreOpt = None,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Datensatz als TriG schreiben statt speichern / write TriG instead"),
    ] = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild/--keep", "--neu", help="neu erzeugen, auch wenn es sie schon gibt / rebuild")
    ] = False,
    serve_it: Annotated[
        bool, typer.Option("--serve/--no-serve", help="danach die API starten / then serve the API")
    ] = True,
    host: Annotated[str, typer.Option(help="Adresse / address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
) -> None:
    """Demo-Stadt erzeugen (falls nicht vorhanden) und bereitstellen / build the demo city if missing, then serve it.

    Ohne --rebuild bleibt eine vorhandene Demo stehen; hält der Speicher die Demo einer anderen Stadt, endet der
    Befehl mit einem Hinweis (--rebuild ersetzt sie, --store wählt einen anderen Ordner). --no-serve baut nur,
    --out schreibt TriG und startet nichts.
    """
    from bildungsnetz.demo.city import generate
    from bildungsnetz.errors import UsageError
    from bildungsnetz.reference import reference_graphs
    from bildungsnetz.store import open_store

    settings = _settings(store)
    iris = Iris(settings.base_iri)
    if not 100 <= actors <= 200_000:
        raise UsageError(f"--actors {actors}: erlaubt sind 100 bis 200000 / allowed are 100 to 200000")
    # The profile first: a misspelt city is an error with a suggestion, whatever the store holds.
    profile = _cities(settings).load(city)
    held = _demo_cities(settings, iris) if out_file is None and not rebuild else None
    if held is not None:
        if city is not None and profile.name not in held:
            where = settings.store.resolve()
            raise UsageError(
                f"der Speicher {where} enthält schon die Demo von {', '.join(held) or '?'}, nicht von {profile.name}: "
                f"--rebuild ersetzt sie, --store wählt einen anderen Ordner / the store {where} already holds the "
                f"demo of {', '.join(held) or '?'}, not of {profile.name}: --rebuild replaces it, --store picks "
                "another folder"
            )
        err.print(
            f"Demo ({', '.join(held)}) vorhanden in / demo present in: {settings.store.resolve()} "
            "(--rebuild baut sie neu / rebuilds)"
        )
        _print_demo_login(settings, host=host, port=port)
        if serve_it:
            _serve(settings, host=host, port=port)
        return
    with err.status(f"Erzeuge Demo-Stadt {profile.label} mit {actors} Akteuren …"):
        result = generate(city=profile, actors=actors, seed=seed, iris=iris)
        graphs = dict(result.graphs)
        graphs.update(reference_graphs([profile], iris))
    if out_file is not None:
        import pyoxigraph as ox

        from bildungsnetz.namespace import PREFIXES

        quads = (ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g)) for g, ts in graphs.items() for t in ts)
        with out_file.open("wb") as fh:
            ox.serialize(quads, fh, ox.RdfFormat.TRIG, prefixes=PREFIXES)
        err.print(f"Geschrieben / written: {out_file}")
    else:
        with err.status(f"Speichere in {settings.store} …"):
            with open_store(settings, write=True) as st:
                st.replace_graphs(graphs)
        with err.status("Plane die Netzwerkbefragung der Demo …"):
            from bildungsnetz.survey.demo import DEMO_ROUND, demo_round

            with open_store(settings, write=True) as st:
                planted = demo_round(st, iris, seed=seed, city=profile.name)
        err.print(f"Gespeichert in / stored in: {settings.endpoint or settings.store.resolve()}")
        err.print(f"Befragungswelle / survey round »{DEMO_ROUND}«: {planted['answered']} von {planted['invited']} "
                  f"beantwortet / answered ('bildungsnetz survey status {DEMO_ROUND}')", markup=False)  # fmt: skip
    _print_demo_summary(result.summary)
    if out_file is None:
        _print_demo_login(settings, host=host, port=port)
    if out_file is None and serve_it:
        _serve(settings, host=host, port=port)


def _demo_cities(settings: Settings, iris: Iris) -> list[str] | None:
    """The cities of the demo the embedded store holds (``None`` when it holds no demo)."""
    from bildungsnetz.store import open_store

    if settings.endpoint or not settings.store.is_dir():
        return None
    with open_store(settings, write=False) as st:
        demo = iris.graph("quelle/demo")
        if str(demo) not in st.named_graphs():
            return None
        # The demo's city is the one its data points at (a store may hold other cities' district graphs too).
        return [
            name
            for name in _cities(settings, st).held()
            if st.ask(f"ASK {{ GRAPH {demo.n3()} {{ ?s ?p {iris.gemeinde(name).n3()} }} }}")
        ]


def _print_demo_login(settings: Settings, *, host: str, port: int) -> None:
    """Make (once) the demo login of an embedded demo store and say how to sign in with it."""
    from bildungsnetz.demo.login import DEMO_ROLES, ensure_login, login_file

    if settings.endpoint:
        err.print(
            "Keine Demo-Anmeldung für einen entfernten Speicher: bildungsnetz user add NAME --role redaktion / "
            "no demo login for a remote store"
        )
        return
    token = ensure_login(settings.store)
    out.print(
        f"Demo-Anmeldung (nur Demo, Rollen {', '.join(DEMO_ROLES)}) / demo login (demo only):\n"
        f"  1. http://{host}:{port}/ öffnen, oben »Anmelden« / open it, click 'Log in' (http://{host}:{port}/anmelden)\n"
        f"  2. Token eingeben / enter the token: {token}\n"
        f"  (steht auch in / also kept in {login_file(settings.store.resolve())})",
        markup=False,
        soft_wrap=True,
    )


# -- serve -------------------------------------------------------------------------


def _serve(settings: Settings, *, host: str, port: int) -> None:
    import uvicorn

    from bildungsnetz.app import create_app

    where = settings.endpoint or settings.store.resolve()
    err.print(f"API: http://{host}:{port}/docs · SPARQL: http://{host}:{port}/sparql · Speicher / store: {where}")
    # Loopback when it listens there (all addresses include it): command-line writes come in that way.
    loopback = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "localhost": "127.0.0.1", "::": "[::1]", "::1": "[::1]"}
    local = f"http://{loopback.get(host, host)}:{port}"
    uvicorn.run(create_app(settings, local_url=local), host=host, port=port, log_level="warning")


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

    from bildungsnetz.demo.city import ANCHOR

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


