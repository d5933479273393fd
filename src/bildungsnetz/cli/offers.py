"""``bildungsnetz offers`` (``angebote``): the offer catalogue; ``bildungsnetz vermittlung``: record mediations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bildungsnetz.cli.common import CityOpt, StoreOpt, _cities, _city, _settings, app, domain_errors, out, write_rows
from bildungsnetz.cli.data import _who
from bildungsnetz.cli.handoff import hand_off
from bildungsnetz.iris import Iris

__all__ = ["offers", "mediation_app"]

mediation_app = typer.Typer(
    help="Vermittlungen von Angeboten an Einrichtungen / mediations of offers to institutions.", no_args_is_help=True
)
FormatOpt = Annotated[
    str | None, typer.Option("--format", help="table, csv, json oder xlsx (Vorgabe: nach --out, sonst table)")
]
OutOpt = Annotated[Path | None, typer.Option("--out", help="Datei für csv/json/xlsx / output file")]


def _run_named(
    name: str, values: dict[str, str], fmt: str | None, out_file: Path | None, store, city: str | None,
    *, area: str | None = None,
) -> None:
    """Run a named query with the user's filters and write it like ``bildungsnetz query`` does; where the store
    holds several cities and the area parameter ``area`` is not given, it is the city's municipality (only the
    city's part is listed)."""
    from bildungsnetz.errors import UsageError
    from bildungsnetz.queries import get, run
    from bildungsnetz.store import open_store
    from bildungsnetz.tables import output_format

    fmt = output_format(fmt, out_file, allowed=("table", "csv", "json", "xlsx"), default="table")
    if fmt == "xlsx" and out_file is None:
        raise UsageError("--format xlsx braucht --out DATEI.xlsx / needs --out FILE.xlsx")
    settings = _settings(store)
    values = {k: v for k, v in values.items() if v not in (None, "")}
    with open_store(settings, write=False) as st:
        profile = _city(settings, st, city)
        if area and not values.get(area) and len(_cities(settings, st).held()) > 1:
            values[area] = str(Iris(settings.base_iri).gemeinde(profile.name))
        result = run(get(name), values, store=st, iris=Iris(settings.base_iri), city=profile)
    write_rows(result.columns, result.rows, fmt, out_file, title=name)


@app.command("offers")
@domain_errors
def offers(
    search: Annotated[str | None, typer.Option("--search", "-q", help="Text in Titel oder Beschreibung")] = None,
    handlungsfeld: Annotated[str | None, typer.Option("--handlungsfeld", help="Handlungsfeld: Code oder Name")] = None,
    zielgruppe: Annotated[str | None, typer.Option("--zielgruppe", help="Zielgruppe: Code oder Name")] = None,
    bildungsphase: Annotated[str | None, typer.Option("--bildungsphase", help="Bildungsphase: Code oder Name")] = None,
    sdg: Annotated[str | None, typer.Option("--sdg", help="SDG-Ziel oder -Unterziel (nur bestätigte)")] = None,
    stadtbezirk: Annotated[str | None, typer.Option("--stadtbezirk", help="Stadtbezirk: Code oder Name")] = None,
    provider: Annotated[str | None, typer.Option("--provider", "--anbieter", help="Anbieter: Kennung")] = None,
    max_cost: Annotated[
        int | None, typer.Option("--max-cost", "--maxkosten", help="höchstens so viel Euro (0 = kostenfrei)")
    ] = None,
    date: Annotated[str | None, typer.Option("--date", help="Stichtag JJJJ-MM-TT (Vorgabe: heute)")] = None,
    limit: Annotated[int, typer.Option("--limit", help="höchstens so viele Zeilen / at most this many rows")] = 1000,
    fmt: FormatOpt = None,
    out_file: OutOpt = None,
    store: StoreOpt = None,
    city: CityOpt = None,
) -> None:
    """Angebotsübersicht zum Stichtag / the offer catalogue at a date (same filters as the web page and REST)."""
    values = {
        "q": search, "handlungsfeld": handlungsfeld, "zielgruppe": zielgruppe, "bildungsphase": bildungsphase,
        "sdg": sdg, "stadtbezirk": stadtbezirk, "anbieter": provider,
        "maxkosten": str(max_cost) if max_cost is not None else None, "date": date, "limit": str(limit),
    }  # fmt: skip
    _run_named("offer-catalogue", values, fmt, out_file, store, city, area="stadtbezirk")


app.command("angebote", help="Angebotsübersicht (wie 'offers') / offer catalogue (as 'offers').")(offers)


