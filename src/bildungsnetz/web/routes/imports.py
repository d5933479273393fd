"""Import in the browser: upload, check, import; templates and the example workbook."""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.errors import BildungsnetzError, InputError, RemovalsRefused
from bildungsnetz.web.pages import (
    context,
    error_page,
    render,
)
from bildungsnetz.web.routes.common import _for_redaktion, _forbidden
from bildungsnetz.web.routes.reports import _download

router = APIRouter(include_in_schema=False)

# -- import -------------------------------------------------------------------------------------------------

#: Uploaded files waiting between check and import: stage id → (directory, source, user, time).
_STAGED: dict[str, tuple[Path, str | None, str, float]] = {}
_STAGED_LOCK = threading.Lock()
_STAGE_SECONDS = 3600
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _clean_staged() -> None:
    now = time.time()
    with _STAGED_LOCK:
        for key, (path, _, _, made) in list(_STAGED.items()):
            if now - made > _STAGE_SECONDS:
                shutil.rmtree(path, ignore_errors=True)
                del _STAGED[key]


def _report_rows(result: Any, lang: str) -> list[dict[str, Any]]:
    """The violations, most severe first, each with file, row and column (for data from a table)."""
    rank = {"Violation": 0, "Warning": 1, "Info": 2}
    rows = []
    for v in sorted(result.report.violations, key=lambda v: (rank.get(v.severity, 3), v.row or 0)):
        rows.append(
            {
                "severity": v.severity,
                "file": Path(v.source_file).name if v.source_file else "",
                "row": v.row,
                "column": v.column,
                "message": v.message(lang),
                "value": v.value,
                "focus": v.focus,
            }
        )
    return rows[:300]


def _upload_limits(service: Any) -> dict[str, Any]:
    """Uploads are read in a child process under the import limits of the settings."""
    from bildungsnetz.ingest.guarded import ChildLimits  # noqa: PLC0415
    from bildungsnetz.ingest.tables import ReadLimits  # noqa: PLC0415

    return {"limits": ReadLimits.from_settings(service.settings), "child": ChildLimits.from_settings(service.settings)}


def _refusal_status(exc: Exception) -> int:
    """413 for a file over an import limit, else 400."""
    return 413 if getattr(exc, "http_status", None) == 413 else 400


@router.get("/import")
def import_page(request: Request, service: ServiceDep) -> Response:
    """Upload form and templates (role ``redaktion``)."""
    ctx = context(request, service)
    if "redaktion" not in ctx.who.roles:
        return _forbidden(ctx, "redaktion")
    return render(ctx, "import.html", nav="import", stage=None, outcome=None)


