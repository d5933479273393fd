"""``bildungsnetz city``: list the city profiles, add one from district lists and polygons."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bildungsnetz.cli.common import (
    StoreOpt,
    _cities,
    _settings,
    city_app,
    domain_errors,
    err,
    out,
)
from bildungsnetz.cli.handoff import hand_off
from bildungsnetz.errors import StoreError

# -- city ------------------------------------------------------------------------


@city_app.command("list")
@domain_errors
def city_list(store: StoreOpt = None) -> None:
    """Stadtprofile anzeigen / list city profiles."""
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
    for p in _cities(settings).profiles():
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


def _known_ags(cities, name: str) -> str | None:
    """The AGS of ``name`` without --ags: the one its profile has already, else the NRW municipality's of that
    name (from the shipped table of NRW municipalities). An ambiguous name is an error listing the candidates;
    an unknown one gives ``None`` (the command warns)."""
    from bildungsnetz.cities import CityProfileError
    from bildungsnetz.cities.nrw import nrw_candidates, nrw_municipality

    try:
        known = cities.load(name).ags
    except CityProfileError:
        known = None
    if known:
        return known
    found = nrw_candidates(name)
    return nrw_municipality(name).ags if found else None  # several: the error lists them


@city_app.command("add")
@domain_errors
def city_add(
    name: Annotated[str, typer.Argument(help="Name der Stadt / city name")],
    gebiete: Annotated[
        Path, typer.Option("--districts", "--gebiete", help="CSV: ebene,code,name,stadtbezirk_code,stadtbezirk,…")
    ],
    polygons: Annotated[list[Path] | None, typer.Option("--polygons", help="GeoJSON mit code/name")] = None,
    label: Annotated[str | None, typer.Option(help="Anzeigename / display name")] = None,
    ags: Annotated[str | None, typer.Option(help="Amtlicher Gemeindeschlüssel (8 Ziffern)")] = None,
    store: StoreOpt = None,
) -> None:
    """Stadtprofil anlegen oder aktualisieren / create or update a city profile."""
    settings = _settings(store)
    cities = _cities(settings)
    if ags is None:
        ags = _known_ags(cities, name)
    profile = cities.add(name, gebiete, polygons or (), label=label, ags=ags)
    try:
        hand_off(settings, "refresh", {})  # a server running on the store shows the new profile at once
    except StoreError as exc:  # the profile is written; only the server's pages wait for its next start
        err.print(f"Warnung / warning: {exc}", markup=False, highlight=False)
    out.print(
        f"Stadtprofil [bold]{profile.label}[/] ({profile.name}): {len(profile.stadtbezirke)} Stadtbezirke, "
        f"{len(profile.stadtteile)} Stadtteile, Polygone: {'ja' if profile.has_polygons else 'nein'} → {profile.source}"
    )
    if profile.ags is None:
        err.print(
            f"Warnung / warning: '{name}' ist keine bekannte Gemeinde in NRW, das Profil hat keinen "
            "Gemeindeschlüssel; bitte mit --ags ergänzen / is no known NRW municipality, the profile has no "
            "municipality key; add it with --ags",
            markup=False,
            highlight=False,
        )
    missing = profile.districts_without_polygon if profile.has_polygons else ()
    if missing:
        err.print(f"Warnung / warning: {len(missing)} Gebiete ohne Polygon / districts without polygon")


