"""The ``bildungsnetz`` command line: one app, a module per command group; domain errors become one line and an
exit code (:func:`bildungsnetz.cli.common.domain_errors`)."""

from __future__ import annotations

# Each module registers its commands on import, in the order --help lists them.
# isort: off
from bildungsnetz.cli import demo, data, history, query, city, token, analyse, sdg, match, survey, offers  # noqa: F401
from bildungsnetz.cli import indicators, campus  # noqa: F401
# isort: on
from bildungsnetz.cli.common import app

__all__ = ["app", "main"]

app.command("analyse")(analyse.analyse)
sdg.report_app.command("gaps")(analyse.report_gaps)
sdg.report_app.command("konflikte")(query.report_conflicts)
sdg.report_app.command("conflicts", hidden=True)(query.report_conflicts)
app.add_typer(sdg.sdg_app, name="sdg")
app.add_typer(sdg.report_app, name="report")
app.add_typer(match.queue_app, name="abgleich-queue")
app.add_typer(offers.mediation_app, name="vermittlung")


def main() -> None:
    """Entry point of the console script."""
    app()

