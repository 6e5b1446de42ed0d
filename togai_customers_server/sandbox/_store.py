"""The sandbox's state: SQLite through the standard library, in memory or in a file.

Every write is one transaction (a customer, its account and its settings are committed together,
or not at all). Customers get a monotonically increasing ``seq`` (``AUTOINCREMENT`` never reuses a
number, even after deletes or a restart), which gives the stable creation order used for paging.
Rows keep the wire (camelCase JSON) form of the models in a ``doc`` column; the sandbox logic
builds and reads them through the SDK's models.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["Conflict", "Store"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS customers (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY,
    customer_seq INTEGER NOT NULL REFERENCES customers(seq) ON DELETE CASCADE,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS contacts (
    username TEXT PRIMARY KEY,
    customer_seq INTEGER NOT NULL REFERENCES customers(seq) ON DELETE CASCADE,
    doc TEXT NOT NULL
);
"""


_PAGED = frozenset({"customers", "accounts", "contacts"})


class Conflict(Exception):
    """A unique key is already taken; the message is the API's error message."""


class Store:
    """Thread-safe access to the sandbox database (one connection, one lock)."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path
        # One connection shared by every thread; the lock serialises its use.
        self._conn = sqlite3.connect(
            path or ":memory:", check_same_thread=False, isolation_level=None
        )
        self._lock = threading.RLock()
        with self._lock:
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._conn.executescript(_SCHEMA)
            with self.transaction():
                row = self._conn.execute("SELECT value FROM meta WHERE key = 'secret'").fetchone()
                if row is None:
                    # Signs page tokens; kept in the file so tokens survive a restart.
                    self._conn.execute(
                        "INSERT INTO meta (key, value) VALUES ('secret', ?)",
                        (secrets.token_hex(32),),
                    )
                    row = self._conn.execute(
                        "SELECT value FROM meta WHERE key = 'secret'"
                    ).fetchone()
        self.secret = bytes.fromhex(row[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One committed transaction (rolled back on any error), holding the lock."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # Customers -------------------------------------------------------------------------------

    def insert_customer(self, customer: dict[str, Any], account: dict[str, Any] | None) -> None:
        """Store a customer (and its account) atomically; :class:`Conflict` on a taken id."""
        with self.transaction() as conn:
            try:
                cur = conn.execute(
                    "INSERT INTO customers (id, doc) VALUES (?, ?)",
                    (customer["id"], json.dumps(customer)),
                )
            except sqlite3.IntegrityError:
                raise Conflict(f"Customer with id {customer['id']} already exists") from None
            if account is not None:
                try:
                    conn.execute(
                        "INSERT INTO accounts (id, customer_seq, doc) VALUES (?, ?, ?)",
                        (account["id"], cur.lastrowid, json.dumps(account)),
                    )
                except sqlite3.IntegrityError:
                    raise Conflict(f"Account with id {account['id']} already exists") from None

    def get_customer(self, customer_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT doc FROM customers WHERE id = ?", (customer_id,)
            ).fetchone()
        return None if row is None else _load(row[0])

    def modify_customer(
        self, customer_id: str, change: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> dict[str, Any] | None:
        """Read, change and write a customer in one transaction; None if it does not exist."""
        with self.transaction() as conn:
            row = conn.execute("SELECT doc FROM customers WHERE id = ?", (customer_id,)).fetchone()
            if row is None:
                return None
            updated = change(_load(row[0]))
            conn.execute(
                "UPDATE customers SET doc = ? WHERE id = ?", (json.dumps(updated), customer_id)
            )
            return updated

    def delete_customer(self, customer_id: str) -> bool:
        """Delete a customer with its accounts and contacts; False if it did not exist."""
        with self.transaction() as conn:
            cur = conn.execute("DELETE FROM customers WHERE id = ?", (customer_id,))
            return cur.rowcount == 1

    def page(
        self, table: str, after: int, limit: int, *, customer_id: str | None = None
    ) -> list[tuple[int, dict[str, Any]]]:
        """Up to ``limit`` rows of ``table`` (``customers``, ``accounts`` or ``contacts``) stored
        after the one whose key (SQLite ``rowid``, which only grows) is ``after``, oldest first,
        as ``(key, doc)``; ``customer_id`` keeps those of one customer (not for customers)."""
        if table not in _PAGED:
            raise ValueError(f"no table {table!r}")
        sql = f"SELECT t.rowid, t.doc FROM {table} t"  # noqa: S608 - the table name is checked
        args: list[Any] = []
        if customer_id is not None:
            sql += " JOIN customers c ON c.seq = t.customer_seq WHERE c.id = ? AND"
            args.append(customer_id)
        else:
            sql += " WHERE"
        sql += " t.rowid > ? ORDER BY t.rowid LIMIT ?"
        with self._lock:
            rows = self._conn.execute(sql, (*args, after, limit)).fetchall()
        return [(key, _load(doc)) for key, doc in rows]

    # Accounts and contacts -------------------------------------------------------------------

    def username_taken(self, username: str) -> bool:
        with self._lock:
            row = self._conn.execute(
                "SELECT 1 FROM contacts WHERE username = ?", (username,)
            ).fetchone()
        return row is not None

    def insert_contact(self, customer_id: str, contact: dict[str, Any]) -> bool:
        """Store a contact; False if the customer is gone, :class:`Conflict` on a taken username."""
        with self.transaction() as conn:
            row = conn.execute("SELECT seq FROM customers WHERE id = ?", (customer_id,)).fetchone()
            if row is None:
                return False
            try:
                conn.execute(
                    "INSERT INTO contacts (username, customer_seq, doc) VALUES (?, ?, ?)",
                    (contact["username"], row[0], json.dumps(contact)),
                )
            except sqlite3.IntegrityError:
                raise Conflict(
                    f"Contact with username {contact['username']} already exists"
                ) from None
            return True


def _load(doc: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(doc)
    return value
