"""The official TypeScript MCP SDK (what desktop and IDE hosts are built on; its newest protocol is
2025-11-25) against ``togai-customers mcp`` over streamable HTTP: the delete confirmation with
each answer, with sessions (the default) and with ``--stateless``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from _server_support import cli_process, free_ports, stop, wait_until_listening

from togai_customers import AsyncTogaiCustomers
from togai_customers_server.mcp._confirm import NO_BACK_CHANNEL, NO_FORM, REFUSED
from togai_customers_server.sandbox import Sandbox

from ._interop_support import NodeClient

pytestmark = [pytest.mark.interop, pytest.mark.long]


@contextmanager
def _mcp(upstream: str, *flags: str) -> Iterator[str]:
    """``togai-customers mcp`` (HTTP) on a free port; yields the /mcp URL; exits 0 on SIGINT."""
    (port,) = free_ports(1)
    args = ["--base-url", upstream, "--api-key", "test", "mcp", "--port", str(port), *flags]
    with cli_process(*args) as proc:
        wait_until_listening(port, proc)
        yield f"http://127.0.0.1:{port}/mcp"
        code, _, err, _ = stop(proc)
    assert code == 0, err
    assert "Traceback" not in err


def _text(result: dict[str, object]) -> str:
    content = result["content"]
    assert isinstance(content, list)
    return "".join(str(part["text"]) for part in content)


#: What each answer of the person gets: None is "deleted".
EXPECTED = {
    "accept": None,
    "accept-unticked": REFUSED["unticked"],
    "decline": REFUSED["decline"],
    "cancel": REFUSED["cancel"],
    "none": NO_FORM,
}


async def test_typescript_sdk_gets_the_question_in_a_session(
    togai_sandbox_url: str,
    togai_async_client: AsyncTogaiCustomers,
    togai_sandbox: Sandbox,
    node_client: NodeClient,
    ts_sdk_version: str,
) -> None:
    """2025-11-25 with a session: accept deletes; unticked, decline, cancel and a client
    without the elicitation capability are refused; DELETE /mcp ends the session (404 after)."""
    for answer in EXPECTED:
        await togai_async_client.create_customer(
            id=f"ts-{answer}", name=f"Name {answer}", primary_email="b@x.io", address={}
        )
    with _mcp(togai_sandbox_url) as url:
        runs = {
            answer: node_client(url=url, answer=answer, delete=[f"ts-{answer}"])
            for answer in EXPECTED
        }
    remaining = {c.id async for c in togai_async_client.list_customers()}
    for answer, run in runs.items():
        assert run["protocolVersion"] == "2025-11-25", (ts_sdk_version, run)
        assert run["sessionId"], answer
        assert run["afterEnd"] == 404, answer  # the session ended with DELETE /mcp
        assert len(run["tools"]) == 6
        (result,) = run["results"]
        if EXPECTED[answer] is None:
            assert not result.get("isError"), result
            assert result["structuredContent"] == {"success": True}
            assert f"ts-{answer}" not in remaining
        else:
            assert result["isError"] is True, (answer, result)
            assert _text(result) == EXPECTED[answer], answer
            assert f"ts-{answer}" in remaining
        asked = [] if answer == "none" else [f"Delete customer Name {answer} (id ts-{answer}"]
        assert [q["message"].split(",")[0] for q in run["questions"]] == asked
    assert [r.path for r in togai_sandbox.requests if r.method == "DELETE"] == [
        "/customers/ts-accept"
    ]


async def test_typescript_sdk_fails_closed_when_stateless(
    togai_sandbox_url: str,
    togai_async_client: AsyncTogaiCustomers,
    togai_sandbox: Sandbox,
    node_client: NodeClient,
) -> None:
    """--stateless: no session id, nobody asked, the delete refused with the reason; a server
    with the opt-out (--allow-unconfirmed-deletes) deletes without asking."""
    for customer_id in ("kept", "gone"):
        await togai_async_client.create_customer(
            id=customer_id, name=f"Name {customer_id}", primary_email="b@x.io", address={}
        )
    with _mcp(togai_sandbox_url, "--stateless") as url:
        refused = node_client(url=url, answer="accept", delete=["kept"])
    with _mcp(togai_sandbox_url, "--stateless", "--allow-unconfirmed-deletes") as url:
        unasked = node_client(url=url, answer="accept", delete=["gone"])
    assert refused["sessionId"] is None
    assert refused["questions"] == []
    assert _text(refused["results"][0]) == NO_BACK_CHANNEL
    assert unasked["questions"] == []
    assert unasked["results"][0]["structuredContent"] == {"success": True}
    assert [r.path for r in togai_sandbox.requests if r.method == "DELETE"] == ["/customers/gone"]
