"""``bildungsnetz survey`` (``befragung``): rounds of the network survey — new, invitations, status, close, list,
ties, compare. Writes go to a running server when one holds the store (cli/handoff.py)."""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from bildungsnetz.cli.analyse import TiesOpt
from bildungsnetz.cli.common import CityOpt, StoreOpt, _city, _settings, app, domain_errors, err, out, write_rows
from bildungsnetz.cli.data import _who
from bildungsnetz.cli.handoff import hand_off
from bildungsnetz.iris import Iris
from bildungsnetz.store import open_store
from bildungsnetz.survey.commands import run_survey_command
from bildungsnetz.survey.mailmerge import INVITATION_COLUMNS, invitation_rows, public_base

__all__ = ["survey_app"]

survey_app = typer.Typer(help="Netzwerkbefragung / network survey: Wellen, Einladungen, Rücklauf.",
                         no_args_is_help=True)  # fmt: skip
app.add_typer(survey_app, name="survey")
app.add_typer(survey_app, name="befragung", hidden=True)

UrlOpt = Annotated[
    str | None, typer.Option("--url", help="Adresse, unter der die Befragten den Server erreichen / the server's "
                             "address as respondents reach it (Vorgabe BILDUNGSNETZ_PUBLIC_URL); the link is "
                             "URL/befragung/SCHLÜSSEL")
]  # fmt: skip


def _day(value: str | None, param: str) -> date | None:
    if value is None:
        return None
    from bildungsnetz.analysis.graphs import resolve_date

    return date.fromisoformat(resolve_date(value, param=param))


def _write_list(rows: list[dict[str, Any]], out_file: Path, *, with_contacts: bool) -> None:
    from bildungsnetz.tables import output_format

    fmt = output_format(None, out_file, allowed=("csv", "xlsx"), default="csv")
    columns = INVITATION_COLUMNS + (["kontakt"] if with_contacts else [])
    write_rows(columns, rows, fmt, out_file, title="Einladungen", counted="Einladungen / invitations")


def _write(settings, command: str, args: dict[str, Any], city: str | None) -> Any:
    """Run a survey write here, or hand it (with the city as named) to the server that holds the store, which
    resolves the city the same way."""
    handed, answer = hand_off(settings, command, {**args, "city": city})
    if handed:
        return answer
    with open_store(settings, write=True) as st:
        profile = _city(settings, st, city)  # an unknown city (or none where several are held) changes nothing
        return run_survey_command(st, Iris(settings.base_iri), command, {**args, "city": profile.name})


def _actor_iris(values: list[str] | None, iris: Iris) -> list[str] | None:
    if not values:
        return None
    return [v if v.startswith(("http://", "https://")) else str(iris.akteur(v)) for v in values]


@survey_app.command("new")
@domain_errors
def new(
    name: Annotated[str, typer.Argument(help="Name der Welle, z. B. 2026 / round name")],
    title: Annotated[str, typer.Option("--title", help="Titel / title")] = "",
    stadtbezirk: Annotated[
        list[str] | None, typer.Option("--stadtbezirk", help="nur diese Stadtbezirke (Code oder Name, mehrfach)")
    ] = None,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", "--art", help="nur diese Akteursarten (Code, mehrfach)")
    ] = None,
    actor: Annotated[
        list[str] | None, typer.Option("--actor", "--akteur", help="genau diese Akteure (Kennung oder IRI, mehrfach)")
    ] = None,
    stichtag: Annotated[str | None, typer.Option("--stichtag", help="Stichtag (Vorgabe heute)")] = None,
    closes: Annotated[str | None, typer.Option("--closes", "--ende", help="geplantes Ende / closes on")] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Serienbriefliste mit den Links als .xlsx oder .csv")
    ] = None,
    url: UrlOpt = None,
    store: StoreOpt = None,
    city: CityOpt = None,
) -> None:
    """Neue Befragungswelle mit Einladungsliste und persönlichen Links / new survey round with links.

    Die Links werden nur jetzt gezeigt (gespeichert wird nur ihre Prüfsumme): mit --out gleich die
    Serienbriefliste schreiben. Später: 'survey invitations NAME --new-links --out DATEI' (alte Links verfallen).
    """
    settings = _settings(store)
    iris = Iris(settings.base_iri)
    base = public_base(url or settings.public_url) if out_file is not None else None  # before anything is made
    args = {
        "name": name, "title": title, "stadtbezirke": stadtbezirk or [], "kinds": kind or [],
        "actors": _actor_iris(actor, iris), "agent": _who(),
        "stichtag": (_day(stichtag, "stichtag") or date.today()).isoformat(),
        "closes": d.isoformat() if (d := _day(closes, "closes")) else None,
    }  # fmt: skip
    if out_file is not None:  # refuse a wrong suffix before anything is written
        from bildungsnetz.tables import output_format

        output_format(None, out_file, allowed=("csv", "xlsx"), default="csv")
    answer = _write(settings, "survey-new", args, city)
    found, made = answer["round"], answer["invitations"]
    out.print(f"Befragungswelle / survey round »{found['name']}« (Stichtag {found['stichtag']}): "
              f"{len(made)} Einladungen / invitations", markup=False)  # fmt: skip
    if out_file is not None:
        _write_list(invitation_rows(made, base=base, with_contacts=False), out_file, with_contacts=False)
    else:
        err.print("Hinweis: die Links sind nur jetzt sichtbar; ohne --out neu ausstellen mit 'survey invitations "
                  f"{found['name']} --new-links --out DATEI' / the links show only now", markup=False)  # fmt: skip


