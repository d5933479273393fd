"""Writing import tables as files: the export's tables, empty templates with hints, the example workbook."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Literal

from bildungsnetz.errors import UsageError
from bildungsnetz.ingest import TABLES
from bildungsnetz.ingest.tables.cells import XLSX_SUFFIXES, parse_date, parse_decimal
from bildungsnetz.ingest.tables.export import tables_from_files
from bildungsnetz.ingest.tables.read import column_spec
from bildungsnetz.tables import people_csv, xlsx_cell

__all__ = ["example_dir", "write_example", "write_tables", "write_template"]

# -- Writing -------------------------------------------------------------------------------------------------

_NUMBER_ARTS = ("koordinate", "zahl", "betrag")


def _art(table: str, column: str) -> str:
    return column_spec()[table]["spalten"][column]["art"]


def _check_format(fmt: str) -> Literal["xlsx", "csv"]:
    folded = fmt.strip().lower().lstrip(".")
    if folded not in ("xlsx", "csv"):
        raise UsageError(
            f"Parameter 'format': '{fmt}' – erlaubt sind xlsx und csv / "
            f"parameter 'format': '{fmt}' – allowed are xlsx and csv"
        )
    return folded  # type: ignore[return-value]


def _check_tables(names: Iterable[str]) -> None:
    for name in names:
        if name not in TABLES:
            raise UsageError(
                f"Parameter 'table': unbekannte Tabelle '{name}', erlaubt: {', '.join(TABLES)}, alle / "
                f"parameter 'table': unknown table '{name}', allowed: {', '.join(TABLES)}, alle"
            )


def _csv_value(table: str, column: str, value: str) -> object:
    """A number column's value as a number (written with a decimal comma, never neutralised), the rest text."""
    if value and _art(table, column) in _NUMBER_ARTS:
        number = parse_decimal(value)
        if number is not None:
            return number  # German Excel reads "51,4889" as a number, "51.4889" as 514889
    return value


def _write_csv_file(path: Path, table: str, rows: Sequence[Mapping[str, str]]) -> None:
    columns = TABLES[table]
    cells = ([_csv_value(table, c, row.get(c, "")) for c in columns] for row in rows)
    # the one table writer: text that starts a formula (=, +, -, @ …) gets a leading apostrophe, which the
    # importer takes off again (ingest.tables), so the export still reads back unchanged
    path.write_bytes(people_csv(columns, cells))


def _xlsx_value(table: str, column: str, value: str) -> tuple[object, str | None]:
    """A cell value for openpyxl and its number format: dates as dates, numbers as numbers, the rest text."""
    if not value:
        return None, None
    art = _art(table, column)
    if art == "datum":
        parsed = parse_date(value)
        if parsed is not None and parsed.isoformat() == value:
            return parsed, "DD.MM.YYYY"
    elif art == "jahr" and value.isdigit():
        return int(value), "0"
    elif art in _NUMBER_ARTS:
        number = parse_decimal(value)
        # only where a float carries the exact digits, so the round trip stays lossless
        if number is not None and Decimal(repr(float(number))) == number:
            return float(number), "#,##0.00" if art == "betrag" else "General"
    return value, "@"


def _header_cells(ws, table: str, *, hints: bool):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    spec = column_spec()[table]["spalten"]
    cells = []
    for column in TABLES[table]:
        cell = WriteOnlyCell(ws, column)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="2F5597" if spec[column].get("pflicht") else "5B9BD5")
        cell.alignment = Alignment(vertical="center")
        if hints:
            text = spec[column]["hinweis"]
            if spec[column].get("pflicht"):
                text = "Pflichtspalte. " + text
            if spec[column].get("beispiel"):
                text += f"\nBeispiel: {spec[column]['beispiel']}"
            comment = Comment(text, "bildungsnetz")
            comment.width, comment.height = 320, 110
            cell.comment = comment
        cells.append(cell)
    return cells


def _sheet(wb, table: str, rows: Sequence[Mapping[str, str]], *, hints: bool) -> None:
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(table)
    ws.freeze_panes = "A2"
    columns = TABLES[table]
    for i, column in enumerate(columns, start=1):
        longest = max([len(column) + 4, *(len(r.get(column, "")) for r in rows[:200])])
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(10, longest + 2))
    ws.append(_header_cells(ws, table, hints=hints))
    for row in rows:
        out = []
        for column in columns:
            value, number_format = _xlsx_value(table, column, row.get(column, ""))
            if number_format is None:
                out.append(None)
                continue
            # xlsx_cell keeps text as text, even "=…" or "02", and replaces control characters
            out.append(xlsx_cell(ws, value, number_format=number_format))
        ws.append(out)


def _hints_sheet(wb, tables: Sequence[str]) -> None:
    from openpyxl.styles import Font

    from bildungsnetz.vocab import get_vocabulary

    ws = wb.create_sheet("Hinweise")
    ws.freeze_panes = "A2"
    for letter, width in zip("ABCDEF", (18, 16, 9, 9, 80, 36), strict=True):
        ws.column_dimensions[letter].width = width
    ws.append(["Tabelle", "Spalte", "Pflicht", "Mehrfach", "Hinweis", "Beispiel"])
    for table in tables:
        for column, spec in column_spec()[table]["spalten"].items():
            flags = ["ja" if spec.get(key) else "" for key in ("pflicht", "mehrfach")]
            ws.append([table, column, *flags, spec["hinweis"], spec.get("beispiel", "")])
    ws.append([])
    ws.append(["Mehrere Werte in einer Zelle mit ; trennen. Datum als 2024-08-01 oder 01.08.2024. "
               "Dieses Blatt und das Blatt Codes werden beim Import nicht gelesen."])
    codes = wb.create_sheet("Codes")
    codes.freeze_panes = "A2"
    for letter, width in zip("ABC", (18, 24, 70), strict=True):
        codes.column_dimensions[letter].width = width
    codes.append(["Vokabular", "Code", "Bezeichnung"])
    vocab = get_vocabulary()
    schemes = dict.fromkeys(
        spec["vokabular"] for table in tables for spec in column_spec()[table]["spalten"].values()
        if "vokabular" in spec
    )
    for scheme in schemes:
        for _, code, label in vocab.concepts(scheme):
            codes.append([scheme, code, label])
    for row in (*ws.iter_rows(max_row=1), *codes.iter_rows(max_row=1)):
        for cell in row:
            cell.font = Font(bold=True)


