"""The named SPARQL queries: catalogue, parameters bound (never spliced), checks, results as rows."""

from __future__ import annotations

from bildungsnetz.queries.bind import IRI_KINDS, PAGING, PARAM_TYPES, Param, ParameterError, bind, bind_terms
from bildungsnetz.queries.catalogue import (
    FOLDERS,
    CatalogueError,
    NamedQuery,
    UnknownQuery,
    catalogue_table,
    get,
    load_catalogue,
    parse_query_file,
)
from bildungsnetz.queries.check import check_query
from bildungsnetz.queries.run import QueryResult, run, run_terms

__all__ = [
    "FOLDERS",
    "IRI_KINDS",
    "PAGING",
    "PARAM_TYPES",
    "CatalogueError",
    "NamedQuery",
    "Param",
    "ParameterError",
    "QueryResult",
    "UnknownQuery",
    "bind",
    "bind_terms",
    "catalogue_table",
    "check_query",
    "get",
    "load_catalogue",
    "parse_query_file",
    "run",
    "run_terms",
]
