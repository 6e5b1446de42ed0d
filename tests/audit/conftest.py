"""Fixtures of the audit tests: a fresh audit file per test."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def audit_file(tmp_path: Path) -> Path:
    """Where this test's servers append their audit lines (not created yet)."""
    return tmp_path / "audit.jsonl"
