"""Suite-wide settings: retries run without waiting, and no developer settings leak in."""

from __future__ import annotations

import pytest

from togai_customers import _client


async def _no_async_wait(seconds: float) -> None:
    return None


@pytest.fixture(autouse=True)
def _no_backoff_sleeps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every retry but skip its waits; tests that check waits put a fake clock in."""
    monkeypatch.setattr(_client, "_sleep", lambda seconds: None)
    monkeypatch.setattr(_client, "_asleep", _no_async_wait)


@pytest.fixture(autouse=True)
def _no_ambient_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never pick up the developer's own key, base URL or log settings."""
    for name in ("TOGAI_API_KEY", "TOGAI_BASE_URL", "TOGAI_LOG", "TOGAI_SERVER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
