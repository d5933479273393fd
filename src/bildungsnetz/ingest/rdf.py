"""The one RDF file reader, for ``validate`` and ``import`` alike: strict pyoxigraph, no DTDs, no remote contexts."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from bildungsnetz.errors import FileUnreadable, InputError, UnsafeRdf, UsageError
from bildungsnetz.ingest import Origin, SourceFile, Staged
from bildungsnetz.iris import Iris
from bildungsnetz.namespace import BN, BNSH, PREFIXES, SCHEMA
from bildungsnetz.validate.report import Violation

__all__ = ["FORMATS", "FileUnreadable", "UnsafeRdf", "map_rdf", "rdf_format", "read_rdf"]

#: File extensions and the parser each one gets.
FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json-ld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
}
_NAMES = {
    "turtle": ".ttl", "n-triples": ".nt", "ntriples": ".nt", "n-quads": ".nq", "nquads": ".nq",
    "json-ld": ".jsonld", "rdf/xml": ".rdf", "rdfxml": ".rdf", "rdf-xml": ".rdf",
}  # fmt: skip

_TABLE = "rdf"
_RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
#: Subjects of these classes are personal data: they go to the source's private graph, never the public one.
_PERSON_CLASSES = frozenset(
    ox.NamedNode(str(c)) for c in (BN.Kontaktperson, PREFIXES["foaf"] + "Person", SCHEMA.Person)
)
# A DTD is where entity expansion (billion laughs) and external entities (XXE) live; RDF/XML never needs one.
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
# pyoxigraph starts its messages with the location, which FileUnreadable states itself.
_PARSER_PREFIX = re.compile(r"^Parser error (at|between) [^:]*:\s*")


def rdf_format(path: str | os.PathLike[str], given: str | ox.RdfFormat | None = None) -> ox.RdfFormat:
    """The parser for a file: ``given`` (a format, a name like ``turtle``, an extension), else the extension.

    >>> rdf_format("a.jsonld").name, rdf_format("a.txt", "turtle").name, rdf_format("x", "nq").name
    ('JSON-LD', 'Turtle', 'N-Quads')
    """
    if isinstance(given, ox.RdfFormat):
        return given
    if given:
        key = given.strip().lower()
        key = _NAMES.get(key, key if key.startswith(".") else "." + key)
        if key not in FORMATS:
            raise UsageError(
                f"Parameter 'format': unbekanntes RDF-Format {given!r}, "
                f"erlaubt: {', '.join(sorted(FORMATS))} / "
                f"parameter 'format': unknown RDF format {given!r}, allowed: {', '.join(sorted(FORMATS))}"
            )
        return FORMATS[key]
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise FileUnreadable(
            path,
            f"unbekannte Dateiendung {suffix or '(keine)'!r}, erlaubt: {' '.join(sorted(FORMATS))} / "
            f"unknown file extension {suffix or '(none)'!r}, allowed: {' '.join(sorted(FORMATS))}",
        )
    return FORMATS[suffix]


# -- Safety checks before parsing --------------------------------------------------------------------------


def _check_xml(path: Path, data: bytes) -> None:
    """Refuse a DOCTYPE or ENTITY declaration anywhere in the bytes (also in UTF-16 files)."""
    texts = [data]
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        texts.append(data.decode("utf-16", errors="replace").encode("utf-8"))
    for text in texts:
        m = _DTD.search(text)
        if m:
            line = text.count(b"\n", 0, m.start()) + 1
            raise UnsafeRdf(
                path,
                f"XML mit <!{m[1].decode().upper()}> wird nicht gelesen "
                "(Entitäten könnten Dateien nachladen oder "
                "den Speicher sprengen); bitte ohne DTD speichern",
                f"XML with <!{m[1].decode().upper()}> is refused "
                "(entities could load files or exhaust memory); "
                "please save it without a DTD",
                line=line,
            )


def _contexts(node: object) -> Iterator[object]:
    """Every ``@context`` value in a JSON document, also those nested in term definitions."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                yield value
            yield from _contexts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _contexts(item)


