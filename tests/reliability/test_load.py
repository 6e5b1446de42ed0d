"""The REST adapter under bounded loopback load: every answer right, no 5xx, memory flat.

Two subprocesses: the sandbox (``togai-customers sandbox``) and the REST adapter
(``uvicorn --factory togai_customers_server.rest:create_rest_app``) pointed at it. CLIENTS
concurrent clients in this process send REQUESTS requests in total (a mix of reads, writes, a
listing, unknown ids and invalid bodies), after a warm-up; then the run stops by itself.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
from collections import Counter
from typing import Any

import httpx
import pytest

from ._support import API_KEY, clean_env, cli_command, free_port, rss_kib, running

pytestmark = [pytest.mark.slow, pytest.mark.long]

CLIENTS = 200
REQUESTS = 1_000
WARM_UP = 200
SEEDED = 50
#: Growth of the adapter's RSS allowed between the end of the warm-up and the end of the run.
RSS_GROWTH_LIMIT_KIB = 24 * 1024


class Connection:
    """A minimal HTTP/1.1 keep-alive client on one socket (httpx's pool would be the bottleneck)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = b"" if body is None else json.dumps(body).encode()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        )
        self.writer.write(head.encode() + data)
        lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        length = next(
            int(v)
            for k, _, v in (h.partition(":") for h in lines[1:])
            if k.lower() == "content-length"
        )
        payload = await self.reader.readexactly(length)
        return int(lines[0].split()[1]), json.loads(payload) if payload else None


class Mix:
    """The requests of the load, each with the check its answer must pass."""

    def __init__(self) -> None:
        self._ids = itertools.count()
        self.statuses: Counter[int] = Counter()
        self.wrong: list[str] = []

    async def one(self, conn: Connection, n: int) -> None:
        kind = n % 6
        seeded = f"seed-{n % SEEDED:03d}"
        if kind == 0:
            path, (status, body) = "get", await conn.request("GET", f"/v1/customers/{seeded}")
            ok = status == 200 and body["id"] == seeded
        elif kind == 1:
            path, (status, body) = "list", await conn.request("GET", "/v1/customers?pageSize=5")
            ok = status == 200 and len(body["data"]) == 5
        elif kind == 2:
            new = f"load-{next(self._ids):06d}"
            req = {"id": new, "name": f"Load {new}", "primaryEmail": "l@x.io", "address": {}}
            path, (status, body) = "create", await conn.request("POST", "/v1/customers", req)
            ok = status == 201 and body["id"] == new
        elif kind == 3:
            name = f"Renamed {n}"
            req = {"name": name}
            path, (status, body) = (
                "update",
                await conn.request("PATCH", f"/v1/customers/{seeded}", req),
            )
            ok = status == 200 and body["name"] == name
        elif kind == 4:
            path, (status, body) = (
                "unknown",
                await conn.request("GET", f"/v1/customers/missing-{n}"),
            )
            ok = status == 404 and "missing" in body["message"]
        else:
            req = {"id": f"bad-{n}", "name": "x", "primaryEmail": "b@x.io", "address": {}}
            path, (status, body) = "invalid", await conn.request("POST", "/v1/customers", req)
            ok = status == 400 and body["errors"][0]["field"] == "name"
        self.statuses[status] += 1
        if not ok and len(self.wrong) < 20:
            self.wrong.append(f"{path}: {status} {json.dumps(body)[:200]}")

    async def run(self, port: int, start: int, count: int) -> float:
        """Send ``count`` requests from CLIENTS concurrent clients; return the seconds taken."""
        numbers = iter(range(start, start + count))

        async def client() -> None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            conn = Connection(reader, writer)
            try:
                for n in numbers:
                    await self.one(conn, n)
            finally:
                writer.close()
                await writer.wait_closed()

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(CLIENTS)))
        return time.perf_counter() - started


def test_rest_adapter_under_load_stays_correct_and_flat(tmp_path, figures):
    """200 clients, 1,000 requests after 200 to warm up: all answers right, no 5xx, RSS flat."""
    sandbox_port, rest_port = free_port(), free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    rest_url = f"http://127.0.0.1:{rest_port}"
    sandbox_cmd = cli_command("sandbox", "--port", str(sandbox_port), "--api-key", API_KEY)
    rest_cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "togai_customers_server.rest:create_rest_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(rest_port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    rest_env = clean_env(TOGAI_API_KEY=API_KEY, TOGAI_BASE_URL=sandbox_url)
    with (
        running(sandbox_cmd, sandbox_url, clean_env(), tmp_path / "sandbox.log"),
        running(rest_cmd, f"{rest_url}/health", rest_env, tmp_path / "rest.log") as rest,
    ):
        with httpx.Client(base_url=rest_url) as http:
            for i in range(SEEDED):
                body = {
                    "id": f"seed-{i:03d}",
                    "name": f"Seed {i}",
                    "primaryEmail": "s@x.io",
                    "address": {},
                }
                assert http.post("/v1/customers", json=body).status_code == 201

        mix = Mix()
        rss_start = rss_kib(rest.pid)
        asyncio.run(mix.run(rest_port, 0, WARM_UP))
        rss_warm = rss_kib(rest.pid)
        seconds = asyncio.run(mix.run(rest_port, WARM_UP, REQUESTS))
        rss_end = rss_kib(rest.pid)
        assert rest.poll() is None  # still up
        log = (tmp_path / "rest.log").read_text()

    assert not mix.wrong, "\n".join(mix.wrong)
    assert sum(mix.statuses.values()) == WARM_UP + REQUESTS
    assert not [s for s in mix.statuses if s >= 500], mix.statuses
    assert "Traceback" not in log
    assert rss_end - rss_warm < RSS_GROWTH_LIMIT_KIB, (rss_start, rss_warm, rss_end)
    figures(
        clients=CLIENTS,
        requests_served=WARM_UP + REQUESTS,
        measured_requests=REQUESTS,
        seconds=round(seconds, 2),
        throughput_rps=round(REQUESTS / seconds),
        statuses=dict(sorted(mix.statuses.items())),
        rss_kib={"start": rss_start, "after_warm_up": rss_warm, "end": rss_end},
    )
