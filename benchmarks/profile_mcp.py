"""Where an MCP tool call's time goes in our server, beside a direct SDK call (benchmark 5).

    python benchmarks/profile_mcp.py             # 1,000 get-customer calls, against the stub
    python benchmarks/profile_mcp.py --upstream sandbox

The MCP app (``create_mcp_app``, sessions on, the default) is driven in-process through ASGI
with the ``tools/call`` a 2026-07-28 client posts, so neither uvicorn nor an MCP client is in
the figures: what is left over a direct ``AsyncTogaiCustomers.get_customer`` is the server's own
cost. First the p50 of both, unprofiled and interleaved; then one profiled pass (``cProfile``,
which inflates every figure alike) broken down by stage, as shares of the profiled call.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import statistics
import time
from typing import Any

from servers import API_KEY, spawn

BODY = json.dumps(
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {
            "name": "get-customer",
            "arguments": {"customer_id": "c1"},
            "_meta": {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientInfo": {"name": "bench", "version": "0"},
                "io.modelcontextprotocol/clientCapabilities": {},
            },
        },
    }
).encode()
HEADERS = [
    (b"host", b"127.0.0.1:8000"),
    (b"accept", b"application/json, text/event-stream"),
    (b"content-type", b"application/json"),
    (b"mcp-protocol-version", b"2026-07-28"),
    (b"mcp-method", b"tools/call"),
    (b"mcp-name", b"get-customer"),
    (b"content-length", str(len(BODY)).encode()),
]

#: Stages of one call: (label, file suffix, function name, only when called from this function).
STAGES = [
    ("whole MCP app call (ASGI)", "mcp/_sessions.py", "__call__", None),
    ("SDK call inside the tool (the direct call pays it too)", "_client.py", "send", None),
    ("ours: the tool around it (arguments, to_dict, result)", "mcp/_server.py", "run", None),
    ("mcp: read the body (starlette Request)", "starlette/requests.py", "body", None),
    ("mcp: transport security (Host/Origin)", "transport_security.py", "validate_request", None),
    (
        "mcp: JSON-RPC envelope (pydantic)",
        "pydantic/main.py",
        "model_validate",
        "handle_modern_request",
    ),
    ("mcp: classify_inbound_request", "shared/inbound.py", "classify_inbound_request", None),
    ("mcp: Mcp-Param header check", "_streamable_http_modern.py", "_mcp_param_rejection", None),
    ("mcp: serve_one (dispatch, params, otel span)", "server/runner.py", "serve_one", None),
    (
        "mcp: result to JSON (validate + dump)",
        "mcp_types/methods.py",
        "serialize_server_result",
        None,
    ),
    (
        "mcp: write the answer (JSON, starlette Response)",
        "_streamable_http_modern.py",
        "_write",
        None,
    ),
]


def _cumulative(stats: dict[Any, Any], suffix: str, name: str, caller: str | None) -> float:
    total = 0.0
    for (file, _, function), (_, _, _, cumtime, callers) in stats.items():
        if not (file.endswith(suffix) and function == name):
            continue
        if caller is None:
            total += cumtime
        else:
            total += sum(v[3] for (_, _, fn), v in callers.items() if fn == caller)
    return total


async def _call(app: Any) -> bytes:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/mcp",
        "raw_path": b"/mcp",
        "query_string": b"",
        "root_path": "",
        "headers": HEADERS,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    given = False
    never = asyncio.Event()
    out: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": BODY, "more_body": False}
        await never.wait()
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        out.append(message)

    await app(scope, receive, send)
    if out[0]["status"] != 200:
        raise RuntimeError(f"MCP app answered {out[0]['status']}")
    body = b"".join(m.get("body", b"") for m in out[1:])
    if json.loads(body)["result"].get("isError"):
        raise RuntimeError(f"tool failed: {body[:300]!r}")
    return body


async def _main(url: str, n: int) -> None:
    from togai_customers import AsyncTogaiCustomers
    from togai_customers_server._settings import ServeOptions
    from togai_customers_server.mcp import create_mcp_app

    app = create_mcp_app(ServeOptions(base_url=url, api_key=API_KEY, max_retries=0))
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    inbox.put_nowait({"type": "lifespan.startup"})
    lifespan = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get, outbox.put)
    )
    assert (await outbox.get())["type"] == "lifespan.startup.complete"
    async with AsyncTogaiCustomers(API_KEY, base_url=url, max_retries=0) as sdk:
        for _ in range(50):
            await sdk.get_customer("c1")
            await _call(app)
        ms: dict[str, list[float]] = {"direct": [], "mcp": []}
        for _ in range(n):
            t0 = time.perf_counter()
            await sdk.get_customer("c1")
            ms["direct"].append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            await _call(app)
            ms["mcp"].append((time.perf_counter() - t0) * 1000)
        profiler = cProfile.Profile()
        for _ in range(n):
            profiler.enable()
            await _call(app)
            profiler.disable()
    inbox.put_nowait({"type": "lifespan.shutdown"})
    await asyncio.wait_for(lifespan, 10)

    direct, mcp = statistics.median(ms["direct"]), statistics.median(ms["mcp"])
    print(f"unprofiled p50 of {n}: direct SDK call {direct:.3f} ms, MCP app call {mcp:.3f} ms;")
    print(f"the server adds {mcp - direct:.3f} ms = {(mcp - direct) / direct:.2f}x the direct call")
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    cum = {label: _cumulative(stats, *where) for label, *where in STAGES}
    labels = [label for label, *_ in STAGES]
    whole, sdk_call, ours, serve, serialize = (cum[labels[i]] for i in (0, 1, 2, 8, 9))
    cum[labels[2]] = ours - sdk_call  # run() minus the SDK call it makes
    cum[labels[8]] = serve - ours - serialize  # serve_one minus our tool and the dump
    print(f"\nprofiled ({n} calls; cProfile inflates each figure, the shares hold):\n")
    print("| Stage | ms/call (profiled) | Share of the call |")
    print("|---|---|---|")
    for label in labels:
        print(f"| {label} | {cum[label] / n:.3f} | {cum[label] / whole:.0%} |")
    rest = whole - sum(cum[label] for label in labels[1:])
    print(
        "| mcp: the rest (session manager, SSE deferral task group and stream, anyio, "
        f"starlette) | {rest / n:.3f} | {rest / whole:.0%} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", choices=["stub", "sandbox"], default="stub")
    parser.add_argument("--n", type=int, default=1000)
    args = parser.parse_args()
    server = spawn("stub") if args.upstream == "stub" else spawn("sandbox", "--rows", "10")
    with server as url:
        asyncio.run(_main(url, args.n))


if __name__ == "__main__":
    main()
