"""JSON or CSV for the REST API: ``?format=csv`` or ``Accept: text/csv`` turns a list into a table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from fastapi import Request
from fastapi.responses import Response

from bildungsnetz.tables import program_csv, program_value

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
    """One CSV cell for programs: lists joined with "; " (their labels, where they have one), ``None`` empty.

    >>> flatten([{"label": "A"}, {"label": "B"}]), flatten(None), flatten(True)
    ('A; B', '', 'true')
    """
    return program_value(value)


def csv_response(
    columns: Sequence[str],
    rows: Iterable[Mapping[str, object]],
    *,
    filename: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """A UTF-8 CSV answer for programs (RFC 4180: ``,``, CRLF, values unchanged) with one header line.

    API clients that ask for ``text/csv`` are programs; people download CSV from the web pages, which
    write CSV for German Excel (:func:`bildungsnetz.tables.people_csv`).
    """
    all_headers = {"Content-Disposition": f'inline; filename="{filename}.csv"'}
    all_headers.update(headers or {})
    return Response(program_csv(columns, rows), media_type="text/csv; charset=utf-8", headers=all_headers)
