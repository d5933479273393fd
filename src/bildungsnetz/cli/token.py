"""``bildungsnetz token`` and ``bildungsnetz user``: API tokens, for a person or not, and the setting that holds
their hashes."""

from __future__ import annotations

from typing import Annotated

import typer

from bildungsnetz.cli.common import (
    app,
    domain_errors,
    out,
    token_app,
)

__all__ = ["token_new", "token_hash", "user_add", "user_app"]

user_app = typer.Typer(help="Personen mit Anmeldung / people who sign in.", no_args_is_help=True)
app.add_typer(user_app, name="user")

RoleOpt = Annotated[list[str] | None, typer.Option("--role", help="redaktion und/oder intern (mehrfach)")]


def _print_new(roles: list[str] | None, name: str | None) -> None:
    """Make a token, print it once and the exact value of ``BILDUNGSNETZ_API_TOKENS`` that accepts it."""
    from bildungsnetz.api.auth import hash_token, new_token, settings_value

    token = new_token()
    entry = hash_token(token, roles=roles or ["redaktion"], name=name)
    who = f" für / for {name}" if name else ""
    out.print(f"Schlüssel{who} (einmalig angezeigt, geheim halten) / token (shown once, keep secret):", markup=False)
    out.print(token, markup=False, soft_wrap=True)
    out.print("Einstellung (so einfügen) / setting (paste as is):", markup=False)
    out.print(f"BILDUNGSNETZ_API_TOKENS='{settings_value([entry])}'", markup=False, soft_wrap=True)
    out.print(
        "Gibt es schon Schlüssel: diesen Eintrag in dieselbe JSON-Liste aufnehmen / with tokens already set, add "
        "this entry to the same JSON list:",
        markup=False,
    )
    out.print(settings_value([entry])[1:-1], markup=False, soft_wrap=True)


@token_app.command("new")
@domain_errors
def token_new(
    role: RoleOpt = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Person, die ihn bekommt (steht in PROV) / person (kept in PROV)")
    ] = None,
) -> None:
    """Neuen Schlüssel erzeugen und die Einstellung BILDUNGSNETZ_API_TOKENS dazu ausgeben / new token and its setting.

    Mit --name trägt der Eintrag den Namen der Person; Importe und SDG-Entscheidungen nennen dann sie, nicht einen
    Token-Hash.
    """
    _print_new(role, name)


@user_app.command("add")
@domain_errors
def user_add(
    name: Annotated[str, typer.Argument(help="Name der Person / the person's name, z. B. »Anna Müller«")],
    role: RoleOpt = None,
) -> None:
    """Eine Person mit Schlüssel anlegen; PROV nennt ihren Namen / add a person with a token, named in PROV."""
    _print_new(role, name)


@token_app.command("hash")
@domain_errors
def token_hash(
    token: Annotated[str, typer.Argument(help="vorhandener Schlüssel / existing token")],
    role: RoleOpt = None,
    name: Annotated[str | None, typer.Option("--name", help="Person / person")] = None,
) -> None:
    """Den Eintrag (Hash) zu einem Schlüssel ausgeben / print the entry (hash) for an existing token."""
    from bildungsnetz.api.auth import hash_token, settings_value

    entry = hash_token(token, roles=role or ["redaktion"], name=name)
    out.print(f"BILDUNGSNETZ_API_TOKENS='{settings_value([entry])}'", markup=False, soft_wrap=True)
