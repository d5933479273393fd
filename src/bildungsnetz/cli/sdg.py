"""CLI commands for BiNaKom's SDG work (``bildungsnetz sdg …``) and the report files (``bildungsnetz report …``)."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bildungsnetz.cli.common import CityOpt, StoreOpt, _city, _settings, domain_errors, err, out
from bildungsnetz.cli.handoff import hand_off
from bildungsnetz.iris import Iris
from bildungsnetz.store import open_store

__all__ = ["sdg_app", "report_app"]

sdg_app = typer.Typer(help="SDG-Zuordnung für BiNaKom / SDG mapping.", no_args_is_help=True)
report_app = typer.Typer(help="Berichte als Datei / reports as files.", no_args_is_help=True)


def _print_suggestions(suggestions: list, fmt: str) -> None:
    if fmt == "json":
        out.print_json(json.dumps([s.to_dict() for s in suggestions], ensure_ascii=False))
        return
    if not suggestions:
        out.print("Kein SDG-Vorschlag – der Text berührt kein Nachhaltigkeitsziel erkennbar / no SDG suggestion")
        return
    table = Table(title="SDG-Vorschläge / suggestions")
    for col in ("SDG", "Unterziel", "Titel", "Wert / score", "Belege / evidence"):
        table.add_column(col)
    for s in suggestions:
        table.add_row(str(s.sdg), s.target or "–", s.label, f"{s.score:.2f}", ", ".join(s.evidence))
    out.print(table, markup=False)


@sdg_app.command("suggest")
@domain_errors
def sdg_suggest(
    text: Annotated[str | None, typer.Argument(help="Angebotstext (Titel und 1–3 Sätze) / offer text")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="CSV mit id, titel, beschreibung")] = None,
    in_store: Annotated[
        bool, typer.Option("--store-all", "--alle", help="für alle gespeicherten Angebote ohne Entscheidung")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help="table oder json")] = "table",
    store: StoreOpt = None,
) -> None:
    """SDGs für kurze deutsche Angebotstexte vorschlagen, mit Belegen / suggest SDGs with evidence."""
    from bildungsnetz.errors import UsageError
    from bildungsnetz.sdg import suggest, suggest_file, suggest_store

    if sum(x is not None and x is not False for x in (text, file, in_store or None)) != 1:
        raise UsageError('genau eines: "TEXT", --file F.csv oder --alle / exactly one of "TEXT", --file, --alle')
    if text is not None:
        _print_suggestions(suggest(text), fmt)
    elif file is not None:
        out.print_json(json.dumps(suggest_file(file), ensure_ascii=False))
    else:
        settings = _settings(store)
        with open_store(settings, write=True) as st:
            summary = suggest_store(st, iris=Iris(settings.base_iri))
        out.print_json(json.dumps(summary, ensure_ascii=False, default=str))


def _decide(offer: str, sdg: str, status: str, user: str | None, store: Path | None) -> None:
    from bildungsnetz.sdg import decide

    settings = _settings(store)
    user = user or getpass.getuser()
    handed, result = hand_off(settings, "sdg-decide", {"offer": offer, "sdg": sdg, "status": status, "user": user})
    if not handed:
        with open_store(settings, write=True) as st:
            result = decide(st, offer, sdg, status, user=user, iris=Iris(settings.base_iri))
    out.print_json(json.dumps(result, ensure_ascii=False, default=str))


@sdg_app.command("confirm")
@domain_errors
def sdg_confirm(
    offer: Annotated[str, typer.Argument(help="Angebots-ID / offer id")],
    sdg: Annotated[str, typer.Argument(help="SDG oder Unterziel, z. B. 13 oder 13.3")],
    user: Annotated[str | None, typer.Option("--user", help="wer entscheidet / who decides")] = None,
    store: StoreOpt = None,
) -> None:
    """Eine SDG-Zuordnung bestätigen / confirm an SDG assignment."""
    _decide(offer, sdg, "bestaetigt", user, store)


@sdg_app.command("reject")
@domain_errors
def sdg_reject(
    offer: Annotated[str, typer.Argument(help="Angebots-ID / offer id")],
    sdg: Annotated[str, typer.Argument(help="SDG oder Unterziel, z. B. 13 oder 13.3")],
    user: Annotated[str | None, typer.Option("--user", help="wer entscheidet / who decides")] = None,
    store: StoreOpt = None,
) -> None:
    """Eine SDG-Zuordnung ablehnen / reject an SDG assignment."""
    _decide(offer, sdg, "abgelehnt", user, store)


@sdg_app.command("partners")
@domain_errors
def sdg_partners(
    actor: Annotated[str, typer.Argument(help="Akteurs-ID oder Schulnummer / actor id")],
    sdg: Annotated[str, typer.Argument(help="SDG, z. B. 13")],
    limit: Annotated[int, typer.Option(help="höchstens / at most")] = 20,
    fmt: Annotated[str, typer.Option("--format", help="table oder json")] = "table",
    store: StoreOpt = None,
) -> None:
    """Wer könnte diesem Akteur beim SDG helfen? / who could help this actor with the SDG?"""
    from bildungsnetz.sdg import partner_suggestions

    settings = _settings(store)
    with open_store(settings, write=False) as st:
        rows = partner_suggestions(st, actor, sdg, limit=limit, iris=Iris(settings.base_iri))
    if fmt == "json":
        out.print_json(json.dumps(rows, ensure_ascii=False, default=str))
        return
    table = Table(title=f"Mögliche Partner für SDG {sdg} / possible partners")
    columns = [c for c in (rows[0].keys() if rows else []) if not str(rows[0][c]).startswith("http")]
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    out.print(table, markup=False)


def _cell(value: object) -> str:
    if isinstance(value, list):  # offers: show their titles or ids, not the raw records
        return "; ".join(str(v.get("title") or v.get("offerId") or v) if isinstance(v, dict) else str(v) for v in value)
    return "" if value is None else str(value)


@report_app.command("sdg")
@domain_errors
def report_sdg(
    out_file: Annotated[Path, typer.Option("--out", help="Bericht als .html oder .xlsx")],
    by: Annotated[str, typer.Option("--by", help="zielgruppe oder bildungsphase")] = "zielgruppe",
    city: CityOpt = None,
    store: StoreOpt = None,
) -> None:
    """SDG-Abdeckung mit Heatmap und Lückenlisten / SDG coverage with heat map and gap lists."""
    from bildungsnetz.report.sdg import write_sdg_report

    settings = _settings(store)
    with open_store(settings, write=False) as st:
        profile = _city(settings, st, city)
        path = write_sdg_report(st, out_file, dimension=by, iris=Iris(settings.base_iri), city=profile.name,
                                label=profile.label)  # fmt: skip
    err.print(f"Bericht / report: {path}")
