"""The audit trail: one JSON line per write through the REST adapter or the MCP server.

A *write* is any row of the operation table that is not ``read_only`` (create, update, delete,
add a contact; a new row is covered by that rule alone). Each write that reaches a server, whether
it was done, refused by us before anything was sent, failed at Togai or lost on the way, gives
exactly one line, written synchronously before the answer goes out::

    {"time": "2026-01-02T03:04:05.678Z", "surface": "rest", "operation": "delete_customer",
     "target": "acme-corp", "caller": {"kind": "server-token", "fingerprint": "sha256:1f0c..."},
     "outcome": "done", "error": null, "status": 200, "confirmation": "not_asked",
     "request_id": "req-42", "duration_ms": 12.3}

Where it goes (:class:`AuditLog`): with ``--audit-log FILE`` each line is one ``os.write`` on a
file opened once with ``O_APPEND`` (so several processes can share the file without torn lines);
without it, the ``togai_customers.audit`` logger at INFO (silent unless the application configures
logging).

What a line never holds: a token, a key, a password, a request body or an error message (Togai's
messages may quote the request). The target is only the id (or a contact's email) the write
names; the caller is a kind plus, for a shared secret, a one-way fingerprint of it.

The surfaces use :class:`AuditedWrite` (REST: the route handlers and the read-only guard; MCP: the
tool-call path). Another guard that refuses a write (the OAuth layer's 403 for a missing scope)
calls :func:`record_refusal`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import attrs

from togai_customers import (
    OPERATIONS,
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    RequestValidationError,
    TogaiError,
)
from togai_customers.spec import Operation

from ._security import bearer_token

__all__ = [
    "AUDIT_LOGGER",
    "CONFIRMATIONS",
    "AuditLog",
    "AuditedWrite",
    "Caller",
    "audit_log_for",
    "caller_mode",
    "caller_of",
    "fingerprint",
    "is_write",
    "record_refusal",
    "rest_write_of",
    "target_of",
]

#: The logger the lines go to without ``--audit-log``.
AUDIT_LOGGER = "togai_customers.audit"

logger = logging.getLogger(AUDIT_LOGGER)
logger.addHandler(logging.NullHandler())  # a library is quiet unless the application says

#: The values of ``confirmation`` for a destructive row (None for the other writes).
CONFIRMATIONS = ("accepted", "declined", "cancelled", "not_asked")

#: Longest target kept (ids are at most 50 characters; an invalid one may be anything).
_TARGET_MAX = 200

#: Body fields naming what a write creates, in order of preference: a new customer's ``id``,
#: a new contact's ``email``. Otherwise the target is the path's id (what it acts on).
_IDENTITY_FIELDS = ("id", "email")

#: Domain separation: a fingerprint is not the plain SHA-256 of the key found elsewhere.
_FINGERPRINT_SALT = b"togai-customers audit fingerprint v1\x00"


def is_write(op: Operation[Any]) -> bool:
    """Whether calls of ``op`` are audited: every row that is not read-only."""
    return not op.read_only


def fingerprint(secret: str) -> str:
    """A stable, one-way name for a credential: ``sha256:`` + 16 hex digits.

    The same key gives the same fingerprint in every process and on every host, so an operator
    can correlate lines of several replicas (and check a suspect key by fingerprinting it); 64
    bits of a salted SHA-256 cannot be turned back into a high-entropy key (Togai API keys and
    generated server tokens). A guessable, low-entropy secret could be found by trying
    candidates, as with any stable fingerprint: use long random tokens.
    """
    digest = hashlib.sha256(_FINGERPRINT_SALT + secret.encode("utf-8")).hexdigest()
    return f"sha256:{digest[:16]}"


@attrs.frozen(kw_only=True)
class Caller:
    """Who made a write, as a line records it (never a secret)."""

    #: ``oauth``, ``server-token``, ``forward-auth``, ``open`` or ``stdio``.
    kind: str
    #: :func:`fingerprint` of the bearer credential (server-token, forward-auth).
    fingerprint: str | None = None
    #: OAuth: the token's issuer, subject and client.
    iss: str | None = None
    sub: str | None = None
    client_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in attrs.asdict(self).items() if v is not None}


def caller_of(user: object, headers: Any, *, mode: str) -> Caller:
    """The caller of an HTTP request: its verified OAuth token, else the server's mode.

    ``user`` is the ASGI scope's ``user``: an OAuth layer puts the mcp SDK's
    ``AuthenticatedUser`` there, whose access token carries the verified JWT ``claims`` (with
    ``iss``). The MCP app's own ``CallerBinding`` (server token, forwarded key) puts one there
    too, without claims: that is not OAuth, and the mode decides. ``mode`` is ``server-token``,
    ``forward-auth`` or ``open``; ``headers`` the request's (the bearer credential is
    fingerprinted, never kept).
    """
    token = getattr(user, "access_token", None)
    claims = getattr(token, "claims", None)
    if isinstance(claims, Mapping) and claims.get("iss"):
        return Caller(
            kind="oauth",
            iss=str(claims["iss"]),
            sub=str(getattr(token, "subject", None) or claims.get("sub") or ""),
            client_id=str(getattr(token, "client_id", "") or ""),
        )
    if mode == "open":
        return Caller(kind="open")
    credential = bearer_token(headers)
    return Caller(kind=mode, fingerprint=None if credential is None else fingerprint(credential))


def caller_mode(*, server_token: str | None, forward_auth: bool) -> str:
    """The caller kind of a request that carries no OAuth token, from the server's options."""
    if forward_auth:
        return "forward-auth"
    return "server-token" if server_token else "open"


