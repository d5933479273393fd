"""Former home of the city profiles, kept so that older imports still work: use :mod:`bildungsnetz.cities`."""

from __future__ import annotations

from bildungsnetz.cities import *  # noqa: F403 - the package's public names
from bildungsnetz.cities import __all__ as __all__  # noqa: F401
