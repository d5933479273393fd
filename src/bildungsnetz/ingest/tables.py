"""Spreadsheets in: read the fixed German import tables from CSV and XLSX and map their rows to RDF."""

from __future__ import annotations

import csv
import difflib
import gc
import hashlib
import io
import operator
import re
import tomllib
import unicodedata
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from urllib.parse import unquote

import pyoxigraph as ox
from rdflib import URIRef

from bildungsnetz.cities import (
    CityProfile,
    CityProfileError,
    District,
    DistrictNotFoundError,
    load_profile,
    lookup_district,
)
from bildungsnetz.errors import LimitExceeded, TableError, UnsafeWorkbook, UsageError
from bildungsnetz.ingest import TABLES, Origin, SourceFile, Staged
from bildungsnetz.iris import Iris, is_schulnummer, key_segment
from bildungsnetz.namespace import BN, BNSH, GEO, ORG, PROV, QB, SCHEMA, VOCAB
from bildungsnetz.validate.report import Violation
from bildungsnetz.vocab import UnknownTerm, Vocabulary, get_vocabulary

__all__ = [
    "AUXILIARY_SHEETS",
    "LimitExceeded",
    "ReadLimits",
    "SEPARATOR",
    "actor_key",
    "cell_text",
    "CSV_SUFFIXES",
    "XLSX_SUFFIXES",
    "RawTable",
    "TableError",
    "column_spec",
    "detect_table",
    "expand_paths",
    "fold_column",
    "map_tables",
    "parse_date",
    "parse_decimal",
    "read_tables",
    "required_columns",
    "source_location",
    "split_values",
]

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
#: Sheets a workbook may carry besides the tables (templates write them); they are skipped without a note.
AUXILIARY_SHEETS = ("hinweise", "codes")
#: Separator of several values in one cell.
SEPARATOR = ";"

_XSD = "http://www.w3.org/2001/XMLSchema#"
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_NON_WORD = re.compile(r"[^0-9a-z]+")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?)?$")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_YEAR = re.compile(r"^\d{4}$")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_GROUPED_DOTS = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+$")
_GROUPED_COMMAS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3}){2,}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_WEB = re.compile(r"^https?://[^\s/?#@:]+\.[^\s/?#@:]+(?::\d+)?(?:[/?#]\S*)?$", re.IGNORECASE)
_SAFE_KEY = re.compile(r"^[A-Za-z0-9._~-]+$")
_PROBE = "bnKEY0probe"  # unreserved characters only, so key_segment leaves it as it is
_LEVEL_PREFIX = re.compile(
    r"^(stadtbezirk|bezirk|stadtteil|ortsteil|statistischer[ _-]?bezirk)\s*[:\s]\s*(.+)$", re.IGNORECASE
)


# -- Column specification ----------------------------------------------------------------------------------


@cache
def column_spec() -> dict[str, dict]:
    """The import tables as described in ``ingest/spalten.toml``: per table a description and its columns.

    Each column has ``art`` (how the cell is read), optionally ``pflicht``, ``mehrfach``, ``vokabular``,
    ``ebene``, and a German ``hinweis`` and ``beispiel``.

    >>> spec = column_spec()
    >>> spec["akteure"]["spalten"]["typ"]["vokabular"], list(spec["kontakte"]["spalten"])[:2]
    ('akteursart', ['akteur', 'name'])
    """
    path = Path(__file__).with_name("spalten.toml")
    return tomllib.loads(path.read_text(encoding="utf-8"))


def required_columns(table: str) -> tuple[str, ...]:
    """Columns that must be in the header of ``table``.

    >>> required_columns("mitgliedschaften")
    ('netzwerk', 'akteur')
    """
    return tuple(name for name, col in column_spec()[table]["spalten"].items() if col.get("pflicht"))


def fold_column(name: object) -> str:
    """A header cell as a column name: case, blanks, dashes and umlauts do not matter.

    >>> [fold_column(h) for h in (" Beginn ", "Akteur A", "Empfänger", "Betrag (EUR)")]
    ['beginn', 'akteur_a', 'empfaenger', 'betrag_eur']
    """
    text = unicodedata.normalize("NFC", str(name or "")).replace("\ufeff", "").casefold().translate(_UMLAUTS)
    return _NON_WORD.sub("_", text).strip("_")


# -- Errors --------------------------------------------------------------------------------------------------


# -- Limits --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadLimits:
    """How much one spreadsheet may make the reader do; the ``BILDUNGSNETZ_IMPORT_MAX_*`` settings.

    Why: a 400 KB workbook can unpack to a 400 MB cell, and one blank cell in column XFD makes every row 16,384
    cells wide. Each limit is checked before the work it bounds (sizes from the zip directory, the stated sheet
    dimension) and again while reading (a sheet may state no or a wrong dimension).

    >>> ReadLimits(columns=20).columns, ReadLimits().cell_chars
    (20, 32767)
    """

    uncompressed_mb: int = 256
    cells: int = 20_000_000
    columns: int = 1000
    rows: int = 1_000_000
    cell_chars: int = 32_767

    @classmethod
    def from_settings(cls, settings: object | None = None) -> ReadLimits:
        """The limits of ``settings`` (default: this process's :func:`~bildungsnetz.settings.get_settings`)."""
        if settings is None:
            from bildungsnetz.settings import get_settings

            settings = get_settings()
        return cls(
            uncompressed_mb=settings.import_max_uncompressed_mb,  # type: ignore[attr-defined]
            cells=settings.import_max_cells,  # type: ignore[attr-defined]
            columns=settings.import_max_columns,  # type: ignore[attr-defined]
            rows=settings.import_max_rows,  # type: ignore[attr-defined]
            cell_chars=settings.import_max_cell_chars,  # type: ignore[attr-defined]
        )


def _column_letter(index: int) -> str:
    """1 → A, 16384 → XFD."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _too_long(path: Path, sheet: str | None, row: int, column: int | str, limits: ReadLimits) -> LimitExceeded:
    return LimitExceeded(
        f"Zelle länger als {limits.cell_chars} Zeichen (Grenze BILDUNGSNETZ_IMPORT_MAX_CELL_CHARS)",
        f"cell longer than {limits.cell_chars} characters (limit BILDUNGSNETZ_IMPORT_MAX_CELL_CHARS)",
        file=path, sheet=sheet, row=row, column=_column_letter(column) if isinstance(column, int) else column,
    )


def _too_wide(path: Path, sheet: str | None, row: int | None, width: int, limits: ReadLimits) -> LimitExceeded:
    return LimitExceeded(
        f"Blatt reicht bis Spalte {_column_letter(width)}, mehr als {limits.columns} Spalten (Grenze "
        "BILDUNGSNETZ_IMPORT_MAX_COLUMNS); leere Spalten rechts der Tabelle löschen",
        f"sheet reaches column {_column_letter(width)}, more than {limits.columns} columns (limit "
        "BILDUNGSNETZ_IMPORT_MAX_COLUMNS); delete the empty columns right of the table",
        file=path, sheet=sheet, row=row, column=_column_letter(width),
    )


def _too_long_sheet(path: Path, sheet: str | None, row: int, limits: ReadLimits) -> LimitExceeded:
    return LimitExceeded(
        f"mehr als {limits.rows} Zeilen (Grenze BILDUNGSNETZ_IMPORT_MAX_ROWS)",
        f"more than {limits.rows} rows (limit BILDUNGSNETZ_IMPORT_MAX_ROWS)",
        file=path, sheet=sheet, row=row,
    )


#: How much of each XML part of a workbook is unpacked to look at its prolog (where a DTD would be).
_PROLOG_BYTES = 64 * 1024
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_FIRST_ELEMENT = re.compile(r"<[A-Za-z_:]")


def _prolog(head: bytes) -> str | None:
    """The text before the root element of an XML part (comments removed), or None if none starts in ``head``."""
    encoding = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8"
    text = _COMMENT.sub("", head.decode(encoding, errors="ignore"))
    found = _FIRST_ELEMENT.search(text)
    return text[: found.start()] if found else None


def check_workbook(path: Path, limits: ReadLimits) -> None:
    """Refuse a workbook before it is opened: too much to unpack, or an XML part with a document type declaration.

    Only the zip directory and the first 64 KB of each XML part are read; a file that is no zip is left to the
    reader, which names it.

    Raises
    ------
    LimitExceeded
        When all parts together unpack to more than ``limits.uncompressed_mb``.
    UnsafeWorkbook
        When an XML part declares a DTD (entities can expand a few bytes into gigabytes), or its root element
        does not start within the first 64 KB.
    """
    import zipfile

    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile, ValueError):
        return
    with archive:
        parts = archive.infolist()
        total = sum(info.file_size for info in parts)
        if total > limits.uncompressed_mb * 1024 * 1024:
            raise LimitExceeded(
                f"entpackt {total / 1024 / 1024:,.0f} MB, mehr als {limits.uncompressed_mb} MB (Grenze "
                "BILDUNGSNETZ_IMPORT_MAX_UNCOMPRESSED_MB); nicht geöffnet",
                f"unpacks to {total / 1024 / 1024:,.0f} MB, more than {limits.uncompressed_mb} MB (limit "
                "BILDUNGSNETZ_IMPORT_MAX_UNCOMPRESSED_MB); not opened",
                file=path,
            )
        for info in parts:
            if info.is_dir() or not info.file_size or not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            try:
                with archive.open(info) as member:
                    head = member.read(_PROLOG_BYTES)
            except Exception:  # noqa: BLE001 - a broken part: the reader names the file
                return
            prolog = _prolog(head)
            if prolog is None or "<!DOCTYPE" in prolog or "<!ENTITY" in prolog:
                raise UnsafeWorkbook(
                    f"Teil {info.filename} enthält eine XML-Dokumenttyp-Deklaration (DTD); Excel schreibt keine – "
                    "bitte in Excel neu speichern",
                    f"part {info.filename} holds an XML document type declaration (DTD); Excel writes none – "
                    "please save it again from Excel",
                    file=path,
                )


# -- Reading -------------------------------------------------------------------------------------------------


@dataclass
class RawTable:
    """One import table as read from a file, before mapping.

    ``columns`` are the canonical column names in file order; ``rows`` are ``(row number, cells)`` with the
    cells in the order of ``columns`` (text from CSV; text, numbers, dates or None from XLSX). Row numbers
    count the header as row 1 in CSV and are the sheet's own row numbers in XLSX. Empty rows are left out.
    """

    path: Path
    table: str
    sheet: str | None
    columns: tuple[str, ...]
    rows: list[tuple[int, tuple]] = field(default_factory=list)

    @property
    def source(self) -> str:
        """How problems name this table's file: the path, for a workbook with ``#sheet``.

        See :func:`source_location`.
        """
        return f"{self.path}#{self.sheet}" if self.sheet is not None else str(self.path)


def source_location(source_file: str) -> tuple[str, str | None]:
    """Split a problem's ``source_file`` into the file and, for workbooks, the sheet.

    >>> source_location("daten/beispiel.xlsx#akteure"), source_location("akteure.csv")
    (('daten/beispiel.xlsx', 'akteure'), ('akteure.csv', None))
    """
    head, sep, sheet = source_file.rpartition("#")
    if sep and head.lower().endswith(XLSX_SUFFIXES):
        return head, sheet
    return source_file, None


def _check_kind(kind: str | None) -> str | None:
    if kind is None or fold_column(kind) in ("", "tabelle", "tabellen"):
        return None
    folded = fold_column(kind)
    if folded not in TABLES:
        close = difflib.get_close_matches(folded, list(TABLES), n=1, cutoff=0.6)
        de_hint = f" – meinten Sie '{close[0]}'?" if close else ""
        en_hint = f" – did you mean '{close[0]}'?" if close else ""
        raise UsageError(
            f"Parameter 'kind': unbekannte Tabelle '{kind}'{de_hint} Erlaubt: {', '.join(TABLES)} / "
            f"parameter 'kind': unknown table '{kind}'{en_hint} Allowed: {', '.join(TABLES)}"
        )
    return folded


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files to read: each path as given, a directory as its CSV and XLSX files (sorted by name).

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> for name in ("b.csv", "a.xlsx", "notes.md"):
    ...     _ = (d / name).write_text("")
    >>> [p.name for p in expand_paths([d])]
    ['a.xlsx', 'b.csv']
    """
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.suffix.lower() in CSV_SUFFIXES + XLSX_SUFFIXES)
        else:
            out.append(p)
    return out


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise TableError(
            f"weder UTF-8 noch Windows-1252 (Byte {exc.start}); bitte als CSV UTF-8 speichern",
            f"neither UTF-8 nor Windows-1252 (byte {exc.start}); please save as CSV UTF-8",
            file=path,
        ) from None


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TableError(
            f"kann nicht gelesen werden ({exc.strerror})", f"cannot be read ({exc.strerror})", file=path
        ) from None


