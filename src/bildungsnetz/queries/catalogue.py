"""The named query catalogue: load ``queries/*.rq`` by name, bind parameters safely, run them on Oxigraph."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pyoxigraph as ox
from rdflib import Literal, URIRef, Variable

from bildungsnetz.errors import CatalogueError, ParameterError, UnknownQuery
from bildungsnetz.iris import Iris
from bildungsnetz.namespace import VOCAB
from bildungsnetz.resources import queries_dir
from bildungsnetz.vocab import UnknownTerm, get_vocabulary

if TYPE_CHECKING:
    from bildungsnetz.cities import CityProfile

__all__ = [
    "Param",
    "NamedQuery",
    "QueryResult",
    "UnknownQuery",
    "ParameterError",
    "CatalogueError",
    "PARAM_TYPES",
    "IRI_KINDS",
    "PAGING",
    "load_catalogue",
    "get",
    "parse_query_file",
    "check_query",
    "bind",
    "run",
    "catalogue_table",
]

#: Parameter types a header may declare.
PARAM_TYPES = ("iri", "string", "int", "date", "code")
#: Short forms an ``iri(<kind>)`` parameter accepts besides a full IRI, and how they become one.
IRI_KINDS = ("akteur", "gebiet", "netzwerk", "programm", "angebot", "kooperation")
#: Parameters that page through results: appended as ``LIMIT`` / ``OFFSET``, never used in the body.
PAGING = ("limit", "offset")

_HEADER_KEYS = ("summary", "summary_de", "params", "returns", "audience")
_REQUIRED_KEYS = ("summary", "summary_de", "params", "returns")
_NAME = re.compile(r"^[a-z][A-Za-z0-9_]*$")
_PARAM = re.compile(
    r"^(?P<name>[^:\s]+)\s*:\s*(?P<type>[a-z]+)(?:\((?P<arg>[^)]*)\))?\s*(?:=\s*(?P<default>.*?))?\s*$"
)
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


# -- Errors ---------------------------------------------------------------------------------------------


# -- The catalogue --------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class NamedQuery:
    """One query of the catalogue: its header, its SPARQL text and the file it came from."""

    name: str
    summary: str
    summary_de: str
    params: tuple[Param, ...]
    returns: tuple[str, ...]
    text: str
    path: Path | None = None
    audience: tuple[str, ...] = field(default=())

    def param(self, name: str) -> Param:
        """The declared parameter ``name``."""
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)


@dataclass(frozen=True)
class QueryResult:
    """Rows of a query as plain Python values (IRIs and strings as ``str``, numbers, ``bool``, ISO dates)."""

    columns: list[str]
    rows: list[dict[str, object]]

    def __len__(self) -> int:
        return len(self.rows)


def _catalogue_error(path: Path | None, line: int | None, german: str, english: str) -> CatalogueError:
    where = f"{path.name if path else '<text>'}" + (f", Zeile/line {line}" if line else "")
    return CatalogueError(f"{where}: {german} / {english}")


def _parse_param(spec: str, path: Path | None, line: int) -> Param:
    m = _PARAM.match(spec.strip())
    if not m:
        raise _catalogue_error(path, line, f"Parameter unlesbar: {spec!r}", f"cannot read parameter {spec!r}")
    name, ptype, arg, default = m["name"], m["type"], m["arg"], m["default"]
    if not _NAME.match(name):
        raise _catalogue_error(
            path, line, f"ungültiger Parametername {name!r}", f"invalid parameter name {name!r}"
        )
    if ptype not in PARAM_TYPES:
        raise _catalogue_error(path, line, f"unbekannter Typ {ptype!r}", f"unknown type {ptype!r}")
    if ptype == "code" and not arg:
        raise _catalogue_error(
            path, line, "code braucht ein Vokabular", "code needs a scheme: code(<scheme>)"
        )
    if ptype == "iri" and arg and arg not in IRI_KINDS:
        raise _catalogue_error(path, line, f"unbekannte IRI-Art {arg!r}", f"unknown iri kind {arg!r}")
    if ptype == "int" and arg and not _INT_RANGE.match(arg):
        raise _catalogue_error(
            path, line, f"Bereich unlesbar {arg!r}", f"cannot read range {arg!r} (min..max)"
        )
    if ptype in ("string", "date") and arg:
        raise _catalogue_error(path, line, f"{ptype} hat kein Argument", f"{ptype} takes no argument")
    if default is not None and default in ('""', "''"):
        default = ""
    if default == "today" and ptype != "date":
        raise _catalogue_error(path, line, "today nur für date", "default today is only for date parameters")
    if name in PAGING and (ptype != "int" or default in (None, "")):
        raise _catalogue_error(
            path, line, f"{name} muss int mit Vorgabe sein", f"{name} must be an int with a default"
        )
    return Param(name=name, type=ptype, default=default, required=default is None, scheme=arg or None)


def parse_query_file(path: Path, *, text: str | None = None) -> NamedQuery:
    """Read one ``.rq`` file: the ``#+ key: value`` header lines at its top, then the query.

    A header line indented by three or more blanks after ``#+`` continues the value of the line before.

    >>> q = parse_query_file(Path("demo.rq"), text='''#+ summary: Demo
    ... #+ summary_de: Demo
    ... #+ params: actor: iri(akteur); q: string = ""
    ... #+ returns: label
    ... SELECT ?label WHERE { ?actor <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }''')
    >>> q.name, [p.spec() for p in q.params], q.returns
    ('demo', ['actor: iri(akteur)', 'q: string = ""'], ('label',))
    """
    if text is None:
        text = path.read_text(encoding="utf-8")
    header: dict[str, tuple[str, int]] = {}
    last_key: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("#"):
            break  # the header ends at the first line of SPARQL
        if not line.startswith("#+"):
            continue
        if raw.lstrip().startswith("#+   ") and last_key is not None:  # an indented line continues a value
            value, first = header[last_key]
            header[last_key] = (f"{value} {line[2:].strip()}".strip(), first)
            continue
        key, sep, value = line[2:].partition(":")
        key = key.strip()
        if not sep or key not in _HEADER_KEYS:
            raise _catalogue_error(
                path, number, f"unbekannte Kopfzeile {line!r}", f"unknown header line {line!r}"
            )
        if key in header:
            raise _catalogue_error(path, number, f"{key} doppelt", f"{key} given twice")
        header[key] = (value.strip(), number)
        last_key = key
    for key in _REQUIRED_KEYS:
        if key not in header:
            raise _catalogue_error(
                path, None, f"Kopfzeile #+ {key} fehlt", f"header line #+ {key} is missing"
            )
    params_text, params_line = header["params"]
    params: list[Param] = []
    if params_text not in ("", "-"):
        for spec in params_text.split(";"):
            if spec.strip():
                params.append(_parse_param(spec, path, params_line))
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise _catalogue_error(path, params_line, "Parameter doppelt", "a parameter is declared twice")
    returns = tuple(r.strip().lstrip("?") for r in header["returns"][0].split(",") if r.strip())
    audience = tuple(a.strip() for a in header.get("audience", ("", 0))[0].split(",") if a.strip())
    return NamedQuery(
        name=path.stem,
        summary=header["summary"][0],
        summary_de=header["summary_de"][0],
        params=tuple(params),
        returns=returns,
        text=text,
        path=path,
        audience=audience,
    )


@cache
def _catalogue(directory: Path) -> tuple[NamedQuery, ...]:
    return tuple(parse_query_file(p) for p in sorted(directory.glob("*.rq")))


def load_catalogue(*, directory: Path | None = None) -> dict[str, NamedQuery]:
    """All named queries by name (parsed once per folder and cached).

    >>> "partners-of-actor" in load_catalogue()
    True
    """
    return {q.name: q for q in _catalogue(Path(directory or queries_dir()).resolve())}


def get(name: str, *, directory: Path | None = None) -> NamedQuery:
    """One named query; an unknown name raises :class:`UnknownQuery` with the nearest name.

    >>> get("partners-of-actor").params[0].name
    'actor'
    >>> try:
    ...     get("partner-of-actor")
    ... except UnknownQuery as error:
    ...     print(error.suggestion)
    partners-of-actor
    """
    catalogue = load_catalogue(directory=directory)
    try:
        return catalogue[name]
    except KeyError:
        close = difflib.get_close_matches(name, catalogue, n=1, cutoff=0.5)
        if not close:  # "partners" → "partners-of-actor": a prefix or part is a good hint too
            close = sorted(n for n in catalogue if name and (name in n or n in name))[:1]
        raise UnknownQuery(name, close[0] if close else None) from None


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


def _settings_defaults(iris: Iris | None, city: str | CityProfile | None) -> tuple[Iris, str | CityProfile]:
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
    optional parameters are ``UNDEF``. ``iris`` and ``city`` (a loaded profile or a name, for district names
    and short forms of IRIs) default to the settings.

    >>> text = bind(get("partners-of-actor"), {"actor": "100132", "date": "01.08.2024"},
    ...             iris=Iris(), city="dortmund")
    >>> print(text[text.index("VALUES"):].splitlines()[0].replace("} ", "}\\n"))
    VALUES ?actor { <https://w3id.org/bildungsnetz/id/schule/100132> }
    VALUES ?date { "2024-08-01"^^<http://www.w3.org/2001/XMLSchema#date> }
    >>> try:
    ...     bind(get("partners-of-actor"), {"actor": "100132", "date": "31.02.2024"}, iris=Iris(), city="x")
    ... except ParameterError as error:
    ...     print(*str(error).split(" / "), sep="\\n")
    Parameter "date": "31.02.2024" ist kein gültiges Datum
    is not a valid date
    """
    if isinstance(query, str):
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


