"""Checking a catalogue query against its header: it parses, binds, projects what it declares, uses its parameters."""

from __future__ import annotations

import re
from typing import Any

from rdflib import Variable

from bildungsnetz.iris import Iris
from bildungsnetz.queries.bind import _TOKEN, Param, ParameterError, _int_range, _where_brace, bind
from bildungsnetz.queries.catalogue import CatalogueError, NamedQuery
from bildungsnetz.vocab import get_vocabulary

__all__ = ["check_query"]


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
        elif node.name == "Graph" and isinstance(node.get("term"), Variable):  # GRAPH ?g { … } binds ?g
            bound.add(str(node["term"]))
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


def _path_modifiers(node: Any, found: list[str]) -> None:
    """The ``*``, ``+`` and ``?`` of every property path in a parse tree (nested ``EXISTS`` groups included)."""
    from rdflib.plugins.sparql.parserutils import CompValue  # noqa: PLC0415

    if isinstance(node, CompValue):
        if node.name == "PathElt" and "mod" in node:
            found.append(str(node.get("mod")))
        for key, value in node.items():
            if not key.startswith("_"):
                _path_modifiers(value, found)
    elif isinstance(node, (list, tuple)) or hasattr(node, "asList"):  # pyparsing's ParseResults
        for item in node:
            _path_modifiers(item, found)


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
    pattern (Oxigraph would evaluate it without the outer bindings); no property path repeats a step (``*``,
    ``+``, ``?``: Virtuoso 7.2 answers those joined with other patterns wrongly or for minutes).

    Parameters
    ----------
    query : NamedQuery
        A query with its header.

    Returns
    -------
    list of str
        One line per problem, naming the query.

    Examples
    --------
    >>> from bildungsnetz.queries.catalogue import get
    >>> check_query(get("partners-of-actor"))
    []
    """
    from pyparsing import ParseException  # noqa: PLC0415
    from rdflib.plugins.sparql import prepareQuery  # noqa: PLC0415
    from rdflib.plugins.sparql.algebra import translateQuery  # noqa: PLC0415
    from rdflib.plugins.sparql.parser import parseQuery  # noqa: PLC0415

    problems: list[str] = []
    try:
        tree = parseQuery(query.text)
    except ParseException as exc:
        return [f"{query.name}: parses not / kein gültiges SPARQL: {exc}"]
    modifiers: list[str] = []
    _path_modifiers(tree, modifiers)  # read before translating, which rewrites the tree
    for modifier in sorted(set(modifiers)):
        problems.append(
            f"{query.name}: a property path with {modifier!r}: Virtuoso 7.2 answers it joined with other patterns"
            " wrongly or for minutes; spell the steps out (docs/speicher.md, Virtuoso)"
        )
    prepared = translateQuery(tree)
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


