"""The sandbox as a plain ASGI app (served by uvicorn, or mounted in another app)."""

from __future__ import annotations

from urllib.parse import quote

import anyio.to_thread

from .._security import ASGIApp, Receive, Scope, Send
from ._sandbox import MAX_BODY_BYTES, Reply, Sandbox

__all__ = ["create_app"]


async def _read_body(receive: Receive) -> bytes:
    """The request body, cut at one byte over the limit (the sandbox then answers 413)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk: bytes = message.get("body", b"")
        if size <= MAX_BODY_BYTES:
            chunks.append(chunk[: MAX_BODY_BYTES + 1 - size])
            size += len(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _send_reply(reply: Reply, send: Send) -> None:
    if reply.drop is not None:
        # Promise a body and never send it: the server closes the connection and the client
        # sees a broken response (a dropped connection, whether before or after processing).
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", b"64")],
            }
        )
        return
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers]
    headers.append((b"content-length", str(len(reply.body)).encode()))
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body})


def create_app(sandbox: Sandbox | None = None) -> ASGIApp:
    """An ASGI app serving the upstream paths (``/customers``...) from ``sandbox``."""
    state = sandbox if sandbox is not None else Sandbox()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        if state.latency_ms:
            await anyio.sleep(state.latency_seconds)
        # The raw path keeps percent-escapes, so an id containing "/" survives routing.
        raw_path = scope.get("raw_path") or quote(scope["path"]).encode("ascii")
        reply = await anyio.to_thread.run_sync(
            state.handle,
            scope["method"],
            raw_path,
            scope.get("query_string", b""),
            scope.get("headers", []),
            body,
        )
        await _send_reply(reply, send)

    app.sandbox = state  # type: ignore[attr-defined]
    return app
