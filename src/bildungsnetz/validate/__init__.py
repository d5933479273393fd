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
    "reference_graph",
    "run_pyshacl",
    "validate",
]