def _remote_context(context: object) -> str | None:
    """The first context reference (IRI string or ``@import``) in one ``@context`` value, else ``None``."""
    for entry in context if isinstance(context, list) else [context]:
        if isinstance(entry, str):
            return entry
        if isinstance(entry, dict) and "@import" in entry:
            return str(entry["@import"])
    return None


def _check_jsonld(path: Path, data: bytes) -> None:
    """Refuse JSON-LD whose context must be loaded from elsewhere; it is never fetched.

    pyoxigraph 0.5 has no document loader and fails on such a context anyway; refusing here first gives the
    user the reason and keeps it so if a later version starts to load contexts.
    """
    try:
        text = data.decode("utf-8-sig")
        document = json.loads(text)
    except UnicodeDecodeError as exc:
        raise FileUnreadable(path, f"kein UTF-8 (Byte {exc.start}) / not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise FileUnreadable(
            path, f"kein gültiges JSON / not valid JSON: {exc.msg}", line=exc.lineno, column=exc.colno
        ) from None
    except RecursionError:
        raise FileUnreadable(path, "JSON zu tief verschachtelt / JSON nested too deeply") from None
    for context in _contexts(document):
        ref = _remote_context(context)
        if ref is not None:
            at = text.find(json.dumps(ref))
            raise UnsafeRdf(
                path,
                f'JSON-LD mit entferntem oder Datei-@context "{ref}" wird abgelehnt und nie geladen; '
                "bitte den Kontext in die Datei einbetten",
                f'JSON-LD with a remote or file @context "{ref}" is refused and never fetched; '
                "please embed the context in the file",
                line=text.count("\n", 0, at) + 1 if at >= 0 else None,
            )


# -- Parsing -----------------------------------------------------------------------------------------------


class _Renamer:
    """Blank-node labels that are the same on every import of the same source, and distinct across files.

    pyoxigraph labels anonymous nodes (``[]``) randomly; the store keeps blank nodes store-wide, so labels
    from two sources or files must not meet, and a re-import of the same file must give the same graph.
    """

    def __init__(self, source: str, n: int) -> None:
        self.prefix = "b" + hashlib.sha256(f"{source}\0{n}".encode()).hexdigest()[:12] + "x"
        self.names: dict[str, ox.BlankNode] = {}

    def __call__(self, term):
        if isinstance(term, ox.BlankNode):
            node = self.names.get(term.value)
            if node is None:
                node = self.names[term.value] = ox.BlankNode(f"{self.prefix}{len(self.names)}")
            return node
        return term


def _parse(path: Path, data: bytes, fmt: ox.RdfFormat, rename: _Renamer) -> tuple[list[ox.Triple], bool]:
    triples: list[ox.Triple] = []
    named = False
    try:
        for quad in ox.parse(data, fmt):
            if not isinstance(quad.graph_name, ox.DefaultGraph):
                named = True
            if isinstance(quad.subject, ox.Triple) or isinstance(quad.object, ox.Triple):
                raise FileUnreadable(
                    path,
                    "RDF-star/Tripel-Terme werden nicht unterstützt / "
                    "RDF-star triple terms are not supported",
                )
            triples.append(ox.Triple(rename(quad.subject), quad.predicate, rename(quad.object)))
    except SyntaxError as exc:
        if "LoadDocumentCallback" in exc.msg:  # a context reference our scan did not see: still refused
            raise UnsafeRdf(
                path,
                "JSON-LD mit entferntem @context wird abgelehnt und nie geladen",
                "JSON-LD with a remote @context is refused and never fetched",
            ) from None
        raise FileUnreadable(path, exc.msg, line=exc.lineno, column=exc.offset) from None
    except ValueError as exc:
        raise FileUnreadable(path, str(exc)) from None
    except MemoryError:  # pyoxigraph's parser buffer stops at 16 MiB for one token (a literal, an IRI)
        raise FileUnreadable(
            path,
            "ein einzelner Wert (Literal oder IRI) ist länger als 16 MiB / "
            "a single value (literal or IRI) is longer than 16 MiB",
        ) from None
    return triples, named


