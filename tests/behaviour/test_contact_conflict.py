"""Each operation words its own errors: a 409 from create-contact-customer is about the contact,
not about a customer id."""

from __future__ import annotations

import pytest

from togai_customers import ConflictError

from .conftest import Surfaces

CONTACT = {"name": "Jane Doe", "email": "jane@acme.com", "preferred_username": "janedoe"}


async def test_mcp_contact_409_talks_about_the_contact(surfaces: Surfaces) -> None:
    """A taken preferred_username: the error says so and what to do, not "call get-customer"."""
    surfaces.seed(2)
    async with surfaces.mcp() as agent:
        first = await agent.call_tool(
            "create-contact-customer", {"customer_id": "c0000", **CONTACT}
        )
        assert not first.is_error
        again = await agent.call_tool(
            "create-contact-customer", {"customer_id": "c0001", **CONTACT}
        )
    assert again.is_error
    text = again.content[0].text  # type: ignore[union-attr]
    assert "preferred_username" in text
    assert "already exists" in text  # Togai's own words, quoted
    assert "get-customer" not in text
    assert "a customer with id" not in text


async def test_mcp_customer_409_still_points_at_get_customer(surfaces: Surfaces) -> None:
    """A taken customer id keeps its own advice (call get-customer, or choose another id)."""
    surfaces.seed(1)
    args = {"id": "c0000", "name": "Acme Corp", "primary_email": "a@b.co", "address": {}}
    async with surfaces.mcp() as agent:
        result = await agent.call_tool("create-customer", args)
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert "a customer with id c0000 already exists" in text
    assert "get-customer" in text


def test_sdk_and_rest_give_the_409_as_it_came(surfaces: Surfaces) -> None:
    """The SDK raises ConflictError; the REST adapter answers 409 with Togai's message."""
    surfaces.seed(2)
    surfaces.sync.create_customer_contact("c0000", **CONTACT)
    with pytest.raises(ConflictError, match="janedoe"):
        surfaces.sync.create_customer_contact("c0001", **CONTACT)
    body = {"name": "Jane Doe", "email": "jane@acme.com", "preferredUsername": "janedoe"}
    answer = surfaces.rest.post("/v1/customers/c0001/contacts", json=body)
    assert answer.status_code == 409
    assert "janedoe" in answer.json()["message"]
