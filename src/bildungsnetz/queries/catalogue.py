"""The named query catalogue: ``queries/*.rq`` (and internal folders) read, checked for form and loaded by name."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from bildungsnetz.errors import CatalogueError, UnknownQuery
from bildungsnetz.queries.bind import _INT_RANGE, IRI_KINDS, PAGING, PARAM_TYPES, Param
from bildungsnetz.resources import queries_dir

__all__ = [
    "FOLDERS",
    "CatalogueError",
    "NamedQuery",
    "UnknownQuery",
    "catalogue_table",
    "get",
    "load_catalogue",
    "parse_query_file",
]

_HEADER_KEYS = ("summary", "summary_de", "params", "returns", "audience")
_REQUIRED_KEYS = ("summary", "summary_de", "params", "returns")
_NAME = re.compile(r"^[a-z][A-Za-z0-9_]*$")
_PARAM = re.compile(
    r"^(?P<name>[^:\s]+)\s*:\s*(?P<type>[a-z]+)(?:\((?P<arg>[^)]*)\))?\s*(?:=\s*(?P<default>.*?))?\s*$"
)


# -- Errors ---------------------------------------------------------------------------------------------


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

    Parameters
    ----------
    path : pathlib.Path
        The file; its stem is the query's name.
    text : str, optional
        The file's text, if already read (then ``path`` only names it).

    Returns
    -------
    NamedQuery

    Raises
    ------
    CatalogueError
        A header line unknown, missing or given twice, or a parameter declaration unreadable (file and line).

    Examples
    --------
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


#: The folders of internal queries under ``queries/``: loaded by the code that owns them, not listed in the
#: public catalogue (``bildungsnetz query``, ``/api/queries``).
FOLDERS = ("abgleich", "analysis", "api", "export", "sdg", "survey", "system", "vermittlung", "web")


def _folder(folder: str | None, directory: Path | None) -> Path:
    if directory is not None:
        return Path(directory)
    if folder is None:
        return queries_dir()
    if folder not in FOLDERS:
        raise CatalogueError(
            f"unbekannter Abfrageordner {folder!r} (bekannt: {', '.join(FOLDERS)}) / "
            f"unknown query folder {folder!r} (known: {', '.join(FOLDERS)})"
        )
    return queries_dir() / folder


def load_catalogue(*, folder: str | None = None, directory: Path | None = None) -> dict[str, NamedQuery]:
    """All named queries of one folder by name, each file parsed once and cached.

    Parameters
    ----------
    folder : str, optional
        One of :data:`FOLDERS` for internal queries (``queries/system/`` ...); default: the public catalogue,
        the ``.rq`` files directly in ``queries/``.
    directory : pathlib.Path, optional
        Any other folder of ``.rq`` files (tests); wins over ``folder``.

    Returns
    -------
    dict of str to NamedQuery
        By file stem.

    Raises
    ------
    CatalogueError
        When a file's header is malformed (names file and line), or ``folder`` is unknown.

    Examples
    --------
    >>> "partners-of-actor" in load_catalogue(), "graphs" in load_catalogue(folder="system")
    (True, True)
    """
    return {q.name: q for q in _catalogue(_folder(folder, directory).resolve())}


def get(name: str, *, folder: str | None = None, directory: Path | None = None) -> NamedQuery:
    """One named query by name and folder: the one loader for the public catalogue and internal queries.

    Parameters
    ----------
    name : str
        The file stem, e.g. ``partners-of-actor``.
    folder : str, optional
        One of :data:`FOLDERS` for an internal query; default: the public catalogue.
    directory : pathlib.Path, optional
        Any other folder of ``.rq`` files; wins over ``folder``.

    Returns
    -------
    NamedQuery

    Raises
    ------
    UnknownQuery
        No such query; ``suggestion`` holds the nearest name.

    Examples
    --------
    >>> get("partners-of-actor").params[0].name
    'actor'
    >>> get("graphs", folder="system").returns[:2]
    ('graph', 'source')
    >>> try:
    ...     get("partner-of-actor")
    ... except UnknownQuery as error:
    ...     print(error.suggestion)
    partners-of-actor
    """
    catalogue = load_catalogue(folder=folder, directory=directory)
    try:
        return catalogue[name]
    except KeyError:
        close = difflib.get_close_matches(name, catalogue, n=1, cutoff=0.5)
        if not close:  # "partners" → "partners-of-actor": a prefix or part is a good hint too
            close = sorted(n for n in catalogue if name and (name in n or n in name))[:1]
        raise UnknownQuery(name, close[0] if close else None) from None


# -- Documentation ---------------------------------------------------------------------------------------


def catalogue_table(catalogue: dict[str, NamedQuery] | None = None) -> str:
    """The catalogue as a Markdown table (docs/queries.md embeds it; a test keeps the two equal).

    Parameters
    ----------
    catalogue : dict of str to NamedQuery, optional
        Default: the public catalogue (:func:`load_catalogue`).

    Returns
    -------
    str
        One row per query, sorted by name.

    Examples
    --------
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

