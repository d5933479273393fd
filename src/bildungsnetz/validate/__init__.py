"""Validation: SHACL against the shapes, traced to file/row/column, one readable report."""

from __future__ import annotations

from bildungsnetz.validate.shacl import *  # noqa: F403 - the package's public names
from bildungsnetz.validate.shacl import __all__ as __all__  # noqa: F401
