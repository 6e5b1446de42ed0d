"""A persistent sandbox killed with SIGKILL mid-write keeps every create it acknowledged."""

from __future__ import annotations

import asyncio
import signal

import pytest

from togai_customers import AsyncTogaiCustomers, TogaiCustomers, TogaiError

from ._support import API_KEY, clean_env, cli_command, customer_row, free_port, running

pytestmark = [pytest.mark.slow, pytest.mark.long]

WORKERS = 16
KILL_AFTER_ACKS = 400


def _sandbox_cmd(db: str, port: int) -> list[str]:
    return cli_command("sandbox", "--db", db, "--port", str(port), "--api-key", API_KEY)


async def _write_until_killed(url: str, proc: object, acked: dict[str, dict[str, str]]) -> int:
    """Create customers from WORKERS tasks; SIGKILL the server after KILL_AFTER_ACKS 201s."""
    sent = 0
    killed = asyncio.Event()
    counter = iter(range(1_000_000))

    async with AsyncTogaiCustomers(API_KEY, base_url=url, max_retries=0, timeout=5) as client:

        async def worker() -> None:
            nonlocal sent
            while not killed.is_set():
                row = customer_row(next(counter))
                sent += 1
                try:
                    await client.create_customer(
                        id=row["id"],
                        name=row["name"],
                        primary_email=row["primary_email"],
                        address={"line1": row["line1"], "city": row["city"]},
                    )
                except TogaiError:
                    return  # the server is gone
                acked[row["id"]] = row
                if len(acked) >= KILL_AFTER_ACKS and not killed.is_set():
                    killed.set()
                    proc.send_signal(signal.SIGKILL)  # type: ignore[attr-defined]

        await asyncio.gather(*(worker() for _ in range(WORKERS)))
    return sent


def test_sigkill_mid_write_loses_no_acknowledged_customer(tmp_path, figures):
    """Every create answered 201 before the SIGKILL is there, intact, after a restart."""
    db = str(tmp_path / "sandbox.db")
    env = clean_env()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    acked: dict[str, dict[str, str]] = {}
    with running(_sandbox_cmd(db, port), url, env, tmp_path / "first.log") as proc:
        sent = asyncio.run(_write_until_killed(url, proc, acked))
        assert proc.wait(10) == -signal.SIGKILL

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (
        running(_sandbox_cmd(db, port), url, env, tmp_path / "second.log"),
        TogaiCustomers(API_KEY, base_url=url) as client,
    ):
        stored = {}
        for customer in client.list_customers(page_size=50):  # each one parses: none is half
            assert customer.id not in stored
            stored[customer.id] = customer
        # Still writable after the crash.
        client.create_customer(
            id="after-crash", name="After Crash", primary_email="a@c.io", address={}
        )
        assert client.get_customer("after-crash").name == "After Crash"

    missing = sorted(set(acked) - set(stored))
    assert not missing, f"{len(missing)} acknowledged customers lost, e.g. {missing[:5]}"
    for customer_id, customer in stored.items():
        row = customer_row(int(customer_id.split("-")[1]))  # in flight or acknowledged: intact
        assert (customer.name, customer.primary_email) == (row["name"], row["primary_email"])
        assert (customer.address.line1, customer.address.city) == (row["line1"], row["city"])
    assert len(stored) <= sent
    figures(
        creates_sent=sent,
        acknowledged=len(acked),
        stored_after_restart=len(stored),
        in_flight_and_committed=len(stored) - len(acked),
        rows_verified=len(stored),
    )
