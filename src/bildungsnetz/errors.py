"""Every error a user can meet: each class carries its CLI exit code and HTTP status, and a message in German and
English; :class:`LocatedError` also names where in an input the problem sits (file, sheet, row, column, parameter).

The CLI turns these into one line and an exit code, the API into one JSON body and the web pages into one HTML page,
all through :meth:`BildungsnetzError.text`. The modules that raise an error re-export its class under their own
name, so ``from bildungsnetz.ingest.tables import TableError`` keeps working.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

__all__ = [
    "BildungsnetzError",
    "UsageError",
    "InputError",
    "ValidationFailed",
    "LocatedError",
    "CityProfileError",
    "CityNotFoundError",
    "DistrictNotFoundError",
    "TableError",
    "LimitExceeded",
    "UnsafeWorkbook",
    "SchoolListError",
    "UnsafeRdf",
    "FileUnreadable",
    "VocabularyError",
    "UnknownQuery",
    "ParameterError",
    "CatalogueError",
    "UnknownActor",
    "UnknownMediation",
    "UnknownOffer",
    "SdgParameterError",
    "StoreError",
    "StoreBusy",
    "HandedOffError",
    "RemovalsRefused",
    "UnknownVersion",
    "SurveyLinkError",
    "RoundClosed",
    "UnknownIndicator",
    "UnknownCampus",
    "AuthError",
    "ApiError",
]

LANGS = ("de", "en", "both")


class BildungsnetzError(Exception):
    """Base of every error a user can meet. ``str(error)`` is one line, German / English.

    >>> UsageError("Wert fehlt / value missing").text("en")
    'value missing'
    """

    exit_code = 2
    http_status = 400

    def text(self, lang: str = "both") -> str:
        """The message in ``de``, ``en`` or ``both`` (``German / English``, as ``str(error)``)."""
        both = str(self)
        if lang == "both":
            return both
        de, sep, en = both.partition(" / ")
        if not sep:
            return both
        return en if lang == "en" else de


class UsageError(BildungsnetzError):
    """A command or request was given wrong parameters."""

    exit_code = 2
    http_status = 400


class InputError(BildungsnetzError):
    """An input file cannot be read or understood."""

    exit_code = 2
    http_status = 422


class ValidationFailed(BildungsnetzError):
    """Data did not conform to the shapes; nothing was written."""

    exit_code = 1
    http_status = 422


# -- Errors that name where they sit ---------------------------------------------------------------------------


def _quoted(value: object) -> str:
    return str(value) if isinstance(value, int) else f"'{value}'"


class LocatedError(InputError):
    """Bad input, named by where it sits: file, sheet, row (or line, or GeoJSON feature), column, parameter.

    ``str(error)`` is one line: the file once, then the place and the message in German, then in English.

    >>> error = LocatedError("Code fehlt", "code missing", file="a.xlsx", sheet="akteure", row=3, column="code")
    >>> print(error)
    a.xlsx, Blatt 'akteure', Zeile 3, Spalte 'code': Code fehlt / sheet 'akteure', row 3, column 'code': code missing
    >>> print(error.text("en"))
    a.xlsx, sheet 'akteure', row 3, column 'code': code missing
    >>> print(LocatedError("Wert fehlt", "value missing", parameter="stadt"))
    Parameter 'stadt': Wert fehlt / parameter 'stadt': value missing
    """

    def __init__(
        self,
        de: str,
        en: str,
        *,
        file: str | os.PathLike[str] | None = None,
        sheet: str | None = None,
        row: int | None = None,
        line: int | None = None,
        feature: int | None = None,
        column: str | int | None = None,
        parameter: str | None = None,
    ) -> None:
        self.de, self.en = de, en
        self.file = os.fspath(file) if file is not None and os.fspath(file) else None
        self.sheet, self.row, self.line, self.feature = sheet, row, line, feature
        self.column, self.parameter = column, parameter
        super().__init__(self.text("both"))

    def location(self, lang: str = "de") -> str:
        """Where the problem sits, without the file (``Blatt 'x', Zeile 3`` or ``sheet 'x', row 3``)."""
        de = lang != "en"
        parts: list[str] = []
        if self.parameter is not None:
            parts.append(f"Parameter '{self.parameter}'" if de else f"parameter '{self.parameter}'")
        if self.sheet is not None:
            parts.append(f"{'Blatt' if de else 'sheet'} '{self.sheet}'")
        if self.row is not None:
            parts.append(f"{'Zeile' if de else 'row'} {self.row}")
        if self.line is not None:
            parts.append(f"{'Zeile' if de else 'line'} {self.line}")
        if self.feature is not None:
            parts.append(f"Feature {self.feature}" if de else f"feature {self.feature}")
        if self.column is not None:
            if self.feature is not None:
                kind = "Eigenschaft" if de else "property"
            else:
                kind = "Spalte" if de else "column"
            parts.append(f"{kind} {_quoted(self.column)}")
        return ", ".join(parts)

    def text(self, lang: str = "both") -> str:
        """The message in ``de``, ``en`` or ``both``, with the file and the place."""
        head = ", ".join(part for part in (self.file, self.location("en" if lang == "en" else "de")) if part)
        if lang == "both":
            en_loc = self.location("en")
            en = f"{en_loc}: {self.en}" if en_loc else self.en
            text = f"{head}: {self.de} / {en}" if head else f"{self.de} / {en}"
        else:
            message = self.en if lang == "en" else self.de
            text = f"{head}: {message}" if head else message
        return " ".join(text.split())


class CityProfileError(LocatedError, ValueError):
    """Bad city-profile input (names file, row or GeoJSON feature, column or property, parameter).

    >>> str(CityProfileError("Code fehlt", "code missing", file="g.csv", row=3, column="code"))
    "g.csv, Zeile 3, Spalte 'code': Code fehlt / row 3, column 'code': code missing"
    """

    exit_code = 2
    http_status = 422


class CityNotFoundError(CityProfileError):
    """No city profile of that name."""

    http_status = 404


class DistrictNotFoundError(CityProfileError):
    """A value names no district of the profile; ``suggestions`` holds the near misses."""

    def __init__(self, de: str, en: str, *, suggestions: Sequence[str] = (), **where) -> None:
        self.suggestions = tuple(suggestions)
        super().__init__(de, en, **where)


class TableError(LocatedError):
    """A spreadsheet cannot be read as an import table.

    >>> print(TableError("fehlt", "missing", file="a.xlsx", sheet="akteure", row=1, column="typ"))
    a.xlsx, Blatt 'akteure', Zeile 1, Spalte 'typ': fehlt / sheet 'akteure', row 1, column 'typ': missing
    """


class LimitExceeded(TableError):
    """A file is over one of the :class:`ReadLimits`: refused before it can fill the memory (exit 1, HTTP 413).

    >>> LimitExceeded("zu groß", "too large", file="a.xlsx").http_status
    413
    """

    exit_code = 1
    http_status = 413


class UnsafeWorkbook(TableError):
    """A workbook carries an XML document type declaration (entities): refused unopened (exit 1, HTTP 400)."""

    exit_code = 1
    http_status = 400


class SchoolListError(LocatedError):
    """A school list that cannot be read.

    >>> print(SchoolListError("Pflichtspalte fehlt", "column missing", file="s.csv", row=1, column="Schulnummer"))
    s.csv, Zeile 1, Spalte 'Schulnummer': Pflichtspalte fehlt / row 1, column 'Schulnummer': column missing
    """


class UnsafeRdf(LocatedError):
    """An RDF file refused for safety before parsing, naming file and line.

    >>> print(UnsafeRdf("a.rdf", "XML mit DTD", "XML with a DTD", line=2))
    a.rdf, Zeile 2: XML mit DTD / line 2: XML with a DTD
    """

    def __init__(self, path: str | os.PathLike[str], de: str, en: str, *, line: int | None = None) -> None:
        self.path = os.fspath(path)
        super().__init__(de, en, file=path, line=line or None)


_PARSER_PREFIX = re.compile(r"^Parser error (at|between) [^:]*:\s*")


class FileUnreadable(LocatedError):
    """An RDF file cannot be read, naming the file and, if known, line and column.

    >>> print(FileUnreadable("a.ttl", "Unexpected end", line=3, column=11).text("en"))
    a.ttl, line 3, column 11: file cannot be read: Unexpected end
    """

    def __init__(self, path: str | os.PathLike[str], reason: str, *, line: int | None = None,
                 column: int | None = None) -> None:
        self.path = os.fspath(path)
        self.reason = " ".join(_PARSER_PREFIX.sub("", reason).split())
        super().__init__(f"Datei nicht lesbar: {self.reason}", f"file cannot be read: {self.reason}", file=path,
                         line=line or None, column=column or None)


class VocabularyError(InputError):
    """A line of the keyword vocabulary cannot be read; names file, line and column (German / English)."""


# -- Named queries -----------------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UnknownQuery(UsageError, LookupError):
    """No query of that name; ``suggestion`` holds the nearest name, if any.

    >>> str(UnknownQuery("partner-of-actor", "partners-of-actor"))
    'Unbekannte Abfrage "partner-of-actor" / unknown query; meinten Sie / did you mean "partners-of-actor"?'
    """

    http_status = 404

    def __init__(self, name: str, suggestion: str | None = None) -> None:
        self.name = name
        self.suggestion = suggestion
        message = f'Unbekannte Abfrage "{name}" / unknown query'
        if suggestion:
            message += f'; meinten Sie / did you mean "{suggestion}"?'
        super().__init__(message)


class ParameterError(UsageError, ValueError):
    """A parameter value was missing, unknown or invalid. One line, German / English, naming the parameter.

    >>> ParameterError("bezirk", "X\\n", "ist unbekannt", "is unknown").text("en")
    'Parameter "bezirk": "X\\\\x0a" is unknown'
    """

    def __init__(self, param: str, value: str | None, german: str, english: str) -> None:
        self.param = param
        self.value = value
        self.parameter = param
        shown = ""
        if value is not None:  # the message stays one line: control characters escaped, long values cut
            text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
            shown = f': "{text[:60]}…"' if len(text) > 60 else f': "{text}"'
        self.de = f'Parameter "{param}"{shown} {german}'
        self.en = f'Parameter "{param}"{shown} {english}'
        super().__init__(f'Parameter "{param}"{shown} {german} / {english}')

    def text(self, lang: str = "both") -> str:
        """The message in ``de``, ``en`` or ``both``."""
        return {"de": self.de, "en": self.en}.get(lang, str(self))


class CatalogueError(UsageError):
    """A query file of the catalogue is malformed (names file and line)."""

    exit_code = 1
    http_status = 500


# -- SDG workflow ------------------------------------------------------------------------------------------------


class UnknownActor(UsageError, LookupError):
    """No actor with that id or IRI in the store."""

    http_status = 404

    def __str__(self) -> str:
        return str(self.args[0])


class UnknownOffer(UsageError, LookupError):
    """No offer with that id or IRI in the store."""

    http_status = 404

    def __str__(self) -> str:
        return str(self.args[0])


class UnknownMediation(UsageError, LookupError):
    """No mediation (Vermittlung) with that id in the store (HTTP 404)."""

    http_status = 404

    def __str__(self) -> str:
        return str(self.args[0])


class UnknownIndicator(UsageError, LookupError):
    """No indicator (built-in or the city's own) with that code or name in the store."""

    http_status = 404

    def __str__(self) -> str:
        return str(self.args[0])


class UnknownCampus(UsageError, LookupError):
    """No Kindercampus with that id or name in the store."""

    http_status = 404

    def __str__(self) -> str:
        return str(self.args[0])


class SdgParameterError(UsageError, ValueError):
    """An SDG, status or user parameter is invalid (message names the parameter, German / English)."""


# -- Store and service ---------------------------------------------------------------------------------------


class StoreError(BildungsnetzError):
    """The store cannot be opened or written; the message is one line in German and English."""

    exit_code = 2
    http_status = 503


class StoreBusy(StoreError):
    """Another process holds the embedded store for writing (a server, or a second command); nothing changed."""


class HandedOffError(BildungsnetzError):
    """A command the running server carried out for the command line failed there: its message and exit code."""

    def __init__(self, message: str, *, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class RemovalsRefused(BildungsnetzError):
    """An import would remove more than a tenth of its source's rows, or all of them, and the user did not
    confirm that number (``--allow-removals N``): refused, nothing changed (exit 1, HTTP 409)."""

    exit_code = 1
    http_status = 409


class UnknownVersion(UsageError, LookupError):
    """No such version of a source in the history (exit 2, HTTP 404)."""

    http_status = 404

    def __str__(self) -> str:  # LookupError would quote the message like a dict key
        return str(self.args[0])


# -- Network survey -------------------------------------------------------------------------------------------


class SurveyLinkError(UsageError, LookupError):
    """A survey link that opens nothing: the same message for an unknown and a wrong token (exit 2, HTTP 404).

    >>> SurveyLinkError().http_status, SurveyLinkError().text("en")
    (404, 'this survey link is not valid (any more); please ask the education office for a new one')
    """

    http_status = 404

    def __init__(self) -> None:
        super().__init__(
            "Dieser Befragungslink ist nicht (mehr) gültig; bitte fragen Sie das Bildungsbüro nach einem neuen / "
            "this survey link is not valid (any more); please ask the education office for a new one"
        )

    def __str__(self) -> str:  # LookupError would quote the message like a dict key
        return str(self.args[0])


class RoundClosed(BildungsnetzError):
    """The survey round is closed: answers are refused, nothing changed (exit 1, HTTP 409)."""

    exit_code = 1
    http_status = 409


class AuthError(BildungsnetzError):
    """A request needs a token (401) or a role its token does not have (403)."""

    http_status = 401

    def __init__(self, message: str, *, status: int = 401) -> None:
        super().__init__(message)
        self.http_status = status
        self.headers = {"WWW-Authenticate": 'Bearer realm="bildungsnetz"'} if status == 401 else {}


class ApiError(BildungsnetzError):
    """An error raised by the API layer itself, with its HTTP status and optional headers."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.http_status = status
        self.headers = headers or {}
