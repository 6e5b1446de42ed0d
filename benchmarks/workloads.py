"""Client-side workloads, each run in a fresh process; prints one JSON object on stdout.

* ``cpu --client ours|httpx|togai-client --url U``: sequential ``get_customer`` calls on one
  keep-alive connection; process CPU time (``time.process_time``) and wall time per request.
* ``async --client ours|httpx --url U``: ``--n`` calls by ``--concurrency`` worker tasks; wall.
* ``memory --url U``: iterate every customer of ``list_customers(page_size=...)``; growth of the
  peak RSS (``ru_maxrss``) over the iteration.
* ``surfaces --path direct|rest|mcp --url U [--mode auto|legacy|plain]``: sequential get-customer
  latencies directly with the async SDK (U: the sandbox), through the REST adapter, or through
  the MCP tool (streamable HTTP, ``mcp.Client``, protocol 2026-07-28 or, with ``--mode legacy``,
  the 2025-11-25 handshake); also the client's CPU per call.
* ``sessions --url U --n N``: opens N MCP sessions (2025-11-25 ``initialize``, 20 at a time) and
  leaves them idle; counts the answers by status.

Every workload warms up first (connections open, lazy imports and cattrs hooks built). ``cpu``
and ``async`` then print ``READY`` and run one measuring round per stdin line ``N`` (N calls),
printing its figures as one JSON line, so the runner can interleave the rounds of the clients it
compares; it takes the median round.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

API_KEY = "bench-key"
CUSTOMER_ID = "c1"  # exists in the pre-filled sandbox; the stub answers any id


def _sync_getter(client: str, url: str) -> tuple[Callable[[], Any], Callable[[], None]]:
    """A no-argument ``get_customer`` for ``client``, and how to close it."""
    if client == "ours":
        from togai_customers import TogaiCustomers

        ours = TogaiCustomers(API_KEY, base_url=url, max_retries=2)
        return (lambda: ours.get_customer(CUSTOMER_ID)), ours.close
    if client == "httpx":
        import httpx

        http = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30.0
        )
        path = f"/customers/{CUSTOMER_ID}"

        def raw() -> Any:
            response = http.get(path)
            response.raise_for_status()
            return response.json()

        return raw, http.close
    if client == "togai-client":
        import togai_client

        config = togai_client.Configuration(host=url, access_token=API_KEY)
        api_client = togai_client.ApiClient(config)
        api = togai_client.CustomersApi(api_client)
        return (lambda: api.get_customer(CUSTOMER_ID)), lambda: None  # ApiClient has no close()
    raise SystemExit(f"unknown client {client!r}")


def _rounds(run_round: Callable[[int], dict[str, float]]) -> None:
    """Serve measuring rounds: each stdin line ``N`` runs N calls and prints one JSON line.

    The runner interleaves the rounds of the clients it compares (ours, httpx, ...), so a burst
    of noise from elsewhere on the machine hits them alike.
    """
    print("READY", flush=True)
    for line in sys.stdin:
        gc.collect()
        print(json.dumps(run_round(int(line))), flush=True)


def cpu(args: argparse.Namespace) -> None:
    get, close = _sync_getter(args.client, args.url)
    for _ in range(args.warmup):
        get()

    def run_round(n: int) -> dict[str, float]:
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(n):
            get()
        c1, w1 = time.process_time(), time.perf_counter()
        return {"cpu_us": (c1 - c0) / n * 1e6, "wall_us": (w1 - w0) / n * 1e6}

    _rounds(run_round)
    close()


def _async_getter(client: str, url: str) -> tuple[Callable[[], Awaitable[Any]], Any]:
    if client == "ours":
        from togai_customers import AsyncTogaiCustomers

        ours = AsyncTogaiCustomers(API_KEY, base_url=url, max_retries=2)
        return (lambda: ours.get_customer(CUSTOMER_ID)), ours.aclose
    if client == "httpx":
        import httpx

        http = httpx.AsyncClient(
            base_url=url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30.0
        )
        path = f"/customers/{CUSTOMER_ID}"

        async def raw() -> Any:
            response = await http.get(path)
            response.raise_for_status()
            return response.json()

        return raw, http.aclose
    raise SystemExit(f"unknown client {client!r}")


def async_(args: argparse.Namespace) -> None:
    with asyncio.Runner() as runner:
        get, aclose = runner.run(_async_setup(args.client, args.url))

        async def burst(n: int) -> dict[str, float]:
            remaining = n

            async def worker() -> None:
                nonlocal remaining
                while remaining > 0:
                    remaining -= 1
                    await get()

            c0, w0 = time.process_time(), time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(args.concurrency)))
            return {"wall_s": time.perf_counter() - w0, "cpu_s": time.process_time() - c0}

        runner.run(burst(max(args.warmup, args.concurrency)))  # opens the pool's connections
        _rounds(lambda n: runner.run(burst(n)))
        runner.run(aclose())


async def _async_setup(client: str, url: str) -> tuple[Callable[[], Awaitable[Any]], Any]:
    return _async_getter(client, url)  # the clients are made inside the runner's loop


def _maxrss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory(args: argparse.Namespace) -> dict[str, Any]:
    from togai_customers import TogaiCustomers

    client = TogaiCustomers(API_KEY, base_url=args.url)
    # Warm up: the connection, the lazy imports and the structuring hooks of a page.
    for _ in client.list_customers(page_size=args.page_size, max_items=args.page_size):
        pass
    gc.collect()
    before = _maxrss_mib()
    t0 = time.perf_counter()
    count = 0
    for customer in client.list_customers(page_size=args.page_size):
        count += 1
        assert customer.id
    seconds = time.perf_counter() - t0
    after = _maxrss_mib()
    client.close()
    return {
        "count": count,
        "rss_before_mib": before,
        "rss_after_mib": after,
        "growth_mib": after - before,
        "seconds": seconds,
    }


async def _surfaces_main(args: argparse.Namespace) -> dict[str, Any]:
    import httpx
    from mcp import Client

    from togai_customers import AsyncTogaiCustomers

    async def timed(call: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
        for _ in range(args.warmup):
            await call()
        ms = []
        c0 = time.process_time()
        for _ in range(args.n):
            t0 = time.perf_counter()
            await call()
            ms.append((time.perf_counter() - t0) * 1000)
        cpu_ms = (time.process_time() - c0) / args.n * 1000
        return {
            "p50_ms": statistics.median(ms),
            "p95_ms": statistics.quantiles(ms, n=20)[-1],
            "client_cpu_ms": cpu_ms,
            "n": args.n,
            "ms": ms,
        }

    if args.path == "direct":
        async with AsyncTogaiCustomers(API_KEY, base_url=args.url, max_retries=0) as sdk:
            return await timed(lambda: sdk.get_customer(CUSTOMER_ID))
    if args.path == "rest":
        async with httpx.AsyncClient(base_url=args.url) as http:

            async def rest() -> Any:
                response = await http.get(f"/v1/customers/{CUSTOMER_ID}")
                response.raise_for_status()
                return response.json()

            return await timed(rest)
    if args.mode == "plain":
        # The tools/call of a 2026-07-28 client as one plain httpx POST (what the REST path
        # measures with plain httpx): the server's cost without mcp.Client's own.
        body = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {
                "name": "get-customer",
                "arguments": {"customer_id": CUSTOMER_ID},
                "_meta": {
                    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                    "io.modelcontextprotocol/clientInfo": {"name": "bench", "version": "0"},
                    "io.modelcontextprotocol/clientCapabilities": {},
                },
            },
        }
        headers = {
            "accept": "application/json, text/event-stream",
            "mcp-protocol-version": "2026-07-28",
            "mcp-method": "tools/call",
            "mcp-name": "get-customer",
        }
        async with httpx.AsyncClient(base_url=args.url) as http:

            async def plain() -> Any:
                response = await http.post("/mcp", json=body, headers=headers)
                response.raise_for_status()
                result = response.json()["result"]
                if result.get("isError"):
                    raise RuntimeError(f"MCP tool failed: {result['content']}")
                return result

            return await timed(plain)
    async with Client(args.url + "/mcp", mode=args.mode) as session:

        async def tool() -> Any:
            result = await session.call_tool("get-customer", {"customer_id": CUSTOMER_ID})
            if result.is_error:
                raise RuntimeError(f"MCP tool failed: {result.content}")
            return result

        return await timed(tool)


def surfaces(args: argparse.Namespace) -> dict[str, Any]:
    return asyncio.run(_surfaces_main(args))


async def _sessions_main(args: argparse.Namespace) -> dict[str, Any]:
    import httpx

    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "bench", "version": "1"},
        },
    }
    headers = {"Accept": "application/json, text/event-stream"}
    statuses: dict[str, int] = {}
    remaining = args.n
    limits = httpx.Limits(max_connections=20, max_keepalive_connections=20)
    async with httpx.AsyncClient(timeout=60.0, limits=limits) as http:

        async def opener() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                r = await http.post(args.url + "/mcp", json=body, headers=headers)
                statuses[str(r.status_code)] = statuses.get(str(r.status_code), 0) + 1

        t0 = time.perf_counter()
        await asyncio.gather(*(opener() for _ in range(20)))
        seconds = time.perf_counter() - t0
        # One more past the count: at the default cap (10,000) it must be refused.
        extra = await http.post(args.url + "/mcp", json=body, headers=headers)
    return {"n": args.n, "statuses": statuses, "seconds": seconds, "one_more": extra.status_code}


def sessions(args: argparse.Namespace) -> dict[str, Any]:
    return asyncio.run(_sessions_main(args))


def main() -> None:
    parser = argparse.ArgumentParser(description="One client-side benchmark workload.")
    sub = parser.add_subparsers(dest="workload", required=True)
    p = sub.add_parser("cpu")
    p.add_argument("--client", required=True, choices=["ours", "httpx", "togai-client"])
    p.add_argument("--url", required=True)
    p.add_argument("--warmup", type=int, default=200)
    p = sub.add_parser("async")
    p.add_argument("--client", required=True, choices=["ours", "httpx"])
    p.add_argument("--url", required=True)
    p.add_argument("--concurrency", type=int, default=50)
    p.add_argument("--warmup", type=int, default=200)
    p = sub.add_parser("memory")
    p.add_argument("--url", required=True)
    p.add_argument("--page-size", type=int, default=50)
    p = sub.add_parser("surfaces")
    p.add_argument("--path", required=True, choices=["direct", "rest", "mcp"])
    p.add_argument("--url", required=True, help="the sandbox, REST adapter or MCP server")
    p.add_argument("--n", type=int, default=300)
    p.add_argument("--warmup", type=int, default=30)
    p.add_argument("--mode", choices=["auto", "legacy", "plain"], default="auto")
    p = sub.add_parser("sessions")
    p.add_argument("--url", required=True, help="the MCP server")
    p.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    if args.workload == "cpu":
        cpu(args)
    elif args.workload == "async":
        async_(args)
    else:
        run = {"memory": memory, "surfaces": surfaces, "sessions": sessions}[args.workload]
        print(json.dumps(run(args)), flush=True)


if __name__ == "__main__":
    main()