def _delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_records(path: Path, data: bytes) -> tuple[list[str], Iterator[list[str]]]:
    text = _decode(path, data)
    lines = io.StringIO(text, newline="")
    first = lines.readline()
    delimiter = None
    if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:
        delimiter = first.strip()[4]  # Excel's "sep=;" line
        first = lines.readline()
    if delimiter is None:
        delimiter = _delimiter(first)
    header_reader = csv.reader([first], delimiter=delimiter)
    try:
        header = next(header_reader, [])
    except csv.Error as exc:
        raise _csv_error(path, 1, exc) from None
    return header, csv.reader(lines, delimiter=delimiter)


def _csv_error(path: Path, row: int, exc: csv.Error) -> TableError:
    if "field larger than field limit" in str(exc):
        # the csv module stops at 128 KiB per field; longer is never a cell of ours
        return LimitExceeded(
            f"Zelle länger als {csv.field_size_limit()} Zeichen", f"cell longer than {csv.field_size_limit()} "
            "characters", file=path, row=row,
        )
    return TableError(f"kein gültiges CSV ({exc})", f"not valid CSV ({exc})", file=path, row=row)


def _strip_cell(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _resolve_header(path: Path, sheet: str | None, row: int, cells: Sequence[object], table: str
                    ) -> tuple[tuple[str, ...], list[int]]:
    """Canonical column names and their positions; raises on an unknown, duplicate or missing column."""
    known = TABLES[table]
    names: list[str] = []
    positions: list[int] = []
    for i, cell in enumerate(cells):
        raw = "" if cell is None else str(cell)
        name = fold_column(raw)
        if not name:
            continue
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            de_hint = f" – meinten Sie '{close[0]}'?" if close else ""
            en_hint = f" – did you mean '{close[0]}'?" if close else ""
            raise TableError(
                f"unbekannte Spalte für Tabelle {table}{de_hint} Erlaubt: {', '.join(known)}",
                f"unknown column for table {table}{en_hint} Allowed: {', '.join(known)}",
                file=path, sheet=sheet, row=row, column=raw.strip(),
            )
        if name in names:
            raise TableError("Spalte doppelt", "duplicate column", file=path, sheet=sheet, row=row,
                             column=raw.strip())
        names.append(name)
        positions.append(i)
    for name in required_columns(table):
        if name not in names:
            raise TableError(
                f"Pflichtspalte fehlt in Tabelle {table}", f"required column missing in table {table}",
                file=path, sheet=sheet, row=row, column=name,
            )
    return tuple(names), positions


def _table_from_header(cells: Sequence[object]) -> tuple[str | None, str | None]:
    """The table whose columns the header fits: ``(table, None)``, or ``(None, best guess)``."""
    names = {fold_column(c) for c in cells if _strip_cell(c)}
    fitting, best, best_overlap = [], None, 0
    for table, columns in TABLES.items():
        overlap = len(names & set(columns))
        if overlap > best_overlap:
            best, best_overlap = table, overlap
        if names <= set(columns) and set(required_columns(table)) <= names:
            fitting.append((len(names) / len(columns), table))
    if fitting:
        fitting.sort(reverse=True)
        if len(fitting) == 1 or fitting[0][0] > fitting[1][0]:
            return fitting[0][1], None
    return None, best


def _table_from_name(stem: str) -> str | None:
    folded = fold_column(stem)
    if folded in TABLES:
        return folded
    found = [t for t in TABLES if t in folded.split("_") or folded.endswith(t) or folded.startswith(t)]
    return found[0] if len(found) == 1 else None


def _pick_table(path: Path, sheet: str | None, header: Sequence[object], *, kind: str | None,
                name: str | None) -> str:
    if kind is not None:
        return kind
    if name is not None:
        by_name = _table_from_name(name)
        if by_name is not None:
            return by_name
    table, guess = _table_from_header(header)
    if table is not None:
        return table
    if guess is not None:
        return guess  # the header check then names the column that does not fit
    raise TableError(
        f"Tabelle nicht erkannt: Dateiname oder Kopfzeile passt zu keiner Tabelle ({', '.join(TABLES)}); "
        "mit --kind angeben",
        f"table not recognised: neither file name nor header fits a table ({', '.join(TABLES)}); give --kind",
        file=path, sheet=sheet,
    )


def _read_csv(path: Path, *, kind: str | None, limits: ReadLimits) -> RawTable:
    header, records = _csv_records(path, _read_bytes(path))
    if not any(h.strip() for h in header):
        raise TableError("leere Datei oder leere Kopfzeile", "empty file or empty header", file=path, row=1)
    if len(header) > limits.columns:
        raise _too_wide(path, None, 1, len(header), limits)
    if _longest(header, limits) >= 0:
        raise _too_long(path, None, 1, _longest(header, limits) + 1, limits)
    names = [h.strip() or _column_letter(i + 1) for i, h in enumerate(header)]
    table = _pick_table(path, None, header, kind=kind, name=path.stem)
    columns, positions = _resolve_header(path, None, 1, header, table)
    raw = RawTable(path, table, None, columns)
    named = set(positions)
    width = len(header)
    unnamed = len(named) < width
    pick = operator.itemgetter(*positions)
    single = len(positions) == 1
    append = raw.rows.append
    most = limits.cell_chars
    number = 1
    try:
        for number, cells in enumerate(records, start=2):
            if sum(map(len, cells)) > most:  # the sum first: one cheap pass over the row
                at = _longest(cells, limits)
                if at >= 0:
                    raise _too_long(path, None, number, names[at] if at < len(names) else at + 1, limits)
            if number > limits.rows:
                raise _too_long_sheet(path, None, number, limits)
            if not "".join(cells).strip():
                continue
            if len(cells) != width:
                if len(cells) > width and "".join(cells[width:]).strip():
                    raise TableError(
                        "mehr Zellen als Spalten in der Kopfzeile", "more cells than header columns",
                        file=path, row=number,
                    )
                cells = (cells + [""] * width)[:width]
            if unnamed:
                _check_unnamed(path, None, number, cells, named)
            if "'" in "".join(cells):
                cells = [_unneutralise(c) for c in cells]
            # cells keep their blanks here; every reader of a cell trims it (cell_text, parse_date …)
            append((number, (pick(cells),) if single else pick(cells)))
    except csv.Error as exc:
        raise _csv_error(path, number + 1, exc) from None
    return raw


_NEUTRALISED = ("'=", "'+", "'-", "'@", "'\t", "'\r")


def _unneutralise(cell: str) -> str:
    """A CSV cell as it was before a writer neutralised it (``'=1+1`` → ``=1+1``; see bildungsnetz.tables).

    >>> _unneutralise("'=HYPERLINK(1)"), _unneutralise("'-5 Punkte"), _unneutralise("'s-Hertogenbosch")
    ('=HYPERLINK(1)', '-5 Punkte', "'s-Hertogenbosch")
    """
    return cell[1:] if cell.startswith(_NEUTRALISED) else cell


def _longest(cells: Sequence[str], limits: ReadLimits) -> int:
    """Index of the first cell longer than the limit, or -1."""
    return next((i for i, cell in enumerate(cells) if len(cell) > limits.cell_chars), -1)


def _check_unnamed(path: Path, sheet: str | None, number: int, cells: Sequence[object], named: set[int]
                   ) -> None:
    for i, cell in enumerate(cells):
        if i not in named and _strip_cell(cell):
            raise TableError(
                f"Wert in Spalte {i + 1} ohne Spaltenname", f"value in column {i + 1}, which has no name",
                file=path, sheet=sheet, row=number,
            )


def _open_workbook(path: Path):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, InvalidFileException, KeyError, ValueError) as exc:
        import zipfile

        if isinstance(exc, OSError) and not isinstance(exc, zipfile.BadZipFile):
            reason_de = reason_en = exc.strerror or str(exc)
        else:
            reason_de, reason_en = "keine gültige XLSX-Arbeitsmappe", "not a valid XLSX workbook"
        raise TableError(f"kann nicht gelesen werden: {reason_de}", f"cannot be read: {reason_en}",
                         file=path) from None
    except MemoryError:
        raise  # not the file's form but its size: the reading child reports the memory limit
    except Exception as exc:  # zipfile.BadZipFile and openpyxl's parse errors have no common base
        raise TableError("keine gültige XLSX-Arbeitsmappe", f"not a valid XLSX workbook ({exc})",
                         file=path) from None


