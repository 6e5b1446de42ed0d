"""The sandbox: a stateful local emulator of the upstream Togai Customers API.

* :class:`Sandbox` holds the state (SQLite, in memory or ``db=PATH``) and answers requests;
* :class:`SandboxTransport` plugs it into ``httpx.Client``/``httpx.AsyncClient`` (no sockets);
* :func:`create_app` serves it as an ASGI app, :func:`run_sandbox` over HTTP with uvicorn, and
  :func:`serve_in_thread` on a free local port for the duration of a ``with`` block;
* the pytest plugin (``togai_sandbox``, ``togai_client``, ``togai_async_client``,
  ``togai_sandbox_url``) is installed with the package.

Only the standard library, httpx and togai_customers are imported here; uvicorn is imported
when a server is started.
"""

from ._asgi import create_app
from ._faults import FAULTS
from ._sandbox import MAX_BODY_BYTES, LoggedRequest, Reply, Sandbox
from ._server import run_sandbox, serve_in_thread
from ._transport import SandboxTransport

__all__ = [
    "FAULTS",
    "MAX_BODY_BYTES",
    "LoggedRequest",
    "Reply",
    "Sandbox",
    "SandboxTransport",
    "create_app",
    "run_sandbox",
    "serve_in_thread",
]
