"""Client configuration: the defaults, the environment variables, and their checks, in one place.

Every surface that makes a client (the SDK clients, ``with_options``, the CLI, the servers) goes
through :meth:`ClientConfig.resolve`, so a default, a variable name or an error message is written
once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

import attrs

from ._exceptions import TogaiError
from ._lazy import LazyModule
from ._pacing import check_rate

if TYPE_CHECKING:
    import httpx
else:
    httpx = LazyModule("httpx")  # imported when first used, not to read the defaults


__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "ClientConfig",
    "MissingAPIKeyError",
    "api_key_from_env",
]

DEFAULT_BASE_URL = "https://api.togai.com"
#: Seconds (connect, read, write and pool).
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 2

_KEY_VAR = "TOGAI_API_KEY"
_URL_VAR = "TOGAI_BASE_URL"
_RPS_VAR = "TOGAI_MAX_RPS"


class MissingAPIKeyError(TogaiError, ValueError):
    """No API key was given and ``TOGAI_API_KEY`` is not set."""

    def __init__(self, how: str = "pass api_key=... to the client") -> None:
        super().__init__(f"No Togai API key: {how}, or set the {_KEY_VAR} environment variable.")


def api_key_from_env(api_key: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """``api_key`` if given, else ``$TOGAI_API_KEY`` (None when neither is set)."""
    if api_key:
        return api_key
    return (os.environ if environ is None else environ).get(_KEY_VAR) or None


@attrs.frozen(kw_only=True)
class ClientConfig:
    """What a client was configured with (validated; the key is never shown)."""

    api_key: str = attrs.field(repr=False)
    base_url: str
    timeout: httpx.Timeout
    max_retries: int
    #: Requests per second at most (None: not paced).
    max_requests_per_second: float | None = None

    @staticmethod
    def find_api_key(
        api_key: str | None = None, environ: Mapping[str, str] | None = None
    ) -> str | None:
        """``api_key`` if given, else ``$TOGAI_API_KEY`` (None when neither is set)."""
        return api_key_from_env(api_key, environ)

    @classmethod
    def resolve(
        cls,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_requests_per_second: float | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> ClientConfig:
        """Arguments, else env variables, else defaults; ``TogaiError`` naming a bad one."""
        env = os.environ if environ is None else environ
        key = api_key if api_key is not None else env.get(_KEY_VAR)
        if not key:
            raise MissingAPIKeyError()
        url = (base_url or env.get(_URL_VAR) or DEFAULT_BASE_URL).rstrip("/")
        scheme, sep, rest = url.partition("://")
        if sep and scheme.lower() in ("http", "https"):
            url = f"{scheme.lower()}://{rest}"  # schemes are case-insensitive (RFC 3986 3.1)
        else:
            raise TogaiError(f"base_url must start with http:// or https:// (got {url!r})")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise TogaiError(f"max_retries must be an integer >= 0 (got {max_retries!r})")
        if not isinstance(timeout, httpx.Timeout | None) and (
            isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0
        ):
            raise TogaiError(f"timeout must be a number of seconds > 0 (got {timeout!r})")
        if not isinstance(timeout, httpx.Timeout):
            timeout = httpx.Timeout(timeout)  # None: no timeout at all
        return cls(
            api_key=key,
            base_url=url,
            timeout=timeout,
            max_retries=max_retries,
            max_requests_per_second=_max_rps(max_requests_per_second, env),
        )


def _max_rps(value: float | None, env: Mapping[str, str]) -> float | None:
    """The pace: the argument, else ``$TOGAI_MAX_RPS``, else None (not paced)."""
    if value is not None:
        try:
            return check_rate(value, "max_requests_per_second")
        except ValueError as exc:
            raise TogaiError(str(exc)) from None
    text = env.get(_RPS_VAR, "").strip()
    if not text:
        return None
    try:
        return check_rate(float(text), _RPS_VAR)
    except ValueError:
        raise TogaiError(
            f"{_RPS_VAR} must be a number of requests per second > 0 (got {text!r})"
        ) from None
