"""The servers the benchmarks talk to, each in its own process (so its CPU is not the client's).

As a script it runs one server on 127.0.0.1 and a free port, printing ``PORT <n>`` once ready:

* ``servers.py sandbox [--rows N] [--rate-limit R] [--latency-ms MS]``: the sandbox
  (``create_app(Sandbox())``) under uvicorn, pre-filled with N customers ``c0..c{N-1}`` (through
  ``SandboxTransport``, no sockets) before the rate limit (no ``Retry-After``, as Togai) and the
  latency are switched on;
* ``servers.py rest --upstream URL`` / ``servers.py mcp --upstream URL [--stateless]
  [--max-sessions N]``: the REST adapter / the MCP streamable-HTTP app (with sessions, or
  ``--stateless``), with one ``AsyncTogaiCustomers`` pointed at ``URL``.

As a module, :func:`spawn` starts one of these (or ``stub.py``) and stops it afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["API_KEY", "Server", "customer_body", "spawn"]

HERE = Path(__file__).resolve().parent
API_KEY = "bench-key"


def customer_body(i: int, prefix: str = "c") -> dict[str, Any]:
    """A create-customer request body (camelCase), customer number ``i``."""
    return {
        "id": f"{prefix}{i}",
        "name": f"Customer {i}",
        "primaryEmail": f"billing{i}@example.com",
        "address": {"line1": f"{i} Main St", "city": "Springfield", "country": "US"},
    }


class Server(str):
    """A running server's base URL, with its process id (to read the server's CPU time)."""

    pid: int

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (Linux ``/proc``)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def spawn(kind: str, *args: str, timeout: float = 60.0) -> Iterator[Server]:
    """Start a server process (``stub``, ``sandbox``, ``rest`` or ``mcp``); yield its URL."""
    script = HERE / "stub.py" if kind == "stub" else HERE / "servers.py"
    argv = [sys.executable, str(script), *([] if kind == "stub" else [kind]), *args]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + timeout
        port = None
        while port is None:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"{kind} server exited with {proc.wait()} before listening")
            if line.startswith("PORT "):
                port = int(line.split()[1])
            if time.monotonic() > deadline:
                raise RuntimeError(f"{kind} server did not start within {timeout} s")
        server = Server(f"http://127.0.0.1:{port}")
        server.pid = proc.pid
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _bound_socket() -> socket.socket:
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted connections only when the
    # listening socket says it is TCP; with proto 0, Nagle + delayed ACK add ~40 ms per response
    # (uvicorn writes the head and the body separately).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _run(app: Any, *, lifespan: str = "auto") -> None:
    import uvicorn

    sock = _bound_socket()
    config = uvicorn.Config(app, log_level="error", lifespan=lifespan, access_log=False)
    server = uvicorn.Server(config)
    # uvicorn's own startup is done once the socket is listening; the PORT line is our signal.
    original = server.startup

    async def startup(sockets: list[socket.socket] | None = None) -> None:
        await original(sockets=sockets)
        print("PORT", sock.getsockname()[1], flush=True)

    server.startup = startup  # type: ignore[method-assign]
    server.run(sockets=[sock])


def _sandbox(rows: int, rate_limit: float | None, latency_ms: float = 0.0) -> None:
    import httpx

    from togai_customers_server.sandbox import Sandbox, SandboxTransport, create_app

    sandbox = Sandbox()
    with httpx.Client(
        transport=SandboxTransport(sandbox),
        base_url="http://sandbox",
        headers={"Authorization": f"Bearer {API_KEY}"},
    ) as http:
        for i in range(rows):
            http.post("/customers", json=customer_body(i)).raise_for_status()
    sandbox.rate_limit = rate_limit
    sandbox.latency_ms = latency_ms
    _run(create_app(sandbox), lifespan="off")


def _options(upstream: str, **more: Any) -> Any:
    from togai_customers_server._settings import ServeOptions

    return ServeOptions(base_url=upstream, api_key=API_KEY, max_retries=0, **more)


def main() -> None:
    parser = argparse.ArgumentParser(description="Run one benchmark server.")
    sub = parser.add_subparsers(dest="kind", required=True)
    sandbox = sub.add_parser("sandbox")
    sandbox.add_argument("--rows", type=int, default=0)
    sandbox.add_argument("--rate-limit", type=float, default=None)
    sandbox.add_argument("--latency-ms", type=float, default=0.0)
    sub.add_parser("rest").add_argument("--upstream", required=True)
    mcp = sub.add_parser("mcp")
    mcp.add_argument("--upstream", required=True)
    mcp.add_argument("--stateless", action="store_true", help="keep no MCP session")
    mcp.add_argument("--max-sessions", type=int, default=None, help="the cap on open sessions")
    args = parser.parse_args()
    if args.kind == "sandbox":
        _sandbox(args.rows, args.rate_limit, args.latency_ms)
    elif args.kind == "rest":
        from togai_customers_server.rest import create_rest_app

        _run(create_rest_app(_options(args.upstream)))
    else:
        from togai_customers_server.mcp import create_mcp_app

        more: dict[str, Any] = {"stateless": args.stateless}
        if args.max_sessions is not None:
            more["max_sessions"] = args.max_sessions
        _run(create_mcp_app(_options(args.upstream, **more)))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
