"""The sandbox as an httpx transport (sync and async): the API in-process, no sockets."""

from __future__ import annotations

import time

import anyio
import httpx

from ._sandbox import Reply, Sandbox

__all__ = ["SandboxTransport"]


class SandboxTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers requests from a :class:`Sandbox` (a fresh in-memory one if none is given).

    Use with ``httpx.Client(transport=...)`` or ``httpx.AsyncClient(transport=...)`` and any base
    URL. Closing the transport leaves the sandbox open (it may be shared).
    """

    def __init__(self, sandbox: Sandbox | None = None) -> None:
        self.sandbox = sandbox if sandbox is not None else Sandbox()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        if self.sandbox.latency_ms:
            time.sleep(self.sandbox.latency_seconds)
        return _response(self._handle(request, body), request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        if self.sandbox.latency_ms:
            await anyio.sleep(self.sandbox.latency_seconds)  # never blocks the event loop
        return _response(self._handle(request, body), request)

    def _handle(self, request: httpx.Request, body: bytes) -> Reply:
        return self.sandbox.handle(
            request.method,
            request.url.raw_path,
            request.url.query,
            request.headers.raw,
            body,
        )


def _response(reply: Reply, request: httpx.Request) -> httpx.Response:
    if reply.drop == "before":
        raise httpx.ConnectError("Connection dropped (injected by the sandbox)", request=request)
    if reply.drop == "after":
        raise httpx.RemoteProtocolError(
            "Server disconnected without sending a response (injected by the sandbox)",
            request=request,
        )
    return httpx.Response(reply.status, headers=reply.headers, content=reply.body, request=request)