# -- Checking a query against its header -----------------------------------------------------------------


def _walk(node: Any, bound: set[str], used: set[str]) -> None:
    """Collect the variables an rdflib algebra tree binds (patterns, BIND, VALUES, aggregates) and uses."""
    from rdflib.paths import Path as RdfPath  # noqa: PLC0415
    from rdflib.plugins.sparql.parserutils import CompValue  # noqa: PLC0415

    if isinstance(node, Variable):
        used.add(str(node))
    elif isinstance(node, CompValue):
        if node.name in ("BGP", "TriplesBlock"):  # TriplesBlock: untranslated patterns inside EXISTS
            for triple in node["triples"]:
                for term in triple:
                    if isinstance(term, Variable):
                        bound.add(str(term))
        elif node.name == "Extend":
            bound.add(str(node["var"]))
        elif node.name.startswith("Aggregate_"):
            bound.add(str(node["res"]))
        elif node.name in ("values", "ToMultiSet") and isinstance(node.get("res"), list):
            for row in node["res"]:
                bound.update(str(v) for v in row)
        for key, value in node.items():
            if not key.startswith("_"):
                _walk(value, bound, used)
    elif isinstance(node, dict):
        for key, value in node.items():
            _walk(key, bound, used)
            _walk(value, bound, used)
    elif isinstance(node, (list, tuple, set)):
        for item in node:
            _walk(item, bound, used)
    elif isinstance(node, RdfPath):
        return


