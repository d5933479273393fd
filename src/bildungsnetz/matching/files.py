"""Match one column of any CSV or XLSX sheet: the rows with id, name, score and status columns added."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from bildungsnetz.errors import LocatedError
from bildungsnetz.ingest.tables.read import ReadLimits, check_workbook
from bildungsnetz.matching.index import Matcher, Result

__all__ = ["ADDED_COLUMNS", "Sheet", "match_sheet", "read_sheet"]

#: The columns ``bildungsnetz abgleich`` adds to a table.
ADDED_COLUMNS = ("abgleich_id", "abgleich_name", "abgleich_score", "abgleich_status", "abgleich_woerter")


@dataclass
class Sheet:
    """A table as read: its file, sheet (XLSX), header and rows (cells as text, numbers or dates)."""

    path: Path
    sheet: str | None
    columns: list[str]
    rows: list[list[object]]


def read_sheet(path: str | Path, *, sheet: str | None = None, limits: ReadLimits | None = None) -> Sheet:
    """Read a CSV (``;`` or ``,``, UTF-8 with or without BOM, else cp1252) or one sheet of an XLSX workbook.

    ``limits`` are the import limits (``BILDUNGSNETZ_IMPORT_MAX_*``): a workbook that would unpack to more, or a
    table of more rows, is refused before it is matched.

    Raises
    ------
    LocatedError
        When the file cannot be read, the sheet does not exist or the table has no header.
    """
    path = Path(path)
    limits = limits or ReadLimits()
    if not path.is_file():
        raise LocatedError("Datei nicht gefunden", "file not found", file=path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        check_workbook(path, limits)
        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise LocatedError(
                f"keine lesbare Arbeitsmappe ({exc})", f"not a readable workbook ({exc})", file=path
            ) from None
        if sheet is not None and sheet not in wb.sheetnames:
            raise LocatedError(
                f"Blatt fehlt (vorhanden: {', '.join(wb.sheetnames)})",
                f"no such sheet (present: {', '.join(wb.sheetnames)})",
                file=path, sheet=sheet,
            )  # fmt: skip
        ws = wb[sheet] if sheet is not None else wb.worksheets[0]
        values = [list(r) for r in ws.iter_rows(values_only=True)]
        wb.close()
        name = ws.title
    else:
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") >= first.count(",") else ","
        values = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
        name = None
    while values and not any(v not in (None, "") for v in values[-1]):
        values.pop()
    if not values:
        raise LocatedError("Tabelle ist leer", "table is empty", file=path, sheet=name)
    if len(values) > limits.rows:
        raise LocatedError(
            f"mehr als {limits.rows} Zeilen (BILDUNGSNETZ_IMPORT_MAX_ROWS)",
            f"more than {limits.rows} rows (BILDUNGSNETZ_IMPORT_MAX_ROWS)",
            file=path, sheet=name,
        )  # fmt: skip
    header = ["" if v is None else str(v).strip() for v in values[0]]
    width = len(header)
    rows = [(r + [None] * width)[:width] for r in values[1:]]
    return Sheet(path, name, header, rows)


def match_sheet(
    table: Sheet, column: str, matcher: Matcher, *, municipality: str | None = None
) -> tuple[list[str], list[list[object]], list[Result]]:
    """Match the names of ``column``; returns the header and rows with :data:`ADDED_COLUMNS`, and the results.

    A cell that is already an id of the store links as exactly as a name confirmed before.

    Raises
    ------
    LocatedError
        When the table has no such column (names the columns it has).
    """
    wanted = column.strip().casefold()
    index = next((i for i, c in enumerate(table.columns) if c.casefold() == wanted), None)
    if index is None:
        raise LocatedError(
            f"Spalte fehlt (vorhanden: {', '.join(table.columns)})",
            f"no such column (present: {', '.join(table.columns)})",
            file=table.path, sheet=table.sheet, column=column,
        )  # fmt: skip
    results: list[Result] = []
    rows: list[list[object]] = []
    cache: dict[str, Result] = {}
    for row in table.rows:
        text = "" if row[index] is None else str(row[index])
        result = cache.get(text) or matcher.match(text, municipality=municipality)
        cache[text] = result
        results.append(result)
        best = result.best
        added: list[object] = (
            [best.candidate.id if result.accepted else "", best.candidate.name if result.accepted else "",
             round(best.score, 3), result.status, ", ".join(best.words)]
            if best is not None
            else ["", "", None, result.status if text.strip() else "", ""]
        )  # fmt: skip
        rows.append([*row, *added])
    return [*table.columns, *ADDED_COLUMNS], rows, results
