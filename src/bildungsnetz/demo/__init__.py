"""The synthetic demo city: a deterministic education landscape of any size for trying everything out."""

from __future__ import annotations

from bildungsnetz.demo.city import *  # noqa: F403 - the package's public names
from bildungsnetz.demo.city import __all__ as __all__  # noqa: F401
