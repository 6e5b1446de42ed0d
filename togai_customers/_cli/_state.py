"""What the global options of the CLI resolve to; passed to every command as ``ctx.obj``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import attrs

from togai_customers import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, MissingAPIKeyError

if TYPE_CHECKING:
    from togai_customers import AsyncTogaiCustomers, TogaiCustomers

__all__ = ["REDACTED", "CliState", "UsageError"]

REDACTED = "<redacted>"


class UsageError(Exception):
    """Bad input on the command line or in a file: one line on stderr, exit code 2."""


@attrs.define(kw_only=True)
class CliState:
    api_key: str | None = attrs.field(default=None, repr=False)
    base_url: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    output: str | None = None  # table | json | jsonl | csv; None: table on a terminal, else json
    wide: bool = False  # tables show every column
    verbose: bool = False

    @classmethod
    def of(cls, ctx: Any) -> CliState:
        """The state stored by the global callback (a default one when a command runs alone)."""
        obj = ctx.find_root().obj
        return obj if isinstance(obj, CliState) else cls()

    def output_format(self) -> str:
        if self.output:
            return self.output
        return "table" if sys.stdout.isatty() else "json"

    def redact(self, text: str) -> str:
        """``text`` with the API key replaced, whatever produced it."""
        if self.api_key:
            text = text.replace(self.api_key, REDACTED)
        return text

    def _settings(self, api_key: str | None) -> dict[str, Any]:
        if not api_key:
            raise UsageError(str(MissingAPIKeyError("pass --api-key")))
        self.target()  # a base URL without a scheme is bad input, before any client is made
        return {
            "api_key": api_key,
            "base_url": self.base_url,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
        }

    def client_settings(self) -> dict[str, Any]:
        """The keyword arguments of a client for these options (``UsageError`` without a key)."""
        return self._settings(self.api_key)

    def target(self) -> str:
        """The base URL the commands talk to (``--base-url``, else ``$TOGAI_BASE_URL``, else
        Togai's), checked (``UsageError``) and in the normal form a journal records."""
        from togai_customers import ClientConfig, TogaiError

        from ._target import normalise

        try:
            config = ClientConfig.resolve(self.api_key or REDACTED, base_url=self.base_url)
        except TogaiError as exc:
            raise UsageError(str(exc)) from None
        return normalise(config.base_url)

    def max_requests_per_second(self) -> float | None:
        """``$TOGAI_MAX_RPS``, checked (None when unset)."""
        from togai_customers import ClientConfig, TogaiError

        try:
            config = ClientConfig.resolve(self.api_key or REDACTED, base_url=self.base_url)
        except TogaiError as exc:
            raise UsageError(str(exc)) from None
        return config.max_requests_per_second

    def client(self) -> TogaiCustomers:
        from togai_customers import TogaiCustomers

        return TogaiCustomers(**self._settings(self.api_key))

    def async_client(self) -> AsyncTogaiCustomers:
        from togai_customers import AsyncTogaiCustomers

        return AsyncTogaiCustomers(**self._settings(self.api_key))

    def offline_client(self) -> TogaiCustomers:
        """A client that only builds requests (``--dry-run``); works without a key."""
        from togai_customers import TogaiCustomers

        return TogaiCustomers(**self._settings(self.api_key or REDACTED))