@mediation_app.command("add")
@domain_errors
def mediation_add(
    offer: Annotated[str, typer.Argument(help="Angebots-ID / offer id")],
    institution: Annotated[str, typer.Argument(help="Einrichtung: Kennung oder Schulnummer / institution id")],
    status: Annotated[str, typer.Option("--status", help="angefragt, vermittelt, durchgefuehrt, abgelehnt")] = (
        "angefragt"
    ),
    on: Annotated[str | None, typer.Option("--date", help="Datum JJJJ-MM-TT (Vorgabe: heute)")] = None,
    note: Annotated[str, typer.Option("--note", help="Notiz / note")] = "",
    store: StoreOpt = None,
    city: CityOpt = None,
) -> None:
    """Eine Vermittlung erfassen / record that an offer was mediated to an institution.

    Jede Erfassung ist eine Version der Quelle 'vermittlungen' ('bildungsnetz history vermittlungen',
    'bildungsnetz undo vermittlungen@N').
    """
    from bildungsnetz.ingest.mediations import record_mediation
    from bildungsnetz.ingest.versions import Versions
    from bildungsnetz.store import open_store

    settings = _settings(store)
    args = {"offer": offer, "institution": institution, "status": status, "date": on, "note": note, "user": _who(),
            "city": city}  # fmt: skip
    handed, result = hand_off(settings, "mediation-add", args)
    if not handed:
        with open_store(settings, write=True) as st:
            _city(settings, st, city)  # an unknown city (or none where the store holds several) changes nothing
            result = record_mediation(
                st, offer=offer, institution=institution, status=status, on=on, note=note, user=_who(),
                iris=Iris(settings.base_iri), versions=Versions.from_settings(settings),
            )  # fmt: skip
    out.print(
        f"Vermittlung / mediation {result['id']}: {result['offerTitle']} → {result['institutionLabel']} "
        f"({result['status']}, {result['date']}) – Version {result['version']}",
        markup=False, highlight=False,
    )  # fmt: skip


@mediation_app.command("set-status")
@domain_errors
def mediation_set_status(
    mediation: Annotated[str, typer.Argument(help="Vermittlung, z. B. V-3 / mediation id")],
    status: Annotated[str, typer.Argument(help="angefragt, vermittelt, durchgefuehrt, abgelehnt")],
    note: Annotated[str | None, typer.Option("--note", help="neue Notiz / new note")] = None,
    store: StoreOpt = None,
    city: CityOpt = None,
) -> None:
    """Den Status einer Vermittlung ändern / change the status of a mediation."""
    from bildungsnetz.ingest.mediations import set_mediation_status
    from bildungsnetz.ingest.versions import Versions
    from bildungsnetz.store import open_store

    settings = _settings(store)
    args = {"mediation": mediation, "status": status, "note": note, "user": _who(), "city": city}
    handed, result = hand_off(settings, "mediation-status", args)
    if not handed:
        with open_store(settings, write=True) as st:
            _city(settings, st, city)  # an unknown city (or none where the store holds several) changes nothing
            result = set_mediation_status(
                st, mediation, status, note=note, user=_who(), iris=Iris(settings.base_iri),
                versions=Versions.from_settings(settings),
            )  # fmt: skip
    out.print(f"Vermittlung / mediation {result['id']}: {result['status']} – Version {result['version']}",
              markup=False, highlight=False)  # fmt: skip


@mediation_app.command("list")
@domain_errors
def mediation_list(
    offer: Annotated[str | None, typer.Option("--offer", help="Angebots-ID")] = None,
    institution: Annotated[str | None, typer.Option("--institution", help="Einrichtung: Kennung")] = None,
    stadtbezirk: Annotated[str | None, typer.Option("--stadtbezirk", help="Stadtbezirk der Einrichtung")] = None,
    status: Annotated[str | None, typer.Option("--status", help="nur dieser Status / only this status")] = None,
    fmt: FormatOpt = None,
    out_file: OutOpt = None,
    store: StoreOpt = None,
    city: CityOpt = None,
) -> None:
    """Vermittlungen auflisten, neueste zuerst / list mediations, newest first (without the person)."""
    values = {"offer": offer, "institution": institution, "stadtbezirk": stadtbezirk, "status": status,
              "limit": "1000"}  # fmt: skip
    _run_named("mediations", values, fmt, out_file, store, city)


