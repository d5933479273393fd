"""Parameter types and binding: each value checked by its declared type and bound as an RDF term, never spliced."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pyoxigraph as ox
from rdflib import Literal, URIRef

from bildungsnetz.errors import ParameterError
from bildungsnetz.iris import Iris
from bildungsnetz.namespace import VOCAB
from bildungsnetz.vocab import UnknownTerm, get_vocabulary

if TYPE_CHECKING:
    from bildungsnetz.cities import CityProfile
    from bildungsnetz.queries.catalogue import NamedQuery

__all__ = ["IRI_KINDS", "PAGING", "PARAM_TYPES", "Param", "ParameterError", "bind", "bind_terms"]

#: Parameter types a header may declare.
PARAM_TYPES = ("iri", "string", "int", "date", "code")
#: Short forms an ``iri(<kind>)`` parameter accepts besides a full IRI, and how they become one.
IRI_KINDS = ("akteur", "gebiet", "netzwerk", "programm", "angebot", "kooperation")
#: Parameters that page through results: appended as ``LIMIT`` / ``OFFSET``, never used in the body.
PAGING = ("limit", "offset")
_INT_RANGE = re.compile(r"^\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*$")
_DEFAULT_INT_RANGE = (0, 1_000_000)
_MAX_TEXT = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Characters the SPARQL IRIREF production forbids (plus space): such a value is never an IRI.
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
# A value meant as an IRI (not an id) must then be a valid one: it starts with "<", has "//" after a scheme,
# or names a scheme that is never an id.
_LOOKS_LIKE_IRI = re.compile(
    r"^(<|[A-Za-z][A-Za-z0-9+.-]*://|(https?|urn|ftp|file|mailto|javascript|data):)", re.I
)
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_INT = re.compile(r"^[+-]?\d{1,12}$")
_TODAY = ("today", "heute")
_XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")
_XSD_INTEGER = URIRef("http://www.w3.org/2001/XMLSchema#integer")


@dataclass(frozen=True)
class Param:
    """One declared parameter.

    ``type`` is one of :data:`PARAM_TYPES`; ``scheme`` is the vocabulary of a ``code`` parameter, the
    short-form kind of an ``iri`` parameter (``akteur``, ``gebiet``, ...) or the range ``"1..1000"`` of an
    ``int``. A parameter without default is required; the default ``""`` makes it optional (unbound when
    left empty).
    """

    name: str
    type: str
    default: str | None = None
    required: bool = True
    scheme: str | None = None

    @property
    def paging(self) -> bool:
        """True for ``limit`` / ``offset``, which become ``LIMIT`` / ``OFFSET``."""
        return self.name in PAGING

    def spec(self) -> str:
        """The declaration as written in a header.

        >>> Param("kind", "code", "", False, "akteursart").spec()
        'kind: code(akteursart) = ""'
        """
        text = f"{self.name}: {self.type}" + (f"({self.scheme})" if self.scheme else "")
        if self.default is not None:
            text += ' = ""' if self.default == "" else f" = {self.default}"
        return text



# -- Finding the outermost WHERE group ---------------------------------------------------------------

_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\n]*)
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                |'''(?:[^'\\]|\\.|'(?!''))*'''
                |"(?:[^"\\\n]|\\.)*"
                |'(?:[^'\\\n]|\\.)*')
    | (?P<open>\{)
    | (?P<close>\})
    | (?P<var>[?$][A-Za-z0-9_]+)
    | (?P<word>[A-Za-z_][A-Za-z0-9_.-]*(?::[A-Za-z0-9_.-]*)?)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def _where_brace(text: str) -> int:
    """Offset of the ``{`` that opens the outermost WHERE group, skipping comments, IRIs and strings."""
    depth = 0
    seen_where = False
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "open":
            if seen_where and depth == 0:
                return m.start()
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "word" and depth == 0 and m.group().upper() == "WHERE":
            seen_where = True
    from bildungsnetz.queries.catalogue import CatalogueError  # noqa: PLC0415 - the catalogue imports us

    raise CatalogueError(
        'Abfrage hat kein oberstes »WHERE {« / query has no top-level "WHERE {" to bind parameters into'
    )


# -- Binding --------------------------------------------------------------------------------------------


def _iri(param: Param, value: str, iris: Iris, city: str | CityProfile) -> URIRef:
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    if _LOOKS_LIKE_IRI.match(text):
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc or _IRI_FORBIDDEN.search(text):
            raise ParameterError(
                param.name, value, "ist keine gültige http(s)-IRI", "is not a valid absolute http(s) IRI"
            )
        return URIRef(text)
    kind = param.scheme
    if kind is None:
        raise ParameterError(
            param.name, value, "ist keine gültige http(s)-IRI", "is not a valid absolute http(s) IRI"
        )
    if not text or _CONTROL.search(text) or len(text) > _MAX_TEXT:
        raise ParameterError(
            param.name,
            value,
            "ist weder eine http(s)-IRI noch eine gültige Kennung",
            "is neither an http(s) IRI nor a valid id",
        )
    if kind == "akteur":
        return iris.akteur(text)
    if kind == "gebiet":
        parts_ = text.split("/")
        if any(not s.strip() for s in parts_) or len(parts_) > 3:
            raise ParameterError(
                param.name,
                value,
                "ist kein Gebiet (IRI, Stadt, ebene/code oder stadt/ebene/code)",
                "is not an area (IRI, city, level/code or city/level/code)",
            )
        if len(parts_) == 1:
            return _district_by_name(param, text, iris, city)
        if len(parts_) == 2:
            return iris.gebiet(_city_name(city), parts_[0], parts_[1])
        return iris.gebiet(*parts_)
    return getattr(iris, kind)(text)


def _city_name(city: str | CityProfile) -> str:
    return city if isinstance(city, str) else city.name


def _district_by_name(param: Param, text: str, iris: Iris, city: str | CityProfile) -> URIRef:
    """A district of the city by code or name (``8``, ``Hörde``, ``Hoerde``), or the city itself.

    Staff type what they know: the name or number of their Stadtbezirk. The parameter's name says the level.
    ``city`` is a loaded profile (commands and routes pass the one their registry loaded) or a name, which the
    settings' registry loads. An unknown city or district is an error with the closest names, never an IRI
    that matches nothing.
    """
    from bildungsnetz.cities import (
        CityProfile,
        CityProfileError,
        CityRegistry,
        DistrictNotFoundError,
        fold_name,
        lookup_district,
    )

    if isinstance(city, CityProfile):
        profile = city
    else:
        from bildungsnetz.settings import get_settings  # noqa: PLC0415 - read at call time, never at import

        try:
            profile = CityRegistry.from_settings(get_settings()).load(city)
        except CityProfileError as exc:
            if fold_name(text) == fold_name(city):  # the city itself needs no profile
                return iris.gemeinde(city)
            raise ParameterError(param.name, text, exc.de, exc.en) from None
    if fold_name(text) in (fold_name(profile.name), fold_name(profile.label)):
        return iris.gemeinde(profile.name)
    level = param.name if param.name in ("stadtbezirk", "stadtteil") else None
    try:
        district = lookup_district(profile, text, ebene=level)
    except DistrictNotFoundError as exc:
        hint = ", ".join(f'"{s}"' for s in exc.suggestions)
        german = f"ist kein Gebiet in {profile.label}" + (f" – meinten Sie {hint}?" if hint else "")
        english = f"is not an area of {profile.label}" + (f" – did you mean {hint}?" if hint else "")
        raise ParameterError(param.name, text, german, english) from None
    except CityProfileError as exc:  # ambiguous between levels
        raise ParameterError(param.name, text, exc.de, exc.en) from None
    return iris.gebiet(profile.name, district.ebene, district.code)


def _code(param: Param, value: str) -> URIRef:
    """A concept of the parameter's vocabulary, by code, IRI, label or synonym (through :mod:`.vocab`)."""
    scheme = param.scheme or ""
    text = value.strip()
    try:
        return get_vocabulary().resolve(scheme, text)
    except UnknownTerm as exc:
        if exc.suggestions:
            hint = ", ".join(f'"{s}"' for s in exc.suggestions)
            german, english = f"unbekannt – meinten Sie {hint}?", f"is unknown – did you mean {hint}?"
        else:
            german, english = f"ist kein Code aus »{scheme}«", f"is not a code of the {scheme} vocabulary"
        raise ParameterError(param.name, value, german, english) from None
    except KeyError:
        pass  # a scheme the shipped vocabularies do not (yet) have: accept a plain code
    base = f"{VOCAB}{scheme}/"
    if text.startswith(base):
        text = text[len(base) :]
    if not _CODE.match(text):
        raise ParameterError(
            param.name, value, f"ist kein Code aus »{scheme}«", f"is not a code of the {scheme} vocabulary"
        )
    return VOCAB[f"{scheme}/{text}"]


def _date(param: Param, value: str) -> Literal:
    text = value.strip()
    try:
        if text.lower() in _TODAY:
            day = date.today()
        elif _ISO_DATE.match(text):
            day = date.fromisoformat(text)
        elif m := _GERMAN_DATE.match(text):
            day = date(int(m[3]), int(m[2]), int(m[1]))
        else:
            raise ValueError(text)
    except ValueError:
        raise ParameterError(param.name, value, "ist kein gültiges Datum", "is not a valid date") from None
    return Literal(day.isoformat(), datatype=_XSD_DATE)


def _int_range(param: Param) -> tuple[int, int]:
    if param.scheme and (m := _INT_RANGE.match(param.scheme)):
        return int(m[1]), int(m[2])
    return _DEFAULT_INT_RANGE


def _int(param: Param, value: str) -> int:
    text = value.strip()
    low, high = _int_range(param)
    if not _INT.match(text):
        raise ParameterError(param.name, value, "ist keine ganze Zahl", "is not a whole number")
    number = int(text)
    if not low <= number <= high:
        raise ParameterError(
            param.name, value, f"liegt nicht zwischen {low} und {high}", f"is not between {low} and {high}"
        )
    return number


def _string(param: Param, value: str) -> Literal:
    if _CONTROL.search(value):
        raise ParameterError(param.name, value, "enthält Steuerzeichen", "contains control characters")
    if len(value) > _MAX_TEXT:
        raise ParameterError(
            param.name,
            value,
            f"ist länger als {_MAX_TEXT} Zeichen",
            f"is longer than {_MAX_TEXT} characters",
        )
    return Literal(value)


def _term(param: Param, value: str, iris: Iris, city: str | CityProfile) -> URIRef | Literal:
    if param.type == "iri":
        return _iri(param, value, iris, city)
    if param.type == "code":
        return _code(param, value)
    if param.type == "date":
        return _date(param, value)
    if param.type == "int":
        return Literal(_int(param, value), datatype=_XSD_INTEGER)
    return _string(param, value)


def _settings_defaults(
    iris: Iris | None, city: str | CityProfile | None
) -> tuple[Iris, str | CityProfile]:
    if iris is not None and city is not None:
        return iris, city
    from bildungsnetz.settings import get_settings  # noqa: PLC0415 - read at call time, never at import

    settings = get_settings()
    return iris or Iris(settings.base_iri), city or settings.city


def bind(
    query: NamedQuery | str,
    values: dict[str, str] | None = None,
    *,
    iris: Iris | None = None,
    city: str | CityProfile | None = None,
) -> str:
    """The query text with ``values`` bound: one line of ``VALUES`` at the top of the outermost WHERE group.

    Each parameter gets its own one-value ``VALUES`` block (``VALUES ?a { … } VALUES ?b { … }``): the same
    join as one row of several variables, which Virtuoso 7.2 cannot always compile.

    Each raw value is converted by its declared type into an rdflib term, and only the terms' ``n3()`` form
    enters the text. ``limit`` / ``offset`` become ``LIMIT`` / ``OFFSET`` from validated integers. Empty
    optional parameters are ``UNDEF``. ``iris`` and ``city`` (for short forms of IRIs) default to the
    settings.

    Parameters
    ----------
    query : NamedQuery or str
        The query, or a name of the public catalogue.
    values : dict, optional
        Raw values by parameter name, as a user typed them (``01.08.2024``, ``Hörde``, a code or label).
    iris : Iris, optional
        For short forms of IRIs (``akteur`` ids, districts).
    city : str, optional
        The city whose districts short forms name.

    Returns
    -------
    str
        SPARQL text with the values bound.

    Raises
    ------
    ParameterError
        A value missing, not declared or invalid for its type; one line naming the parameter.

    Examples
    --------
    >>> text = bind("partners-of-actor", {"actor": "100132", "date": "01.08.2024"},
    ...             iris=Iris(), city="dortmund")
    >>> print(text[text.index("VALUES"):].splitlines()[0].replace("} ", "}\\n"))
    VALUES ?actor { <https://w3id.org/bildungsnetz/id/schule/100132> }
    VALUES ?date { "2024-08-01"^^<http://www.w3.org/2001/XMLSchema#date> }
    >>> try:
    ...     bind("partners-of-actor", {"actor": "100132", "date": "31.02.2024"}, iris=Iris(), city="x")
    ... except ParameterError as error:
    ...     print(*str(error).split(" / "), sep="\\n")
    Parameter "date": "31.02.2024" ist kein gültiges Datum
    is not a valid date
    """
    if isinstance(query, str):
        from bildungsnetz.queries.catalogue import get  # noqa: PLC0415 - the catalogue imports us

        query = get(query)
    values = dict(values or {})
    iris, city = _settings_defaults(iris, city)
    declared = {p.name for p in query.params}
    for name in values:
        if name not in declared:
            known = ", ".join(sorted(declared)) or "-"
            raise ParameterError(
                name, None, f"gibt es nicht (bekannt: {known})", f"does not exist (known: {known})"
            )
    names: list[str] = []
    cells: list[str] = []
    paging: dict[str, int] = {}
    for param in query.params:
        raw = values.get(param.name)
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            if param.required:
                raise ParameterError(param.name, None, "fehlt", "is missing")
            raw = param.default or ""
        raw = str(raw)
        if param.paging:
            paging[param.name] = _int(param, raw)
            continue
        names.append(f"?{param.name}")
        cells.append("UNDEF" if raw.strip() == "" else _term(param, raw, iris, city).n3())
    text = query.text
    if names:
        position = _where_brace(text) + 1
        # One VALUES block per parameter, all on one line: Virtuoso 7.2 cannot compile some queries with
        # a VALUES row of several variables ("ssg_print_rvr_fixed_val(): no SPART_VARR_FIXED").
        block = "\n  " + " ".join(f"VALUES {n} {{ {c} }}" for n, c in zip(names, cells, strict=True))
        text = text[:position] + block + text[position:]
    if paging:
        text = text.rstrip() + "\n"
        if "limit" in paging:
            text += f"LIMIT {paging['limit']:d}\n"
        if paging.get("offset"):
            text += f"OFFSET {paging['offset']:d}\n"
    return text




def bind_terms(query: NamedQuery, terms: Mapping[str, Sequence[URIRef | Literal | ox.NamedNode | ox.Literal]]) -> str:
    """The query text with RDF terms the code already holds bound: one ``VALUES`` block per parameter.

    For internal queries (``queries/system/`` ...) whose values are terms, not user input: several values per
    parameter are allowed (``VALUES ?s { <a> <b> }``). Only IRIs and literals are accepted, and only their
    serialised form (``n3()``, or pyoxigraph's, which validated the IRI when the term was made) enters the
    text; nothing is spliced.

    Parameters
    ----------
    query : NamedQuery
        The query; every declared parameter must get at least one term, and no other name may be given.
    terms : mapping of str to sequence of terms
        rdflib ``URIRef`` / ``Literal`` or pyoxigraph ``NamedNode`` / ``Literal`` values per parameter.

    Returns
    -------
    str
        SPARQL text, ready for ``Store.select``.

    Raises
    ------
    ParameterError
        A name not declared, a declared parameter without values, or a value that is no IRI or literal.

    Examples
    --------
    >>> from bildungsnetz.queries.catalogue import get
    >>> text = bind_terms(get("graphs", folder="system"), {})
    >>> text == get("graphs", folder="system").text
    True
    >>> q = get("reference-types", folder="system")
    >>> text = bind_terms(q, {"s": [ox.NamedNode("https://ex.org/a"), URIRef("https://ex.org/b")]})
    >>> "VALUES ?s { <https://ex.org/a> <https://ex.org/b> }" in text
    True
    """
    declared = {p.name for p in query.params}
    for name in terms:
        if name not in declared:
            raise ParameterError(name, None, f"gibt es nicht in {query.name}", f"does not exist in {query.name}")
    blocks = []
    for param in query.params:
        values = terms.get(param.name) or ()
        if not values:
            raise ParameterError(param.name, None, "fehlt", "is missing")
        cells = []
        for value in values:
            if isinstance(value, (URIRef, Literal)):
                cells.append(value.n3())
            elif isinstance(value, (ox.NamedNode, ox.Literal)):
                cells.append(str(value))
            else:
                raise ParameterError(param.name, str(value), "ist keine IRI und kein Literal",
                                     "is neither an IRI nor a literal")  # fmt: skip
        blocks.append(f"VALUES ?{param.name} {{ {' '.join(cells)} }}")
    if not blocks:
        return query.text
    position = _where_brace(query.text) + 1
    return query.text[:position] + "\n  " + " ".join(blocks) + query.text[position:]
