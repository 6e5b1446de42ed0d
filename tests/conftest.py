"""Suite-wide settings: retries run without waiting, and no developer settings leak in."""

from __future__ import annotations

import json
from typing import Any

import pytest
from _sdk_support import FLAVOURS

pytest_plugins = ["pytester"]  # runs a pytest of its own (the plugin's fixtures across tests)


@pytest.fixture(params=FLAVOURS)
def flavour(request: pytest.FixtureRequest) -> str:
    """Run the test once with the sync client and once with the async client."""
    return str(request.param)


@pytest.fixture(autouse=True)
def _no_backoff_sleeps(togai_instant_retries: None) -> None:
    """Keep every retry but skip its waits (the plugin's fixture); tests that check waits put a
    fake clock in instead."""


@pytest.fixture(autouse=True)
def _no_ambient_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never pick up the developer's own key, base URL or log settings."""
    for name in (
        "TOGAI_API_KEY", "TOGAI_BASE_URL", "TOGAI_LOG", "TOGAI_SERVER_TOKEN", "TOGAI_FORWARD_AUTH",
        "TOGAI_READ_ONLY", "TOGAI_TOOLS", "TOGAI_ALLOW_UNCONFIRMED_DELETES", "TOGAI_HOST",
        "TOGAI_STATELESS", "TOGAI_SESSION_IDLE", "TOGAI_MAX_SESSIONS",
    ):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """One line per test that recorded figures (``figures`` fixture): what it saw."""
    lines = [
        f"{report.nodeid}: {json.dumps(numbers, sort_keys=True)}"
        for outcome in ("passed", "failed")
        for report in terminalreporter.stats.get(outcome, [])
        if report.when == "call"
        for key, numbers in report.user_properties
        if key == "figures" and numbers
    ]
    if lines:
        terminalreporter.section("reliability figures")
        for line in sorted(lines):
            terminalreporter.write_line(line)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The ``long`` tests first: under pytest-xdist they start first, on different workers,
    instead of ending the run alone. The ``waits`` ones (each waits a few seconds, for a stalled
    request's timeout) are spread evenly among the rest: run side by side, or beside the long
    ones (which wait much of their time too), they would leave the CPU idle."""
    long = [item for item in items if item.get_closest_marker("long")]
    waits = [item for item in items if item not in long and item.get_closest_marker("waits")]
    rest = [item for item in items if item not in long and item not in waits]
    step = len(rest) / (len(waits) + 1)
    for n, item in enumerate(waits, start=1):
        rest.insert(round(n * step) + n - 1, item)
    items[:] = long + rest