def _sheet_rows(ws, path: Path, limits: ReadLimits) -> Iterator[tuple[int, tuple]]:
    title = ws.title
    # The dimension the sheet states, before any row is read: a bomb states its own size.
    stated_columns, stated_rows = ws.max_column, ws.max_row
    if stated_columns and stated_columns > limits.columns:
        raise _too_wide(path, title, None, stated_columns, limits)
    if stated_rows and stated_rows > limits.rows:
        raise _too_long_sheet(path, title, stated_rows, limits)
    ws.reset_dimensions()  # files from other tools often state wrong dimensions; read what is there
    cells = 0
    most = limits.cell_chars
    rows = ws.iter_rows(min_row=1, values_only=True)
    number = 0
    while True:
        try:
            values = next(rows, None)
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001 - openpyxl parses the sheet lazily, its errors have no common base
            raise TableError("Blatt nicht lesbar", f"sheet cannot be read ({type(exc).__name__})", file=path,
                             sheet=title, row=number + 1) from None
        if values is None:
            return
        number += 1
        width = len(values)
        if width > limits.columns:
            raise _too_wide(path, title, number, width, limits)
        if number > limits.rows:
            raise _too_long_sheet(path, title, number, limits)
        cells += width
        if cells > limits.cells:
            raise LimitExceeded(
                f"mehr als {limits.cells} Zellen (Grenze BILDUNGSNETZ_IMPORT_MAX_CELLS)",
                f"more than {limits.cells} cells (limit BILDUNGSNETZ_IMPORT_MAX_CELLS)",
                file=path, sheet=title, row=number,
            )
        for i, v in enumerate(values):
            if type(v) is str and len(v) > most:
                raise _too_long(path, title, number, i + 1, limits)
        if any(_strip_cell(v) for v in values):
            yield number, values


def _read_xlsx(path: Path, *, kind: str | None, notes: list[str], limits: ReadLimits) -> list[RawTable]:
    check_workbook(path, limits)
    wb = _open_workbook(path)
    try:
        titles = list(wb.sheetnames)
        data_sheets = [t for t in titles if fold_column(t) not in AUXILIARY_SHEETS]
        out: list[RawTable] = []
        for title in data_sheets:
            folded = fold_column(title)
            rows = _sheet_rows(wb[title], path, limits)
            first = next(rows, None)
            if folded in TABLES:
                table = folded
            elif kind is not None and len(data_sheets) == 1:
                table = kind
            else:
                table, _ = _table_from_header(first[1]) if first else (None, None)
                if table is None:
                    notes.append(
                        f"{path}: Blatt '{title}' übergangen – kein Tabellenname ({', '.join(TABLES)}) / "
                        f"sheet '{title}' skipped – not a table name"
                    )
                    continue
                notes.append(
                    f"{path}: Blatt '{title}' als Tabelle {table} gelesen (Kopfzeile) / "
                    f"sheet '{title}' read as table {table} (header)"
                )
            if kind is not None and table != kind:
                continue
            if first is None:
                notes.append(f"{path}: Blatt '{title}' ist leer / sheet '{title}' is empty")
                continue
            header_row, header = first
            columns, positions = _resolve_header(path, title, header_row, header, table)
            raw = RawTable(path, table, title, columns)
            named = set(positions)
            for number, values in rows:
                _check_unnamed(path, title, number, values, named)
                raw.rows.append((number, tuple(values[i] if i < len(values) else None for i in positions)))
            out.append(raw)
    finally:
        wb.close()
    if not out:
        wanted = f" {kind}" if kind else ""
        raise TableError(
            f"keine Tabelle{wanted} in der Arbeitsmappe; Blätter müssen wie die Tabellen heißen "
            f"({', '.join(TABLES)})",
            f"no table{wanted} in the workbook; sheets must be named like the tables ({', '.join(TABLES)})",
            file=path,
        )
    return out


def read_tables(path: str | Path, *, kind: str | None = None, notes: list[str] | None = None,
                limits: ReadLimits | None = None) -> list[RawTable]:
    """Read one CSV file or workbook into its import tables.

    Parameters
    ----------
    path : path-like
        A ``.csv`` (UTF-8, UTF-8 with BOM or Windows-1252; ``;``, ``,`` or tab, detected from the header line)
        or ``.xlsx`` file (one sheet per table, named like the table).
    kind : str, optional
        Force the table (``akteure`` …) of a CSV file or of a workbook's single sheet; a workbook with
        several sheets then yields only that table.
    notes : list of str, optional
        Receives remarks such as skipped sheets.
    limits : ReadLimits, optional
        How much the file may make the reader do (default: from the settings).

    Returns
    -------
    list of RawTable

    Raises
    ------
    TableError
        When the file cannot be read, its table is not recognised, or its header lacks a required column or
        has an unknown one (with a suggestion for a near miss).
    LimitExceeded
        When the file is over one of the ``limits`` (named in the message), before or while it is read.

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "liste.csv"
    >>> _ = f.write_text("Netzwerk;Akteur;Rolle\\nBN-8;100132;Vorsitz\\n\\n", encoding="utf-8")
    >>> [(t.table, t.columns, t.rows) for t in read_tables(f)]
    [('mitgliedschaften', ('netzwerk', 'akteur', 'rolle'), [(2, ('BN-8', '100132', 'Vorsitz'))])]
    """
    path = Path(path)
    kind = _check_kind(kind)
    notes = notes if notes is not None else []
    suffix = path.suffix.lower()
    if not path.exists():
        raise TableError("Datei nicht gefunden", "file not found", file=path)
    limits = limits or ReadLimits.from_settings()
    if suffix in XLSX_SUFFIXES:
        return _read_xlsx(path, kind=kind, notes=notes, limits=limits)
    if suffix == ".xls":
        raise TableError(
            "altes Excel-Format .xls; bitte als .xlsx oder CSV speichern",
            "old Excel format .xls; please save as .xlsx or CSV", file=path,
        )
    return [_read_csv(path, kind=kind, limits=limits)]


def detect_table(path: str | Path) -> list[str]:
    """The import tables a CSV file or workbook holds, from its name, sheet names and header.

    Raises
    ------
    TableError
        When no table is recognised or a header does not fit its table.

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "export.csv"
    >>> _ = f.write_text("id,name,typ,stadtteil\\n", encoding="utf-8")
    >>> detect_table(f)
    ['akteure']
    """
    return [t.table for t in read_tables(path)]


# -- Cell values ---------------------------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """A cell as text: numbers without a spurious ``.0``, dates as ISO, blanks trimmed.

    >>> cell_text(100132.0), cell_text(51.49), cell_text(datetime(2024, 8, 1)), cell_text(None)
    ('100132', '51.49', '2024-08-01', '')
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


_text = cell_text


def split_values(text: str) -> list[str]:
    """The values of a cell that may hold several, separated by ``;`` (blanks trimmed, repeats dropped).

    >>> split_values(" 13; 4.7 ;;13 ")
    ['13', '4.7']
    """
    if SEPARATOR not in text:
        return [text] if text else []
    return list(dict.fromkeys(v.strip() for v in text.split(SEPARATOR) if v.strip()))


