"""The district lists of a city profile (``gebiete.csv``): reading, checking and writing."""

from __future__ import annotations

import csv
import difflib
import os
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from bildungsnetz.cities.model import (
    _REQUIRED,
    COLUMNS,
    EBENEN,
    PLANNING_COLUMNS,
    CityProfileError,
    District,
    PlanningArea,
    _hint,
    fold_name,
)

__all__ = ["read_gebiete_csv", "read_planungsraeume_csv"]


# -- Reading gebiete.csv -----------------------------------------------------------------------------------

_THOUSANDS = re.compile(r"^\d{1,3}([.\s\u00a0\u202f]\d{3})+$")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def _parse_decimal(text: str, err) -> Decimal:
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise err("keine Zahl", "not a number") from None
    if not value.is_finite() or value < 0:
        raise err("keine nicht-negative Zahl", "not a non-negative number")
    return value


def _parse_int(text: str, err) -> int:
    if _THOUSANDS.match(text):
        text = re.sub(r"\D", "", text)
    if not text.isdigit():
        raise err("keine ganze Zahl ≥ 0", "not a whole number ≥ 0")
    return int(text)


def _parse_date(text: str, err) -> date:
    m = _GERMAN_DATE.match(text)
    try:
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
        return date.fromisoformat(text)
    except ValueError:
        raise err("kein Datum (JJJJ-MM-TT)", "not a date (YYYY-MM-DD)") from None


