"""Test configuration: the store tests run on SQLite by default and, with
``CREDITPILOT_DATABASE_URL=postgresql://...``, on PostgreSQL (a throwaway database per run)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("CREDITPILOT_DATA_DIR", tempfile.mkdtemp(prefix="creditpilot-test-"))
os.environ.setdefault("CREDITPILOT_SECRET_KEY", "test-only-not-secret")

import pytest  # noqa: E402

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA
