"""``POST /api/imports``: upload files, run the import pipeline, get its report (role ``redaktion``)."""

from __future__ import annotations

import asyncio
import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from bildungsnetz.api.deps import RedaktionDep, ServiceDep
from bildungsnetz.api.errors import ERROR_RESPONSES, ApiError
from bildungsnetz.errors import BildungsnetzError, InputError

__all__ = ["router", "ImportReport"]

router = APIRouter(prefix="/api/imports", tags=["Import"], responses=ERROR_RESPONSES)
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


class ImportReport(BaseModel):
    """The import's report, as ``bildungsnetz import --report x.json`` writes it."""

    model_config = ConfigDict(extra="allow")

    ok: bool
    source: str
    imported: bool
    dry_run: bool
    rows: int
    triples: int
    report: dict[str, Any]


def _scrub(value: Any, names: dict[str, str], tmp: str) -> Any:
    """``value`` with every temporary upload path replaced by the uploaded file's own name.

    >>> _scrub({"e": ["/tmp/u/a_b.ttl, Zeile 2", "/tmp/u/x"]}, {"/tmp/u/a_b.ttl": "a b.ttl"}, "/tmp/u")
    {'e': ['a b.ttl, Zeile 2', 'x']}
    """
    if isinstance(value, str):
        for path in sorted(names, key=len, reverse=True):
            value = value.replace(path, names[path])
        return value.replace(tmp + "/", "").replace(tmp, "")
    if isinstance(value, dict):
        return {k: _scrub(v, names, tmp) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, names, tmp) for v in value]
    return value


def _filename(name: str | None, number: int) -> str:
    base = Path(name or "").name
    stem, dot, suffix = base.rpartition(".")
    stem = _SAFE.sub("_", stem if dot else base).strip("._") or f"datei-{number}"
    return f"{stem}.{_SAFE.sub('', suffix).lower()}" if dot and suffix else stem


@router.post(
    "",
    response_model=ImportReport,
    summary="Dateien importieren / import files",
    responses={422: {"description": "Prüfung fehlgeschlagen: der Bericht, nichts geändert"}},
)
async def import_files_route(
    files: Annotated[list[UploadFile], File(description="CSV, XLSX, Schulliste oder RDF; eine Quelle")],
    service: ServiceDep,
    who: RedaktionDep,
    source: Annotated[
        str | None, Form(max_length=80, description="Name der Quelle (Vorgabe: erste Datei)")
    ] = None,
    kind: Annotated[
        str | None, Form(max_length=40, description="tabelle, schulliste, rdf oder eine Tabelle")
    ] = None,
    city: Annotated[str | None, Form(max_length=80, description="Stadtprofil")] = None,
    dry_run: Annotated[bool, Form(description="nur prüfen, nichts schreiben")] = False,
    allow_removals: Annotated[
        int | None,
        Form(ge=0, description="bestätigt so viele entfernte Zeilen (nötig über 10 % der Quelle, siehe change)"),
    ] = None,
) -> Any:
    """Validate the files and import them as one source, exactly as ``bildungsnetz import`` does.

    200 with the report when imported (or, with ``dry_run``, when it would be); 422 with the report when
    validation failed and nothing changed; 400 when a file cannot be read or holds no data row; 413 when a file
    is over an import limit (size, cells, columns, rows, cell length, or the memory or CPU time of the child
    process that reads spreadsheets). The answer's ``change`` lists new, changed and removed rows per table
    against what the source holds; ``change.needs_confirmation`` is the number of removals ``allow_removals``
    must confirm (409 without it, nothing changed). A written import is recorded as a version (``version``;
    see ``/api/sources/{name}/history``).
    """
    from bildungsnetz.ingest.guarded import ChildLimits  # noqa: PLC0415
    from bildungsnetz.ingest.pipeline import import_files  # noqa: PLC0415 - the pipeline loads pyshacl: only when importing
    from bildungsnetz.ingest.tables import LimitExceeded, ReadLimits  # noqa: PLC0415
    from bildungsnetz.ingest.versions import Versions  # noqa: PLC0415
    from bildungsnetz.matching.linker import StoreLinker  # noqa: PLC0415

    limit = service.settings.max_upload_mb * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="bildungsnetz-upload-") as tmp:
        paths: list[Path] = []
        names: dict[str, str] = {}  # temporary path -> the name the file was uploaded as
        total = 0
        for number, upload in enumerate(files, start=1):
            target = Path(tmp) / _filename(upload.filename, number)
            if target.exists():
                target = target.with_name(f"{number}-{target.name}")
            with target.open("wb") as out:
                while chunk := await upload.read(1 << 20):
                    total += len(chunk)
                    if total > limit:
                        raise ApiError(
                            413,
                            f"Upload größer als {service.settings.max_upload_mb} MB / upload larger "
                            f"than {service.settings.max_upload_mb} MB",
                        )
                    out.write(chunk)
            paths.append(target)
            names[str(target)] = Path(upload.filename or "").name or target.name
        async with service.write_lock:
            try:
                # A named city comes from the service's registry (added cities too); none: the service's city.
                profile = service.cities.load(city) if city else service.profile
                result = await asyncio.to_thread(
                    import_files,
                    paths,
                    store=service.store,
                    iris=service.iris,
                    city=profile,
                    source=source,
                    kind=kind,
                    dry_run=dry_run,
                    allow_removals=allow_removals,
                    versions=Versions.from_settings(service.settings),
                    agent=who.name,
                    limits=ReadLimits.from_settings(service.settings),
                    child=ChildLimits.from_settings(service.settings),
                    names=StoreLinker(service.store, iris=service.iris),
                )
            except LimitExceeded as exc:  # the message names the file: the user's name, not the server's path
                raise ApiError(413, _scrub(str(exc), names, tmp)) from None
            except InputError as exc:
                raise ApiError(400, _scrub(str(exc), names, tmp)) from None
            except BildungsnetzError as exc:
                raise ApiError(int(getattr(exc, "http_status", 400)), _scrub(str(exc), names, tmp)) from None
            if result.imported or result.queued:  # names on the review list: the /abgleich page shows them
                await service.after_write()
        by_name = {Path(path).name: name for path, name in names.items()}
        body = _scrub(result.to_dict(), names, tmp)
        for entry in body.get("files", []):
            entry["name"] = by_name.get(entry["name"], entry["name"])
        if body.get("change") and not who.intern:  # contact persons: not even their counts without ``intern``
            body["change"].pop("contacts", None)
    if result.exit_code != 0:
        body.update(
            status=422, error="Prüfung fehlgeschlagen, nichts geändert / validation failed, nothing changed"
        )
        return JSONResponse(body, status_code=422)
    return body
