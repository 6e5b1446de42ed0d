"""The journal of a bulk run: which rows of a file are finished, kept beside it.

``FILE.journal.jsonl`` is append-only JSON Lines: a header, then one record per row as it
finishes, ``{"id": ..., "key": ..., "line": ..., "outcome": ..., "pace": ...}`` (the pace, in
requests per second, lets a resumed run start where the last one was instead of probing again).
Each record is one ``write`` to a file opened for appending, so a crash or a SIGKILL loses at
most the rows in flight, and a line cut short by one is ignored on reading.

A journal is bound to what it is about. Its header records the command (``import`` or ``sync``),
the target (the normalised base URL, ``_target``), a fingerprint of the API key (PBKDF2-SHA256
of the key with a random salt kept in the header: never the key) and the SHA-256 of the file's
content. A run uses a journal only when all four are its own; any other journal stops it before
any request (``UsageError``, exit 2) with a message naming both targets and the ways on:
``--restart``, or pointing back at the first target (or key, or file). So a journal of staging
never makes a run against production skip a row, nor a journal of another organisation's key,
nor one of a file edited since (its rows may have moved, and a changed row is a different row).

Rows are known by their id (unique in a file: ``_rows`` refuses a repeated id), and the record
also carries a digest of the row's content, which must match too. An outcome in :data:`DONE`
means Togai held the row's data when it was written (``created``, ``present``, ``updated``,
``unchanged``). ``unknown`` (the row was in flight when the run was interrupted) is checked again;
``failed`` is tried again. The last record of an id wins.

The journal is locked while a run writes it, so two runs on one file cannot interleave: the
second refuses at once. The lock is taken on the file the path names *after* locking (a run that
finished may have just removed the journal it had open: locking that one would write to nothing).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import attrs

from ._rows import Row
from ._state import UsageError

__all__ = ["DONE", "Binding", "Journal", "article", "fingerprint", "journal_path"]

DONE = frozenset({"created", "present", "updated", "unchanged"})
#: Outcomes of a write this command made (``sync``: what a resumed apply need not send again).
WRITTEN = frozenset({"created", "updated"})
_FORMAT = "togai-customers journal"
_VERSION = 2
#: PBKDF2 rounds for the key's fingerprint: about 25 ms, once per run.
_ROUNDS = 100_000


def journal_path(source: Path) -> Path:
    return source.with_name(source.name + ".journal.jsonl")


def fingerprint(api_key: str, salt: str, rounds: int = _ROUNDS) -> str:
    """``pbkdf2-sha256$ROUNDS$SALT$HASH`` of the key (the key cannot be read back from it)."""
    digest = hashlib.pbkdf2_hmac("sha256", api_key.encode("utf-8"), bytes.fromhex(salt), rounds)
    return f"pbkdf2-sha256${rounds}${salt}${digest.hex()}"


def _same_key(api_key: str, recorded: Any) -> bool:
    try:
        scheme, rounds, salt, _ = str(recorded).split("$")
        if scheme != "pbkdf2-sha256":
            return False
        mine = fingerprint(api_key, salt, int(rounds))
    except ValueError:
        return False
    return hmac.compare_digest(mine, str(recorded))


@attrs.frozen
class Binding:
    """What a journal is about: the command, where it writes, with which key, and which file."""

    command: str  #: import | sync
    target: str  #: the normalised base URL
    api_key: str = attrs.field(repr=False)
    content: str  #: the SHA-256 of the file, hex


@attrs.frozen
class _Record:
    key: str
    outcome: str


def article(command: str) -> str:
    """``an import``, ``a sync``."""
    return f"an {command}" if command[0] in "aeiou" else f"a {command}"


class Journal:
    """The journal of ``source`` for a run ``binding`` describes (see the module docstring).

    ``restart`` replaces whatever journal is there. Open it with ``with``; it is removed at the
    end when no row of it is finished (nothing a re-run could skip).
    """

    def __init__(self, source: Path, binding: Binding, *, restart: bool = False) -> None:
        self.path = journal_path(source)
        self._source = source
        self._binding = binding
        self._restart = restart
        self._fd: int | None = None
        self._records: dict[str, _Record] = {}
        #: The pace (requests per second) of the last record of an earlier run.
        self.pace: float | None = None
        #: When the journal was started (by the first run of it).
        self.started: str | None = None
        #: Rows finished by earlier runs, when this one started.
        self.finished_before = 0
        self.recorded = 0
        #: Whether this run made the journal (it was empty, or --restart) or wrote to it: only
        #: then may it remove the journal (a run refused before it starts removes nothing).
        self._owned = False

    # Opening -------------------------------------------------------------------------------

    def __enter__(self) -> Self:
        fd = self._open_locked()
        try:
            header = None if self._restart else self._load()
            if header is not None:
                self._check(header)
            else:
                self._owned = True
                os.ftruncate(fd, 0)
                self._records = {}
                self.pace = None
                self.started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                os.write(fd, (json.dumps(self._header()) + "\n").encode("utf-8"))
        except BaseException:
            self._close(fd)
            raise
        self._fd = fd
        self.finished_before = sum(1 for r in self._records.values() if r.outcome in DONE)
        return self

    def _open_locked(self) -> int:
        """The journal's file, open for appending and locked by this run (``UsageError`` when
        another run holds it)."""
        while True:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                _lock(fd, self._source)
                try:
                    same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
                except FileNotFoundError:
                    same = False
            except BaseException:
                os.close(fd)
                raise
            if same:
                return fd
            os.close(fd)  # removed (or replaced) by the run that held it: open the new one

    def _header(self) -> dict[str, object]:
        b = self._binding
        return {
            "journal": _FORMAT,
            "version": _VERSION,
            "command": b.command,
            "target": b.target,
            "key": fingerprint(b.api_key, secrets.token_hex(16)),
            "source": self._source.name,
            "sha256": b.content,
            "started": self.started,
        }

    def _load(self) -> dict[str, Any] | None:
        """The header of the journal there (None: there is none), and its records."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise self._not_a_journal() from None
        lines = text.splitlines()
        if not lines:
            return None
        try:
            header = json.loads(lines[0])
        except ValueError:
            header = None
        if not isinstance(header, dict) or header.get("journal") != _FORMAT:
            raise self._not_a_journal()
        for text_line in lines[1:]:
            try:
                record = json.loads(text_line)
                self._records[str(record["id"])] = _Record(
                    str(record["key"]), str(record["outcome"])
                )
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a crash
            pace = record.get("pace")
            if isinstance(pace, int | float) and not isinstance(pace, bool) and pace > 0:
                self.pace = float(pace)
        self.started = str(header.get("started"))
        return header

    def _not_a_journal(self) -> UsageError:
        return UsageError(
            f"{self.path} is not a journal of togai-customers: move it away, or use --restart"
        )

    def _check(self, header: dict[str, Any]) -> None:
        """``UsageError`` unless the journal is this run's (see the module docstring)."""
        mine = self._binding
        name = self.path.name
        done = sum(1 for r in self._records.values() if r.outcome in DONE)
        if header.get("version") != _VERSION:
            raise UsageError(
                f"{name} was written by another version of togai-customers, which did not "
                "record its target: use --restart to go through every row again (a customer "
                "already in Togai is found already present)"
            )
        command, target = str(header.get("command")), str(header.get("target"))
        theirs = f"{article(command)} of {self._source.name} into {target}"
        if command != mine.command:
            raise UsageError(
                f"{name} belongs to {theirs} ({done} rows finished); this is "
                f"{article(mine.command)}. Run `togai-customers {command} {self._source}` "
                f"against {target} to go on with it, or use --restart to start this "
                f"{mine.command} over against {mine.target} (replacing the journal)"
            )
        if target != mine.target:
            raise UsageError(
                f"{name} belongs to {theirs} ({done} rows finished there); this run is against "
                f"{mine.target}, where they are not. To go on with that {command}, point back "
                f"at {target} (--base-url or TOGAI_BASE_URL); to {command} into {mine.target} "
                "from the start, use --restart (replacing the journal and the failed-rows file)"
            )
        if not _same_key(mine.api_key, header.get("key")):
            raise UsageError(
                f"{name} belongs to {theirs} made with another API key ({done} rows finished "
                "with it: another organisation, or the key was changed). To go on with it, use "
                f"the key of that run; to {command} with this key from the start, use --restart"
            )
        if header.get("sha256") != mine.content:
            raise UsageError(
                f"{self._source.name} changed since {name} was started ({self.started}, by "
                f"{theirs}): rows may have moved or changed, so the journal cannot tell which "
                "are finished. Put the file back as it was to go on, or use --restart to go "
                "through every row again (a customer already in Togai is found already present)"
            )

    # Closing -------------------------------------------------------------------------------

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            self._close(self._fd)
            self._fd = None

    def _close(self, fd: int) -> None:
        if self._owned and not any(r.outcome in DONE for r in self._records.values()):
            # Nothing finished, now or before: a re-run would skip nothing (the rows in
            # flight are found already present by their create).
            with contextlib.suppress(FileNotFoundError):
                if os.stat(self.path).st_ino == os.fstat(fd).st_ino:
                    self.path.unlink()
        os.close(fd)  # closing releases the lock

    # Rows ----------------------------------------------------------------------------------

    def _of(self, row: Row) -> str | None:
        customer_id = row.customer_id
        record = None if customer_id is None else self._records.get(customer_id)
        return record.outcome if record is not None and record.key == row.key else None

    def done(self, row: Row) -> bool:
        """Whether an earlier run finished this row (Togai held its data)."""
        return self._of(row) in DONE

    def unknown(self, row: Row) -> bool:
        """Whether the row was in flight when an earlier run was interrupted."""
        return self._of(row) == "unknown"

    def written(self, row: Row) -> bool:
        """Whether an earlier run of this command wrote this row (created or updated it)."""
        return self._of(row) in WRITTEN

    def record(self, row: Row, outcome: str, pace: float | None = None) -> None:
        """Append the outcome of a row, and the pace then (one write: a crash cannot leave half
        of it behind)."""
        assert self._fd is not None, "the journal is not open"
        customer_id = row.customer_id
        assert customer_id is not None
        record: dict[str, object] = {"id": customer_id, "key": row.key, "line": row.line}
        record["outcome"] = outcome
        if pace is not None:
            record["pace"] = round(pace, 1)
        os.write(self._fd, (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
        self._records[customer_id] = _Record(row.key, outcome)
        self.recorded += 1
        self._owned = True

    def remove(self) -> None:
        """Delete the journal (every row of the file is finished)."""
        self._records.clear()
        self.path.unlink(missing_ok=True)


def _lock(fd: int, source: Path) -> None:
    """An exclusive lock on the open journal, or ``UsageError`` when another run holds it."""
    try:
        import fcntl
    except ImportError:  # no advisory locks on this platform
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise UsageError(
            f"{source}: another run is working on this file (its journal is locked); wait for "
            "it to finish"
        ) from None
    except OSError:
        return  # a filesystem without locks
