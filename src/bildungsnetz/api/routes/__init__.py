"""The API's routers, one module per resource, and the helpers they share."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response

from bildungsnetz.api.formats import csv_response, wants_csv
from bildungsnetz.api.service import Page

__all__ = ["today", "snake", "split_codes", "paged", "listed", "LimitQ", "OffsetQ", "FormatQ", "DateQ"]

_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")

LimitQ = Annotated[int, Query(ge=1, le=1000, description="Zeilen je Seite / rows per page")]
OffsetQ = Annotated[int, Query(ge=0, le=1_000_000, description="Zeilen überspringen / rows to skip")]
FormatQ = Annotated[str | None, Query(pattern="^(json|csv)$", description="json (Vorgabe) oder csv")]
DateQ = Annotated[
    str | None, Query(max_length=40, description="Stichtag: 2025-06-01, 01.06.2025 oder heute (Vorgabe)")
]


def today() -> str:
    """Today's date in ISO form (the default ``date`` of every dated query)."""
    return date.today().isoformat()


def snake(row: Mapping[str, Any], rename: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A query row with snake_case keys (``partnerId`` → ``partner_id``), some keys renamed.

    >>> snake({"actorId": "A", "actor": "x"}, {"actor": "iri", "actorId": "id"})
    {'id': 'A', 'iri': 'x'}
    """
    rename = rename or {}
    return {rename.get(k) or _CAMEL.sub(r"_\1", k).lower(): v for k, v in row.items()}


def split_codes(value: object) -> list[str]:
    """A ", "-separated cell as a list (empty for ``None``).

    >>> split_codes("4, 13"), split_codes(None)
    (['4', '13'], [])
    """
    if not value:
        return []
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _next_url(request: Request, page: Page) -> str | None:
    if not page.more:
        return None
    return str(request.url.include_query_params(offset=page.offset + page.limit))


def paged(
    request: Request,
    page: Page,
    items: Sequence[Mapping[str, Any]],
    *,
    columns: Sequence[str],
    name: str,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any] | Response:
    """A page as JSON (``items`` with paging fields) or as CSV (``Link: rel=next`` when more rows follow)."""
    following = _next_url(request, page)
    if wants_csv(request):
        headers = {"Link": f'<{following}>; rel="next"'} if following else {}
        return csv_response(columns, items, filename=name, headers=headers)
    body: dict[str, Any] = {
        "count": len(items),
        "limit": page.limit,
        "offset": page.offset,
        "next": following,
    }
    body.update(extra or {})
    body["items"] = list(items)
    return body


def listed(request: Request, items: Iterable[Mapping[str, Any]], *, columns: Sequence[str], name: str) -> Any:
    """A complete (small) list as JSON or CSV."""
    items = list(items)
    if wants_csv(request):
        return csv_response(columns, items, filename=name)
    return items