@router.post("/import/pruefen")
async def import_check(
    request: Request,
    service: ServiceDep,
    files: Annotated[list[UploadFile], File()],
    csrf: Annotated[str, Form(max_length=200)] = "",
    source: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    """Keep the uploads and validate them (a dry run); the report names file, row and column."""
    from bildungsnetz.ingest.pipeline import import_files  # noqa: PLC0415
    from bildungsnetz.matching.linker import StoreLinker  # noqa: PLC0415

    ctx, refused = _for_redaktion(request, service, csrf)
    if refused is not None:
        return refused
    _clean_staged()
    folder = Path(tempfile.mkdtemp(prefix="bildungsnetz-web-import-"))
    limit = service.settings.max_upload_mb * 1024 * 1024
    total = 0
    paths = []
    for number, upload in enumerate(files, start=1):
        base = Path(upload.filename or f"datei-{number}").name
        target = folder / (_SAFE.sub("_", base).strip("._") or f"datei-{number}")
        with target.open("wb") as out:
            while chunk := await upload.read(1 << 20):
                total += len(chunk)
                if total > limit:
                    shutil.rmtree(folder, ignore_errors=True)
                    return error_page(ctx, 413, f"> {service.settings.max_upload_mb} MB")
                out.write(chunk)
        paths.append(target)
    source_name = _SAFE.sub("-", source.strip()).strip("-.") or None
    try:
        # Under the write lock: a name without a safe match goes to the review list (a write) even on a check.
        async with service.write_lock:
            result = await asyncio.to_thread(
                import_files,
                paths,
                store=service.store,
                iris=service.iris,
                city=service.profile,
                source=source_name,
                dry_run=True,
                names=StoreLinker(service.store, iris=service.iris),
                **_upload_limits(service),
            )
            if result.queued:
                await service.after_write()
    except (InputError, BildungsnetzError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        outcome = {"kind": "unreadable", "message": str(exc)}
        return render(ctx, "import.html", status=_refusal_status(exc), nav="import", stage=None, outcome=outcome)
    stage = None
    if result.report.conforms:
        stage = ctx.signer.new_nonce()
        with _STAGED_LOCK:
            _STAGED[stage] = (folder, source_name, ctx.who.name, time.time())
    else:
        shutil.rmtree(folder, ignore_errors=True)
    outcome = {
        "kind": "checked",
        "result": result,
        "rows": _report_rows(result, ctx.lang),
        "violations": sum(1 for v in result.report.violations if v.severity == "Violation"),
    }
    # 200 also when the check fails: the page itself is fine, and it shows the report (a 4xx would read as a
    # broken page to browsers and monitors).
    return render(ctx, "import.html", nav="import", stage=stage, outcome=outcome)


@router.post("/import/ausfuehren")
async def import_run(
    request: Request,
    service: ServiceDep,
    stage: Annotated[str, Form(max_length=100)],
    csrf: Annotated[str, Form(max_length=200)] = "",
    allow_removals: Annotated[int | None, Form(ge=0)] = None,
) -> Response:
    """Import files that passed the check, as one source, and refresh what the service reads.

    An import that removes many rows needs the checkbox naming their number (``allow_removals``); it is
    recorded as a version of the source (page Quellen)."""
    from bildungsnetz.ingest.pipeline import import_files  # noqa: PLC0415
    from bildungsnetz.ingest.versions import Versions  # noqa: PLC0415
    from bildungsnetz.matching.linker import StoreLinker  # noqa: PLC0415

    ctx, refused = _for_redaktion(request, service, csrf)
    if refused is not None:
        return refused
    with _STAGED_LOCK:
        staged = _STAGED.pop(stage, None)
    if staged is None or staged[2] != ctx.who.name:
        return render(
            ctx,
            "import.html",
            status=410,
            nav="import",
            stage=None,
            outcome={"kind": "unreadable", "message": ctx.t("import.expired")},
        )
    folder, source_name, _, _ = staged
    try:
        async with service.write_lock:
            result = await asyncio.to_thread(
                import_files,
                sorted(folder.iterdir()),
                store=service.store,
                iris=service.iris,
                city=service.profile,
                source=source_name,
                agent=ctx.who.name,
                allow_removals=allow_removals,
                versions=Versions.from_settings(service.settings),
                names=StoreLinker(service.store, iris=service.iris),
                **_upload_limits(service),
            )
            if result.imported or result.queued:
                await service.after_write()
    except RemovalsRefused as exc:  # not a broken file: the user did not confirm the removals
        outcome = {"kind": "refused", "message": exc.text(ctx.lang)}
        return render(ctx, "import.html", status=409, nav="import", stage=None, outcome=outcome)
    except (InputError, BildungsnetzError) as exc:
        outcome = {"kind": "unreadable", "message": str(exc)}
        return render(ctx, "import.html", status=_refusal_status(exc), nav="import", stage=None, outcome=outcome)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    outcome = {
        "kind": "imported" if result.imported else "unchanged" if result.unchanged else "checked",
        "result": result,
        "rows": _report_rows(result, ctx.lang),
        "violations": sum(1 for v in result.report.violations if v.severity == "Violation"),
    }
    return render(ctx, "import.html", nav="import", stage=None, outcome=outcome)


@router.get("/import/vorlage.{fmt}")
def import_template(request: Request, fmt: str, service: ServiceDep) -> Response:
    """The empty import template: one workbook with every table, or one table as CSV (``?tabelle=``)."""
    from bildungsnetz.ingest import TABLES  # noqa: PLC0415
    from bildungsnetz.ingest.tables import write_template  # noqa: PLC0415

    ctx = context(request, service)
    table = request.query_params.get("tabelle") or "alle"
    if (
        fmt not in ("xlsx", "csv")
        or (table != "alle" and table not in TABLES)
        or (fmt == "csv" and table == "alle")
    ):
        return error_page(ctx, 404, ctx.t("site.not_found"))
    with tempfile.TemporaryDirectory(prefix="bildungsnetz-web-") as tmp:
        path = Path(tmp) / (f"{table}.csv" if fmt == "csv" else "vorlage.xlsx")
        written = write_template(table, fmt, path)
        body = written[0].read_bytes()
    name = f"vorlage-{table}.{fmt}" if fmt == "csv" else "bildungsnetz-vorlage.xlsx"
    return _download(ctx, body, fmt, name, attach=True)


@router.get("/import/beispiel.xlsx")
def import_example(request: Request, service: ServiceDep) -> Response:
    """The example workbook: a small education landscape, filled in."""
    from bildungsnetz.ingest.tables import write_example  # noqa: PLC0415

    ctx = context(request, service)
    with tempfile.TemporaryDirectory(prefix="bildungsnetz-web-") as tmp:
        body = write_example(Path(tmp) / "beispiel.xlsx").read_bytes()
    return _download(ctx, body, "xlsx", "bildungsnetz-beispiel.xlsx", attach=True)