def target_of(op: Operation[Any], values: Mapping[str, Any]) -> str | None:
    """What a write names: the ``id`` or ``email`` of what it creates (body), else the id of
    what it acts on (path). ``values`` may be unchecked input (SDK or wire names); only a
    string is taken, cut to 200 characters."""
    candidates: list[str] = []
    if op.request_type is not None:
        names = {a.name for a in attrs.fields(op.request_type)}
        candidates += [n for n in _IDENTITY_FIELDS if n in names]
    for p in op.path_params:
        candidates += [p.name, p.url_name]
    for name in candidates:
        value = values.get(name)
        if isinstance(value, str) and value:
            return value[:_TARGET_MAX]
    return None


def _kind_of(exc: TogaiError) -> str:
    """``NotFoundError`` -> ``not_found``: the SDK's own name for what went wrong."""
    name = type(exc).__name__.removesuffix("Error") or "togai"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@attrs.frozen
class _Outcome:
    outcome: str  # done | refused | failed | lost
    error: str | None = None
    status: int | None = None
    request_id: str | None = None


def _outcome_of(exc: BaseException) -> _Outcome:
    if isinstance(exc, RequestValidationError):
        return _Outcome("refused", "validation", 400)
    if isinstance(exc, APIStatusError):
        return _Outcome("failed", _kind_of(exc), exc.status_code, exc.request_id)
    if isinstance(exc, APITimeoutError):
        return _Outcome("lost", "timeout")
    if isinstance(exc, APIConnectionError):
        return _Outcome("lost", "connection")
    if isinstance(exc, APIResponseValidationError):
        # Togai answered 2xx with a body we could not read: probably done, but unconfirmed.
        return _Outcome("failed", "bad_response", exc.response.status_code)
    if isinstance(exc, TogaiError):
        return _Outcome("failed", _kind_of(exc))
    if isinstance(exc, Exception):
        return _Outcome("failed", "internal", 500)
    # Cancelled (the client went away, the server is stopping): sent or not, we cannot know.
    return _Outcome("lost", "cancelled")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class AuditLog:
    """Where the lines go: ``path`` (appended, one ``os.write`` per line) or the logger.

    The file is opened once, here, with ``O_APPEND`` (created 0o600). Each line is a single
    ``write(2)`` of the whole line: with ``O_APPEND`` the kernel moves to the end and writes in
    one step, so lines of several processes sharing the file interleave whole, never torn (on a
    local file system; not over NFS). Nothing is buffered: when :meth:`write` returns, the line
    is in the kernel and survives the process being killed.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = None if path is None else os.fspath(path)
        self._fd: int | None = None
        if self.path is not None:
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
            self._fd = os.open(self.path, flags, 0o600)

    def write(self, record: Mapping[str, Any]) -> None:
        """Write one line (a JSON object); to the logger when there is no file."""
        line = json.dumps(record, ensure_ascii=False, separators=(", ", ": "))
        if self._fd is None:
            logger.info("%s", line)
            return
        data = (line + "\n").encode("utf-8")
        written = os.write(self._fd, data)
        if written != len(data):  # a full disk; the rest would be a torn line: say so instead
            logging.getLogger("togai_customers_server").error(
                "audit log %s: short write (%d of %d bytes)", self.path, written, len(data)
            )

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


_shared: dict[str | None, AuditLog] = {}
_shared_lock = threading.Lock()


def audit_log_for(path: str | None) -> AuditLog:
    """The process's :class:`AuditLog` for ``path`` (``ServeOptions.audit_log``): the REST app,
    the MCP app and any other layer of one process share it, so the file is opened once."""
    key = None if path is None else os.path.abspath(path)
    with _shared_lock:
        log = _shared.get(key)
        if log is None:
            log = _shared[key] = AuditLog(key)
        return log


class AuditedWrite:
    """One write's line: started when the write arrives, written once when it ends.

    Call exactly one of :meth:`done`, :meth:`refused` or :meth:`failed`; later calls are ignored
    (the first outcome is the one the caller got). ``confirmation`` may be set in between.
    """

    def __init__(
        self,
        log: AuditLog,
        *,
        surface: str,
        op: Operation[Any],
        target: str | None,
        caller: Caller,
    ) -> None:
        self.log = log
        self.surface = surface
        self.op = op
        self.target = target
        self.caller = caller
        self.confirmation: str | None = "not_asked" if op.destructive else None
        self.started = time.perf_counter()
        self.written = False

    def done(self, request_id: str | None, status: int | None = None) -> None:
        """Togai carried it out."""
        self._write(_Outcome("done", None, status or self.op.success_status, request_id))

    def skip(self) -> None:
        """No line: the call is not over (a confirmation question went out) or has no caller."""
        self.written = True

    def refused(self, error: str, status: int | None) -> None:
        """Refused by us; nothing was sent to Togai (``error``: validation, read_only, ...)."""
        self._write(_Outcome("refused", error, status))

    def failed(self, exc: BaseException) -> None:
        """Ended by ``exc``: Togai's error status, a lost answer, a bad input, a bug."""
        self._write(_outcome_of(exc))

    def _write(self, outcome: _Outcome) -> None:
        if self.written:
            return
        self.written = True
        self.log.write(
            {
                "time": _now(),
                "surface": self.surface,
                "operation": self.op.name,
                "target": self.target,
                "caller": self.caller.to_dict(),
                "outcome": outcome.outcome,
                "error": outcome.error,
                "status": outcome.status,
                "confirmation": self.confirmation,
                "request_id": outcome.request_id,
                "duration_ms": round((time.perf_counter() - self.started) * 1000, 1),
            }
        )


