"""City profiles: districts (Stadtbezirke, Stadtteile), polygons, neighbours, and where a place lies."""

from __future__ import annotations

from bildungsnetz.cities.profiles import *  # noqa: F403 - the package's public names
from bildungsnetz.cities.profiles import __all__ as __all__  # noqa: F401
