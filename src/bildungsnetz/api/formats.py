"""JSON or CSV for the REST API: ``?format=csv`` or ``Accept: text/csv`` turns a list into a table."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

from fastapi import Request
from fastapi.responses import Response

__all__ = ["wants_csv", "csv_response", "flatten"]


def wants_csv(request: Request) -> bool:
    """True when the client asked for CSV (the ``format`` parameter wins over ``Accept``)."""
    fmt = request.query_params.get("format")
    if fmt:
        return fmt.lower() == "csv"
    accept = request.headers.get("accept", "")
    best = None
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = next((p.split("=", 1)[1] for p in params if p.startswith("q=")), "1")
        try:
            weight = float(q)
        except ValueError:
            weight = 0.0
        if media in ("text/csv", "application/json") and weight > 0 and (best is None or weight > best[0]):
            best = (weight, media)
    return best is not None and best[1] == "text/csv"


def flatten(value: object) -> str:
    """One CSV cell: lists joined with "; " (their labels, where they have one), ``None`` empty.

    >>> flatten([{"label": "A"}, {"label": "B"}]), flatten(None), flatten(True)
    ('A; B', '', 'true')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return str(value.get("label") or value.get("id") or value.get("iri") or "")
    if isinstance(value, (list, tuple)):
        return "; ".join(flatten(v) for v in value)
    return str(value)


def csv_response(
    columns: Sequence[str],
    rows: Iterable[Mapping[str, object]],
    *,
    filename: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """A UTF-8 CSV download with one header line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([flatten(row.get(c)) for c in columns])
    all_headers = {"Content-Disposition": f'inline; filename="{filename}.csv"'}
    all_headers.update(headers or {})
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers=all_headers)