def _exists_sizes(node: Any, sizes: list[int]) -> None:
    """Number of patterns directly inside each (NOT) EXISTS group (nested EXISTS filters not counted)."""
    from rdflib.plugins.sparql.parserutils import CompValue  # noqa: PLC0415

    if isinstance(node, CompValue):
        if node.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            size = 0
            for part in node["graph"].get("part") or []:
                if part.name == "TriplesBlock":
                    size += len(part["triples"])
                elif part.name != "Filter":
                    size += 2  # OPTIONAL, UNION, sub-group: always too much for Oxigraph
            sizes.append(size)
        for key, value in node.items():
            if not key.startswith("_"):
                _exists_sizes(value, sizes)
    elif isinstance(node, (list, tuple)):
        for item in node:
            _exists_sizes(item, sizes)


def _sample(param: Param) -> str:
    if param.type == "iri":
        return "https://example.org/x"
    if param.type == "code":
        try:
            return get_vocabulary().concepts(param.scheme or "")[0][1]
        except (KeyError, IndexError):
            return "x"
    if param.type == "date":
        return "2000-01-01"
    if param.type == "int":
        return str(_int_range(param)[0])
    return "x"


def check_query(query: NamedQuery) -> list[str]:
    """Problems of one catalogue query; an empty list means it is sound.

    Checks: the query parses (rdflib's ``prepareQuery``) as written and with parameters bound; it has a
    top-level ``WHERE {``; its projection is exactly ``returns``; every declared parameter (except ``limit``
    and ``offset``) is used as a variable, and every variable the query uses but never binds is a declared
    parameter; paging parameters do not appear in the body; no ``EXISTS`` group holds more than one triple
    pattern (Oxigraph would evaluate it without the outer bindings).

    >>> check_query(get("partners-of-actor"))
    []
    """
    from pyparsing import ParseException  # noqa: PLC0415
    from rdflib.plugins.sparql import prepareQuery  # noqa: PLC0415

    problems: list[str] = []
    try:
        prepared = prepareQuery(query.text)
    except ParseException as exc:
        return [f"{query.name}: parses not / kein gültiges SPARQL: {exc}"]
    algebra = prepared.algebra
    if algebra.name != "SelectQuery":
        problems.append(f"{query.name}: only SELECT queries belong in the catalogue")
    projection = tuple(str(v) for v in algebra.get("PV", []))
    if projection != query.returns:
        problems.append(f"{query.name}: returns {list(query.returns)} but SELECT projects {list(projection)}")
    bound: set[str] = set()
    used: set[str] = set()
    _walk(algebra, bound, used)
    used = {v for v in used if not v.startswith("__")}
    # rdflib's algebra loses FILTERs inside EXISTS, so "is the parameter used" reads the text itself
    in_text = {token.group()[1:] for token in _TOKEN.finditer(query.text) if token.lastgroup == "var"}
    params = {p.name for p in query.params if not p.paging}
    for name in sorted(params - in_text):
        problems.append(f"{query.name}: parameter {name!r} is declared but ?{name} is not used")
    for name in sorted(used - bound - params):
        problems.append(f"{query.name}: ?{name} is used but never bound and not a declared parameter")
    sizes: list[int] = []
    _exists_sizes(algebra, sizes)
    if any(size > 1 for size in sizes):
        # Oxigraph evaluates such a group without the outer bindings: O(outer × inner), see docs/queries.md
        problems.append(
            f"{query.name}: an EXISTS / NOT EXISTS holds more than one triple pattern or an OPTIONAL"
        )
    for p in query.params:
        if p.paging and p.name in in_text:
            problems.append(f"{query.name}: paging parameter {p.name!r} must not appear in the body")
    if any(p.paging for p in query.params) and re.search(r"^\s*(LIMIT|OFFSET)\b", query.text, re.I | re.M):
        problems.append(f"{query.name}: a paged query must not have its own LIMIT/OFFSET")
    try:
        _where_brace(query.text)
        sample = {p.name: _sample(p) for p in query.params}
        prepareQuery(bind(query, sample, iris=Iris(), city="stadt"))
    except (CatalogueError, ParseException, ParameterError) as exc:
        problems.append(f"{query.name}: cannot bind parameters: {exc}")
    return problems