def _private_subjects(triples: list[ox.Triple]) -> set:
    """Persons and the blank nodes that hang off them."""
    private = {t.subject for t in triples if t.predicate == _RDF_TYPE and t.object in _PERSON_CLASSES}
    if not private:
        return private
    by_subject: dict = {}
    for t in triples:
        by_subject.setdefault(t.subject, []).append(t)
    todo = list(private)
    while todo:
        for t in by_subject.get(todo.pop(), ()):
            if isinstance(t.object, ox.BlankNode) and t.object not in private:
                private.add(t.object)
                todo.append(t.object)
    return private


def _name(term) -> str:
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value


def read_rdf(
    paths: Iterable[str | os.PathLike[str]],
    *,
    source: str,
    format: str | ox.RdfFormat | None = None,
) -> Staged:
    """Read RDF files strictly, under the one set of rules ``validate`` and ``import`` share.

    Formats follow the extension (:data:`FORMATS`) unless ``format`` is given. Before parsing, RDF/XML with a
    ``<!DOCTYPE`` or ``<!ENTITY`` and JSON-LD whose ``@context`` is a reference (an IRI string, in a list or
    not, or ``@import``) are refused; nothing is ever fetched. Named graphs are flattened (with a note),
    RDF-star is refused, a token over 16 MiB is refused, and literals that are not valid for their XSD
    datatype are left out, each one a problem of severity Violation naming file, subject, property and value.

    Parameters
    ----------
    paths : iterable of path-like
        The files.
    source : str
        The source name; blank nodes are labelled from it and the file's position, so a re-import gives the
        same labels and two files never share one.
    format : str or pyoxigraph.RdfFormat, optional
        For all files, e.g. ``turtle`` or ``jsonld``.

    Returns
    -------
    Staged
        Every distinct statement in ``data`` (nothing is private yet), ``rows`` the statements read, the
        files, notes, problems and the file of each subject in ``origins``.

    Raises
    ------
    FileUnreadable
        Syntax error (with line and column where the parser gives them), unknown extension, unreadable file.
    UnsafeRdf
        A remote JSON-LD context or an XML DTD.
    InputError
        When the files hold no statement at all.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "a.ttl"
    >>> _ = f.write_text('<https://example.org/a> <https://example.org/p> "2024-13-45"^^'
    ...     '<http://www.w3.org/2001/XMLSchema#date> , "x" .\\n')
    >>> staged = read_rdf([f], source="beispiel")
    >>> staged.rows, len(staged.data), [v.value for v in staged.problems]
    (2, 1, ['2024-13-45'])
    """
    staged = Staged()
    triples: list[ox.Triple] = []
    seen: set[ox.Triple] = set()
    for n, path in enumerate(Path(p) for p in paths):
        fmt = rdf_format(path, format)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise FileUnreadable(path, exc.strerror or str(exc)) from None
        if fmt == ox.RdfFormat.RDF_XML:
            _check_xml(path, data)
        elif fmt == ox.RdfFormat.JSON_LD:
            _check_jsonld(path, data)
        parsed, named = _parse(path, data, fmt, _Renamer(source, n))
        staged.rows += len(parsed)
        staged.files.append(SourceFile(path, hashlib.sha256(data).hexdigest(), _TABLE, len(parsed)))
        if named:
            staged.notes.append(
                f"{path.name}: benannte Graphen zusammengeführt in den Graphen der Quelle '{source}' / "
                f"{path.name}: named graphs flattened into the graph of source '{source}'"
            )
        if not parsed:
            staged.notes.append(f"{path.name}: enthält keine Aussagen / contains no statements")
        for t in parsed:
            if t not in seen:
                seen.add(t)
                triples.append(t)
                staged.origins.setdefault(_name(t.subject), Origin(str(path), _TABLE, None))  # type: ignore[arg-type]
    if not triples:
        files = ", ".join(f.path.name for f in staged.files)
        raise InputError(
            f"{files}: keine einzige RDF-Aussage in den Dateien; der Import würde die Quelle leeren / "
            f"{files}: not a single RDF statement in the files; importing them would empty the source"
        )
    staged.data = _drop_ill_typed(triples, staged)
    return staged


