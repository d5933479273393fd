"""Cell values of the import tables: text, several values in one cell, dates, decimal numbers, web addresses."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

__all__ = [
    "AUXILIARY_SHEETS",
    "SEPARATOR",
    "cell_text",
    "CSV_SUFFIXES",
    "XLSX_SUFFIXES",
    "parse_date",
    "parse_decimal",
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
