"""Storage: db=PATH persists across restarts, writes are atomic, tokens survive a restart."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from togai_customers_server.sandbox import Sandbox, SandboxTransport

VALID = {"id": "acme", "name": "Acme Corp", "primaryEmail": "a@acme.com", "address": {}}


@contextmanager
def client(db: Path) -> Iterator[httpx.Client]:
    with (
        Sandbox(db=str(db)) as sb,
        httpx.Client(
            transport=SandboxTransport(sb),
            base_url="http://s",
            headers={"Authorization": "Bearer t"},
        ) as c,
    ):
        yield c


def test_state_survives_a_restart(tmp_path: Path) -> None:
    """Customers, accounts, updates, deletes and contacts written with db= are there after a
    restart."""
    db = tmp_path / "sandbox.db"
    with client(db) as c:
        created = c.post("/customers", json={**VALID, "account": {"id": "a1", "name": "Main"}})
        c.post("/customers", json={**VALID, "id": "gone"})
        c.patch("/customers/acme", json={"name": "Renamed"})
        c.delete("/customers/gone")
        c.post(
            "/customers/acme/contacts",
            json={"name": "Jo", "email": "j@x.io", "preferredUsername": "jojo"},
        )
    with client(db) as c:
        got = c.get("/customers/acme").json()
        assert got["name"] == "Renamed"
        assert got["togaiCustomerId"] == created.json()["togaiCustomerId"]
        assert c.get("/customers/gone").status_code == 404
        assert c.post("/customers", json=VALID).status_code == 409
        again = {
            "id": "other",
            "name": "Other",
            "primaryEmail": "o@x.io",
            "address": {},
            "account": {"id": "a1", "name": "Dup"},
        }
        assert c.post("/customers", json=again).status_code == 409
        contact = {"name": "Jo", "email": "j@x.io", "preferredUsername": "jojo"}
        assert c.post("/customers/acme/contacts", json=contact).status_code == 409


def test_order_and_page_tokens_survive_a_restart(tmp_path: Path) -> None:
    """A nextToken issued before a restart still works after it, and new customers sort after
    the old ones even when the newest old one was deleted."""
    db = tmp_path / "sandbox.db"
    with client(db) as c:
        for i in range(4):
            c.post("/customers", json={**VALID, "id": f"c{i}"})
        token = c.get("/customers", params={"pageSize": 2}).json()["nextToken"]
        c.delete("/customers/c3")
    with client(db) as c:
        c.post("/customers", json={**VALID, "id": "c9"})
        page = c.get("/customers", params={"nextToken": token}).json()
        assert [x["id"] for x in page["data"]] == ["c2", "c9"]


def test_each_write_is_committed(tmp_path: Path) -> None:
    """A write is visible to another connection to the file at once (committed, not buffered)."""
    db = tmp_path / "sandbox.db"
    with client(db) as c:
        c.post("/customers", json=VALID)
        with sqlite3.connect(db) as other:
            assert other.execute("SELECT id FROM customers").fetchall() == [("acme",)]


def test_failed_create_leaves_nothing_in_the_file(tmp_path: Path) -> None:
    """A create that fails on its account rolls back the customer row too."""
    db = tmp_path / "sandbox.db"
    with client(db) as c:
        c.post("/customers", json={**VALID, "account": {"id": "a1", "name": "Main"}})
        r = c.post("/customers", json={**VALID, "id": "b", "account": {"id": "a1", "name": "Xyz"}})
        assert r.status_code == 409
    with sqlite3.connect(db) as other:
        assert other.execute("SELECT id FROM customers").fetchall() == [("acme",)]
        assert other.execute("SELECT COUNT(*) FROM accounts").fetchone() == (1,)


def test_not_a_database_fails_clearly(tmp_path: Path) -> None:
    """Pointing db= at a file that is not SQLite raises sqlite3.DatabaseError at start."""
    bad = tmp_path / "notes.txt"
    bad.write_text("hello " * 1000)
    with pytest.raises(sqlite3.DatabaseError):
        Sandbox(db=str(bad))


CRASH_SCRIPT = """
import json, os, sys
import httpx
from togai_customers_server.sandbox import Sandbox, SandboxTransport
from togai_customers_server.sandbox import _store

real_dumps = json.dumps

def dying_dumps(obj, *args, **kwargs):
    # The customer row is already inserted when the account is serialised: die right there.
    if isinstance(obj, dict) and obj.get("togaiAccountId"):
        os._exit(3)
    return real_dumps(obj, *args, **kwargs)

sb = Sandbox(db=sys.argv[1])
_store.json.dumps = dying_dumps
body = {"id": "acme", "name": "Acme Corp", "primaryEmail": "a@acme.com", "address": {},
        "account": {"id": "a1", "name": "Main"}}
httpx.Client(transport=SandboxTransport(sb)).post(
    "http://s/customers", json=body, headers={"Authorization": "Bearer t"})
"""


def test_a_crash_mid_create_leaves_no_half_customer(tmp_path: Path) -> None:
    """A process killed between writing the customer and its account leaves neither behind."""
    import subprocess
    import sys

    db = tmp_path / "sandbox.db"
    proc = subprocess.run([sys.executable, "-c", CRASH_SCRIPT, str(db)], timeout=60, check=False)
    assert proc.returncode == 3
    with client(db) as c:
        assert c.get("/customers/acme").status_code == 404
        created = c.post("/customers", json={**VALID, "account": {"id": "a1", "name": "Main"}})
        assert created.status_code == 201


def test_an_error_mid_create_rolls_back_and_answers_500(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected failure inside a create answers a JSON 500 and stores nothing."""
    from togai_customers_server.sandbox import _store

    real = _store.json.dumps

    def failing(obj: object, *args: object, **kwargs: object) -> str:
        if isinstance(obj, dict) and obj.get("togaiAccountId"):
            raise OSError("disk full")
        return real(obj)

    with client(tmp_path / "s.db") as c:
        monkeypatch.setattr(_store.json, "dumps", failing)
        r = c.post("/customers", json={**VALID, "account": {"id": "a1", "name": "Main"}})
        monkeypatch.undo()
        assert r.status_code == 500
        assert r.json() == {"message": "Internal sandbox error"}
        assert c.get("/customers/acme").status_code == 404