def map_rdf(
    paths: Iterable[str | os.PathLike[str]],
    *,
    source: str,
    format: str | ox.RdfFormat | None = None,
    iris: Iris | None = None,
) -> Staged:
    """Read RDF files with :func:`read_rdf` into one source, contact persons apart.

    Subjects typed ``bn:Kontaktperson`` (or ``foaf:Person``, ``schema:Person``), their blank nodes and
    triples pointing at them go to ``private``.

    Parameters
    ----------
    paths : iterable of path-like
        The files.
    source : str
        The source name; blank nodes are labelled from it, so a re-import gives the same labels.
    format : str or pyoxigraph.RdfFormat, optional
        For all files, e.g. ``turtle`` or ``jsonld``.
    iris : Iris, optional
        Instance IRIs; IRIs under its base that the files use but do not describe become ``references``.

    Returns
    -------
    Staged
        ``rows`` counts the statements read; origins name the file of each subject (no line: pyoxigraph does
        not report positions of statements).

    Raises
    ------
    FileUnreadable
        Syntax error (with line and column where the parser gives them), unknown extension, unreadable file.
    UnsafeRdf
        A remote JSON-LD context or an XML DTD.
    InputError
        When the files hold no statement at all (importing them would empty the source).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "a.ttl"
    >>> _ = f.write_text('@prefix bn: <https://w3id.org/bildungsnetz/ontology#> .\\n'
    ...     '<https://w3id.org/bildungsnetz/id/kontakt/X/1> a bn:Kontaktperson .\\n'
    ...     '<https://w3id.org/bildungsnetz/id/akteur/X> a bn:Verein .\\n')
    >>> staged = map_rdf([f], source="beispiel")
    >>> len(staged.data), len(staged.private), staged.rows
    (1, 1, 2)
    """
    iris = iris or Iris()
    staged = read_rdf(paths, source=source, format=format)
    triples, staged.data = staged.data, []
    private = _private_subjects(triples)
    for t in triples:
        if t.subject in private or t.object in private:
            staged.private.append(t)
        else:
            staged.data.append(t)
    if private:
        persons = sum(1 for s in private if not isinstance(s, ox.BlankNode))
        staged.notes.append(
            f"{persons} Kontaktpersonen (personenbezogene Daten) in den privaten Graphen der Quelle "
            "verschoben / "
            f"{persons} contact persons (personal data) moved to the source's private graph"
        )

    described = {t.subject for t in staged.data}
    staged.references = {
        t.object.value
        for t in staged.data
        if isinstance(t.object, ox.NamedNode)
        and t.object.value.startswith(iris.base)
        and t.object not in described
    }
    return staged


_XSD = "http://www.w3.org/2001/XMLSchema#"


def _drop_ill_typed(triples: list[ox.Triple], staged: Staged) -> list[ox.Triple]:
    """Leave out literals that are not valid for their XSD datatype, each reported as a problem.

    The parsers accept ``"2024-13-45"^^xsd:date`` (the syntax is fine); SHACL would compare it as a date and
    fail, and the store would hold a date that is none. Like a bad cell in a spreadsheet, the statement is
    left out and the import refused with one line naming file, subject, property and value.
    """
    from rdflib import Literal, URIRef

    from bildungsnetz.validate.shacl import quiet_ill_typed

    kept: list[ox.Triple] = []
    checked: dict[tuple[str, str], bool] = {}
    with quiet_ill_typed():
        for t in triples:
            o = t.object
            if isinstance(o, ox.Literal) and o.datatype.value.startswith(_XSD):
                key = (o.value, o.datatype.value)
                bad = checked.get(key)
                if bad is None:
                    bad = checked[key] = Literal(o.value, datatype=URIRef(o.datatype.value)).ill_typed is True
                if bad:
                    kind = "xsd:" + o.datatype.value.removeprefix(_XSD)
                    subject, prop = _name(t.subject), t.predicate.value
                    origin = staged.origins.get(subject)
                    staged.problems.append(Violation(
                        focus=subject, path=prop, shape=str(BNSH["import-literal"]), severity="Violation",
                        message_de=f'Ungültiger Wert "{o.value}" für {kind} bei <{prop}>; die Aussage wird nicht '
                        "übernommen",
                        message_en=f'Invalid value "{o.value}" for {kind} at <{prop}>; the statement is left out',
                        value=o.value, source_file=origin.file if origin else None,
                    ))  # fmt: skip
                    continue
            kept.append(t)
    return kept
