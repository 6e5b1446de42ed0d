"""Reliability suites: record what each suite saw and print it at the end of the run."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

_FIGURES = pytest.StashKey[dict[str, dict[str, Any]]]()

Figures = Callable[..., None]


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Figures:
    """``figures(**numbers)`` records what this test saw (shown in the terminal summary)."""
    store = request.config.stash.setdefault(_FIGURES, {})

    def record(**numbers: Any) -> None:
        store.setdefault(request.node.nodeid, {}).update(numbers)

    return record


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """One line per recorded test: the faults, retries, rows and requests it saw."""
    store = config.stash.get(_FIGURES, {})
    if not store:
        return
    terminalreporter.section("reliability figures")
    for nodeid, numbers in store.items():
        terminalreporter.write_line(f"{nodeid}: {json.dumps(numbers, sort_keys=True)}")
