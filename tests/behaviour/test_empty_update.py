"""An update with nothing to change is refused before anything is sent, on every surface, with the
same words naming the fields an update takes."""

from __future__ import annotations

import pytest
from _sdk_support import resolve

from togai_customers import RequestValidationError

from .conftest import Surfaces

WORDS = "nothing to change: give at least one of"


async def test_sdk_refuses_before_any_io(surfaces: Surfaces, flavour: str) -> None:
    """update_customer("c1") raises RequestValidationError naming name, primary_email, address."""
    surfaces.seed(1)
    client = surfaces.sync if flavour == "sync" else surfaces.async_
    mark = surfaces.mark()
    with pytest.raises(RequestValidationError) as info:
        await resolve(client.update_customer("c0000"))
    assert f"{WORDS} name, primary_email, address" in str(info.value)
    assert surfaces.since(mark) == []


def test_rest_answers_400_with_the_same_words(surfaces: Surfaces) -> None:
    """PATCH {} is 400 with the SDK's words; nothing reaches upstream."""
    surfaces.seed(1)
    mark = surfaces.mark()
    answer = surfaces.rest.patch("/v1/customers/c0000", json={})
    assert answer.status_code == 400
    assert f"{WORDS} name, primary_email, address" in answer.json()["message"]
    assert surfaces.since(mark) == []


def test_cli_names_its_options(surfaces: Surfaces) -> None:
    """`update ID` alone exits 2, naming the options; nothing reaches upstream."""
    surfaces.seed(1)
    mark = surfaces.mark()
    r = surfaces.cli("update", "c0000")
    assert r.exit_code == 2
    assert r.stderr.startswith(f"Error: {WORDS} --name, --primary-email, --phone-number")
    assert surfaces.since(mark) == []


async def test_mcp_error_result_names_the_fields(surfaces: Surfaces) -> None:
    """update-customer with only customer_id is an error result; nothing reaches upstream."""
    surfaces.seed(1)
    mark = surfaces.mark()
    async with surfaces.mcp() as agent:
        result = await agent.call_tool("update-customer", {"customer_id": "c0000"})
    assert result.is_error
    assert f"{WORDS} name, primary_email, address" in result.content[0].text  # type: ignore[union-attr]
    assert surfaces.since(mark) == []


def test_the_published_schemas_require_a_field(surfaces: Surfaces) -> None:
    """OpenAPI's UpdateCustomerRequest has minProperties 1."""
    document = surfaces.rest.get("/schema/openapi.json").json()
    assert document["components"]["schemas"]["UpdateCustomerRequest"]["minProperties"] == 1
