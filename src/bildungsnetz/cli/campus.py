"""``bildungsnetz campus``: the Kindercampus sites, their members, offers on site and gaps in their Stadtteil."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from bildungsnetz.cli.common import CityOpt, StoreOpt, _city, _settings, app, domain_errors, out
from bildungsnetz.cli.indicators import store_query
from bildungsnetz.iris import Iris
from bildungsnetz.store import open_store

__all__ = ["campus_app", "list_campuses", "show_campus"]

campus_app = typer.Typer(help="Kindercampus-Standorte / children's campus sites.", no_args_is_help=True)
app.add_typer(campus_app, name="campus")


@campus_app.command("list")
@domain_errors
def list_campuses(
    date: Annotated[str | None, typer.Option("--date", help="Stichtag / reference date")] = None,
    store: StoreOpt = None,
    city: CityOpt = None,
) -> None:
    """Alle Kindercampus mit Schule, Stadtteil, Mitgliedern und Angeboten / every campus."""
    from bildungsnetz.analysis.graphs import resolve_date

    settings = _settings(store)
    with open_store(settings, write=False) as st:
        profile = _city(settings, st, city)
        rows = store_query(st, settings, profile.name)("api/campuses", {"date": resolve_date(date)})
    table = Table(title=f"Kindercampus – {profile.label}")
    table.add_column("id", no_wrap=True)  # an id people copy into `campus show` stays whole
    for col in ("Name", "Schule / school", "Stadtteil", "Mitglieder", "Angebote", "Programm"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(*(str(r.get(k) or "") for k in ("id", "label", "schoolLabel", "stadtteilLabel")),
                      str(r.get("members") or 0), str(r.get("offers") or 0), str(r.get("programmes") or ""))
    out.print(table, markup=False)


@campus_app.command("show")
@domain_errors
def show_campus(
    campus: Annotated[str, typer.Argument(help="Kennung, Name oder Stadtteil, z. B. KC-HOERDE oder Hörde")],
    date: Annotated[str | None, typer.Option("--date", help="Stichtag / reference date")] = None,
    store: StoreOpt = None,
    city: CityOpt = None,
) -> None:
    """Ein Kindercampus: Mitglieder, Angebote vor Ort, Lücken der Bildungskette im Stadtteil / one campus."""
    from bildungsnetz.analysis.campus import load_campus
    from bildungsnetz.analysis.graphs import load
    from bildungsnetz.analysis.run import run_analysis

    settings = _settings(store)
    with open_store(settings, write=False) as st:
        profile = _city(settings, st, city)
        query = store_query(st, settings, profile.name)
        data = load(st, date=date, iris=Iris(settings.base_iri), city=profile.name)
        transitions = run_analysis(data, ebene="stadtteil").result["transitions"]
        found = load_campus(query, campus, transitions=transitions, date=data.date)
    c = found["campus"]
    out.print(f"{c.get('label')} ({c.get('id')}) – {c.get('stadtteilLabel')}, Schule / school: "
              f"{c.get('schoolLabel')}", markup=False)
    members = Table(title=f"Mitglieder / members ({len(found['members'])})")
    for col in ("id", "Name", "Art / kind"):
        members.add_column(col, overflow="fold")
    for m in found["members"]:
        members.add_row(str(m.get("memberId") or ""), str(m.get("label") or ""), str(m.get("kind") or ""))
    out.print(members, markup=False)
    offers = Table(title=f"Angebote vor Ort / offers on site ({len(found['offers'])})")
    for col in ("Titel / title", "Anbieter / provider", "Handlungsfeld", "Zielgruppen", "Wochentage"):
        offers.add_column(col, overflow="fold")
    for o in found["offers"]:
        offers.add_row(*(str(o.get(k) or "") for k in ("title", "providerLabel", "field", "groups", "weekdays")))
    out.print(offers, markup=False)
    out.print("Wochentage / weekdays: " + " · ".join(f"{d} {n}" for d, n in found["by_weekday"]), markup=False)
    gaps = Table(title="Bildungskette im Stadtteil / education chain in the Stadtteil")
    for col in ("Prüfung / check", "Akteure", "ohne Partner / missing"):
        gaps.add_column(col, overflow="fold")
    for g in found["gaps"]:
        gaps.add_row(str(g["label"]), str(g["actors"]), str(len(g["missing"])))
    out.print(gaps, markup=False)
