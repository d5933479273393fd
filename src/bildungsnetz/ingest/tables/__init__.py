"""Spreadsheets in and out: the fixed German import tables read from CSV and XLSX (:mod:`.read`, with the cell
values of :mod:`.cells`), mapped to RDF (:mod:`.mapping`), exported from the store again (:mod:`.export`) and
written as templates (:mod:`.templates`)."""

from __future__ import annotations

from bildungsnetz.errors import LimitExceeded, TableError
from bildungsnetz.ingest.tables.cells import (
    AUXILIARY_SHEETS,
    CSV_SUFFIXES,
    SEPARATOR,
    XLSX_SUFFIXES,
    cell_text,
    parse_date,
    parse_decimal,
    split_values,
)
from bildungsnetz.ingest.tables.export import CSV_DELIMITER, CSV_ENCODING, Tables, export_tables, tables_from_files
from bildungsnetz.ingest.tables.mapping import actor_key, map_tables
from bildungsnetz.ingest.tables.read import (
    RawTable,
    ReadLimits,
    column_spec,
    detect_table,
    expand_paths,
    fold_column,
    read_tables,
    required_columns,
    source_location,
)
from bildungsnetz.ingest.tables.templates import example_dir, write_example, write_tables, write_template

__all__ = [
    "actor_key",
    "AUXILIARY_SHEETS",
    "cell_text",
    "column_spec",
    "CSV_DELIMITER",
    "CSV_ENCODING",
    "CSV_SUFFIXES",
    "detect_table",
    "example_dir",
    "expand_paths",
    "export_tables",
    "fold_column",
    "LimitExceeded",
    "map_tables",
    "parse_date",
    "parse_decimal",
    "RawTable",
    "read_tables",
    "ReadLimits",
    "required_columns",
    "SEPARATOR",
    "source_location",
    "split_values",
    "TableError",
    "Tables",
    "tables_from_files",
    "write_example",
    "write_tables",
    "write_template",
    "XLSX_SUFFIXES",
]
