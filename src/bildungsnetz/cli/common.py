"""What every command shares: the Typer apps, the consoles, the store option, settings and error handling."""

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

from bildungsnetz.errors import BildungsnetzError
from bildungsnetz.settings import Settings, get_settings

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


def write_rows(
    columns: list[str], rows: list[dict], fmt: str, out_file: Path | None, *, title: str, counted: str = ""
) -> None:
    """The one way a command hands over a row table: ``table`` on screen, ``csv`` (for people: German Excel),
    ``json`` or ``xlsx`` (through the one table writer, :mod:`bildungsnetz.tables`), into ``out_file`` or, for
    csv and json, to standard output. ``counted`` names the rows in the message (``Einladungen / invitations``)."""
    from bildungsnetz.tables import people_csv, xlsx_bytes

    if fmt == "table":
        # On screen, IRI columns crowd out what people read (ids, names); csv/json/xlsx keep every column.
        shown = [c for c in columns if not _iri_column(rows, c)] or columns
        table = Table(title=f"{title} – {len(rows)} Zeilen / rows")
        for col in shown:
            table.add_column(col)
        for row in rows:
            table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in shown))
        out.print(table, markup=False)
        return
    if fmt == "xlsx":
        data = xlsx_bytes({title[:31]: (columns, rows)})  # Excel's limit for a sheet name
    elif fmt == "csv":
        # The byte-order mark only in a file, not on a terminal or pipe.
        data = people_csv(columns, rows, bom=out_file is not None)
    else:
        text = json.dumps(rows, ensure_ascii=False, indent=2, default=str)
        data = (text if text.endswith("\n") else text + "\n").encode("utf-8")
    if out_file is None:
        sys.stdout.write(data.decode("utf-8"))
        return
    out_file.write_bytes(data)
    err.print(f"Geschrieben / written: {out_file}" + (f" ({len(rows)} {counted})" if counted else ""), markup=False)


def _iri_column(rows: list[dict], column: str) -> bool:
    values = [v for v in (r.get(column) for r in rows) if v is not None]
    return bool(values) and all(isinstance(v, str) and v.startswith(("http://", "https://")) for v in values)

StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="Verzeichnis des eingebetteten Speichers / embedded store directory "
        "[env BILDUNGSNETZ_STORE, default ./bildungsnetz-data]",
    ),
]
CityOpt = Annotated[
    str | None,
    typer.Option(
        "--city",
        "--stadt",
        help="Stadt / city [Vorgabe / default: BILDUNGSNETZ_CITY, sonst die einzige Stadt im Speicher / "
        "else the store's only city]",
    ),
]
F = TypeVar("F", bound=Callable)


def _settings(store: Path | None = None) -> Settings:
    settings = get_settings()  # the one way settings are read; the CLI is one command per process
    if store is not None:
        settings = settings.model_copy(update={"store": store})
    return settings


def _cities(settings: Settings, store=None):
    """The city registry of these settings (and of ``store``, whose district graphs count as cities too)."""
    from bildungsnetz.cities import CityRegistry

    return CityRegistry.from_settings(settings, store=store)


def _city(settings: Settings, store=None, name: str | None = None):
    """The city a command works on: ``--city``/``--stadt``, else the configured one (BILDUNGSNETZ_CITY), else
    the store's only city; a store with several cities and none named or configured is an error listing them.
    Returns the loaded :class:`~bildungsnetz.cities.CityProfile` (its ``label`` is what headings show)."""
    return _cities(settings, store).load(name)


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
        except KeyboardInterrupt as exc:
            # An import interrupted right after its commit says so (ImportInterrupted carries the message).
            message = getattr(exc, "message", None) or "Abgebrochen, nichts geändert / interrupted, nothing changed"
            err.print(message, highlight=False, markup=False)
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




token_app = typer.Typer(help="API-Zugangsschlüssel / API tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")


