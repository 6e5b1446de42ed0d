"""Listening sockets for the servers, bound before uvicorn starts (a busy port fails early)."""

from __future__ import annotations

import socket

__all__ = ["listening_socket"]


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (port 0: a free one); ``OSError`` if it cannot be.

    ``IPPROTO_TCP`` explicitly: asyncio sets TCP_NODELAY on accepted connections only when the
    listening socket's proto says TCP (proto 0 costs ~40 ms per request on a kept-alive link).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock
