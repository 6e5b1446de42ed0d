"""Export, then import into the same Togai: every row is already there, none failed, in CSV and
JSON Lines, with every column an export writes; also when a quarter of the requests fail."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from .conftest import Surfaces

ADDRESSES = [
    {
        "line1": "1 Main St",
        "line2": "Suite 5",
        "postal_code": "75001",
        "city": "Paris",
        "state": "Île-de-France",
        "country": "FR",
        "phone_number": "+33 1 23 45 67 89",
    },
    {"postal_code": "10115", "country": "DE"},
    {"phone_number": "+1 555 0100"},
    {},
]


def _seed(surfaces: Surfaces, count: int) -> None:
    for i in range(count):
        surfaces.sync.create_customer(
            id=f"cust-{i:03d}",
            name=f'Customer {i}, "quoted" & co' if i % 2 else f"Ünïcode Kund {i}",
            primary_email=f"billing+{i}@example.com",
            address=ADDRESSES[i % len(ADDRESSES)],
        )


def _summary(stdout: str) -> dict[str, int]:
    data = json.loads(stdout)
    return {k: data[k] for k in ("rows", "created", "alreadyPresent", "failed", "malformed")}


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("fail_rate", [0.0, 0.25], ids=["clean", "faults"])
def test_export_then_import_finds_every_row_present(
    surfaces: Surfaces, tmp_path: Path, fmt: str, fail_rate: float
) -> None:
    """Re-importing an export reports every row already present and none failed."""
    _seed(surfaces, 60)
    exported = tmp_path / f"customers.{fmt}"
    surfaces.sandbox.fail_rate = fail_rate
    retries = ("--max-retries", "10")
    r = surfaces.cli(*retries, "export", "-f", str(exported))
    assert r.exit_code == 0, r.output
    if fmt == "csv":
        with exported.open(newline="", encoding="utf-8") as f:
            header = next(csv.reader(f))
        assert {"phone_number", "postal_code", "line2", "state", "status", "created_at"} <= set(
            header
        )
    r = surfaces.cli(*retries, "-o", "json", "import", str(exported), "--concurrency", "4")
    assert r.exit_code == 0, r.output
    expected = {"rows": 60, "created": 0, "alreadyPresent": 60, "failed": 0, "malformed": 0}
    assert _summary(r.stdout) == expected
    assert not (tmp_path / f"customers.{fmt}.failed.jsonl").exists()
    if fail_rate:
        assert any(q.fault for q in surfaces.sandbox.requests), "no fault was injected"
