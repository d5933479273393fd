"""The named SPARQL queries: catalogue, parameters bound (never spliced), results as rows."""

from __future__ import annotations

from bildungsnetz.queries.catalogue import *  # noqa: F403 - the package's public names
from bildungsnetz.queries.catalogue import __all__ as __all__  # noqa: F401