def _read_rows(
    path: Path, columns: tuple[str, ...], required: tuple[str, ...]
) -> list[tuple[int, dict[str, str]]]:
    """The rows of a profile CSV (comma or semicolon) with their numbers (header = row 1), header checked."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CityProfileError(
            f"keine UTF-8-Datei (Byte {exc.start}); bitte als UTF-8 speichern",
            f"not a UTF-8 file (byte {exc.start}); please save as UTF-8",
            file=path,
        ) from None
    except OSError as exc:
        raise CityProfileError(
            f"kann nicht gelesen werden ({exc.strerror})", f"cannot be read ({exc.strerror})", file=path
        ) from None
    lines = text.splitlines()
    header_line = lines[0] if lines else ""
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(lines, delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader, [])]
    if not any(header):
        raise CityProfileError("leere Datei", "empty file", file=path, row=1)
    for i, col in enumerate(header):
        if not col:
            raise CityProfileError(
                f"Spalte {i + 1} hat keinen Namen", f"column {i + 1} has no name", file=path, row=1
            )
        if col not in columns:
            de_hint, en_hint = _hint(difflib.get_close_matches(col, columns, n=1, cutoff=0.6))
            raise CityProfileError(
                f"unbekannte Spalte{de_hint} Erlaubt: {', '.join(columns)}",
                f"unknown column{en_hint} Allowed: {', '.join(columns)}",
                file=path,
                row=1,
                column=col,
            )
        if header.count(col) > 1:
            raise CityProfileError("Spalte doppelt", "duplicate column", file=path, row=1, column=col)
    for col in required:
        if col not in header:
            raise CityProfileError(
                "Pflichtspalte fehlt", "required column missing", file=path, row=1, column=col
            )

    rows: list[tuple[int, dict[str, str]]] = []
    for rownum, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            raise CityProfileError(
                f"{len(cells)} Felder, Kopfzeile hat {len(header)}",
                f"{len(cells)} fields, header has {len(header)}",
                file=path,
                row=rownum,
            )
        rows.append(
            (rownum, {col: (cells[i].strip() if i < len(cells) else "") for i, col in enumerate(header)})
        )

    return rows


def read_gebiete_csv(path: str | os.PathLike[str]) -> tuple[District, ...]:
    """Read and check a profile table (columns :data:`COLUMNS`; ``code`` stays text with its leading zeros).

    Checks: required columns, no unknown columns, known ``ebene`` values, every Stadtteil's
    ``stadtbezirk_code`` is a Stadtbezirk of the table (and its ``stadtbezirk`` name, if given, agrees),
    codes unique per level, numbers and dates parse. Comma or semicolon separated, UTF-8.

    Parameters
    ----------
    path : path-like
        The CSV file.

    Returns
    -------
    tuple of District
        In table order.

    Raises
    ------
    CityProfileError
        On the first problem, naming file, row (header = row 1) and column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "g.csv"
    >>> _ = f.write_text("ebene,code,name,stadtbezirk_code\\nstadtbezirk,1,Nord,\\nortsteil,011,Hafen,1\\n")
    >>> [(d.kind, d.code, d.parent) for d in read_gebiete_csv(f)]
    [('stadtbezirk', '1', None), ('ortsteil', '011', '1')]
    """
    path = Path(path)
    rows = _read_rows(path, COLUMNS, _REQUIRED)
    districts: list[District] = []
    rownums: dict[tuple[str, str], int] = {}
    bezirk_names: dict[str, str] = {}
    pending: list[tuple[int, dict[str, str], District]] = []
    for rownum, row in rows:

        def err(de: str, en: str, column: str, *, _row: int = rownum) -> CityProfileError:
            return CityProfileError(de, en, file=path, row=_row, column=column)

        kind = "_".join(fold_name(row["ebene"]).split())
        if kind not in EBENEN:
            raise err(
                f"unbekannte Ebene '{row['ebene']}'; erlaubt: {', '.join(EBENEN)}",
                f"unknown level '{row['ebene']}'; allowed: {', '.join(EBENEN)}",
                "ebene",
            )
        level = EBENEN[kind]
        code, name = row["code"], row["name"]
        if not code:
            raise err("Code fehlt", "code missing", "code")
        if not name:
            raise err("Name fehlt", "name missing", "name")
        if (level, code) in rownums:
            raise err(
                f"Code '{code}' kommt auf Ebene {level} doppelt vor (schon in Zeile {rownums[level, code]})",
                f"code '{code}' occurs twice on level {level} (already in row {rownums[level, code]})",
                "code",
            )
        rownums[level, code] = rownum

        def number(column: str, parse, row: dict[str, str] = row):
            cell = row.get(column, "")
            if not cell:
                return None
            return parse(cell, lambda de, en: err(f"'{cell}' ist {de}", f"'{cell}' is {en}", column))

        parent = row["stadtbezirk_code"] or None
        if level == "stadtbezirk":
            if parent not in (None, code):
                raise err(
                    f"ein Stadtbezirk liegt in keinem Stadtbezirk; leer lassen oder '{code}' eintragen",
                    f"a Stadtbezirk lies in no Stadtbezirk; leave empty or write '{code}'",
                    "stadtbezirk_code",
                )
            parent = None
            bezirk_names[code] = name
        elif parent is None:
            raise err("Stadtbezirk-Code fehlt", "Stadtbezirk code missing", "stadtbezirk_code")
        district = District(
            level,
            code,
            name,
            parent=parent,
            kind=kind,
            population=number("einwohner", _parse_int),
            area_km2=number("flaeche_km2", _parse_decimal),
            as_of=number("stand", _parse_date),
        )
        districts.append(district)
        if level == "stadtteil":
            pending.append((rownum, row, district))

    if not bezirk_names:
        raise CityProfileError(
            "keine Zeile mit Ebene 'stadtbezirk'",
            "no row with level 'stadtbezirk'",
            file=path,
            column="ebene",
        )
    known = ", ".join(bezirk_names)
    for rownum, row, district in pending:
        if district.parent not in bezirk_names:
            raise CityProfileError(
                f"Stadtbezirk '{district.parent}' steht nicht in der Tabelle (vorhanden: {known})",
                f"Stadtbezirk '{district.parent}' is not in the table (present: {known})",
                file=path,
                row=rownum,
                column="stadtbezirk_code",
            )
        given = row.get("stadtbezirk", "")
        expected = bezirk_names[district.parent]
        if given and fold_name(given) != fold_name(expected):
            raise CityProfileError(
                f"'{given}' passt nicht zu Stadtbezirk {district.parent} '{expected}'",
                f"'{given}' does not match Stadtbezirk {district.parent} '{expected}'",
                file=path,
                row=rownum,
                column="stadtbezirk",
            )
    return tuple(districts)


_LIST = re.compile(r"\s*[,;|]\s*")


def read_planungsraeume_csv(path: str | os.PathLike[str], districts: Iterable[District]) -> tuple[PlanningArea, ...]:
    """Read and check a profile's planning areas (columns ``code``, ``name``, ``stadtteile``).

    ``stadtteile`` lists the Stadtteile an area comprises by code or name, separated by ``|``, ``,`` or ``;``.
    Checks: codes unique, a name, at least one Stadtteil, every Stadtteil one of ``districts``.

    Parameters
    ----------
    path : path-like
        The CSV file (comma or semicolon separated, UTF-8).
    districts : iterable of District
        The profile's districts (from ``gebiete.csv``).

    Returns
    -------
    tuple of PlanningArea
        In table order, with the Stadtteile as codes.

    Raises
    ------
    CityProfileError
        For an unknown Stadtteil, a doubled code, a missing name (file, row and column named).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "planungsraeume.csv"
    >>> teile = [District("stadtteil", "11", "Hafen", parent="1"), District("stadtteil", "12", "Markt", parent="1")]
    >>> _ = f.write_text("code;name;stadtteile\\nSR1;Sozialraum Nord;Hafen, 12\\n")
    >>> read_planungsraeume_csv(f, teile)[0].stadtteile
    ('11', '12')
    >>> _ = f.write_text("code;name;stadtteile\\nSR1;Sozialraum Nord;Hafn\\n")
    >>> try:
    ...     read_planungsraeume_csv(f, teile)
    ... except CityProfileError as exc:
    ...     print(exc.row, exc.column, str(exc).split(" / ")[-1].split(":")[-1].strip())
    2 stadtteile Stadtteil 'Hafn' is not in gebiete.csv – did you mean 'Hafen'?
    """
    path = Path(path)
    teile = [d for d in districts if d.ebene == "stadtteil"]
    by_code = {d.code: d for d in teile}
    by_name = {fold_name(d.name): d for d in teile}
    areas: list[PlanningArea] = []
    seen: dict[str, int] = {}
    for rownum, row in _read_rows(path, PLANNING_COLUMNS, PLANNING_COLUMNS):

        def err(de: str, en: str, column: str, *, _row: int = rownum) -> CityProfileError:
            return CityProfileError(de, en, file=path, row=_row, column=column)

        code, name = row["code"], row["name"]
        if not code:
            raise err("Code fehlt", "code missing", "code")
        if code in seen:
            raise err(f"Code doppelt (schon in Zeile {seen[code]})", f"duplicate code (already in row {seen[code]})",
                      "code")  # fmt: skip
        seen[code] = rownum
        if not name:
            raise err("Name fehlt", "name missing", "name")
        codes: list[str] = []
        for text in (t for t in _LIST.split(row["stadtteile"]) if t):
            found = by_code.get(text) or by_name.get(fold_name(text))
            if found is None:
                de_hint, en_hint = _hint(difflib.get_close_matches(text, [d.name for d in teile], n=1, cutoff=0.6))
                raise err(f"Stadtteil '{text}' steht nicht in gebiete.csv{de_hint}",
                          f"Stadtteil '{text}' is not in gebiete.csv{en_hint}", "stadtteile")  # fmt: skip
            if found.code not in codes:
                codes.append(found.code)
        if not codes:
            raise err("keine Stadtteile angegeben", "no Stadtteile given", "stadtteile")
        areas.append(PlanningArea(code, name, tuple(codes)))
    return tuple(areas)


def _write_gebiete_csv(districts: Iterable[District], path: Path) -> None:
    names = {d.code: d.name for d in districts if d.ebene == "stadtbezirk"}
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        for d in districts:
            # A Stadtbezirk's parent is the Gemeinde, so its stadtbezirk columns stay empty.
            writer.writerow(
                [
                    d.kind,
                    d.code,
                    d.name,
                    d.parent or "",
                    names.get(d.parent or "", ""),
                    "" if d.area_km2 is None else str(d.area_km2),
                    "" if d.population is None else str(d.population),
                    "" if d.as_of is None else d.as_of.isoformat(),
                ]
            )

