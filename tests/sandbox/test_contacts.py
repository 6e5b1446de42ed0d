"""Customer contacts: validation, 404, username generation, defaults."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from togai_customers import ConflictError, NotFoundError


@pytest.fixture
def acme(raw: httpx.Client) -> str:
    r = raw.post(
        "/customers",
        json={"id": "acme", "name": "Acme Corp", "primaryEmail": "a@acme.com", "address": {}},
    )
    assert r.status_code == 201
    return "acme"


async def test_contact_with_preferred_username(api: Any) -> None:
    """A contact keeps its preferredUsername as username and echoes its fields; the password is
    never returned."""
    await api.create("acme")
    contact = await api.create_customer_contact(
        "acme",
        name="Jane Doe",
        email="jane@acme.com",
        preferred_username="janedoe",
        password="s3cret-pass",
        phone="+1 555 0100",
        verified=True,
        login_access=True,
    )
    assert contact.username == "janedoe"
    assert contact.preferred_username == "janedoe"
    assert contact.email == "jane@acme.com"
    assert contact.phone == "+1 555 0100"
    assert contact.verified is True
    assert contact.login_access is True
    assert contact.created_by == "sandbox"
    assert contact.created_at.tzinfo is not None


def test_contact_response_has_no_password(raw: httpx.Client, acme: str) -> None:
    """The wire response carries no password, and createdAt ends with Z."""
    r = raw.post(
        f"/customers/{acme}/contacts",
        json={"name": "Jo", "email": "jo@x.io", "password": "hunter22"},
    )
    assert r.status_code == 201
    assert "hunter22" not in r.text
    assert "password" not in r.json()
    assert r.json()["createdAt"].endswith("Z")


async def test_generated_username_and_defaults(api: Any) -> None:
    """Without preferredUsername a valid unique username is generated; loginAccess and verified
    default to false."""
    await api.create("acme")
    first = await api.create_customer_contact("acme", name="Jane O'Doe", email="j@acme.com")
    second = await api.create_customer_contact("acme", name="Jane O'Doe", email="j@acme.com")
    for contact in (first, second):
        assert re.fullmatch(r"[A-Za-z0-9]{3,50}", contact.username)
        assert contact.username.startswith("janeodoe")
        assert contact.login_access is False
        assert contact.verified is False
        assert contact.preferred_username is None
    assert first.username != second.username


def test_generated_username_from_a_name_without_letters(raw: httpx.Client, acme: str) -> None:
    """A name with no letters or digits still yields a valid username."""
    r = raw.post(f"/customers/{acme}/contacts", json={"name": "--", "email": "x@y.io"})
    assert r.status_code == 201
    assert re.fullmatch(r"[A-Za-z0-9]{3,50}", r.json()["username"])


async def test_taken_username_is_409(api: Any) -> None:
    """A preferredUsername already in use answers 409."""
    await api.create("acme")
    await api.create_customer_contact("acme", name="A", email="a@x.io", preferred_username="sam")
    with pytest.raises(ConflictError):
        await api.create_customer_contact(
            "acme", name="B", email="b@x.io", preferred_username="sam"
        )


async def test_contact_for_unknown_customer_is_404(api: Any) -> None:
    """Creating a contact for an unknown customer answers 404."""
    with pytest.raises(NotFoundError):
        await api.create_customer_contact("nobody", name="Jo", email="jo@x.io")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "a@b.co"}, "name"),
        ({"name": "Jo"}, "email"),
        ({"name": "", "email": "a@b.co"}, "name"),
        ({"name": "x" * 51, "email": "a@b.co"}, "name"),
        ({"name": "Jo", "email": "not-an-email"}, "email"),
        ({"name": "Jo", "email": "a b@c.d"}, "email"),
        ({"name": "Jo", "email": "a@b.co", "preferredUsername": "ab"}, "preferredUsername"),
        ({"name": "Jo", "email": "a@b.co", "preferredUsername": "jo_doe"}, "preferredUsername"),
        ({"name": "Jo", "email": "a@b.co", "password": "p" * 101}, "password"),
        ({"name": "Jo", "email": "a@b.co", "phone": "1" * 31}, "phone"),
        ({"name": "Jo", "email": "a@b.co", "verified": "yes"}, "verified"),
        ({"name": "Jo", "email": "a@b.co", "loginAccess": 1}, "loginAccess"),
    ],
)
def test_contact_validation_names_the_field(
    raw: httpx.Client, acme: str, payload: dict[str, Any], field: str
) -> None:
    """An invalid contact is 400 with a message naming the field."""
    r = raw.post(f"/customers/{acme}/contacts", json=payload)
    assert r.status_code == 400
    assert field in r.json()["message"]


def test_password_is_not_echoed_in_errors(raw: httpx.Client, acme: str) -> None:
    """A 400 about the password names the field but never shows the value."""
    r = raw.post(
        f"/customers/{acme}/contacts",
        json={"name": "Jo", "email": "a@b.co", "password": "TopSecret" * 12},
    )
    assert r.status_code == 400
    assert "password" in r.text
    assert "TopSecret" not in r.text


def test_deleting_the_customer_frees_its_usernames(raw: httpx.Client, acme: str) -> None:
    """Contacts go with their customer: the username can be used again after a delete."""
    contact = {"name": "Jo", "email": "a@b.co", "preferredUsername": "joe"}
    assert raw.post(f"/customers/{acme}/contacts", json=contact).status_code == 201
    raw.delete(f"/customers/{acme}")
    raw.post(
        "/customers",
        json={"id": "other", "name": "Other", "primaryEmail": "o@x.io", "address": {}},
    )
    assert raw.post("/customers/other/contacts", json=contact).status_code == 201