# -- Running -----------------------------------------------------------------------------------------------

_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = frozenset(
    _XSD + t
    for t in (
        "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
        "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort",
        "unsignedByte",
    )
)  # fmt: skip
_FLOAT_TYPES = frozenset(_XSD + t for t in ("decimal", "double", "float"))
_BOOLEAN = _XSD + "boolean"


def _python(term: Any) -> object:
    """One result cell as a plain Python value (cheap: no rdflib objects); the empty string is ``None``.

    >>> _python(ox.Literal("")), _python(ox.Literal("1", datatype=ox.NamedNode(_BOOLEAN)))
    (None, True)
    """
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        lexical = term.value
        try:
            if datatype in _INTEGER_TYPES:
                return int(lexical)
            if datatype in _FLOAT_TYPES:
                return float(Decimal(lexical)) if datatype.endswith("decimal") else float(lexical)
        except ValueError:
            return lexical
        if datatype == _BOOLEAN:
            return lexical in ("true", "1")
        # Strings, language-tagged text, ISO dates and times stay as their lexical form. The empty string is
        # "no value": GROUP_CONCAT over nothing gives "" on Virtuoso where Oxigraph leaves the cell unbound.
        return lexical or None
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return str(term)


def run(
    name_or_query: str | NamedQuery,
    values: dict[str, str] | None = None,
    *,
    store: Any,
    iris: Iris | None = None,
    city: str | CityProfile | None = None,
) -> QueryResult:
    """Bind and run a named query over the union of all graphs; rows come back as plain Python values.

    ``store`` is a ``pyoxigraph.Store`` or anything with ``select(sparql)`` (the project's ``Store``).

    >>> store = ox.Store()
    >>> run("district-hierarchy", {}, store=store, iris=Iris(), city="dortmund").rows
    []
    """
    query = get(name_or_query) if isinstance(name_or_query, str) else name_or_query
    text = bind(query, values, iris=iris, city=city)
    if isinstance(store, ox.Store):
        solutions = store.query(text, use_default_graph_as_union=True)
    else:
        solutions = store.select(text)
    columns = [v.value for v in solutions.variables]
    rows = [dict(zip(columns, map(_python, solution), strict=True)) for solution in solutions]
    return QueryResult(columns=columns, rows=rows)


# -- Documentation ---------------------------------------------------------------------------------------


def catalogue_table(catalogue: dict[str, NamedQuery] | None = None) -> str:
    """The catalogue as a Markdown table (docs/queries.md embeds it; a test keeps the two equal).

    >>> catalogue_table().splitlines()[0]
    '| name | for | summary | Zusammenfassung | params | returns |'
    """
    catalogue = load_catalogue() if catalogue is None else catalogue
    lines = [
        "| name | for | summary | Zusammenfassung | params | returns |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name in sorted(catalogue):
        q = catalogue[name]
        params = "; ".join(f"`{p.spec()}`" for p in q.params) or "–"
        lines.append(
            f"| `{name}` | {', '.join(q.audience)} | {q.summary} | {q.summary_de} | {params} | "
            f"{', '.join(q.returns)} |"
        )
    return "\n".join(lines) + "\n"
