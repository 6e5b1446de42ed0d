"""Reliability suites: record what each suite saw (printed at the end of the run, see
``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

Figures = Callable[..., None]


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Figures:
    """``figures(**numbers)`` records what this test saw (shown in the terminal summary).

    Kept in the test's ``user_properties``, which pytest-xdist carries from its workers to the
    process that prints the summary.
    """
    numbers: dict[str, Any] = {}
    request.node.user_properties.append(("figures", numbers))

    def record(**more: Any) -> None:
        numbers.update(more)

    return record
