"""Suite-wide settings: retries run without backoff sleeps (stamina's testing mode)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stamina


@pytest.fixture(autouse=True)
def _no_backoff_sleeps() -> Iterator[None]:
    """Keep every retry but skip its waits; tests that check waits turn this off themselves."""
    stamina.set_testing(True, attempts=1000, cap=True)
    yield
    stamina.set_testing(False)


@pytest.fixture(autouse=True)
def _no_ambient_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never pick up the developer's own key, base URL or log settings."""
    for name in ("TOGAI_API_KEY", "TOGAI_BASE_URL", "TOGAI_LOG", "TOGAI_SERVER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
