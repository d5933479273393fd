"""Shared fixtures: the reference data folder ``../shared`` and small helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared() -> Path:
    """``../shared`` beside the checkout; tests that need it skip when it is missing."""
    if not SHARED.is_dir():
        pytest.skip("../shared (reference data) is not beside this checkout")
    return SHARED
