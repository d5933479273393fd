"""Row tables out: the one writer of CSV (for people and for programs) and XLSX, safe against formulas.

Every command, page and API answer that hands rows to a spreadsheet goes through here, so the rules hold
everywhere (``docs/security.md``, "Spreadsheet outputs"):

* **CSV for people** (:func:`people_csv`): what German Excel opens right by double-click – UTF-8 with
  byte-order mark, ``;`` between cells, CRLF, a decimal comma in numbers. Text cells that start with
  ``= + - @``, TAB or CR get a leading apostrophe so that Excel shows them instead of running them as a
  formula (OWASP, "CSV Injection"). Only text is neutralised: a number stays a number, so ``-5`` (the
  number) is written ``-5``, while the text ``-5 Punkte`` is written ``'-5 Punkte``.
* **CSV for programs** (:func:`program_csv`): RFC 4180 – ``,``, CRLF, UTF-8 without BOM, values
  unchanged. This is what an API client gets for ``Accept: text/csv``.
* **XLSX** (:func:`xlsx_bytes`, :func:`xlsx_cell`): numbers as numbers, dates as dates, and every text
  cell stored as text, never as a formula, whatever it starts with.

Control characters (C0 except TAB, LF, CR) cannot be stored in XLSX and break XML; data already in a
store may hold them, so every writer replaces them with U+FFFD (the replacement character) instead of
failing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

__all__ = [
    "FORMULA_START",
    "TABLE_FORMATS",
    "clean_text",
    "neutralise",
    "output_format",
    "people_csv",
    "people_value",
    "program_csv",
    "program_value",
    "xlsx_bytes",
    "xlsx_cell",
]

#: A text cell starting with one of these is a formula (or starts one) in Excel, LibreOffice and Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: The row-table formats a file name can ask for (``--out x.csv`` …).
TABLE_FORMATS = ("csv", "json", "xlsx")

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_REPLACEMENT = "\ufffd"

Row = Mapping[str, object]


def clean_text(text: str) -> str:
    """``text`` without C0 control characters (TAB, LF and CR stay): each becomes U+FFFD.

    XLSX cannot store them and XML 1.0 forbids them, so a stray U+0001 in the store would otherwise make
    every spreadsheet of it fail.

    >>> clean_text("Kita\\x01Sonne\\tNord")
    'Kita\\ufffdSonne\\tNord'
    """
    return _CONTROL.sub(_REPLACEMENT, text) if _CONTROL.search(text) else text


def neutralise(text: str) -> str:
    """A text cell that a spreadsheet would run as a formula, with a leading apostrophe (shown, not run).

    >>> neutralise('=HYPERLINK("http://x","Klick")'), neutralise("-5 Punkte"), neutralise("Kita Nord")
    ('\\'=HYPERLINK("http://x","Klick")', "'-5 Punkte", 'Kita Nord')
    """
    return "'" + text if text.startswith(FORMULA_START) else text


def _label(value: Mapping) -> object:
    return value.get("label") or value.get("id") or value.get("iri") or ""


def _number_text(value: int | float | Decimal) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value) if not isinstance(value, float) else repr(value)


def program_value(value: object) -> str:
    """One cell of CSV for programs: the value as it is (lists joined with ``"; "``, ``None`` empty).

    >>> program_value([{"label": "A"}, {"label": "B"}]), program_value(None), program_value(True)
    ('A; B', '', 'true')
    >>> program_value(0.5), program_value("=1+1")
    ('0.5', '=1+1')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return program_value(_label(value))
    if isinstance(value, (list, tuple)):
        return "; ".join(program_value(v) for v in value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def people_value(value: object) -> str:
    """One cell of CSV for people: decimal comma in numbers, ``ja``/``nein``, text neutralised and cleaned.

    Only text is neutralised; a number is never taken for a formula.

    >>> people_value(-5), people_value(51.4889), people_value(Decimal("18.40")), people_value(False)
    ('-5', '51,4889', '18,40', 'nein')
    >>> people_value("-5"), people_value("@SUM(A1)"), people_value(["=1+1", "B"])
    ("'-5", "'@SUM(A1)", "'=1+1; B")
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, (int, float, Decimal)):
        return _number_text(value).replace(".", ",")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return neutralise(clean_text(program_value(value)))


def _rows(columns: Sequence[str], rows: Iterable[Row | Sequence[object]]) -> Iterable[Sequence[object]]:
    for row in rows:
        yield [row.get(c) for c in columns] if isinstance(row, Mapping) else row


def people_csv(columns: Sequence[str], rows: Iterable[Row | Sequence[object]], *, bom: bool = True) -> bytes:
    """CSV that German Excel opens right: UTF-8 (with BOM unless ``bom=False``), ``;``, CRLF, decimal comma.

    ``rows`` are mappings (column → value) or sequences in the order of ``columns``. Text cells that start a
    formula are neutralised (:func:`neutralise`); numbers are written as numbers.

    >>> people_csv(["name", "wert"], [{"name": "=1+1", "wert": -2.5}])
    b"\\xef\\xbb\\xbfname;wert\\r\\n'=1+1;-2,5\\r\\n"
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([people_value(c) for c in columns])
    writer.writerows([people_value(v) for v in row] for row in _rows(columns, rows))
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")


def program_csv(columns: Sequence[str], rows: Iterable[Row | Sequence[object]]) -> str:
    """CSV for programs (RFC 4180): ``,``, CRLF, values unchanged, quoted where they must be.

    >>> program_csv(["name", "wert"], [{"name": "=1+1", "wert": -2.5}])
    'name,wert\\r\\n=1+1,-2.5\\r\\n'
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([program_value(v) for v in row] for row in _rows(columns, rows))
    return buffer.getvalue()


def xlsx_cell(ws, value: object, *, number_format: str | None = None):
    """One openpyxl cell for ``ws`` (normal or write-only): numbers as numbers, dates as dates, text as text.

    Text is always stored as a text cell (``data_type "s"``), so ``=HYPERLINK(…)`` from imported data is shown,
    never run; control characters become U+FFFD. Lists are joined with ``"; "``.

    >>> from openpyxl import Workbook
    >>> ws = Workbook().active
    >>> [(c.value, c.data_type) for c in (xlsx_cell(ws, "=1+1"), xlsx_cell(ws, -5), xlsx_cell(ws, "a\\x01"))]
    [('=1+1', 's'), (-5, 'n'), ('a\\ufffd', 's')]
    """
    from openpyxl.cell import WriteOnlyCell

    if value is None or isinstance(value, (bool, int, float, date, datetime)):
        cell = WriteOnlyCell(ws, value)
        if isinstance(value, date) and number_format is None:
            number_format = "DD.MM.YYYY" if not isinstance(value, datetime) else "DD.MM.YYYY HH:MM"
    elif isinstance(value, Decimal):
        cell = WriteOnlyCell(ws, float(value))
    else:
        cell = WriteOnlyCell(ws, clean_text(program_value(value)))
        cell.data_type = "s"  # after the value: openpyxl reads "=…" as a formula and "#N/A" as an error
    if number_format is not None:
        cell.number_format = number_format
    return cell


def xlsx_bytes(sheets: Mapping[str, tuple[Sequence[str], Iterable[Row | Sequence[object]]]]) -> bytes:
    """A workbook with one sheet per entry (sheet name → ``(columns, rows)``), a bold frozen header row.

    >>> import io
    >>> from openpyxl import load_workbook
    >>> ws = load_workbook(io.BytesIO(xlsx_bytes({"Liste": (["name", "n"], [{"name": "@SUM(A1)", "n": 3}])}))).active
    >>> [(c.value, c.data_type) for c in ws[2]]
    [('@SUM(A1)', 's'), (3, 'n')]
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, (columns, rows) in sheets.items():
        ws = wb.create_sheet(_sheet_title(title))
        ws.freeze_panes = "A2"
        header = [xlsx_cell(ws, c) for c in columns]
        for cell in header:
            cell.font = bold
        ws.append(header)
        for row in _rows(columns, rows):
            ws.append([xlsx_cell(ws, v) for v in row])
    if not sheets:
        wb.create_sheet("Tabelle")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "_", clean_text(title))[:31] or "Tabelle"


def output_format(fmt: str | None, out_file: Path | None, *, allowed: Sequence[str], default: str) -> str:
    """The format of an output: ``--format`` if given, else the file name's suffix, else ``default``.

    A ``--format`` that contradicts the file name (``--format json --out v.xlsx``) is refused: the file would
    not open in the program its name promises.

    >>> output_format(None, Path("v.xlsx"), allowed=("table", "csv", "json", "xlsx"), default="table")
    'xlsx'
    >>> output_format("csv", None, allowed=("table", "csv"), default="table")
    'csv'
    >>> try:
    ...     output_format(None, Path("v.pdf"), allowed=("table", "csv", "xlsx"), default="table")
    ... except Exception as exc:
    ...     print(str(exc).split(" / ")[1])
    format unclear, give --format (csv, xlsx)
    """
    from bildungsnetz.errors import UsageError

    suffix = out_file.suffix.lower().lstrip(".") if out_file is not None else ""
    by_name = suffix if suffix in TABLE_FORMATS and suffix in allowed else None
    if fmt is not None:
        fmt = fmt.strip().lower()
        if fmt not in allowed:
            raise UsageError(
                f"--format {fmt!r}: erlaubt sind {', '.join(allowed)} / allowed: {', '.join(allowed)}"
            )
        if by_name is not None and by_name != fmt:
            raise UsageError(
                f"--format {fmt} passt nicht zu --out {out_file.name} / "
                f"--format {fmt} does not match --out {out_file.name}"
            )
        return fmt
    if by_name is not None:
        return by_name
    if out_file is not None and default == "table":
        files = ", ".join(f for f in allowed if f != "table")  # what this command writes into a file
        raise UsageError(
            f"--out {out_file.name}: Format unklar, bitte --format angeben ({files}) / "
            f"format unclear, give --format ({files})"
        )
    return default
