"""Validate RDF files without importing them: the import's own reader, then the shapes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from os import PathLike
from pathlib import Path

from rdflib import Graph

from bildungsnetz.ingest.rdf import read_rdf
from bildungsnetz.validate.report import ValidationReport
from bildungsnetz.validate.shacl import execution_shapes, rdflib_term, reference_graph, run_pyshacl

__all__ = ["read_rdf_file", "validate_files"]

#: Blank-node labels of the reader, as rdflib labels: the reader keeps files apart already.
_PREFIX = ""


def _graph(paths: list[Path]):
    # Blank nodes are labelled from the source name and the file's position: named after the files here, so
    # that two calls never share a label either.
    staged = read_rdf(paths, source="\0".join(map(str, paths)))
    graph = Graph()
    graph.addN(
        (rdflib_term(t.subject, _PREFIX), rdflib_term(t.predicate, _PREFIX), rdflib_term(t.object, _PREFIX), graph)
        for t in staged.data
    )
    return staged, graph


def read_rdf_file(path: str | PathLike[str]) -> Graph:
    """One RDF file as an rdflib graph, read exactly as ``bildungsnetz import`` reads it.

    Named graphs are flattened; ill-typed literals are left out (:func:`validate_files` reports them).

    Raises
    ------
    FileUnreadable
        When the file is missing, has an unknown extension or is not valid RDF.
    UnsafeRdf
        XML with a DTD, JSON-LD with a remote context.
    InputError
        When the file holds no statement.
    """
    return _graph([Path(path)])[1]


def validate_files(
    paths: Iterable[str | PathLike[str]], *, reference: Graph | None = None
) -> ValidationReport:
    """Read RDF files as the import does and validate them together against the shapes.

    The reader is :func:`bildungsnetz.ingest.rdf.read_rdf`, so a file ``validate`` calls conforming is one
    ``import`` reads: the same formats, the same refusals (XML DTDs, remote JSON-LD contexts, files without
    statements, tokens over 16 MiB) and the same problems (ill-typed literals). ``reference`` defaults to
    :func:`~bildungsnetz.validate.shacl.reference_graph` (vocabularies and all shipped city profiles). Each
    result names the file that described its focus node.

    Raises
    ------
    FileUnreadable
        When a file is missing, has an unknown extension or is not valid RDF (with line and column).
    UnsafeRdf
        XML with a DTD, JSON-LD with a remote context.
    InputError
        When the files hold no statement at all.
    """
    paths = [Path(p) for p in paths]
    staged, work = _graph(paths)
    described = set(work.subjects())
    if reference is None:
        reference = reference_graph()
    work += reference

    def keep(node) -> bool:
        return node in described or (node, None, None) not in reference

    located = []
    for v in run_pyshacl(work, execution_shapes(), keep):
        origin = staged.origins.get(v.focus)
        located.append(replace(v, source_file=origin.file) if origin else v)
    return ValidationReport.of(located + list(staged.problems))