@survey_app.command("invitations")
@domain_errors
def invitations_command(
    name: Annotated[str, typer.Argument(help="Name der Welle / round name")],
    out_file: Annotated[Path, typer.Option("--out", help="Serienbriefliste als .xlsx oder .csv")],
    new_links: Annotated[
        bool, typer.Option("--new-links", "--neue-links", help="neue Links ausstellen; ALLE alten verfallen")
    ] = False,
    with_contacts: Annotated[
        bool, typer.Option("--with-contacts", "--mit-kontakten", help="Kontaktpersonen (personenbezogen, intern)")
    ] = False,
    url: UrlOpt = None,
    store: StoreOpt = None,
    city: CityOpt = None,
) -> None:
    """Serienbriefliste einer Welle: Akteur, Adresse, Link / mail-merge list of a round.

    Ohne --new-links hat die Liste keine Links (gespeichert sind nur Prüfsummen); --new-links stellt für alle
    neue Links aus, die alten gelten dann nicht mehr, gespeicherte Antworten bleiben.
    """
    from bildungsnetz.survey import invitations
    from bildungsnetz.tables import output_format

    output_format(None, out_file, allowed=("csv", "xlsx"), default="csv")
    settings = _settings(store)
    base = public_base(url or settings.public_url) if new_links else None  # before the old links are replaced
    if new_links:
        made = _write(settings, "survey-invitations", {"name": name, "contacts": with_contacts}, city)
        made = made["invitations"]
    else:
        with open_store(settings, write=False) as st:
            _city(settings, st, city)
            made = [dataclasses.asdict(i) for i in invitations(st, Iris(settings.base_iri), name,
                                                                with_contacts=with_contacts)]  # fmt: skip
        err.print("Ohne Links (nur mit --new-links) / without links (only with --new-links)", markup=False)
    _write_list(invitation_rows(made, base=base, with_contacts=with_contacts), out_file, with_contacts=with_contacts)


STATUS_COLUMNS = ["stadtbezirk", "art", "eingeladen", "geoeffnet", "entwurf", "beantwortet", "nicht_beantwortet",
                  "quote"]  # fmt: skip


def _status_rows(rows) -> list[dict[str, Any]]:
    return [
        {"stadtbezirk": r.stadtbezirk_label or "–", "art": r.kind_label or r.kind, "eingeladen": r.invited,
         "geoeffnet": r.opened, "entwurf": r.draft, "beantwortet": r.answered,
         "nicht_beantwortet": r.invited - r.answered, "quote": round(r.rate, 3)}
        for r in rows
    ]  # fmt: skip


