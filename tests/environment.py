"""What the test environment has: CI runs with every service present and allows no skips."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str) -> None:
    """For fixtures that find a service missing: skip locally, fail in CI (no skips there)."""
    if in_ci():
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)
