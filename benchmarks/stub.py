"""A minimal, fast stand-in for the upstream API (HTTP/1.1 keep-alive, asyncio, one process).

It answers just enough for the benchmarks, with as little server time as possible so that the
client's own overhead shows:

* ``GET /customers/{id}``: one fixed, valid Customer (pre-encoded bytes);
* ``GET /customers?pageSize=N&nextToken=K``: synthetic pages over ``--total`` customers, the
  cursor being the offset of the next page;
* ``POST /customers``: 201 with a fixed create response.

Run: ``python benchmarks/stub.py --port 0 --total 100000``; it prints ``PORT <n>`` once listening.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["CUSTOMER", "main"]

CUSTOMER: dict[str, Any] = {
    "id": "cust-0001",
    "togaiCustomerId": "cus.0123456789abcdef",
    "name": "Acme Inc",
    "primaryEmail": "billing@acme.com",
    "billingAddress": "1 Main St, Springfield, 12345, US",
    "address": {
        "line1": "1 Main St",
        "postalCode": "12345",
        "city": "Springfield",
        "state": "IL",
        "country": "US",
    },
    "status": "ACTIVE",
    "createdAt": "2024-01-02T03:04:05.123000Z",
    "updatedAt": "2024-01-02T03:04:05.123000Z",
}
_CREATED = {k: CUSTOMER[k] for k in ("id", "togaiCustomerId", "name", "primaryEmail", "address")}


def _response(status: int, body: bytes) -> bytes:
    reason = {200: b"OK", 201: b"Created", 400: b"Bad Request", 404: b"Not Found"}[status]
    return b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (
        status,
        reason,
        len(body),
        body,
    )


_GET_ONE = _response(200, json.dumps(CUSTOMER, separators=(",", ":")).encode())
_POST_ONE = _response(201, json.dumps(_CREATED, separators=(",", ":")).encode())
_NOT_FOUND = _response(404, b'{"errorMessage":"not found"}')


class _Pages:
    """Synthetic list pages: customer ``i`` is CUSTOMER with id ``c{i}``."""

    def __init__(self, total: int) -> None:
        self.total = total
        # Everything but the id, pre-encoded: a page is a join of 50 small strings.
        rest = json.dumps({k: v for k, v in CUSTOMER.items() if k != "id"}, separators=(",", ":"))
        self._tail = rest[1:]  # without the opening brace

    def page(self, target: str) -> bytes:
        query = parse_qs(urlsplit(target).query)
        size = int(query.get("pageSize", ["10"])[0])
        start = int(query.get("nextToken", ["0"])[0])
        end = min(start + size, self.total)
        items = ",".join(f'{{"id":"c{i}",{self._tail}' for i in range(start, end))
        token = f',"nextToken":"{end}"' if end < self.total else ""
        body = f'{{"data":[{items}]{token},"context":{{"pageSize":{size},"sortOrder":"ASC"}}}}'
        return _response(200, body.encode())


class _Http(asyncio.Protocol):
    def __init__(self, pages: _Pages) -> None:
        self._pages = pages
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        out = []
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            head = self._buffer[:end]
            length = 0
            lower = head.lower()
            at = lower.find(b"content-length:")
            if at >= 0:
                line_end = lower.find(b"\r\n", at)
                length = int(lower[at + 15 : line_end if line_end >= 0 else None])
            if len(self._buffer) < end + 4 + length:
                break  # the body has not fully arrived
            self._buffer = self._buffer[end + 4 + length :]
            method, target, _ = head.split(b"\r\n", 1)[0].split(b" ", 2)
            out.append(self._answer(method, target.decode()))
        if out and self._transport is not None:
            self._transport.write(b"".join(out))

    def _answer(self, method: bytes, target: str) -> bytes:
        if method == b"GET" and target.startswith("/customers/"):
            return _GET_ONE
        if method == b"GET" and (target == "/customers" or target.startswith("/customers?")):
            return self._pages.page(target)
        if method == b"POST" and target == "/customers":
            return _POST_ONE
        return _NOT_FOUND


async def _serve(port: int, total: int) -> None:
    pages = _Pages(total)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Http(pages), "127.0.0.1", port, backlog=512)
    print("PORT", server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--total", type=int, default=100_000, help="customers in the list")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.total))


if __name__ == "__main__":
    main()
