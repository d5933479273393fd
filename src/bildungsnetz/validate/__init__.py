"""Validation: SHACL against the shapes, traced to file/row/column, one readable report."""

from __future__ import annotations

from bildungsnetz.validate.report import Group, Severity, ValidationReport, Violation, compact, compact_path
from bildungsnetz.validate.shacl import (
    execution_shapes,
    load_ontology,
    load_shapes,
    path_text,
    quiet_ill_typed,
    rdflib_term,
    reference_graph,
    run_pyshacl,
    validate,
)

__all__ = [
    "FileUnreadable",
    "Group",
    "Severity",
    "ValidationReport",
    "Violation",
    "compact",
    "compact_path",
    "execution_shapes",
    "load_ontology",
    "load_shapes",
    "path_text",
    "quiet_ill_typed",
    "rdflib_term",
    "read_rdf_file",
    "reference_graph",
    "run_pyshacl",
    "validate",
    "validate_files",
]


def __getattr__(name: str):
    # The file reader lives in ingest, which imports this package: load it on first use, not at import.
    if name in ("read_rdf_file", "validate_files"):
        from bildungsnetz.validate import files

        return getattr(files, name)
    if name == "FileUnreadable":
        from bildungsnetz.ingest.rdf import FileUnreadable

        return FileUnreadable
    raise AttributeError(name)