def parse_date(value: object) -> date | None:
    """A date cell: an XLSX date, ``2024-08-01`` or ``01.08.2024``; None when it is no date.

    >>> parse_date("01.08.2024"), parse_date("2024-08-01"), parse_date("2024-02-30"), parse_date("Aug 24")
    (datetime.date(2024, 8, 1), datetime.date(2024, 8, 1), None, None)
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if m := _ISO_DATE.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _GERMAN_DATE.match(text):
            return date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        return None
    return None


def parse_decimal(value: object, *, grouping_dot: bool = False) -> Decimal | None:
    """A number cell in German or English writing; None when it is no number.

    A comma is the decimal sign unless a dot follows it (``12,500.00``); dots before groups of three digits
    are thousands separators (``12.500,00``, ``1.250.000``). A single dot before three digits (``12.500``) is
    ambiguous: with ``grouping_dot`` (amounts in euro) it groups thousands, otherwise it is the decimal point.

    >>> parse_decimal("12.500,00"), parse_decimal("12500.00"), parse_decimal("18,4"), parse_decimal(7.5)
    (Decimal('12500.00'), Decimal('12500.00'), Decimal('18.4'), Decimal('7.5'))
    >>> parse_decimal("12.500", grouping_dot=True), parse_decimal("12.500"), parse_decimal("zwölf")
    (Decimal('12500'), Decimal('12.500'), None)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if value == value and abs(value) != float("inf") else None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _PLAIN_NUMBER.match(text) and not (grouping_dot and _GROUPED_DOTS.match(text)):
        return Decimal(text)  # the common case, "51.4889", without the rules below
    text = text.replace("€", "").replace("EUR", "")
    text = "".join(text.split()).replace("\u00a0", "").replace("\u202f", "").replace("'", "")
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        text = text.replace(",", "") if _GROUPED_COMMAS.match(text) else text.replace(",", ".", 1)
    elif text.count(".") > 1 and _GROUPED_DOTS.match(text):
        text = text.replace(".", "")
    elif grouping_dot and _GROUPED_DOTS.match(text):
        text = text.replace(".", "")
    if not _PLAIN_NUMBER.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _canonical(number: Decimal) -> str:
    """xsd:decimal as Oxigraph stores it, so a re-import compares equal (``12500.00`` → ``12500``)."""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _year(value: object) -> str | None:
    text = _text(value)
    return text if _YEAR.match(text) else None


def _website(text: str) -> str | None:
    """A homepage IRI: ``https://`` is added to a bare host; None for text that is no web address.

    >>> _website("www.vhs.example"), _website("http://a.example/x?y=1"), _website("keine Angabe")
    ('https://www.vhs.example', 'http://a.example/x?y=1', None)
    """
    if not _SCHEME.match(text):
        text = "https://" + text.lstrip("/")
    if not _WEB.match(text) or any(c in text for c in '<>"{}|\\^`'):
        return None
    return text


# -- RDF terms -----------------------------------------------------------------------------------------------


def _nn(term: object) -> ox.NamedNode:
    return ox.NamedNode(str(term))


_DCT = "http://purl.org/dc/terms/"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_FOAF = "http://xmlns.com/foaf/0.1/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
P_LABEL = ox.NamedNode(_SKOS + "prefLabel")
P_ID = ox.NamedNode(_DCT + "identifier")
P_TITLE = ox.NamedNode(_DCT + "title")
P_DESC = ox.NamedNode(_DCT + "description")
P_SOURCE = ox.NamedNode(_DCT + "source")
P_HOMEPAGE = ox.NamedNode(_FOAF + "homepage")
P_NAME = ox.NamedNode(_FOAF + "name")
P_START, P_END = _nn(SCHEMA.startDate), _nn(SCHEMA.endDate)
XSD_DATE, XSD_DECIMAL = ox.NamedNode(_XSD + "date"), ox.NamedNode(_XSD + "decimal")
XSD_GYEAR, XSD_DATETIME = ox.NamedNode(_XSD + "gYear"), ox.NamedNode(_XSD + "dateTime")
WKT = _nn(GEO.wktLiteral)

BNT = {name: _nn(BN[name]) for name in (
    "Standort", "Kooperation", "Netzwerk", "Angebot", "SDGZuordnung", "Foerderung", "Kontaktperson",
    "akteursart", "sektor", "schulform", "schulnummer", "traeger", "traegername", "liegtIn", "partner",
    "kooperationsart", "handlungsfeld", "programm", "netzwerkart", "gebiet", "koordination", "anbieter",
    "zielgruppe", "bildungsphase", "sdgZuordnung", "sdg", "sdgUnterziel", "status", "methode", "empfaenger",
    "betragEUR", "zweck", "indikator", "jahr", "wert", "einheit", "indikatorStruktur", "funktion",
    "kontaktFuer",
)}  # fmt: skip
X = {
    "hasSite": _nn(ORG.hasSite), "siteOf": _nn(ORG.siteOf), "Membership": _nn(ORG.Membership),
    "organization": _nn(ORG.organization), "member": _nn(ORG.member), "role": _nn(ORG.role),
    "address": _nn(SCHEMA.address), "PostalAddress": _nn(SCHEMA.PostalAddress),
    "streetAddress": _nn(SCHEMA.streetAddress), "postalCode": _nn(SCHEMA.postalCode),
    "addressLocality": _nn(SCHEMA.addressLocality), "email": _nn(SCHEMA.email),
    "telephone": _nn(SCHEMA.telephone), "hasGeometry": _nn(GEO.hasGeometry), "Geometry": _nn(GEO.Geometry),
    "asWKT": _nn(GEO.asWKT), "Observation": _nn(QB.Observation), "dataSet": _nn(QB.dataSet),
    "DataSet": _nn(QB.DataSet), "structure": _nn(QB.structure), "attributed": _nn(PROV.wasAttributedTo),
    "generated": _nn(PROV.generatedAtTime),
}  # fmt: skip
RDF_TYPE_S, BESTAETIGT = str(RDF_TYPE), ox.NamedNode(str(VOCAB["zuordnungsstatus/bestaetigt"]))
MITGLIED = ox.NamedNode(str(VOCAB["rolle/mitglied"]))
SCHULE = VOCAB["akteursart/schule"]
METHOD = ox.Literal("import")


def _segment(key: str) -> str:
    """``key_segment`` with a fast path for keys that need no escaping (most ids)."""
    return key if _SAFE_KEY.match(key) else key_segment(key)


class _Template:
    """One :class:`~bildungsnetz.iris.Iris` method as prefix + key segment + suffix.

    The IRI is the one Iris mints (the template is taken from Iris itself with a probe key); only the per-row
    cost drops, which matters at 100,000 rows.

    >>> iris = Iris()
    >>> t = _Template(lambda key: iris.standort(key, 1))
    >>> t(_segment("Kita Sonne/2")).value == str(iris.standort("Kita Sonne/2", 1))
    True
    """

    def __init__(self, make: Callable[[str], object], probe: str = _PROBE) -> None:
        text = str(make(probe))
        prefix, found, suffix = text.partition(probe)
        if not found or probe in suffix:
            raise ValueError(f"IRI template without exactly one key: {text}")
        self.prefix, self.suffix = prefix, suffix

    def __call__(self, segment: str) -> ox.NamedNode:
        return ox.NamedNode(self.prefix + segment + self.suffix)


def _origin_columns(pairs: dict[ox.NamedNode, str]) -> dict[str, str]:
    return {p.value: column for p, column in pairs.items()}


# Shared per kind of subject: Origin.columns maps a predicate to the column that fed it. One dict per kind,
# shared by all rows (and never changed), keeps 100,000 origins cheap.
_ACTOR_COLUMNS = _origin_columns({
    RDF_TYPE: "typ", BNT["akteursart"]: "typ", BNT["sektor"]: "typ", P_LABEL: "name", P_ID: "id",
    BNT["schulnummer"]: "id", BNT["schulform"]: "schulform", BNT["traeger"]: "traeger",
    BNT["traegername"]: "traeger",
    P_HOMEPAGE: "website", X["hasSite"]: "stadtteil",
})  # fmt: skip
# The actor, its site, address and geometry share one Origin (their predicates differ; rdf:type goes to
# "typ"): one object per row instead of four.
_ACTOR_ROW_COLUMNS = {
    level: {**_origin_columns({
        X["siteOf"]: "id", BNT["liegtIn"]: level, X["address"]: "strasse", X["hasGeometry"]: "lat",
        X["streetAddress"]: "strasse", X["postalCode"]: "plz", X["addressLocality"]: "ort", X["asWKT"]: "lat",
    }), **_ACTOR_COLUMNS}
    for level in ("stadtteil", "stadtbezirk")
}  # fmt: skip
_PARTNERSHIP_COLUMNS = {
    col: _origin_columns({
        RDF_TYPE: "id", P_ID: "id", BNT["partner"]: col, BNT["kooperationsart"]: "art",
        BNT["handlungsfeld"]: "handlungsfeld", BNT["programm"]: "programm", P_START: "beginn", P_END: "ende",
        P_DESC: "beschreibung",
    })
    for col in ("akteur_a", "akteur_b")
}  # fmt: skip
_NETWORK_COLUMNS = {
    level: _origin_columns({
        RDF_TYPE: "id", P_ID: "id", P_LABEL: "name", BNT["netzwerkart"]: "art", BNT["gebiet"]: level,
        BNT["koordination"]: "koordination", P_START: "beginn", P_END: "ende",
    })
    for level in ("stadtteil", "stadtbezirk")
}  # fmt: skip
_MEMBERSHIP_COLUMNS = _origin_columns({
    RDF_TYPE: "netzwerk", X["organization"]: "netzwerk", X["member"]: "akteur", X["role"]: "rolle",
    P_START: "beginn", P_END: "ende",
})  # fmt: skip
_OFFER_COLUMNS = _origin_columns({
    RDF_TYPE: "id", P_ID: "id", P_TITLE: "titel", P_DESC: "beschreibung", BNT["anbieter"]: "anbieter",
    BNT["zielgruppe"]: "zielgruppe", BNT["bildungsphase"]: "bildungsphase",
    BNT["handlungsfeld"]: "handlungsfeld",
    BNT["sdgZuordnung"]: "sdg", BNT["gebiet"]: "stadtteil", P_START: "beginn", P_END: "ende",
})  # fmt: skip
_SDG_COLUMNS = _origin_columns({
    RDF_TYPE: "sdg", BNT["sdg"]: "sdg", BNT["sdgUnterziel"]: "sdg", BNT["status"]: "sdg",
    BNT["methode"]: "sdg",
    X["attributed"]: "sdg", X["generated"]: "sdg",
})  # fmt: skip
_GRANT_COLUMNS = _origin_columns({
    RDF_TYPE: "id", P_ID: "id", BNT["programm"]: "programm", BNT["empfaenger"]: "empfaenger",
    BNT["betragEUR"]: "betrag_eur", P_START: "beginn", P_END: "ende", BNT["zweck"]: "zweck",
})  # fmt: skip
_OBSERVATION_COLUMNS = _origin_columns({
    RDF_TYPE: "indikator", X["dataSet"]: "indikator", BNT["gebiet"]: "gebiet", BNT["indikator"]: "indikator",
    BNT["jahr"]: "jahr", BNT["wert"]: "wert", BNT["einheit"]: "einheit", P_SOURCE: "quelle",
})  # fmt: skip
_CONTACT_COLUMNS = _origin_columns({
    RDF_TYPE: "akteur", BNT["kontaktFuer"]: "akteur", P_NAME: "name", BNT["funktion"]: "funktion",
    X["email"]: "email", X["telephone"]: "telefon",
})  # fmt: skip


