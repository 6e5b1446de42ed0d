"""Which API the CLI talks to: the base URL in one normal form, and a hint when it is not Togai's.

A journal records its run's target in the normal form of RFC 3986 (section 6.2.2-6.2.3): the
scheme and host lower-cased, a default port (80 for http, 443 for https) left out, no trailing
slash, no user information, query or fragment. ``http://API.example.com:80/`` and
``http://api.example.com`` are then the same target; ``localhost`` and ``127.0.0.1`` are not (the
safe side: a journal is refused, never applied to a target it was not written for).

The hint: a 404 on ``/customers`` itself (listing or creating) never comes from Togai, whose
collection always exists; it means the base URL points somewhere else. The likeliest place is
the root of this project's REST adapter, whose API is under ``/v1``. The adapter publishes its
OpenAPI document at ``/schema/openapi.json`` (outside ``/v1``, never behind its token): if the
document at the base URL lists ``/v1/customers``, the base URL plus ``/v1`` is the API, and the
hint says so. That one extra read is made only after such a 404, without the API key.
"""

from __future__ import annotations

from typing import Any

import httpx

from togai_customers import NotFoundError

__all__ = ["adapter_hint", "normalise"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
#: Where the REST adapter serves its OpenAPI document, relative to its root.
_OPENAPI_PATH = "/schema/openapi.json"
_PROBE_TIMEOUT = 3.0


def normalise(url: str) -> str:
    """``url`` in the normal form the journal records (see the module docstring)."""
    parsed = httpx.URL(url)
    scheme = parsed.scheme.lower()
    netloc = parsed.host.lower()
    if ":" in netloc:  # an IPv6 address
        netloc = f"[{netloc}]"
    if parsed.port is not None and parsed.port != _DEFAULT_PORTS.get(scheme):
        netloc += f":{parsed.port}"
    return f"{scheme}://{netloc}{parsed.path.rstrip('/')}"


def _collection_miss(exc: NotFoundError, base_url: str) -> bool:
    """Whether the 404 answered a request on the collection itself (``/customers``), or a
    bare ``Not Found`` (a router's answer, not Togai's "Customer ... not found")."""
    path = exc.response.request.url.path
    base_path = httpx.URL(base_url).path.rstrip("/")
    relative = path[len(base_path) :] if path.startswith(base_path) else path
    return relative.rstrip("/") == "/customers" or exc.message.strip() == "Not Found"


def _is_adapter(base_url: str) -> bool:
    try:
        answer = httpx.get(base_url.rstrip("/") + _OPENAPI_PATH, timeout=_PROBE_TIMEOUT)
        document: Any = answer.json() if answer.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return False
    paths = document.get("paths") if isinstance(document, dict) else None
    return isinstance(paths, dict) and "/v1/customers" in paths


def adapter_hint(exc: BaseException, base_url: str) -> str | None:
    """The hint for an error from ``base_url`` that says it is the REST adapter's root."""
    if not isinstance(exc, NotFoundError) or not _collection_miss(exc, base_url):
        return None
    if not _is_adapter(base_url):
        return None
    return (
        f"this looks like a togai-customers REST adapter: use {base_url.rstrip('/')}/v1 "
        "as the base URL"
    )
