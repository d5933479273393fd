"""The survey's writing commands as JSON in, JSON out: what the command line runs itself, or hands to the
running server (``POST /api/local/commands``) when that holds the store."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from typing import Any

from bildungsnetz.errors import UsageError
from bildungsnetz.iris import Iris
from bildungsnetz.store.base import Store
from bildungsnetz.survey.model import Round
from bildungsnetz.survey.rounds import close_round, create_round, invitations

__all__ = ["COMMANDS", "run_survey_command", "round_dict"]

#: The commands :func:`run_survey_command` knows.
COMMANDS = ("survey-new", "survey-close", "survey-invitations")


def round_dict(found: Round) -> dict[str, Any]:
    """A round as JSON-ready values (dates as ISO text)."""
    return json.loads(json.dumps(dataclasses.asdict(found), default=str))


def run_survey_command(store: Store, iris: Iris, command: str, args: dict[str, Any]) -> dict[str, Any]:
    """Run ``survey-new`` (create a round: ``round`` and ``invitations`` with their links), ``survey-close`` or
    ``survey-invitations`` (new links for everyone; the old ones stop working)."""
    agent = str(args.get("agent") or "bildungsnetz")
    if command == "survey-new":
        found, made = create_round(
            store, iris, name=str(args["name"]), title=str(args.get("title") or ""),
            stichtag=date.fromisoformat(args["stichtag"]) if args.get("stichtag") else None,
            closes=date.fromisoformat(args["closes"]) if args.get("closes") else None,
            stadtbezirke=tuple(args.get("stadtbezirke") or ()), kinds=tuple(args.get("kinds") or ()),
            actors=args.get("actors"), city=str(args.get("city") or ""), agent=agent,
        )  # fmt: skip
        return {"round": round_dict(found), "invitations": [dataclasses.asdict(i) for i in made]}
    if command == "survey-close":
        return {"round": round_dict(close_round(store, iris, str(args["name"]), agent))}
    if command == "survey-invitations":
        made = invitations(store, iris, str(args["name"]), new_tokens=True, with_contacts=bool(args.get("contacts")))
        return {"invitations": [dataclasses.asdict(i) for i in made]}
    raise UsageError(f"unbekannter Befehl / unknown command {command!r}")