# -- Mapping -------------------------------------------------------------------------------------------------

_Cells = dict[str, object]
_LOCATION = ("strasse", "plz", "ort", "stadtbezirk", "stadtteil", "lat", "lon")


class _Mapper:
    """Turns the rows of all tables of one import into triples, origins, references and problems."""

    def __init__(self, *, profile: CityProfile, iris: Iris, vocab: Vocabulary,
                 existing_actors: Container[str], generated: Callable[[Path], str]) -> None:
        self.profile, self.iris, self.vocab = profile, iris, vocab
        self.existing = existing_actors
        self.generated = generated
        self.staged = Staged()
        self.data = self.staged.data
        self.actor_ids: set[str] = set()
        self.defined: set[str] = set()
        self.referenced: set[str] = set()
        self._terms: dict[tuple[str, str], ox.NamedNode | UnknownTerm] = {}
        self._districts: dict[tuple[str | None, str], District | CityProfileError] = {}
        self._dates: dict[object, ox.Literal | None] = {}
        self._actor_iris: dict[str, ox.NamedNode] = {}
        self._contacts: dict[str, int] = {}
        self._seen: dict[tuple[str, str | tuple[str, ...]], tuple[str, int]] = {}
        self._kinds: dict[str, tuple[ox.NamedNode, ox.NamedNode]] = {}
        self._gemeinde_nodes: dict[tuple[str, str], ox.NamedNode] = {}
        self.mint = {
            "akteur": _Template(iris.akteur), "schule": _Template(iris.akteur, "123456"),
            "standort": _Template(lambda k: iris.standort(k, 1)),
            "adresse": _Template(lambda k: iris.adresse(k, 1)),
            "geometrie": _Template(lambda k: iris.geometrie(k, 1)),
            "kooperation": _Template(iris.kooperation), "netzwerk": _Template(iris.netzwerk),
            "angebot": _Template(iris.angebot), "foerderung": _Template(iris.foerderung),
        }  # fmt: skip
        self.importer = ox.NamedNode(str(iris.nutzer("import")))
        self.source = ""
        self.row = 0
        self.focus = ""

    # -- problems ----------------------------------------------------------------------------------------

    def problem(self, check: str, column: str, value: object, de: str, en: str, *,
                severity: str = "Violation", path: ox.NamedNode | None = None) -> None:
        self.staged.problems.append(Violation(
            focus=self.focus, path=path.value if path is not None else None,
            shape=str(BNSH[f"import-{check}"]),
            severity=severity, message_de=de, message_en=en, value=_text(value) or None,
            source_file=self.source, row=self.row, column=column,
        ))

    def unknown(self, check: str, column: str, value: str, suggestions: Sequence[str],
                allowed: Sequence[str] = (), *, path: ox.NamedNode | None = None, what: str = "Wert") -> None:
        what_en = {"Wert": "value", "Gebiet": "district", "Kennung": "id"}.get(what, what)
        de = f'Unbekannter {what} "{value}" in Spalte {column}'
        en = f'Unknown {what_en} "{value}" in column {column}'
        if suggestions:
            quoted = " oder ".join(f'"{s}"' for s in suggestions)
            de += f" – meinten Sie {quoted}?"
            en += f" – did you mean {quoted.replace(' oder ', ' or ')}?"
        elif allowed:
            de += f" – erlaubt: {', '.join(allowed)}"
            en += f" – allowed: {', '.join(allowed)}"
        self.problem(check, column, value, de, en, path=path)

    # -- cells -------------------------------------------------------------------------------------------

    def term(self, scheme: str, value: str, column: str, path: ox.NamedNode) -> ox.NamedNode | None:
        """A vocabulary concept (or a programme for ``scheme == "programm"``) named by code or label."""
        key = (scheme, value)
        found = self._terms.get(key)
        if found is None:
            try:
                if scheme == "programm":
                    iri = self.vocab.programme(value)
                else:
                    iri = self.vocab.resolve(scheme, value)
                found = ox.NamedNode(str(iri))
            except UnknownTerm as exc:
                found = exc
            self._terms[key] = found
        if isinstance(found, UnknownTerm):
            self.unknown("vokabular", column, value, found.suggestions, found.allowed, path=path)
            return None
        return found

    def terms(self, s: ox.NamedNode, p: ox.NamedNode, scheme: str, cells: _Cells, column: str) -> None:
        for value in split_values(_text(cells.get(column))):
            o = self.term(scheme, value, column, p)
            if o is not None:
                self.data.append(ox.Triple(s, p, o))

    def date(self, s: ox.NamedNode, p: ox.NamedNode, cells: _Cells, column: str) -> None:
        value = cells.get(column)
        if value is None or value == "":
            return
        try:
            literal = self._dates[value]
        except KeyError:
            parsed = parse_date(value)
            literal = ox.Literal(parsed.isoformat(), datatype=XSD_DATE) if parsed else None
            self._dates[value] = literal
        except TypeError:  # an unhashable cell value cannot occur from csv/openpyxl; be safe
            literal = None
        if literal is None:
            self.problem(
                "datum", column, value,
                f'Kein Datum "{_text(value)}" in Spalte {column} – bitte 2024-08-01 oder 01.08.2024',
                f'Not a date "{_text(value)}" in column {column} – use 2024-08-01 or 01.08.2024', path=p,
            )
            return
        self.data.append(ox.Triple(s, p, literal))

    def number(self, value: object, column: str, path: ox.NamedNode, *, grouping_dot: bool = False
               ) -> Decimal | None:
        number = parse_decimal(value, grouping_dot=grouping_dot)
        if number is None:
            self.problem(
                "zahl", column, value,
                f'Keine Zahl "{_text(value)}" in Spalte {column} – bitte z. B. 12,5 oder 12.5',
                f'Not a number "{_text(value)}" in column {column} – use e.g. 12.5', path=path,
            )
        return number

    def text(self, s: ox.NamedNode, p: ox.NamedNode, cells: _Cells, column: str, *, lang: str | None = None
             ) -> None:
        value = _text(cells.get(column))
        if value:
            self.data.append(ox.Triple(s, p, ox.Literal(value, language=lang) if lang else ox.Literal(value)))

    def actor(self, key: str) -> ox.NamedNode:
        node = self._actor_iris.get(key)
        if node is None:
            node = self.mint["schule" if is_schulnummer(key) else "akteur"](_segment(key))
            self._actor_iris[key] = node
        return node

    def refs(self, s: ox.NamedNode, p: ox.NamedNode, cells: _Cells, column: str) -> list[str]:
        keys = split_values(_text(cells.get(column)))
        for key in keys:
            o = self.actor(key)
            self.referenced.add(o.value)
            self.data.append(ox.Triple(s, p, o))
        return keys

    def district(self, value: str, ebene: str | None, column: str, path: ox.NamedNode) -> District | None:
        key = (ebene, value)
        found = self._districts.get(key)
        if found is None:
            level, text = ebene, value
            if ebene is None and (m := _LEVEL_PREFIX.match(value)):
                # "Stadtbezirk Hörde" / "Stadtteil 53" where a name or code exists on both levels
                word = fold_column(m[1])
                level, text = ("stadtbezirk" if word in ("stadtbezirk", "bezirk") else "stadtteil"), m[2]
            try:
                found = lookup_district(self.profile, text, level)
            except CityProfileError as exc:
                found = exc
            self._districts[key] = found
        if isinstance(found, DistrictNotFoundError):
            self.unknown("gebiet", column, value, found.suggestions, path=path, what="Gebiet")
            return None
        if isinstance(found, CityProfileError):
            self.problem(
                "gebiet", column, value,
                f'Gebiet "{value}" in Spalte {column} ist mehrdeutig – bitte "Stadtbezirk {value}" '
                f'oder "Stadtteil {value}" schreiben',
                f'District "{value}" in column {column} is ambiguous – write "Stadtbezirk {value}" '
                f'or "Stadtteil {value}"', path=path,
            )
            return None
        return found

    def gebiet(self, d: District) -> ox.NamedNode:
        key = (d.ebene, d.code)
        node = self._gemeinde_nodes.get(key)
        if node is None:
            iri = self.iris.gebiet(self.profile.name, d.ebene, d.code)
            node = self._gemeinde_nodes[key] = ox.NamedNode(str(iri))
        return node

    def area(self, cells: _Cells, path: ox.NamedNode) -> tuple[District | None, str]:
        """The most specific district of the columns ``stadtbezirk`` / ``stadtteil`` and its column."""
        bezirk_text, teil_text = _text(cells.get("stadtbezirk")), _text(cells.get("stadtteil"))
        bezirk = self.district(bezirk_text, "stadtbezirk", "stadtbezirk", path) if bezirk_text else None
        teil = self.district(teil_text, "stadtteil", "stadtteil", path) if teil_text else None
        if teil is not None and bezirk is not None and teil.parent != bezirk.code:
            self.problem(
                "gebiet", "stadtteil", teil_text,
                f'Stadtteil "{teil.name}" liegt nicht im Stadtbezirk "{bezirk.name}" (Spalten stadtteil, '
                "stadtbezirk)",
                f'Stadtteil "{teil.name}" is not in Stadtbezirk "{bezirk.name}" '
                "(columns stadtteil, stadtbezirk)",
                path=path,
            )
            return None, "stadtteil"
        if teil is not None:
            return teil, "stadtteil"
        if bezirk is not None:
            return bezirk, "stadtbezirk"
        return None, "stadtteil" if teil_text or not bezirk_text else "stadtbezirk"

    def start_row(self, raw: RawTable, number: int, focus: str = "") -> None:
        self.row, self.focus = number, focus

    def unique(self, raw: RawTable, number: int, key: str | tuple[str, ...], column: str) -> bool:
        """False (and a problem) when ``key`` was already used in this table of this import."""
        seen = self._seen.get((raw.table, key))
        if seen is not None:
            file, row = seen
            shown = key if isinstance(key, str) else " / ".join(key)
            self.problem(
                "kennung", column, shown,
                f'"{shown}" doppelt – zuerst in Zeile {row} ({file}); Zeile übergangen',
                f'"{shown}" given twice – first in row {row} ({file}); row skipped',
            )
            return False
        self._seen[(raw.table, key)] = (raw.source, number)
        return True

    def need(self, key: str, column: str) -> bool:
        if key:
            return True
        self.problem(
            "pflicht", column, None,
            f"Spalte {column} ist leer – ohne sie kann die Zeile nicht übernommen werden; Zeile übergangen",
            f"column {column} is empty – the row cannot be imported without it; row skipped",
        )
        return False

    def origin(self, s: ox.NamedNode, raw: RawTable, number: int, columns: dict[str, str]) -> None:
        self.staged.origins[s.value] = Origin(str(raw.path), raw.sheet or raw.table, number, columns)

    # -- tables ------------------------------------------------------------------------------------------

    def akteure(self, raw: RawTable, rows: Iterable[tuple[int, _Cells]]) -> None:
        add = self.data.append
        for number, c in rows:
            self.start_row(raw, number)
            key = _text(c.get("id"))
            if not self.need(key, "id") or not self.unique(raw, number, key, "id"):
                continue
            s = self.actor(key)
            self.focus = s.value
            self.defined.add(s.value)
            origin = Origin(str(raw.path), raw.sheet or raw.table, number, _ACTOR_ROW_COLUMNS["stadtteil"])
            self.staged.origins[s.value] = origin
            typ, schulform = _text(c.get("typ")), _text(c.get("schulform"))
            kind = self.term("akteursart", typ, "typ", BNT["akteursart"]) if typ else None
            if not typ and schulform:
                kind = ox.NamedNode(str(SCHULE))
            elif not typ:
                self.problem(
                    "pflicht", "typ", None,
                    "Spalte typ ist leer – Art des Akteurs angeben (kita, schule, verein …)",
                    "column typ is empty – give the kind of actor (kita, schule, verein …)",
                    path=BNT["akteursart"],
                )
            is_school = False
            if kind is not None:
                cls, sector = self._kind_info(kind)
                is_school = kind.value == str(SCHULE)
                add(ox.Triple(s, RDF_TYPE, cls))
                add(ox.Triple(s, BNT["akteursart"], kind))
                add(ox.Triple(s, BNT["sektor"], sector))
            self.text(s, P_LABEL, c, "name")
            add(ox.Triple(s, P_ID, ox.Literal(key)))
            if is_school and is_schulnummer(key):
                add(ox.Triple(s, BNT["schulnummer"], ox.Literal(key)))
            if schulform:
                if kind is not None and not is_school:
                    self.problem(
                        "schulform", "schulform", schulform,
                        "Schulform nur bei Schulen (typ schule) – Wert übergangen",
                        "school type only for schools (typ schule) – value skipped",
                        severity="Warning", path=BNT["schulform"],
                    )
                else:
                    self.terms(s, BNT["schulform"], "schulform", c, "schulform")
            traeger = _text(c.get("traeger"))
            if traeger:
                iri = self.actor(traeger).value
                if traeger in self.actor_ids or iri in self.existing:
                    self.referenced.add(iri)
                    add(ox.Triple(s, BNT["traeger"], ox.NamedNode(iri)))
                else:
                    add(ox.Triple(s, BNT["traegername"], ox.Literal(traeger)))
            website = _text(c.get("website"))
            if website:
                homepage = _website(website)
                if homepage is None:
                    self.problem(
                        "website", "website", website,
                        f'Keine Internetadresse "{website}" in Spalte website – Wert übergangen',
                        f'Not a web address "{website}" in column website – value skipped',
                        severity="Warning", path=P_HOMEPAGE,
                    )
                else:
                    add(ox.Triple(s, P_HOMEPAGE, ox.NamedNode(homepage)))
            self._site(raw, number, key, s, c, origin)

    def _kind_info(self, kind: ox.NamedNode) -> tuple[ox.NamedNode, ox.NamedNode]:
        """Class and default sector of an Akteursart (from the vocabulary)."""
        found = self._kinds.get(kind.value)
        if found is None:
            cls = self.vocab.actor_class(URIRef(kind.value))
            sector = self.vocab.default_sector(URIRef(kind.value))
            found = self._kinds[kind.value] = (ox.NamedNode(str(cls)), ox.NamedNode(str(sector)))
        return found

    def _site(self, raw: RawTable, number: int, key: str, actor: ox.NamedNode, c: _Cells,
              origin: Origin) -> None:
        origins = self.staged.origins
        add = self.data.append
        location = [_text(c.get(col)) for col in _LOCATION]
        if not any(location):
            return
        segment = _segment(key)
        site = self.mint["standort"](segment)
        add(ox.Triple(actor, X["hasSite"], site))
        add(ox.Triple(site, RDF_TYPE, BNT["Standort"]))
        add(ox.Triple(site, X["siteOf"], actor))
        district, level = self.area(c, BNT["liegtIn"])
        if level != "stadtteil":
            origin = Origin(origin.file, origin.table, number, _ACTOR_ROW_COLUMNS[level])
            origins[actor.value] = origin
        origins[site.value] = origin
        if district is not None:
            add(ox.Triple(site, BNT["liegtIn"], self.gebiet(district)))
        strasse, plz, ort = location[:3]
        if strasse or plz or ort:
            adr = self.mint["adresse"](segment)
            add(ox.Triple(site, X["address"], adr))
            add(ox.Triple(adr, RDF_TYPE, X["PostalAddress"]))
            origins[adr.value] = origin
            if strasse:
                add(ox.Triple(adr, X["streetAddress"], ox.Literal(strasse)))
            if plz:
                if plz.isdigit() and len(plz) == 4:  # Excel drops the leading zero of 01067
                    plz = "0" + plz
                add(ox.Triple(adr, X["postalCode"], ox.Literal(plz)))
            if ort:
                add(ox.Triple(adr, X["addressLocality"], ox.Literal(ort)))
        lat_cell, lon_cell = c.get("lat"), c.get("lon")
        if location[5] or location[6]:
            if not (location[5] and location[6]):
                column = "lon" if location[5] else "lat"
                self.problem(
                    "koordinate", column, None,
                    "Koordinate unvollständig: lat und lon gehören zusammen – Punkt übergangen",
                    "incomplete coordinate: lat and lon go together – point skipped",
                    severity="Warning", path=X["hasGeometry"],
                )
                return
            lat = self.number(lat_cell, "lat", X["hasGeometry"])
            lon = self.number(lon_cell, "lon", X["hasGeometry"])
            if lat is None or lon is None:
                return
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                self.problem(
                    "koordinate", "lat", f"{lat} {lon}",
                    f"Koordinate außerhalb der Erde (lat {lat}, lon {lon}) – vertauscht? Punkt übergangen",
                    f"coordinate off the globe (lat {lat}, lon {lon}) – swapped? point skipped",
                    path=X["hasGeometry"],
                )
                return
            geom = self.mint["geometrie"](segment)
            add(ox.Triple(site, X["hasGeometry"], geom))
            add(ox.Triple(geom, RDF_TYPE, X["Geometry"]))
            wkt = f"POINT({_canonical(lon)} {_canonical(lat)})"
            add(ox.Triple(geom, X["asWKT"], ox.Literal(wkt, datatype=WKT)))
            origins[geom.value] = origin

    def kooperationen(self, raw: RawTable, rows: Iterable[tuple[int, _Cells]]) -> None:
        add = self.data.append
        for number, c in rows:
            self.start_row(raw, number)
            key = _text(c.get("id"))
            if not self.need(key, "id") or not self.unique(raw, number, key, "id"):
                continue
            s = self.mint["kooperation"](_segment(key))
            self.focus = s.value
            add(ox.Triple(s, RDF_TYPE, BNT["Kooperation"]))
            add(ox.Triple(s, P_ID, ox.Literal(key)))
            a_keys = self.refs(s, BNT["partner"], c, "akteur_a")
            self.refs(s, BNT["partner"], c, "akteur_b")
            # A SHACL result on bn:partner most likely concerns the partner that is not known yet.
            known_a = all(k in self.actor_ids or self.actor(k).value in self.existing for k in a_keys)
            self.origin(s, raw, number, _PARTNERSHIP_COLUMNS["akteur_b" if known_a else "akteur_a"])
            self.terms(s, BNT["kooperationsart"], "kooperationsart", c, "art")
            self.terms(s, BNT["handlungsfeld"], "handlungsfeld", c, "handlungsfeld")
            self.terms(s, BNT["programm"], "programm", c, "programm")
            self.date(s, P_START, c, "beginn")
            self.date(s, P_END, c, "ende")
            self.text(s, P_DESC, c, "beschreibung")

    def netzwerke(self, raw: RawTable, rows: Iterable[tuple[int, _Cells]]) -> None:
        add = self.data.append
        for number, c in rows:
            self.start_row(raw, number)
            key = _text(c.get("id"))
            if not self.need(key, "id") or not self.unique(raw, number, key, "id"):
                continue
            s = self.mint["netzwerk"](_segment(key))
            self.focus = s.value
            self.defined.add(s.value)
            add(ox.Triple(s, RDF_TYPE, BNT["Netzwerk"]))
            add(ox.Triple(s, P_ID, ox.Literal(key)))
            self.text(s, P_LABEL, c, "name")
            self.terms(s, BNT["netzwerkart"], "netzwerkart", c, "art")
            district, level = self.area(c, BNT["gebiet"])
            if district is not None:
                add(ox.Triple(s, BNT["gebiet"], self.gebiet(district)))
            self.origin(s, raw, number, _NETWORK_COLUMNS[level])
            self.refs(s, BNT["koordination"], c, "koordination")
            self.date(s, P_START, c, "beginn")
            self.date(s, P_END, c, "ende")

    def mitgliedschaften(self, raw: RawTable, rows: Iterable[tuple[int, _Cells]]) -> None:
        add = self.data.append
        for number, c in rows:
            self.start_row(raw, number)
            net_key = _text(c.get("netzwerk"))
            members = split_values(_text(c.get("akteur")))
            if not self.need(net_key, "netzwerk") or not self.need("".join(members), "akteur"):
                continue
            net = self.mint["netzwerk"](_segment(net_key))
            self.referenced.add(net.value)
            rolle = _text(c.get("rolle"))
            role = self.term("rolle", rolle, "rolle", X["role"]) if rolle else MITGLIED
            for member_key in members:
                if not self.unique(raw, number, (net_key, member_key), "akteur"):
                    continue
                s = ox.NamedNode(str(self.iris.mitgliedschaft(net_key, member_key)))
                self.focus = s.value
                member = self.actor(member_key)
                self.referenced.add(member.value)
                add(ox.Triple(s, RDF_TYPE, X["Membership"]))
                add(ox.Triple(s, X["organization"], net))
                add(ox.Triple(s, X["member"], member))
                if role is not None:
                    add(ox.Triple(s, X["role"], role))
                self.date(s, P_START, c, "beginn")
                self.date(s, P_END, c, "ende")
                self.origin(s, raw, number, _MEMBERSHIP_COLUMNS)

    def angebote(self, raw: RawTable, rows: Iterable[tuple[int, _Cells]]) -> None:
        add = self.data.append
        for number, c in rows:
            self.start_row(raw, number)
            key = _text(c.get("id"))
            if not self.need(key, "id") or not self.unique(raw, number, key, "id"):
                continue
            s = self.mint["angebot"](_segment(key))
            self.focus = s.value
            self.origin(s, raw, number, _OFFER_COLUMNS)
            add(ox.Triple(s, RDF_TYPE, BNT["Angebot"]))
            add(ox.Triple(s, P_ID, ox.Literal(key)))
            self.text(s, P_TITLE, c, "titel", lang="de")
            self.text(s, P_DESC, c, "beschreibung", lang="de")
            self.refs(s, BNT["anbieter"], c, "anbieter")
            self.terms(s, BNT["zielgruppe"], "zielgruppe", c, "zielgruppe")
            self.terms(s, BNT["bildungsphase"], "bildungsphase", c, "bildungsphase")
            self.terms(s, BNT["handlungsfeld"], "handlungsfeld", c, "handlungsfeld")
            for value in split_values(_text(c.get("stadtteil"))):
                district = self.district(value, "stadtteil", "stadtteil", BNT["gebiet"])
                if district is not None:
                    add(ox.Triple(s, BNT["gebiet"], self.gebiet(district)))
            self.date(s, P_START, c, "beginn")
            self.date(s, P_END, c, "ende")
            self._sdgs(raw, number, key, s, _text(c.get("sdg")))

    def _sdgs(self, raw: RawTable, number: int, key: str, offer: ox.NamedNode, cell: str) -> None:
        if not cell:
            return
        goals: dict[str, list[str]] = {}
        for value in split_values(cell):
            iri = self.term("sdg", value, "sdg", BNT["sdgZuordnung"])
            if iri is None:
                continue
            code = iri.value.rsplit("/", 1)[1]
            goal, _, target = code.partition(".")
            targets = goals.setdefault(goal, [])
            if target and code not in targets:
                targets.append(code)
        when = ox.Literal(self.generated(raw.path), datatype=XSD_DATETIME)
        add = self.data.append
        for goal, targets in goals.items():
            # One assignment per goal (with its target, as in beispiel.trig); several targets of one goal
            # get one assignment each, keyed by the target, since an assignment has at most one target.
            for target in targets if len(targets) > 1 else [targets[0] if targets else None]:
                z = ox.NamedNode(str(self.iris.sdg_zuordnung(key, target if len(targets) > 1 else goal)))
                add(ox.Triple(offer, BNT["sdgZuordnung"], z))
                add(ox.Triple(z, RDF_TYPE, BNT["SDGZuordnung"]))
                add(ox.Triple(z, BNT["sdg"], ox.NamedNode(str(VOCAB[f"sdg/{goal}"]))))
                if target:
                    add(ox.Triple(z, BNT["sdgUnterziel"], ox.NamedNode(str(VOCAB[f"sdg/{target}"]))))
                add(ox.Triple(z, BNT["status"], BESTAETIGT))
                add(ox.Triple(z, BNT["methode"], METHOD))
                add(ox.Triple(z, X["attributed"], self.importer))
                add(ox.Triple(z, X["generated"], when))
                self.origin(z, raw, number, _SDG_COLUMNS)

    def foerderungen(self, raw: RawTable, rows: Iterable[tuple[int, _Cells]]) -> None:
        add = self.data.append
        for number, c in rows:
            self.start_row(raw, number)
            key = _text(c.get("id"))
            if not self.need(key, "id") or not self.unique(raw, number, key, "id"):
                continue
            s = self.mint["foerderung"](_segment(key))
            self.focus = s.value
            self.origin(s, raw, number, _GRANT_COLUMNS)
            add(ox.Triple(s, RDF_TYPE, BNT["Foerderung"]))
            add(ox.Triple(s, P_ID, ox.Literal(key)))
            self.terms(s, BNT["programm"], "programm", c, "programm")
            self.refs(s, BNT["empfaenger"], c, "empfaenger")
            amount = c.get("betrag_eur")
            if _text(amount):
                number_ = self.number(amount, "betrag_eur", BNT["betragEUR"], grouping_dot=True)
                if number_ is not None:
                    add(ox.Triple(s, BNT["betragEUR"], ox.Literal(_canonical(number_), datatype=XSD_DECIMAL)))
            self.date(s, P_START, c, "beginn")
            self.date(s, P_END, c, "ende")
            self.text(s, BNT["zweck"], c, "zweck")

    def indikatoren(self, raw: RawTable, rows: Iterable[tuple[int, _Cells]]) -> None:
        add = self.data.append
        dataset = ox.NamedNode(str(self.iris.datensatz("indikatoren")))
        described = False
        for number, c in rows:
            self.start_row(raw, number)
            gebiet_text, indikator_text = _text(c.get("gebiet")), _text(c.get("indikator"))
            year_cell, wert_cell = c.get("jahr"), c.get("wert")
            given = ((gebiet_text, "gebiet"), (indikator_text, "indikator"), (_text(year_cell), "jahr"),
                     (_text(wert_cell), "wert"))
            if [col for v, col in given if not self.need(v, col)]:  # report every empty cell of the row
                continue
            district = self.district(gebiet_text, None, "gebiet", BNT["gebiet"])
            indikator = self.term("indikator", indikator_text, "indikator", BNT["indikator"])
            year = _year(year_cell)
            if year is None:
                self.problem(
                    "datum", "jahr", year_cell,
                    f'Kein Jahr "{_text(year_cell)}" in Spalte jahr – bitte vierstellig, z. B. 2024',
                    f'Not a year "{_text(year_cell)}" in column jahr – use four digits, e.g. 2024',
                    path=BNT["jahr"],
                )
            wert = self.number(wert_cell, "wert", BNT["wert"])
            if district is None or indikator is None or year is None:
                continue  # without area, indicator and year the observation has no IRI
            area_key = f"{self.profile.name}-{district.code}" if district.ebene == "stadtteil" else (
                f"{self.profile.name}-stadtbezirk-{district.code}")
            code = indikator.value.rsplit("/", 1)[1]
            if not self.unique(raw, number, (area_key, code, year), "gebiet"):
                continue
            s = ox.NamedNode(str(self.iris.beobachtung(area_key, code, year)))
            self.focus = s.value
            self.origin(s, raw, number, _OBSERVATION_COLUMNS)
            add(ox.Triple(s, RDF_TYPE, X["Observation"]))
            add(ox.Triple(s, X["dataSet"], dataset))
            add(ox.Triple(s, BNT["gebiet"], self.gebiet(district)))
            add(ox.Triple(s, BNT["indikator"], indikator))
            add(ox.Triple(s, BNT["jahr"], ox.Literal(year, datatype=XSD_GYEAR)))
            if wert is not None:
                add(ox.Triple(s, BNT["wert"], ox.Literal(_canonical(wert), datatype=XSD_DECIMAL)))
            self.text(s, BNT["einheit"], c, "einheit")
            self.text(s, P_SOURCE, c, "quelle")
            described = True
        if described and dataset.value not in self.defined:
            self.defined.add(dataset.value)
            add(ox.Triple(dataset, RDF_TYPE, X["DataSet"]))
            add(ox.Triple(dataset, X["structure"], BNT["indikatorStruktur"]))
            add(ox.Triple(dataset, P_LABEL, ox.Literal("Indikatoren je Gebiet und Jahr", language="de")))

    def kontakte(self, raw: RawTable, rows: Iterable[tuple[int, _Cells]]) -> None:
        private = self.staged.private
        for number, c in rows:
            self.start_row(raw, number)
            key = _text(c.get("akteur"))
            if not self.need(key, "akteur"):
                continue
            n = self._contacts[key] = self._contacts.get(key, 0) + 1
            s = ox.NamedNode(str(self.iris.kontakt(key, n)))
            self.focus = s.value
            self.origin(s, raw, number, _CONTACT_COLUMNS)
            actor = self.actor(key)
            self.referenced.add(actor.value)
            before = len(self.data)
            private.append(ox.Triple(s, RDF_TYPE, BNT["Kontaktperson"]))
            private.append(ox.Triple(s, BNT["kontaktFuer"], actor))
            self.text(s, P_NAME, c, "name")
            self.text(s, BNT["funktion"], c, "funktion")
            email = _text(c.get("email"))
            if email:
                if _EMAIL.match(email):
                    self.data.append(ox.Triple(s, X["email"], ox.Literal(email)))
                else:
                    self.problem(
                        "email", "email", email,
                        f'Keine E-Mail-Adresse "{email}" in Spalte email – Wert übergangen',
                        f'Not an e-mail address "{email}" in column email – value skipped',
                        severity="Warning", path=X["email"],
                    )
            self.text(s, X["telephone"], c, "telefon")
            # text() writes to the public list; move this row's personal data over to the private one.
            private.extend(self.data[before:])
            del self.data[before:]


