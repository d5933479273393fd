"""``POST /api/local/commands``: the command line's writes, carried out by the serving process that holds the
embedded store. Only from the loopback interface, only with the token the server wrote beside its store, and
never listed in the OpenAPI document (docs/speicher.md, *Server und Kommandozeile zugleich*)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import secrets
import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.api.errors import ApiError
from bildungsnetz.api.routes.imports import _scrub
from bildungsnetz.errors import BildungsnetzError

__all__ = ["router", "LocalCommand", "TOKEN_HEADER"]

router = APIRouter(prefix="/api/local", include_in_schema=False)
#: The header that carries the server's local token.
TOKEN_HEADER = "X-Bildungsnetz-Local-Token"
_LOOPBACK = frozenset({"127.0.0.1", "::1"})


class UploadedFile(BaseModel):
    """One file of a handed-over import: its path as the command line was given it, and its bytes (base64).

    The file is read under its own name; messages name it by the given path, as a local import would."""

    name: str = Field(max_length=4096)
    data: str


class LocalCommand(BaseModel):
    """A command of the command line: ``import``, ``drop-source``, ``undo``, ``sdg-decide``, ``survey-new``,
    ``survey-close``, ``survey-invitations``, ``mediation-add``, ``mediation-status`` or ``refresh``."""

    command: Literal[
        "import", "drop-source", "undo", "sdg-decide", "survey-new", "survey-close", "survey-invitations",
        "mediation-add", "mediation-status", "refresh",
    ]  # fmt: skip
    args: dict[str, Any] = {}
    files: list[UploadedFile] = []


def _check(request: Request, service) -> None:
    host = request.client.host if request.client else ""
    if host not in _LOOPBACK:
        raise ApiError(403, "Nur von diesem Rechner / only from this machine")
    given = request.headers.get(TOKEN_HEADER, "")
    expected = service.local_token
    if not expected or not given or not secrets.compare_digest(given.encode(), expected.encode()):
        raise ApiError(401, "Lokaler Schlüssel fehlt oder falsch / local token missing or wrong")


def _save(files: list[UploadedFile], tmp: str) -> tuple[list[Path], dict[str, str]]:
    """The uploads as files under their own names (each in its own folder, so names may repeat)."""
    paths: list[Path] = []
    names: dict[str, str] = {}
    for number, upload in enumerate(files, start=1):
        name = Path(upload.name).name
        if name in ("", ".", ".."):
            raise ApiError(400, f"Dateiname {upload.name!r} ungültig / invalid file name")
        try:
            data = base64.b64decode(upload.data, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(400, f"Datei {name}: kein base64 / not base64") from None
        folder = Path(tmp) / str(number)
        folder.mkdir()
        target = folder / name
        target.write_bytes(data)
        paths.append(target)
        names[str(target)] = upload.name
    return paths, names


@router.post("/commands")
async def run_command(body: LocalCommand, request: Request, service: ServiceDep) -> dict[str, Any]:
    """Run one command as the command line would, under the server's write lock, then refresh the server.

    The answer is ``{"ok": true, "result": …}`` with what the command line prints from, or ``{"ok": false,
    "error": message, "exit_code": n}`` for a domain error the command line then reports as its own.
    """
    _check(request, service)
    args = body.args
    with tempfile.TemporaryDirectory(prefix="bildungsnetz-local-") as tmp:
        paths, names = _save(body.files, tmp)
        async with service.write_lock:
            try:
                result, changed = await asyncio.to_thread(_run, service, body.command, args, paths)
            except BildungsnetzError as exc:
                return {"ok": False, "error": _scrub(str(exc), names, tmp), "exit_code": exc.exit_code}
            if changed:
                await service.after_write()
        return {"ok": True, "result": _scrub(result, names, tmp)}


def _run(service, command: str, args: dict[str, Any], paths: list[Path]) -> tuple[Any, bool]:
    """The library call behind ``command`` on the server's store; what it returns and whether it wrote."""
    if command == "import":
        from bildungsnetz.ingest.pipeline import import_files  # noqa: PLC0415 - loads pyshacl: only when importing

        city = args.get("city")
        profile = service.cities.load(city) if city else service.profile
        from bildungsnetz.ingest.versions import Versions  # noqa: PLC0415
        from bildungsnetz.matching.linker import StoreLinker  # noqa: PLC0415

        allow = args.get("allow_removals")
        result = import_files(
            paths, store=service.store, iris=service.iris, city=profile, source=args.get("source"),
            kind=args.get("kind"), dry_run=bool(args.get("dry_run")),
            allow_removals=int(allow) if allow is not None else None,
            versions=Versions.from_settings(service.settings), agent=str(args.get("agent") or "bildungsnetz"),
            names=StoreLinker(service.store, iris=service.iris),
        )  # fmt: skip
        return result.to_dict(), result.imported or result.queued > 0
    if command == "drop-source":
        from bildungsnetz.ingest.versions import Versions, record_drop  # noqa: PLC0415

        versions = Versions.from_settings(service.settings)
        agent = str(args.get("agent") or "bildungsnetz")
        return record_drop(service.store, service.iris, versions, str(args["name"]), agent=agent), True
    if command == "undo":
        from bildungsnetz.ingest.versions import Versions, undo  # noqa: PLC0415

        done = undo(service.store, service.iris, Versions.from_settings(service.settings), str(args["version"]),
                    to=bool(args.get("to")), agent=str(args.get("agent") or "bildungsnetz"))  # fmt: skip
        return (done.to_dict(private=True) if done is not None else None), done is not None
    if command == "sdg-decide":
        from bildungsnetz.sdg import decide  # noqa: PLC0415

        result = decide(
            service.store, str(args["offer"]), str(args["sdg"]), str(args["status"]), user=str(args["user"]),
            iris=service.iris,
        )  # fmt: skip
        return json.loads(json.dumps(result, ensure_ascii=False, default=str)), True  # as the CLI prints it
    if command.startswith("survey-") or command in ("mediation-add", "mediation-status"):
        # the city as the command line named it, resolved as there: unknown, or none where several are held, is
        # the one clear error before anything is written
        city = args.get("city")
        args = {**args, "city": (service.cities.load(city) if city else service.profile).name}
    if command.startswith("survey-"):
        from bildungsnetz.survey.commands import run_survey_command  # noqa: PLC0415

        return run_survey_command(service.store, service.iris, command, args), True
    if command in ("mediation-add", "mediation-status"):
        from bildungsnetz.ingest.mediations import record_mediation, set_mediation_status  # noqa: PLC0415
        from bildungsnetz.ingest.versions import Versions  # noqa: PLC0415

        versions, user = Versions.from_settings(service.settings), str(args.get("user") or "bildungsnetz")
        if command == "mediation-add":
            return record_mediation(
                service.store, offer=str(args.get("offer") or ""), institution=str(args.get("institution") or ""),
                status=str(args.get("status") or "angefragt"), on=args.get("date"), note=str(args.get("note") or ""),
                user=user, iris=service.iris, versions=versions,
            ), True  # fmt: skip
        note = args.get("note")
        return set_mediation_status(
            service.store, str(args.get("mediation") or ""), str(args.get("status") or ""),
            note=str(note) if note is not None else None, user=user, iris=service.iris, versions=versions,
        ), True  # fmt: skip
    return None, True  # refresh: something beside the store changed (a city profile)
