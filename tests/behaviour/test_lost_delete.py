"""A delete whose answer was lost went through: its retry meets 404, which is then the delete's
success. A 404 on the first attempt is still the caller's NotFoundError."""

from __future__ import annotations

import httpx
import pytest
from _sdk_support import resolve, sdk_client

from togai_customers import DeleteCustomerResponse, NotFoundError
from togai_customers_server.sandbox import Sandbox, SandboxTransport

from .conftest import Surfaces


class AnswerLostByTimeout(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Hands the first request to the sandbox (it is processed), then times out on its answer."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.inner = SandboxTransport(sandbox)
        self.timed_out = False

    def _lose(self, request: httpx.Request) -> None:
        if not self.timed_out:
            self.timed_out = True
            raise httpx.ReadTimeout("the answer never came", request=request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        self._lose(request)
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self._lose(request)
        return response


def _statuses(sandbox: Sandbox) -> list[tuple[str, int]]:
    return [(r.method, r.status) for r in sandbox.requests]


@pytest.mark.parametrize("lost", ["drop-after", "timeout"])
async def test_a_lost_answer_delete_is_a_success(flavour: str, lost: str) -> None:
    """The first DELETE is processed but its answer lost; the retry's 404 means it worked."""
    with Sandbox() as sandbox:
        SandboxTransport(sandbox).handle_request(  # a customer to delete
            httpx.Request(
                "POST",
                "http://x/customers",
                headers={"Authorization": "Bearer k"},
                json={"id": "c1", "name": "Acme", "primaryEmail": "a@b.c", "address": {}},
            )
        )
        if lost == "drop-after":
            sandbox.fail_next("drop-after")
            transport: httpx.BaseTransport | httpx.AsyncBaseTransport = SandboxTransport(sandbox)
        else:
            transport = AnswerLostByTimeout(sandbox)
        client = sdk_client(flavour, transport)
        result = await resolve(client.delete_customer("c1"))
        assert result == DeleteCustomerResponse(success=True)
        assert _statuses(sandbox)[1:] == [("DELETE", 200), ("DELETE", 404)]
        with pytest.raises(NotFoundError):
            await resolve(client.get_customer("c1"))


async def test_a_first_attempt_404_still_raises(flavour: str) -> None:
    """Deleting an id that never existed raises NotFoundError, after exactly one request."""
    with Sandbox() as sandbox:
        client = sdk_client(flavour, SandboxTransport(sandbox))
        with pytest.raises(NotFoundError):
            await resolve(client.delete_customer("ghost"))
        assert _statuses(sandbox) == [("DELETE", 404)]


async def test_a_404_after_only_unprocessed_failures_still_raises(flavour: str) -> None:
    """After a 503 (certainly not processed) the retry's 404 is the caller's NotFoundError."""
    with Sandbox() as sandbox:
        sandbox.fail_next("503")
        client = sdk_client(flavour, SandboxTransport(sandbox))
        with pytest.raises(NotFoundError):
            await resolve(client.delete_customer("ghost"))
        assert _statuses(sandbox) == [("DELETE", 503), ("DELETE", 404)]


async def test_rest_and_mcp_report_the_lost_answer_delete_as_done(surfaces: Surfaces) -> None:
    """Through the REST adapter and the MCP tool the same lost answer is a plain success."""
    surfaces.seed(2)
    surfaces.sandbox.fail_next("drop-after")
    answer = surfaces.rest.delete("/v1/customers/c0000")
    assert (answer.status_code, answer.json()) == (200, {"success": True})
    # The person confirms after the server read the customer: the DELETE then loses its answer.
    async with surfaces.mcp(on_question=lambda: surfaces.sandbox.fail_next("drop-after")) as agent:
        result = await agent.call_tool("delete-customer", {"customer_id": "c0001"})
    assert not result.is_error, result.content
    assert result.structured_content == {"success": True}
    assert [r.status for r in surfaces.sandbox.requests[-2:]] == [200, 404]
