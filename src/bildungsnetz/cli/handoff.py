"""Writes of the command line while ``bildungsnetz serve`` holds the embedded store: the command goes to that
server (``POST /api/local/commands`` on its loopback address, with the token it left beside the store), which
runs the same library call; the answer is turned back into what the command prints."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bildungsnetz.errors import HandedOffError, InputError, StoreError
from bildungsnetz.settings import Settings
from bildungsnetz.store.access import live_server

__all__ = ["hand_off", "import_result", "HandOffInterrupted"]

#: The header the server reads its local token from (``bildungsnetz.api.routes.local.TOKEN_HEADER``).
_HEADER = "X-Bildungsnetz-Local-Token"


class HandOffInterrupted(KeyboardInterrupt):
    """Ctrl-C while the server works: the command line stops waiting, the server may still finish."""

    def __init__(self, where: str) -> None:
        self.message = (
            f"Abgebrochen – der Server ({where}) führt den Befehl womöglich noch zu Ende; 'bildungsnetz graphs' "
            f"zeigt den Stand / interrupted – the server ({where}) may still complete the command; "
            "'bildungsnetz graphs' shows the state"
        )
        super().__init__(self.message)


def hand_off(settings: Settings, command: str, args: dict[str, Any], files: Sequence[Path] = ()) -> tuple[bool, Any]:
    """``(True, result)`` when a live server on this store ran ``command``; ``(False, None)`` when none runs.

    A domain error on the server comes back as :class:`HandedOffError` with its message and exit code.
    """
    if settings.endpoint or not settings.store.is_dir():
        return False, None
    server = live_server(settings.store)
    if server is None:
        return False, None
    uploads = []
    for path in files:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: nicht lesbar / cannot read: {exc.strerror}") from None
        uploads.append({"name": str(path), "data": base64.b64encode(data).decode("ascii")})
    body = json.dumps({"command": command, "args": args, "files": uploads}).encode("utf-8")
    request = urllib.request.Request(
        server.url.rstrip("/") + "/api/local/commands",
        data=body,
        headers={"Content-Type": "application/json", _HEADER: server.token()},
        method="POST",
    )
    where = f"pid {server.pid}, {server.url}"
    try:
        with urllib.request.urlopen(request, timeout=3600) as response:  # noqa: S310 - the server's own loopback URL
            answer = json.loads(response.read().decode("utf-8"))
    except KeyboardInterrupt:
        raise HandOffInterrupted(where) from None
    except urllib.error.HTTPError as exc:
        detail = _error_text(exc)
        raise StoreError(
            f"Der laufende Server ({where}) hat den Befehl abgelehnt: HTTP {exc.code} {detail} / the running server "
            f"({where}) refused the command: HTTP {exc.code} {detail}"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise StoreError(
            f"Der laufende Server ({where}) ist nicht erreichbar: {reason}; nichts geändert / the running server "
            f"({where}) cannot be reached: {reason}; nothing changed"
        ) from None
    if not answer.get("ok"):
        raise HandedOffError(str(answer.get("error", "")), exit_code=int(answer.get("exit_code", 2)))
    return True, answer.get("result")


def _error_text(exc: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(exc.read().decode("utf-8")).get("error", ""))
    except (ValueError, OSError, AttributeError):
        return ""


def import_result(data: dict[str, Any]):
    """The :class:`~bildungsnetz.ingest.pipeline.ImportResult` the server's answer describes (what the CLI prints
    and the ``--report`` files read)."""
    from bildungsnetz.ingest import SourceFile
    from bildungsnetz.ingest.change import Change
    from bildungsnetz.ingest.pipeline import ImportResult
    from bildungsnetz.validate.report import ValidationReport, Violation

    report = data["report"]
    return ImportResult(
        source=data["source"],
        kinds=list(data["kinds"]),
        files=[SourceFile(Path(f["name"]), f["sha256"], f["kind"], f["rows"]) for f in data["files"]],
        report=ValidationReport(bool(report["conforms"]), [Violation(**v) for v in report["results"]]),
        notes=list(data["notes"]),
        rows=data["rows"],
        triples=data["triples"],
        private_triples=data["private_triples"],
        imported=data["imported"],
        dry_run=data["dry_run"],
        unchanged=data["unchanged"],
        timings=dict(data["timings_s"]),
        change=Change.from_dict(data["change"]) if data.get("change") else None,
        version=data.get("version"),
        queued=int(data.get("queued") or 0),
    )
