"""``bildungsnetz token``: API tokens and the settings entry that holds their hash."""

from __future__ import annotations

from typing import Annotated

import typer

from bildungsnetz.cli.common import (
    domain_errors,
    out,
    token_app,
)


@token_app.command("new")
@domain_errors
def token_new(
    role: Annotated[list[str] | None, typer.Option("--role", help="redaktion und/oder intern (mehrfach)")] = None,
) -> None:
    """Neuen Schlüssel erzeugen und den Eintrag für BILDUNGSNETZ_API_TOKENS ausgeben / new token and its setting."""
    from bildungsnetz.api.auth import hash_token, new_token

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
    from bildungsnetz.api.auth import hash_token

    out.print(hash_token(token, roles=role or ["redaktion"]), markup=False)


