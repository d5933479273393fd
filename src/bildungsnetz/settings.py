"""Settings from the environment (``BILDUNGSNETZ_*``), read once through :func:`get_settings`."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from .iris import DEFAULT_BASE

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Every setting of bildungsnetz. Each is documented in README.md (a test checks that)."""

    model_config = SettingsConfigDict(env_prefix="BILDUNGSNETZ_", env_file=None, extra="ignore")

    #: Directory of the embedded store.
    store: Path = Path("bildungsnetz-data")
    #: Base of all instance IRIs.
    base_iri: str = DEFAULT_BASE
    #: City profile used when none is named.
    city: str = "dortmund"
    #: Extra folder with city profiles added by ``bildungsnetz city add``.
    cities_dir: Path | None = None


@cache
def get_settings() -> Settings:
    """The settings of this process (cached; tests build their own ``Settings``)."""
    return Settings()
