"""Run pySHACL against the shapes, with the reference data looked up but not reported, into one report."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING

import pyoxigraph as ox
import pyshacl
import rdflib
from rdflib import RDF, SH, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from bildungsnetz import resources
from bildungsnetz.namespace import BN
from bildungsnetz.validate.report import ValidationReport, Violation

if TYPE_CHECKING:
    from bildungsnetz.cities import CityProfile

__all__ = [
    "execution_shapes",
    "load_ontology",
    "load_shapes",
    "path_text",
    "quiet_ill_typed",
    "rdflib_term",
    "reference_graph",
    "run_pyshacl",
    "validate",
]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


# -- Loading shapes, ontology, reference data --------------------------------------------------------------


@cache
def load_shapes() -> Graph:
    """All SHACL shapes (``shapes/*.ttl``) in one graph. Cached and shared: do not modify it."""
    graph = Graph()
    for path in resources.shapes_files():
        graph.parse(path, format="turtle")
    return graph


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf, SH.target)


@cache
def execution_shapes() -> Graph:
    """The shapes as pySHACL runs them: each node shape's targets moved onto its property shapes.

    Why: pySHACL evaluates a property shape reached through ``sh:property`` once per focus node, with a fixed
    overhead each time; a property shape with targets of its own runs once over all its focus nodes. The
    results are the same (focus node, path, source shape, severity, message); on the demo city with 2,000
    actors validation took 9.7 s nested and 2.3 s flattened. The files keep the readable nesting.
    """
    shapes = load_shapes()
    flat = Graph()
    flat += shapes
    for node_shape in set(shapes.subjects(RDF.type, SH.NodeShape)):
        targets = [(p, o) for p in _TARGETS for o in shapes.objects(node_shape, p)]
        if not targets:  # used only through other shapes (sh:qualifiedValueShape): keep as written
            continue
        for prop in shapes.objects(node_shape, SH.property):
            for p, o in targets:
                flat.add((prop, p, o))
            flat.remove((node_shape, SH.property, prop))
    return flat


@cache
def load_ontology() -> Graph:
    """The bildungsnetz ontology (for the class hierarchy during validation). Cached: do not modify it."""
    return Graph().parse(resources.ontology_file(), format="turtle")


def reference_graph(base_iri: str | None = None, *, profiles: Iterable[CityProfile] | None = None) -> Graph:
    """Reference data every import may point at: the vocabularies and the city profiles (default: the shipped
    ones; pass a :class:`~bildungsnetz.cities.CityRegistry`'s profiles for added cities).

    Built by :func:`bildungsnetz.reference.reference_graph`, the one builder. Cached: do not modify it.
    """
    from bildungsnetz import reference

    return reference.reference_graph(base_iri, profiles=profiles)


# -- Validation ----------------------------------------------------------------------------------------------


def validate(
    data: Graph | rdflib.Dataset, *, reference: Graph | rdflib.Dataset | None = None
) -> ValidationReport:
    """Validate ``data`` against the shapes; ``reference`` is looked up, not validated.

    ``data`` may be a graph or a dataset (all its graphs are checked together). ``reference`` holds what the
    data points at: vocabularies, city profiles, the types of actors imported earlier. Both are copied into
    one in-memory rdflib graph, so the caller's graphs are never changed. Results whose focus node is
    described only by the reference are dropped. ``conforms`` is true when no result has severity Violation;
    warnings and infos never break conformance.

    >>> from rdflib import Namespace
    >>> ID = Namespace("https://w3id.org/bildungsnetz/id/")
    >>> g = Graph()
    >>> _ = g.add((ID["kooperation/K-9"], RDF.type, BN.Kooperation))
    >>> report = validate(g)
    >>> from bildungsnetz.validate.report import compact
    >>> report.conforms, sorted({compact(v.shape) for v in report.errors})
    (False, ['bnsh:Kooperation-partner'])
    """
    work = Graph()
    _add_all(work, data)
    if reference is not None:
        _add_all(work, reference)
    in_data = _subject_lookup(data)
    in_reference = _subject_lookup(reference) if reference is not None else (lambda node: False)
    return _run(work, lambda node: in_data(node) or not in_reference(node))


class _IllTypedFilter(logging.Filter):
    """Drop rdflib's traceback for ill-typed literals such as "2023-02-30"^^xsd:date.

    The reader reports them (file, property and value, in both languages); a traceback on stderr would
    only bury that report.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to convert Literal lexical form")


@contextmanager
def quiet_ill_typed() -> Iterator[None]:
    """Within the block, rdflib does not log a traceback for each ill-typed literal it builds."""
    log = logging.getLogger("rdflib.term")
    quiet = _IllTypedFilter()
    log.addFilter(quiet)
    try:
        yield
    finally:
        log.removeFilter(quiet)


def rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal, prefix: str) -> Node:
    """The rdflib term of a pyoxigraph term; blank-node labels get ``prefix`` (so files stay apart).

    >>> rdflib_term(ox.BlankNode("x"), "f1"), rdflib_term(ox.Literal("a"), "f1")
    (rdflib.term.BNode('f1x'), rdflib.term.Literal('a'))
    """
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(f"{prefix}{term.value}")
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise ValueError(
        f"nur einfache RDF-Terme, kein RDF-star und keine N3-Variablen / "
        f"only plain RDF terms, no RDF-star and no N3 variables: {term}"
    )


def _add_all(target: Graph, source: Graph | rdflib.Dataset) -> None:
    if source.context_aware:  # a dataset: every named graph, not only the default one
        target.addN((s, p, o, target) for s, p, o, _ in source.quads((None, None, None, None)))
    else:
        target += source


def _subject_lookup(source: Graph | rdflib.Dataset | None) -> Callable[[Node], bool]:
    if source is None:
        return lambda node: False
    if source.context_aware:
        graphs = list(source.graphs())
        return lambda node: any((node, None, None) in g for g in graphs)
    return lambda node: (node, None, None) in source


def run_pyshacl(work: Graph, shapes: Graph, keep: Callable[[Node], bool]) -> list[Violation]:
    """One pySHACL run over ``work`` (changed in place) with ``shapes``; results on nodes ``keep`` accepts.

    ``inplace``: ``work`` is the caller's own copy, so pySHACL adds the ontology to it instead of cloning it
    (millions of triples at city scale).
    """
    with quiet_ill_typed():
        _, results, _ = pyshacl.validate(
            work,
            shacl_graph=shapes,
            ont_graph=load_ontology(),
            inference="none",
            advanced=True,  # for the SPARQL-based target of bnsh:BNEAngebot
            allow_warnings=True,
            allow_infos=True,
            inplace=True,
        )
    violations = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        if focus is None or not keep(focus):
            continue
        violations.append(_violation(results, result, focus, work))
    return violations


def _run(work: Graph, keep: Callable[[Node], bool]) -> ValidationReport:
    return ValidationReport.of(run_pyshacl(work, execution_shapes(), keep))


def _violation(results: Graph, result: Node, focus: Node, work: Graph) -> Violation:
    de = en = fallback = None
    for message in results.objects(result, SH.resultMessage):
        lang = getattr(message, "language", None)
        if lang == "de":
            de = str(message)
        elif lang == "en":
            en = str(message)
        else:
            fallback = str(message)
    severity = results.value(result, SH.resultSeverity)
    value = results.value(result, SH.value)
    path = results.value(result, SH.resultPath)
    row = work.value(focus, BN.zeile)
    return Violation(
        focus=_name(focus),
        path=path_text(results, path) if path is not None else None,
        shape=_name(results.value(result, SH.sourceShape)),
        severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
        message_de=de or fallback or en or "",
        message_en=en or fallback or de or "",
        value=None if value is None else _name(value),
        row=int(row) if isinstance(row, Literal) and str(row).isdigit() else None,
    )


def _name(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _term(name: str) -> Node:
    return BNode(name[2:]) if name.startswith("_:") else URIRef(name)


def path_text(g: Graph, path: Node) -> str:
    """A SHACL path as text: the IRI for a predicate, SPARQL property-path syntax otherwise.

    >>> g = Graph()
    >>> path_text(g, URIRef("urn:p"))
    'urn:p'
    """
    if isinstance(path, URIRef):
        return str(path)
    inverse = g.value(path, SH.inversePath)
    if inverse is not None:
        return f"^{_path_part(g, inverse)}"
    if g.value(path, RDF.first) is not None:
        return "/".join(_path_part(g, p) for p in Collection(g, path))
    for prop, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = g.value(path, prop)
        if inner is not None:
            return f"{_path_part(g, inner)}{suffix}"
    alternatives = g.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_path_part(g, p) for p in Collection(g, alternatives)) + ")"
    return _name(path)


def _path_part(g: Graph, path: Node) -> str:
    return f"<{path}>" if isinstance(path, URIRef) else path_text(g, path)


