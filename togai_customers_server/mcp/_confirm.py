"""Asking the person before a destructive tool runs (MCP elicitation), failing closed.

A destructive row's tool first fetches what it is about to destroy (with the row's ``reader``,
e.g. get-customer for delete-customer), then asks the person through a form
with one boolean, ``confirm``, and a message naming it and saying it cannot be undone. Nothing
else is ever asked in the form (never a secret).

* On a 2026-07-28 connection the question is returned as an ``InputRequiredResult``; the client
  asks the person and retries the call with the answer in ``inputResponses``. Nothing is kept on
  the server between the two rounds, so they may reach different processes.
* On a 2025-11-25 (legacy handshake) connection the question is a server-to-client
  ``elicitation/create`` request on the call's own channel: stdio, in memory, or the call's SSE
  stream in an HTTP session (the default). An HTTP server started with ``--stateless`` has no
  such channel for a legacy client, so the call is refused there, saying how to get the
  question asked. While the server waits for the answer, the call's stream stays open; when the
  server stops, :meth:`PendingQuestions.close` ends every wait at once with a refusal (nothing
  deleted), so no open question holds up the shutdown.
* A client that declared no form elicitation is refused. Only ``accept`` with ``confirm: true``
  lets the call go on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import anyio
from mcp import MCPError
from mcp.server import ServerRequestContext
from mcp.types import (
    CallToolRequestParams,
    CallToolResult,
    ElicitRequest,
    ElicitRequestFormParams,
    ElicitResult,
    InputRequiredResult,
)
from mcp.types.version import MODERN_PROTOCOL_VERSIONS

from togai_customers import AsyncTogaiCustomers, Call
from togai_customers.spec import Operation

from ._tools import error_result

__all__ = [
    "CONFIRM_KEY",
    "CONFIRM_SCHEMA",
    "Confirmation",
    "PendingQuestions",
    "answer_of",
    "needs_confirmation",
]

#: The key of the question in ``inputRequests`` / ``inputResponses``.
CONFIRM_KEY = "confirm"

#: The form: one boolean, unticked by default.
CONFIRM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "confirm": {
            "type": "boolean",
            "title": "Yes, delete it for good",
            "description": "Tick to go ahead; this cannot be undone.",
            "default": False,
        }
    },
    "required": ["confirm"],
}

_OPT_OUT = "the server's operator can start it with --allow-unconfirmed-deletes"

NO_BACK_CHANNEL = (
    "not deleted: this connection cannot carry the confirmation question (MCP protocol "
    "2025-11-25 over stateless HTTP, where the server cannot send a request back to the "
    "client), and this server deletes only after a person confirms. Reconnect with protocol "
    "2026-07-28 or over stdio to be asked; or the server's operator can start it without "
    "--stateless (HTTP sessions), or with --allow-unconfirmed-deletes."
)

NO_FORM = (
    "not deleted: your client cannot show a confirmation form (it declared no elicitation "
    "capability), and this server deletes only after a person confirms. Use a client that "
    f"supports elicitation, or delete it in the Togai dashboard; or {_OPT_OUT}."
)

_DO_NOT_RETRY = "Do not call it again unless the person asks you to."

STOPPING = (
    "not deleted: the server is stopping and stopped waiting for the person's answer; nothing "
    "was deleted. Call it again once the server is back, and the person will be asked again."
)

REFUSED = {
    "decline": f"not deleted: the person declined. {_DO_NOT_RETRY}",
    "cancel": f"not deleted: the person cancelled the confirmation. {_DO_NOT_RETRY}",
    "unticked": f"not deleted: the person did not tick confirm. {_DO_NOT_RETRY}",
}


def needs_confirmation(op: Operation[Any]) -> bool:
    """Whether ``op``'s tool asks the person first: every destructive row does."""
    return op.destructive


def _action(op: Operation[Any]) -> str:
    """``"Delete a Customer"`` as ``"Delete customer"``."""
    words = [w for w in op.summary.split() if w.lower() not in ("a", "an", "the")]
    return " ".join([words[0], *(w.lower() for w in words[1:])])


def _subject(found: Any, arguments: dict[str, Any]) -> str:
    """What is about to go: its name, id and primary email when the lookup found them."""
    name = getattr(found, "name", None)
    details = []
    ident = getattr(found, "id", None)
    if ident:
        details.append(f"id {ident}")
    email = getattr(found, "primary_email", None)
    if email:
        details.append(f"primary email {email}")
    if not details:
        details = [f"{k} {v}" for k, v in arguments.items()]
    head = f"{name} " if name else ""
    return f"{head}({', '.join(details)})"


