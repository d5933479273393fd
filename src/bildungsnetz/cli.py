"""The ``bildungsnetz`` command line: one app, one subcommand per job; domain errors become one line and an exit code."""

from __future__ import annotations

import typer

__all__ = ["app", "main"]

app = typer.Typer(
    name="bildungsnetz",
    help="Wissensgraph der Bildungslandschaft einer Stadt / knowledge graph of a city's education landscape.",
    no_args_is_help=True,
    add_completion=False,
)


def main() -> None:
    """Entry point of the console script."""
    app()
