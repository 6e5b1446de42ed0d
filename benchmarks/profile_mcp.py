"""Where an MCP tool call's time goes in our server, beside a direct SDK call (benchmark 5).

    python benchmarks/profile_mcp.py             # 1,000 get-customer calls, against the stub
    python benchmarks/profile_mcp.py --upstream sandbox

The MCP app (``create_mcp_app``, sessions on, the default) is driven in-process through ASGI
with the ``tools/call`` a 2026-07-28 client posts, so neither uvicorn nor an MCP client is in
the figures: what is left over a direct ``AsyncTogaiCustomers.get_customer`` is the server's own
cost. First the p50 of both, unprofiled and interleaved; then one pass under pyinstrument (wall
time, awaits counted in the frame that awaits: only the SDK call waits, on its upstream) broken
down by stage, as shares of the profiled call.
"""

from __future__ import annotations

import argparse
import asyncio
import json
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

#: Stages of one call: (label, file suffix, function name).
STAGES = [
    ("SDK call in the tool (the direct call pays it too)", "togai_customers/_client.py", "send"),
    ("ours: the tool around it (arguments, to_dict, result)", "mcp/_server.py", "call_tool"),
    ("mcp: read the body (starlette Request)", "starlette/requests.py", "body"),
    ("mcp: transport security (Host/Origin)", "transport_security.py", "validate_request"),
    ("mcp: JSON-RPC envelope (pydantic)", "pydantic/main.py", "model_validate"),
    ("mcp: classify_inbound_request", "shared/inbound.py", "classify_inbound_request"),
    ("mcp: Mcp-Param header check", "_streamable_http_modern.py", "_mcp_param_rejection"),
    ("mcp: serve_one (dispatch, params, otel span)", "server/runner.py", "serve_one"),
    ("mcp: result to JSON (validate + dump)", "mcp_types/methods.py", "serialize_server_result"),
    ("mcp: write the answer (JSON, starlette Response)", "_streamable_http_modern.py", "_write"),
]  # fmt: skip


#: Our ASGI layers around mcp's app: their own time only (what they call is mcp's).
OUR_LAYERS = ("togai_customers_server/mcp/_sessions.py", "togai_customers_server/mcp/_server.py")
LAYERS = "ours: ASGI layers (McpHttpApp, NoStandaloneStream), own time"


def _self_times(frame: Any, stage: str | None, totals: dict[str, float]) -> None:
    """Each frame's own time (its time less its children's) to the innermost stage around it;
    the time outside every stage goes to ``""``."""
    for i, (_, suffix, name) in enumerate(STAGES):
        if frame.function == name and (frame.file_path or "").endswith(suffix):
            stage = STAGES[i][0]
            break
    own = frame.time - sum(child.time for child in frame.children)
    path = frame.file_path or ""
    if stage is None and frame.function == "__call__" and path.endswith(OUR_LAYERS):
        totals[LAYERS] = totals.get(LAYERS, 0.0) + own
    else:
        totals[stage or ""] = totals.get(stage or "", 0.0) + own
    for child in frame.children:
        _self_times(child, stage, totals)


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
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005, async_mode="enabled")
        with profiler:
            for _ in range(n):
                await _call(app)
    inbox.put_nowait({"type": "lifespan.shutdown"})
    await asyncio.wait_for(lifespan, 10)

    direct, mcp = statistics.median(ms["direct"]), statistics.median(ms["mcp"])
    print(f"unprofiled p50 of {n}: direct SDK call {direct:.3f} ms, MCP app call {mcp:.3f} ms;")
    print(f"the server adds {mcp - direct:.3f} ms = {(mcp - direct) / direct:.2f}x the direct call")
    totals: dict[str, float] = {}
    root = profiler.last_session.root_frame() if profiler.last_session else None
    if root is None:
        raise RuntimeError("no samples")
    _self_times(root, None, totals)
    whole = sum(totals.values())
    print(f"\nprofiled ({n} calls, pyinstrument; each stage's own time, inner stages apart):\n")
    print("| Stage | ms/call (profiled) | Share of the call |")
    print("|---|---|---|")
    for label in [*(label for label, *_ in STAGES), LAYERS]:
        print(f"| {label} | {totals.get(label, 0.0) / n * 1000:.3f} | "
              f"{totals.get(label, 0.0) / whole:.0%} |")  # fmt: skip
    rest = totals.get("", 0.0)
    print(
        "| mcp and the rest outside these: session manager, SSE deferral (task group, stream), "
        f"anyio, starlette, the event loop | {rest / n * 1000:.3f} | {rest / whole:.0%} |"
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