def _can_show_a_form(ctx: ServerRequestContext[Any, Any]) -> bool:
    capabilities = ctx.session.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    # ``"elicitation": {}`` (clients older than URL mode) means form mode.
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def answer_of(answer: object) -> str:
    """The person's answer for the audit trail: accepted (with ``confirm: true``), declined
    (declined, did not tick, or sent no form) or cancelled."""
    if not isinstance(answer, ElicitResult):
        return "declined"
    if answer.action == "accept":
        return "accepted" if (answer.content or {}).get("confirm") is True else "declined"
    return "cancelled" if answer.action == "cancel" else "declined"


def judge(answer: object) -> CallToolResult | None:
    """None when the person accepted with ``confirm: true``; else the refusal to return."""
    if not isinstance(answer, ElicitResult):
        return error_result("not deleted: the answer to the confirmation question was not a form.")
    if answer.action == "accept":
        if (answer.content or {}).get("confirm") is True:
            return None
        return error_result(REFUSED["unticked"])
    return error_result(REFUSED[answer.action])


class PendingQuestions:
    """The questions a server is waiting on a person to answer (2025-11-25 sessions), so that a
    stopping server can end those waits at once instead of holding their streams open."""

    def __init__(self) -> None:
        self._waits: set[anyio.CancelScope] = set()
        self.closed = False

    def __len__(self) -> int:
        return len(self._waits)

    @contextmanager
    def waiting(self) -> Iterator[anyio.CancelScope]:
        """A cancel scope around one wait for an answer, cancelled by :meth:`close`."""
        scope = anyio.CancelScope()
        if self.closed:
            scope.cancel()
        self._waits.add(scope)
        try:
            with scope:
                yield scope
        finally:
            self._waits.discard(scope)

    def close(self) -> None:
        """End every wait now, and any later one at once (the server is stopping)."""
        self.closed = True
        for scope in list(self._waits):
            scope.cancel()


class Confirmation:
    """The confirmation of one call of a destructive tool."""

    def __init__(
        self,
        op: Operation[Any],
        call: Call[Any],
        arguments: dict[str, Any],
        client: AsyncTogaiCustomers,
        pending: PendingQuestions | None = None,
    ) -> None:
        self.op = op
        self.call = call
        self.arguments = arguments
        self.client = client
        self.pending = pending if pending is not None else PendingQuestions()
        #: What came of asking, for the audit trail: ``accepted``, ``declined``, ``cancelled``
        #: or ``not_asked`` (not yet, or the question could not be asked).
        self.answer = "not_asked"

    async def message(self) -> str:
        """The question, naming what goes (fetched first; a TogaiError if it cannot be)."""
        found: Any = None
        if self.op.reader is not None:
            found = (await self.client.send(self.op.reader_call(self.call))).parse()
        subject = _subject(found, self.arguments)
        return f"{_action(self.op)} {subject}? This cannot be undone."

    async def ask(
        self, ctx: ServerRequestContext[Any, Any], params: CallToolRequestParams
    ) -> CallToolResult | InputRequiredResult | None:
        """None: confirmed, go on. Otherwise what to return: the question or a refusal."""
        modern = ctx.protocol_version in MODERN_PROTOCOL_VERSIONS
        if modern and params.input_responses and CONFIRM_KEY in params.input_responses:
            response = params.input_responses[CONFIRM_KEY]  # the retry, with the answer
            self.answer = answer_of(response)
            return judge(response)
        message = await self.message()
        # A legacy client over stateless HTTP (--stateless) has no back-channel, nor the
        # capabilities of its handshake (each POST is a session of its own): check it first.
        if not modern and not ctx.session.can_send_request:
            return error_result(NO_BACK_CHANNEL)
        if not _can_show_a_form(ctx):
            return error_result(NO_FORM)
        if modern:  # ask by returning the question; the client retries with the answer
            question = ElicitRequestFormParams(message=message, requested_schema=CONFIRM_SCHEMA)
            return InputRequiredResult(input_requests={CONFIRM_KEY: ElicitRequest(params=question)})
        answer: object = None
        try:
            with self.pending.waiting() as wait:
                answer = await ctx.session.elicit_form(
                    message, CONFIRM_SCHEMA, related_request_id=ctx.request_id
                )
        except MCPError as exc:
            return error_result(
                f"not deleted: the confirmation question could not be asked "
                f"({exc.error.message}); {_OPT_OUT}."
            )
        if wait.cancelled_caught:
            self.answer = "cancelled"  # by the server stopping, not by the person
            return error_result(STOPPING)
        self.answer = answer_of(answer)
        return judge(answer)