@survey_app.command("status")
@domain_errors
def status_command(
    name: Annotated[str, typer.Argument(help="Name der Welle / round name")],
    out_file: Annotated[Path | None, typer.Option("--out", help="als .csv oder .xlsx")] = None,
    store: StoreOpt = None,
    city: CityOpt = None,
) -> None:
    """Rücklauf je Stadtbezirk und Art: beantwortet, geöffnet, nicht beantwortet / response per district."""
    from bildungsnetz.survey import get_round, status
    from bildungsnetz.tables import output_format

    settings = _settings(store)
    iris = Iris(settings.base_iri)
    with open_store(settings, write=False) as st:
        profile = _city(settings, st, city)
        found = get_round(st, iris, name)
        rows = _status_rows(status(st, iris, found.name))
    invited = sum(r["eingeladen"] for r in rows)
    answered = sum(r["beantwortet"] for r in rows)
    total = {"stadtbezirk": "Gesamt", "art": "", "eingeladen": invited,
             "geoeffnet": sum(r["geoeffnet"] for r in rows), "entwurf": sum(r["entwurf"] for r in rows),
             "beantwortet": answered, "nicht_beantwortet": invited - answered,
             "quote": round(answered / invited, 3) if invited else 0.0}  # fmt: skip
    if out_file is not None:
        fmt = output_format(None, out_file, allowed=("csv", "xlsx"), default="csv")
        write_rows(list(STATUS_COLUMNS), [*rows, total], fmt, out_file, title="Rücklauf")
        return
    table = Table(title=f"Rücklauf / response – {found.title} ({found.status}) – {profile.label}")
    for col in STATUS_COLUMNS:
        table.add_column(col, justify="left" if col in ("stadtbezirk", "art") else "right")
    for r in [*rows, total]:
        table.add_row(*(f"{round(r[c] * 100)} %" if c == "quote" else str(r[c]) for c in STATUS_COLUMNS))
    out.print(table, markup=False)


@survey_app.command("close")
@domain_errors
def close(
    name: Annotated[str, typer.Argument(help="Name der Welle / round name")],
    store: StoreOpt = None,
    city: CityOpt = None,
) -> None:
    """Welle schließen: danach werden keine Antworten mehr angenommen / close a round."""
    settings = _settings(store)
    found = _write(settings, "survey-close", {"name": name, "agent": _who()}, city)["round"]
    out.print(f"Befragungswelle / survey round »{found['name']}«: {found['status']}", markup=False)


@survey_app.command("list")
@domain_errors
def list_command(store: StoreOpt = None, city: CityOpt = None) -> None:
    """Alle Befragungswellen / every survey round."""
    from bildungsnetz.survey import list_rounds
    from bildungsnetz.survey.ties import response_rates

    settings = _settings(store)
    iris = Iris(settings.base_iri)
    with open_store(settings, write=False) as st:
        _city(settings, st, city)
        rounds = [(r, response_rates(st, iris, r.name).get("")) for r in list_rounds(st, iris)]
    if not rounds:
        out.print("keine Befragungswellen / no survey rounds", markup=False)
        return
    for r, rate in rounds:  # one line per round: readable in a narrow terminal too
        share = f"{round(rate.rate * 100)} %" if rate else "–"
        out.print(f"{r.name}  {r.title}  Stichtag {r.stichtag.isoformat()}  "
                  f"Ende {r.closes.isoformat() if r.closes else '–'}  {r.status}  "
                  f"{rate.answered if rate else 0} von {rate.invited if rate else 0} beantwortet ({share})",
                  markup=False, highlight=False)  # fmt: skip


TIE_COLUMNS = ["a", "a_name", "b", "b_name", "status", "intensitaet_a", "intensitaet_b", "intensitaet_min",
               "intensitaet_mittel", "abweichung", "haeufigkeit_a", "haeufigkeit_b", "aus_freitext"]  # fmt: skip


@survey_app.command("ties")
@domain_errors
def ties_command(
    name: Annotated[str, typer.Argument(help="Name der Welle / round name")],
    ties: TiesOpt = "alle",
    out_file: Annotated[Path | None, typer.Option("--out", help="als .csv oder .xlsx (sonst CSV am Schirm)")] = None,
    store: StoreOpt = None,
    city: CityOpt = None,
) -> None:
    """Beziehungen einer Welle: bestätigt, einseitig, unbestätigt, mit beiden Angaben / a round's ties."""
    from bildungsnetz.survey.rounds import roster
    from bildungsnetz.survey.ties import ties as round_ties
    from bildungsnetz.tables import output_format

    settings = _settings(store)
    iris = Iris(settings.base_iri)
    with open_store(settings, write=False) as st:
        _city(settings, st, city)
        names = {e.actor: e.label for e in roster(st, iris, name)}
        found = round_ties(st, iris, name, ties)
    rows = [
        {"a": t.a, "a_name": names.get(t.a, ""), "b": t.b, "b_name": names.get(t.b, ""), "status": t.status,
         "intensitaet_a": t.intensity[0], "intensitaet_b": t.intensity[1], "intensitaet_min": t.intensity_min,
         "intensitaet_mittel": t.intensity_mean, "abweichung": t.intensity_gap, "haeufigkeit_a": t.frequency[0],
         "haeufigkeit_b": t.frequency[1], "aus_freitext": t.free_text}
        for t in found
    ]  # fmt: skip
    fmt = output_format(None, out_file, allowed=("csv", "xlsx"), default="csv")
    write_rows(list(TIE_COLUMNS), rows, fmt, out_file, title="Beziehungen", counted="Beziehungen / ties")