def _write_xlsx(path: Path, tables: Mapping[str, Sequence[Mapping[str, str]]], *, hints: bool) -> None:
    import openpyxl

    if hints:
        wb = openpyxl.Workbook()  # comments and a hint sheet: small, so the normal (not write-only) mode
        wb.remove(wb.active)
    else:
        wb = openpyxl.Workbook(write_only=True)
    for table, rows in tables.items():
        _sheet(wb, table, rows, hints=hints)
    if hints:
        _hints_sheet(wb, list(tables))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def write_tables(tables: Mapping[str, Sequence[Mapping[str, str]]], path: str | Path, fmt: str) -> list[Path]:
    """Write import tables as one workbook (``xlsx``: one sheet per table) or CSV files (``csv``).

    ``xlsx``: ``path`` is the workbook; dates become date cells, numbers number cells where a float holds them
    exactly, everything else text (so codes such as ``02`` keep their zero). ``csv``: ``path`` is a
    directory that receives ``akteure.csv``, ``kooperationen.csv`` … in UTF-8 with BOM, separated by ``;``
    and with a decimal comma in number columns: German Excel opens them by double-click, and the importer
    reads them back.

    Returns
    -------
    list of Path
        The files written.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> row = {"gebiet": "Syburg", "indikator": "sgb2-quote", "jahr": "2024", "wert": "18.4"}
    >>> rows = {"indikatoren": [row]}
    >>> [p.name for p in write_tables(rows, d, "csv")]
    ['indikatoren.csv']
    >>> (d / "indikatoren.csv").read_bytes()[3:].decode("utf-8").splitlines()[1]
    'Syburg;sgb2-quote;2024;18,4;;'
    """
    fmt = _check_format(fmt)
    _check_tables(tables)
    path = Path(path)
    ordered = {t: tables[t] for t in TABLES if t in tables}
    if fmt == "xlsx":
        _write_xlsx(path, ordered, hints=False)
        return [path]
    path.mkdir(parents=True, exist_ok=True)
    written = []
    for table, rows in ordered.items():
        target = path / f"{table}.csv"
        _write_csv_file(target, table, rows)
        written.append(target)
    return written


def write_template(table: str, fmt: str, path: str | Path) -> list[Path]:
    """Write an empty template: one table (``akteure`` …) or all of them (``alle``).

    ``xlsx``: one workbook with a sheet per table, a styled header (dark blue = required column) whose cells
    carry the German hint as a comment, and two extra sheets the importer skips: ``Hinweise`` (every column
    explained, with an example) and ``Codes`` (the codes of every vocabulary column). ``csv``: the header line
    only, since any further line would be read as data; ``path`` is the file for one table, or a directory for
    ``alle`` (or when ``path`` is an existing directory).

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> [p.name for p in write_template("alle", "csv", d)][:2]
    ['akteure.csv', 'kooperationen.csv']
    >>> from bildungsnetz.ingest.tables import detect_table
    >>> len(detect_table(write_template("alle", "xlsx", d / "vorlage.xlsx")[0])) == len(TABLES)
    True
    """
    fmt = _check_format(fmt)
    names = list(TABLES) if table.strip().lower() in ("alle", "all") else [table.strip().lower()]
    _check_tables(names)
    path = Path(path)
    empty: dict[str, list] = {name: [] for name in names}
    if fmt == "xlsx":
        if path.is_dir():
            path = path / ("vorlage.xlsx" if len(names) > 1 else f"{names[0]}.xlsx")
        _write_xlsx(path, empty, hints=True)
        return [path]
    if len(names) == 1 and not path.is_dir() and path.suffix.lower() == ".csv":
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_csv_file(path, names[0], [])
        return [path]
    return write_tables(empty, path, "csv")


def example_dir() -> Path:
    """The example tables (``docs/beispiel-import/*.csv``): a small education landscape in Dortmund."""
    package = Path(__file__).resolve().parents[2]  # src/bildungsnetz (ingest/tables/templates.py)
    # in a wheel under bildungsnetz/_data (like ontology/, shapes/, queries/), in a checkout under docs/
    packed, checkout = package / "_data" / "beispiel-import", package.parents[1] / "docs" / "beispiel-import"
    for candidate in (packed, checkout):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"example tables (docs/beispiel-import) not found beside {package}")


def write_example(path: str | Path) -> Path:
    """Build the example workbook (``beispiel.xlsx``) from the example CSV files.

    Examples
    --------
    >>> import tempfile
    >>> book = write_example(Path(tempfile.mkdtemp()) / "beispiel.xlsx")
    >>> from bildungsnetz.ingest.tables import detect_table
    >>> "akteure" in detect_table(book), "kontakte" in detect_table(book)
    (True, True)
    """
    path = Path(path)
    if path.suffix.lower() not in XLSX_SUFFIXES:
        path = path / "beispiel.xlsx"
    tables = tables_from_files([example_dir()])
    write_tables(tables, path, "xlsx")
    return path
