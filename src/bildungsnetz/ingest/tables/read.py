"""Reading the import tables from CSV and XLSX: the column specification, limits against spreadsheet
bombs, which table a file or sheet holds."""

from __future__ import annotations

import csv
import difflib
import io
import operator
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from bildungsnetz.errors import LimitExceeded, TableError, UnsafeWorkbook, UsageError
from bildungsnetz.ingest import TABLES
from bildungsnetz.ingest.tables.cells import _NON_WORD, _UMLAUTS, AUXILIARY_SHEETS, CSV_SUFFIXES, XLSX_SUFFIXES

__all__ = [
    "ReadLimits",
    "RawTable",
    "column_spec",
    "detect_table",
    "expand_paths",
    "fold_column",
    "read_tables",
    "required_columns",
    "source_location",
]

# -- Column specification ----------------------------------------------------------------------------------


@cache
def column_spec() -> dict[str, dict]:
    """The import tables as described in ``ingest/tables/spalten.toml``: per table a description and its columns.

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