@mediation_app.command("districts")
@domain_errors
def mediation_districts(
    date: Annotated[str | None, typer.Option("--date", help="Stichtag des Bedarfs JJJJ-MM-TT (Vorgabe: heute)")] = None,
    fmt: FormatOpt = None,
    out_file: OutOpt = None,
    store: StoreOpt = None,
    city: CityOpt = None,
) -> None:
    """Vermittlungen je Stadtbezirk gegen den Bedarf, wenigste zuerst / mediations per district against need.

    Dieselben Zahlen wie die Webseite /vermittlungen (eine Berechnung: analysis.mediations.district_reach).
    """

    from bildungsnetz.analysis.graphs import load
    from bildungsnetz.analysis.mediations import district_reach
    from bildungsnetz.analysis.run import run_analysis
    from bildungsnetz.store import open_store
    from bildungsnetz.tables import output_format

    fmt = output_format(fmt, out_file, allowed=("table", "csv", "json", "xlsx"), default="table")
    settings = _settings(store)
    iris = Iris(settings.base_iri)
    with open_store(settings, write=False) as st:
        profile = _city(settings, st, city)
        analysis = run_analysis(load(st, date=date, iris=iris, city=profile.name))
        reach = district_reach(st, analysis, iris=iris)
    columns = ["code", "label", "need", "reached", "done", "asked", "declined", "gap", "fields", "zielgruppen"]
    def counts(values: dict[str, int]) -> str:
        return "; ".join(f"{k} {n}" for k, n in sorted(values.items()))

    rows = [dict(d, fields=counts(d["fields"]), zielgruppen=counts(d["zielgruppen"])) for d in reach]
    write_rows(columns, rows, fmt, out_file, title="vermittlungen-je-bezirk")


@app.command("programme")
@domain_errors
def programme(
    code: Annotated[str | None, typer.Argument(help="Programmcode, z. B. kaoa (ohne: alle / all)")] = None,
    months: Annotated[int, typer.Option("--months", help="endet in den nächsten … Monaten")] = 12,
    fmt: FormatOpt = None,
    out_file: OutOpt = None,
    store: StoreOpt = None,
    city: CityOpt = None,
) -> None:
    """Fördermittel: Programme, die bald enden, oder ein Programm und was sein Ende kappt / funding programmes.

    Ohne CODE: die Programme, deren laufende Förderungen alle in den nächsten --months Monaten enden. Mit CODE:
    Förderungen je Jahr und Stadtbezirk und was mit dem Programm endet – dieselben Zahlen wie /programme/CODE.
    """
    import json
    import sys

    from bildungsnetz.analysis.graphs import load
    from bildungsnetz.analysis.programmes import programme_overview, programmes_ending
    from bildungsnetz.errors import UsageError
    from bildungsnetz.queries import run
    from bildungsnetz.store import open_store
    from bildungsnetz.tables import output_format

    fmt = output_format(fmt, out_file, allowed=("table", "csv", "json", "xlsx"), default="table")
    settings = _settings(store)
    iris = Iris(settings.base_iri)
    with open_store(settings, write=False) as st:
        profile = _city(settings, st, city)
        if code is None:
            rows = programmes_ending(st, months=months, iris=iris)
            write_rows(["code", "end", "grants", "programme"], rows, fmt, out_file,
                       title=f"endet-in-{months}-monaten")  # fmt: skip
            return
        known = run("programmes-and-funding", {}, store=st, iris=iris, city="").rows
        found = next((p for p in known if p["programmeCode"] == code.strip().lower()), None)
        if found is None:
            raise UsageError(f'Programm "{code[:64]}" nicht gefunden / programme not found ('
                             + ", ".join(p["programmeCode"] for p in known) + ")")  # fmt: skip
        overview = programme_overview(st, load(st, iris=iris, city=profile.name), found["programme"], iris=iris)
    if fmt in ("csv", "xlsx"):
        columns = ["recipientId", "recipientLabel", "districtLabel", "since", "until", "amount"]
        write_rows(columns, overview["grants"], fmt, out_file, title=code)
        return
    dep = overview["dependency"]
    if fmt == "json":
        sys.stdout.write(json.dumps(overview, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    totals = overview["totals"]
    lines = [
        f"Programm / programme {code}: {totals['total']:,.2f} EUR in {totals['grants']} Förderungen / grants, "
        f"endet / ends {overview['end'] or 'offen / open'}",
        "je Jahr / per year: " + ", ".join(f"{y} {v:,.0f}" for y, v in totals["by_year"].items()),
        "je Stadtbezirk / per district: " + ", ".join(f"{d} {v:,.0f}" for d, v in totals["by_district"].items()),
        f"Mit dem Programm enden / ending with it: {len(dep['ends']['partnerships'])} Kooperationen / partnerships, "
        f"{len(dep['ends']['offers'])} Angebote / offers, {len(dep['ends']['campuses'])} Kindercampus-Standorte / "
        f"campus sites ({sum(len(c['offers']) for c in dep['ends']['campuses'])} Angebote vor Ort / offers on site)",
        f"Beziehungen weg / ties lost: {dep['lost_ties']}; ohne Partner / left alone: {len(dep['newly_isolated'])}; "
        f"Brückenakteure weg / brokers lost: {len(dep['brokers_lost'])}; ohne Brücke / lose a broker: "
        f"{len(dep['lose_broker'])}",
    ]  # fmt: skip
    for line in lines:
        out.print(line, markup=False, highlight=False)