def record_refusal(
    log: AuditLog,
    *,
    surface: str,
    op: Operation[Any],
    target: str | None,
    caller: Caller,
    error: str = "insufficient_scope",
    status: int | None = 403,
) -> None:
    """Record a write refused by a guard before it ran (e.g. OAuth's 403 for a missing scope).

    Does nothing for a read-only ``op``. Call it before sending the refusal.
    """
    if is_write(op):
        AuditedWrite(log, surface=surface, op=op, target=target, caller=caller).refused(
            error, status
        )


def _rest_pattern(op: Operation[Any]) -> re.Pattern[str]:
    parts = re.split(r"\{([^}]+)\}", op.rest_path)
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{_group(part)}>[^/]+)"
        for i, part in enumerate(parts)
    )
    return re.compile(regex + "/?")


def _group(url_name: str) -> str:
    return re.sub(r"\W", "_", url_name)


_REST_WRITES = [(op, _rest_pattern(op)) for op in OPERATIONS if is_write(op)]


def rest_write_of(method: str, path: str) -> tuple[Operation[Any], dict[str, str]] | None:
    """The write row a REST request is for (by method and path, e.g. ``/v1/customers/x``) and
    its path parameters by SDK name (decoded); None when it is no write route."""
    for op, pattern in _REST_WRITES:
        if op.method != method:
            continue
        match = pattern.fullmatch(path)
        if match:
            return op, {p.name: unquote(match.group(_group(p.url_name))) for p in op.path_params}
    return None