def _mtime_stamp(path: Path) -> str:
    try:
        stamp = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    except OSError:
        stamp = datetime.now(tz=UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def map_tables(
    paths: Iterable[str | Path],
    *,
    city: str,
    iris: Iris,
    source: str,
    kind: str | None = None,
    profile: CityProfile | None = None,
    existing_actors: Container[str] = frozenset(),
    generated: datetime | None = None,
    read: Callable[..., list[RawTable]] = read_tables,
) -> Staged:
    """Map spreadsheet tables (CSV files, workbooks, directories of them) to RDF as docs/beispiel.trig shows.

    Tables are mapped in the order of :data:`~bildungsnetz.ingest.TABLES`, whatever the order of the files, so
    an actor's ``traeger`` may name an actor of any file of the import. Cells that cannot be read (unknown
    code, bad date or number, unknown district …) become :class:`~bildungsnetz.validate.shacl.Violation` entries in
    ``Staged.problems`` (file, row, column) and their triple is left out; the rest of the row is mapped.

    Parameters
    ----------
    paths : iterable of path-like
        CSV files, XLSX workbooks, or directories holding them.
    city : str
        City profile whose districts the ``stadtbezirk``/``stadtteil``/``gebiet`` columns name.
    iris : Iris
        Mints every instance IRI.
    source : str
        Name of the import source (its graph ``graph/quelle/<source>``); used in notes.
    kind : str, optional
        Force the table of a CSV file (``akteure`` …); see :func:`read_tables`.
    profile : CityProfile, optional
        The loaded profile of ``city`` (default: :func:`~bildungsnetz.cities.registry.CityRegistry.load`).
    existing_actors : container of str
        IRIs of actors already in the store; a ``traeger`` naming one of them becomes ``bn:traeger``.
    generated : datetime, optional
        ``prov:generatedAtTime`` of the confirmed SDG assignments. Default: the file's modification time, so
        importing the same file again yields the same triples.
    read : callable, optional
        How one file is read, called like :func:`read_tables` (``path, kind=, notes=``); the import of uploads
        passes one that reads in a child process under limits (:mod:`bildungsnetz.ingest.guarded`).

    Returns
    -------
    Staged
        ``data`` (public), ``private`` (contact persons), ``origins``, ``references`` (actor and network IRIs
        pointed at but not defined in this import), ``files``, ``notes``, ``rows`` and ``problems``.

    Raises
    ------
    TableError
        When a file cannot be read or a header does not fit its table (exit code 2).

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "akteure.csv").write_text(
    ...     "id;name;typ;stadtteil\\nKITA-17;Kita Sonnenschein;Kita;Syburg\\nX-1;Treff;Jugendtref;\\n")
    >>> staged = map_tables([d], city="dortmund", iris=Iris(), source="test")
    >>> staged.rows, len(staged.data), [(p.row, p.column, p.value) for p in staged.problems]
    (2, 11, [(3, 'typ', 'Jugendtref')])
    """
    kind = _check_kind(kind)
    files = expand_paths(paths)
    if not files:
        raise UsageError("keine Tabellendatei angegeben / no table file given")
    if profile is None:
        profile = load_profile(city)
    stamp = generated.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if generated is not None else None
    stamps: dict[Path, str] = {}

    def when(path: Path) -> str:
        if stamp is not None:
            return stamp
        if path not in stamps:
            stamps[path] = _mtime_stamp(path)
        return stamps[path]

    mapper = _Mapper(profile=profile, iris=iris, vocab=get_vocabulary(), existing_actors=existing_actors,
                     generated=when)
    with _no_gc():
        _map_all(mapper, files, kind=kind, source=source, read=read)
    return mapper.staged


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of small objects are made.

    Why: every triple is a tracked object, so the collector runs again and again over the growing lists
    (measured: 3 million triples in 3.5 s with it, 1.4 s without). The mapping makes no reference cycles that
    would need it; the previous state is restored afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _control_characters(mapper: _Mapper, raw: RawTable) -> None:
    """A problem for every cell with a control character (C0 but TAB, LF, CR): no spreadsheet or XML holds it."""
    for number, cells in raw.rows:
        if not _CONTROL.search("".join(v for v in cells if isinstance(v, str))):
            continue  # one search per row: imports of 100,000 rows stay fast
        for column, value in zip(raw.columns, cells, strict=True):
            found = _CONTROL.search(value) if isinstance(value, str) else None
            if found is None:
                continue
            code = f"U+{ord(found.group()):04X}"
            mapper.start_row(raw, number)
            mapper.problem(
                "steuerzeichen", column, _CONTROL.sub("\ufffd", value),
                f"Steuerzeichen {code} in der Zelle (unsichtbar; entfernen)",
                f"control character {code} in the cell (invisible; remove it)",
            )


def _map_all(mapper: _Mapper, files: list[Path], *, kind: str | None, source: str,
             read: Callable[..., list[RawTable]]) -> None:
    staged = mapper.staged
    raws: list[RawTable] = []
    for path in files:
        tables = read(path, kind=kind, notes=staged.notes)
        raws += tables
        staged.files.append(SourceFile(path, _sha256(path), "tabelle", sum(len(t.rows) for t in tables)))
    for raw in raws:
        if raw.table == "akteure":
            position = raw.columns.index("id")
            mapper.actor_ids.update(_text(cells[position]) for _, cells in raw.rows)
    order = {table: i for i, table in enumerate(TABLES)}
    for raw in sorted(raws, key=lambda r: order[r.table]):
        mapper.source = raw.source
        _control_characters(mapper, raw)
        rows = ((number, dict(zip(raw.columns, cells, strict=True))) for number, cells in raw.rows)
        getattr(mapper, raw.table)(raw, rows)
        staged.rows += len(raw.rows)
    staged.references = mapper.referenced - mapper.defined
    counts = ", ".join(f"{r.table} {len(r.rows)}" for r in raws)
    staged.notes.append(
        f"Quelle {source}: {staged.rows} Zeilen ({counts}) / source {source}: {staged.rows} rows"
    )


def actor_key(iri: str, iris: Iris) -> str:
    """The import id an actor IRI was minted from (``schule/100132`` → ``100132``), or the IRI itself.

    >>> actor_key("https://w3id.org/bildungsnetz/id/akteur/Kita%20Sonne", Iris())
    'Kita Sonne'
    """
    for prefix in ("schule/", "akteur/"):
        if iri.startswith(iris.base + prefix):
            return unquote(iri[len(iris.base) + len(prefix):])
    return iri
