"""List customers: creation order, page sizes, opaque tamper-proof tokens, stable paging."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from togai_customers_server.sandbox import Sandbox, SandboxTransport


def seed(raw: httpx.Client, n: int, prefix: str = "c") -> list[str]:
    ids = [f"{prefix}{i:03d}" for i in range(n)]
    for customer_id in ids:
        r = raw.post(
            "/customers",
            json={"id": customer_id, "name": "Customer", "primaryEmail": "a@b.co", "address": {}},
        )
        assert r.status_code == 201
    return ids


def walk(raw: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    pages = []
    while True:
        r = raw.get("/customers", params=params)
        assert r.status_code == 200, r.text
        pages.append(r.json())
        token = r.json().get("nextToken")
        if token is None:
            return pages
        params = {**params, "nextToken": token}


def test_default_page_size_and_context(raw: httpx.Client) -> None:
    """Without pageSize a page holds 20 customers (Togai's default), context says 20, ASC."""
    seed(raw, 22)
    page = raw.get("/customers").json()
    assert len(page["data"]) == 20
    assert page["context"] == {"pageSize": 20, "sortOrder": "ASC"}
    assert isinstance(page["nextToken"], str)


def test_pages_follow_creation_order_and_last_page_has_no_token(raw: httpx.Client) -> None:
    """Walking the pages gives every customer once, in creation order; the last page has no
    nextToken."""
    ids = seed(raw, 23)
    pages = walk(raw, pageSize=5)
    assert [len(p["data"]) for p in pages] == [5, 5, 5, 5, 3]
    assert "nextToken" not in pages[-1]
    assert [c["id"] for p in pages for c in p["data"]] == ids


def test_a_full_last_page_leads_to_an_empty_one(raw: httpx.Client) -> None:
    """When the count is a multiple of pageSize the last full page still has a token (keyset
    paging, as Togai documents), and that token's page is empty, without one."""
    seed(raw, 10)
    pages = walk(raw, pageSize=5)
    assert [len(p["data"]) for p in pages] == [5, 5, 0]
    assert isinstance(pages[1]["nextToken"], str)
    assert "nextToken" not in pages[2]


def test_empty_list(raw: httpx.Client) -> None:
    """With no customers the list is empty, with context and no token."""
    assert raw.get("/customers").json() == {
        "data": [],
        "context": {"pageSize": 20, "sortOrder": "ASC"},
    }


def test_token_keeps_page_size_unless_overridden(raw: httpx.Client) -> None:
    """The next page keeps the token's page size; an explicit pageSize overrides it."""
    seed(raw, 20)
    token = raw.get("/customers", params={"pageSize": 3}).json()["nextToken"]
    kept = raw.get("/customers", params={"nextToken": token}).json()
    assert len(kept["data"]) == 3
    assert kept["context"]["pageSize"] == 3
    bigger = raw.get("/customers", params={"nextToken": token, "pageSize": 100}).json()
    assert next(c["id"] for c in bigger["data"]) == "c003"
    assert len(bigger["data"]) == 17


@pytest.mark.parametrize("size", ["1", "100", "7.0"])
def test_page_size_in_range(raw: httpx.Client, size: str) -> None:
    """pageSize from 1 to 100 (an integral number, as the official client may send) is
    accepted."""
    seed(raw, 3)
    assert raw.get("/customers", params={"pageSize": size}).status_code == 200


@pytest.mark.parametrize("size", ["0", "101", "-1", "abc", "1.5", "", "nan", "1e400"])
def test_page_size_out_of_range_is_400(raw: httpx.Client, size: str) -> None:
    """pageSize outside 1..100 or not an integer is 400 naming pageSize."""
    r = raw.get("/customers", params={"pageSize": size})
    assert r.status_code == 400
    assert "pageSize" in r.json()["message"]


def _tamper(token: str) -> list[str]:
    head, sig = token.split(".")
    payload = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)).decode()
    forged = base64.urlsafe_b64encode(payload.replace(":", "0:", 1).encode()).decode().rstrip("=")
    return [
        f"{forged}.{sig}",  # payload changed, old signature
        f"{head}.{sig[:-2]}AA",  # signature changed
        token[:-1],
        token + "x",
        "garbage",
        "a.b.c",
        "%%%.###",
        "x" * 5000,
        "\u00e9.\u00e9",
    ]


def test_tampered_tokens_are_400(raw: httpx.Client) -> None:
    """Any altered or made-up nextToken is 400, never 500."""
    seed(raw, 3)
    token = raw.get("/customers", params={"pageSize": 1}).json()["nextToken"]
    for bad in _tamper(token):
        r = raw.get("/customers", params={"nextToken": bad})
        assert r.status_code == 400, bad
        assert "nextToken" in r.json()["message"]


def test_foreign_token_is_400(raw: httpx.Client) -> None:
    """A token issued by another sandbox is rejected with 400."""
    with (
        Sandbox() as other,
        httpx.Client(
            transport=SandboxTransport(other),
            base_url="http://other.test",
            headers={"Authorization": "Bearer t"},
        ) as other_raw,
    ):
        seed(other_raw, 3)
        token = other_raw.get("/customers", params={"pageSize": 1}).json()["nextToken"]
    seed(raw, 3)
    assert raw.get("/customers", params={"nextToken": token}).status_code == 400


def test_creates_and_deletes_between_pages(raw: httpx.Client) -> None:
    """Customers created or deleted between pages never make the walk skip or repeat a customer
    that existed throughout; new ones appear at the end."""
    ids = seed(raw, 12)
    first = raw.get("/customers", params={"pageSize": 4}).json()
    seen = [c["id"] for c in first["data"]]
    # Delete one already served, the last one served and one not yet served; add two.
    for gone in ("c001", "c003", "c006"):
        assert raw.delete(f"/customers/{gone}").status_code == 200
    seed(raw, 2, prefix="new")
    rest = walk(raw, nextToken=first["nextToken"])
    seen += [c["id"] for p in rest for c in p["data"]]
    throughout = [i for i in ids if i not in ("c001", "c003", "c006")]
    assert [i for i in seen if i in throughout] == throughout
    assert len(seen) == len(set(seen))
    assert seen[-2:] == ["new000", "new001"]
    assert "c006" not in seen


async def test_sdk_iterates_all_pages(api: Any) -> None:
    """The SDK's page iteration (sync and async) walks every customer via nextToken."""
    for i in range(13):
        await api.create(f"c{i:02d}")
    customers = await api.all_customers(page_size=5)
    assert [c.id for c in customers] == [f"c{i:02d}" for i in range(13)]
    page = await api.list_customers(page_size=5)
    assert len(page.data) == 5
    assert page.next_token is not None
    assert page.context.page_size == 5
    assert page.context.sort_order == "ASC"