@survey_app.command("compare")
@domain_errors
def compare_command(
    round_a: Annotated[str, typer.Argument(help="frühere Welle / earlier round")],
    round_b: Annotated[str, typer.Argument(help="spätere Welle / later round")],
    ties: TiesOpt = "alle",
    out_file: Annotated[Path | None, typer.Option("--out", help="als .json")] = None,
    store: StoreOpt = None,
    city: CityOpt = None,
) -> None:
    """Zwei Wellen vergleichen (nur Akteure, die zu beiden eingeladen waren) / compare two rounds.

    Neue und verlorene Beziehungen, Intensität hoch/runter, Statuswechsel (einseitig → bestätigt), neue
    Isolierte, gewonnene und verlorene Makler, Rücklauf je Stadtbezirk.
    """
    from bildungsnetz.analysis.compare import compare_rounds

    settings = _settings(store)
    with open_store(settings, write=False) as st:
        profile = _city(settings, st, city)
        result = compare_rounds(st, round_a=round_a, round_b=round_b, ties_rule=ties, iris=Iris(settings.base_iri),
                                city=profile.name)  # fmt: skip
    text = json.dumps(result, ensure_ascii=False, indent=2, default=str)
    if out_file is not None:
        out_file.write_text(text + "\n", encoding="utf-8")
        err.print(f"Geschrieben / written: {out_file}", markup=False)
    else:
        sys.stdout.write(text + "\n")


@survey_app.command("workbook")
@domain_errors
def workbook_command(
    name: Annotated[str, typer.Argument(help="Name der Welle / round name")],
    actor: Annotated[str | None, typer.Argument(help="nur dieser Akteur (Kennung oder IRI) / only this actor")] = None,
    out_file: Annotated[Path, typer.Option("--out", help="eine .xlsx (mit AKTEUR) oder eine .zip (alle)")] = Path(
        "fragebogen.zip"),
    store: StoreOpt = None,
    city: CityOpt = None,
) -> None:
    """Fragebogen als Excel-Arbeitsmappe mit Auswahllisten, für eine Einrichtung oder alle als ZIP / the
    questionnaire as an Excel workbook with dropdowns, for one institution or all of them as a ZIP.

    Zurückgeschickte Arbeitsmappen übernimmt die Seite der Welle im Browser (Rolle redaktion).
    """
    from bildungsnetz.errors import UsageError
    from bildungsnetz.survey.answers import answers_of
    from bildungsnetz.survey.model import Questionnaire
    from bildungsnetz.survey.rounds import get_round, roster
    from bildungsnetz.survey.workbook import questionnaire_workbook, round_zip

    settings = _settings(store)
    iris = Iris(settings.base_iri)
    wanted = ".xlsx" if actor else ".zip"
    if out_file.suffix.lower() != wanted:
        raise UsageError(f"Parameter '--out': {out_file.name} muss auf {wanted} enden / must end in {wanted}")
    with open_store(settings, write=False) as st:
        _city(settings, st, city)
        if actor:
            found = get_round(st, iris, name)
            entries = roster(st, iris, found.name)
            iri = (_actor_iris([actor], iris) or [""])[0]
            own = next((e for e in entries if e.actor == iri), None)
            if own is None:
                raise UsageError(f"Parameter 'actor': {actor!r} ist zu {found.name!r} nicht eingeladen / is not "
                                 f"invited to {found.name!r}")  # fmt: skip
            answers, state, submitted = answers_of(st, iris, found.name, own.actor)
            data = questionnaire_workbook(Questionnaire(found, own, entries, answers, submitted, state == "entwurf",
                                                        found.closed))  # fmt: skip
            count = 1
        else:
            data, count = round_zip(st, iris, name)
    out_file.write_bytes(data)
    err.print(f"Geschrieben / written: {out_file} ({count} Arbeitsmappen / workbooks)", markup=False)
