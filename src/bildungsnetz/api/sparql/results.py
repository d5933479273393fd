"""SPARQL results in the format a client asks for (``Accept``), never more rows than the row cap.

Runs inside the ``/sparql`` worker processes; imports only pyoxigraph.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

__all__ = [
    "TABULAR",
    "BOOLEAN",
    "GRAPH",
    "RowCapExceeded",
    "negotiate",
    "select_body",
    "ask_body",
    "graph_body",
]

#: Media types per result kind; the first is the default.
TABULAR = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
BOOLEAN = {k: v for k, v in TABULAR.items() if v in (ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML)}
GRAPH = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
_CANONICAL = {
    ox.QueryResultsFormat.JSON: "application/sparql-results+json",
    ox.QueryResultsFormat.XML: "application/sparql-results+xml",
    ox.QueryResultsFormat.CSV: "text/csv; charset=utf-8",
    ox.QueryResultsFormat.TSV: "text/tab-separated-values; charset=utf-8",
    ox.RdfFormat.TURTLE: "text/turtle; charset=utf-8",
    ox.RdfFormat.N_TRIPLES: "application/n-triples",
    ox.RdfFormat.JSON_LD: "application/ld+json",
    ox.RdfFormat.RDF_XML: "application/rdf+xml",
}
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


class RowCapExceeded(Exception):
    """The answer would hold more rows (or triples) than the cap allows."""


def _accepted(accept: str | None) -> list[tuple[float, int, str]]:
    ranges = []
    for index, part in enumerate((accept or "*/*").split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media and q > 0:
            ranges.append((-q, index, media.lower()))
    return sorted(ranges)


def negotiate(accept: str | None, offers: dict) -> tuple[object, str]:
    """The format and media type for ``accept`` among ``offers`` (the first offer when nothing fits).

    >>> negotiate("text/csv;q=0.5, application/sparql-results+xml", TABULAR)[1]
    'application/sparql-results+xml'
    >>> negotiate("image/png", GRAPH)[1]
    'text/turtle; charset=utf-8'
    """
    default = next(iter(offers.values()))
    for _, _, media in _accepted(accept):
        if media in offers:
            fmt = offers[media]
            return fmt, _CANONICAL[fmt]
        if media == "*/*":
            break
        if media.endswith("/*"):
            top = media[:-1]
            for key, fmt in offers.items():
                if key.startswith(top):
                    return fmt, _CANONICAL[fmt]
    return default, _CANONICAL[default]


def _term(term: object) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        cell = {"type": "literal", "value": term.value}
        if term.language:
            cell["xml:lang"] = term.language
        elif term.datatype.value not in (_XSD_STRING, _LANG_STRING):
            cell["datatype"] = term.datatype.value
        return cell
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _term(term.subject),
                "predicate": _term(term.predicate),
                "object": _term(term.object),
            },
        }
    raise TypeError(type(term).__name__)


def _capped(items: Iterable, cap: int) -> Iterator:
    for count, item in enumerate(items):
        if count >= cap:
            raise RowCapExceeded
        yield item


#: C0 control characters but TAB, LF and CR: XML 1.0 cannot carry them, not even as character references.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xml_safe(term: object) -> object:
    """A literal whose text holds a character XML cannot carry, with U+FFFD in its place (XML answers only)."""
    if isinstance(term, ox.Literal) and _XML_FORBIDDEN.search(term.value):
        value = _XML_FORBIDDEN.sub("\ufffd", term.value)
        if term.language:
            return ox.Literal(value, language=term.language)
        return ox.Literal(value, datatype=term.datatype)
    return term


def select_body(variables: list[str], rows: Iterable[Iterable[object]], fmt: object, cap: int) -> bytes:
    """Serialize solutions (each a sequence of terms or ``None``, in the order of ``variables``).

    >>> rows = [[ox.NamedNode("http://e/a"), ox.Literal("x", language="de")]]
    >>> print(select_body(["s", "o"], rows, ox.QueryResultsFormat.CSV, 10).decode())
    s,o\r
    http://e/a,x\r
    <BLANKLINE>
    """
    xml = fmt == ox.QueryResultsFormat.XML
    bindings = []
    for row in _capped(rows, cap):
        bindings.append(
            {v: _term(_xml_safe(t) if xml else t) for v, t in zip(variables, row, strict=True) if t is not None}
        )
    document = json.dumps(
        {"head": {"vars": variables}, "results": {"bindings": bindings}}, ensure_ascii=False
    ).encode("utf-8")
    if fmt == ox.QueryResultsFormat.JSON:
        return document
    return ox.parse_query_results(document, format=ox.QueryResultsFormat.JSON).serialize(format=fmt)


def ask_body(value: bool, fmt: object) -> bytes:
    """Serialize a boolean answer.

    >>> ask_body(True, ox.QueryResultsFormat.JSON)
    b'{"head":{},"boolean":true}'
    """
    document = json.dumps({"head": {}, "boolean": bool(value)}, separators=(",", ":")).encode()
    if fmt == ox.QueryResultsFormat.JSON:
        return document
    return ox.parse_query_results(document, format=ox.QueryResultsFormat.JSON).serialize(format=fmt)


def graph_body(triples: Iterable[ox.Triple], fmt: object, cap: int) -> bytes:
    """Serialize the triples of a CONSTRUCT or DESCRIBE answer.

    >>> t = ox.Triple(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), ox.Literal("x"))
    >>> graph_body([t], ox.RdfFormat.N_TRIPLES, 10)
    b'<http://e/a> <http://e/p> "x" .\\n'
    """
    collected = list(_capped(triples, cap))
    if fmt == ox.RdfFormat.RDF_XML:  # XML 1.0 cannot carry C0 controls: U+FFFD instead (docs/security.md)
        collected = [ox.Triple(t.subject, t.predicate, _xml_safe(t.object)) for t in collected]
    return ox.serialize(collected, format=fmt) or b""
