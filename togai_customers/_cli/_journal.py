"""The journal of a bulk run: which rows of a file are finished, kept beside it.

``FILE.journal.jsonl`` is append-only JSON Lines: a header, then one record per row as it
finishes, ``{"key": ..., "line": ..., "id": ..., "outcome": ..., "pace": ...}`` (the pace, in
requests per second, lets a resumed run start where the last one was instead of probing again).
Each record is one ``write`` to a file opened for appending, so a crash or a SIGKILL loses at
most the rows in flight, and a line cut short by one is ignored on reading. Rows are known by
:attr:`Row.key`, a digest of their content, not by their line: rows moved, added or edited in the
file are recognised (an edited row is a new row).

An outcome in :data:`DONE` means Togai held the row's data when it was written (``created``,
``present``, ``updated``, ``unchanged``), whether by ``import`` or ``sync``: a later run skips the
row without a request. ``unknown`` (the row was in flight when the run was interrupted) is
checked again; ``failed`` is tried again. The last record of a key wins.

The journal is locked while a run writes it, so two runs on one file cannot interleave.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from ._state import UsageError

__all__ = ["DONE", "Journal", "journal_path"]

DONE = frozenset({"created", "present", "updated", "unchanged"})
_FORMAT = "togai-customers journal"
_VERSION = 1


def journal_path(source: Path) -> Path:
    return source.with_name(source.name + ".journal.jsonl")


class Journal:
    """The journal of ``source`` (see the module docstring); ``restart`` starts a new one.

    Open it with ``with``; nothing is written until :meth:`record` is called.
    """

    def __init__(self, source: Path, *, restart: bool = False, read_only: bool = False) -> None:
        self.path = journal_path(source)
        self._source = source
        self._restart = restart
        self._read_only = read_only
        self._fd: int | None = None
        #: key -> last outcome recorded (by earlier runs and this one).
        self.outcomes: dict[str, str] = {}
        #: The pace (requests per second) of the last record of an earlier run.
        self.pace: float | None = None
        self.recorded = 0

    def __enter__(self) -> Self:
        if self._read_only:
            if not self._restart:
                self.outcomes = self._load()
            return self
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
        fd = os.open(self.path, flags, 0o600)
        try:
            _lock(fd, self._source)
            if self._restart:
                os.ftruncate(fd, 0)
            else:
                self.outcomes = self._load()
            if os.fstat(fd).st_size == 0:
                header = {
                    "journal": _FORMAT,
                    "version": _VERSION,
                    "source": self._source.name,
                    "started": datetime.now(UTC).isoformat(timespec="seconds"),
                }
                os.write(fd, (json.dumps(header) + "\n").encode("utf-8"))
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            if not self.outcomes:  # nothing recorded, now or before: no journal to keep
                self.path.unlink(missing_ok=True)
            os.close(self._fd)  # closing releases the lock
            self._fd = None

    def _load(self) -> dict[str, str]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except UnicodeDecodeError:
            raise self._not_a_journal() from None
        lines = text.splitlines()
        if not lines:
            return {}
        try:
            header = json.loads(lines[0])
        except ValueError:
            header = None
        if not isinstance(header, dict) or header.get("journal") != _FORMAT:
            raise self._not_a_journal()
        outcomes: dict[str, str] = {}
        for text_line in lines[1:]:
            try:
                record = json.loads(text_line)
                outcomes[record["key"]] = record["outcome"]
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a crash
            pace = record.get("pace")
            if isinstance(pace, int | float) and not isinstance(pace, bool) and pace > 0:
                self.pace = float(pace)
        return outcomes

    def _not_a_journal(self) -> UsageError:
        return UsageError(
            f"{self.path} is not a journal of togai-customers: move it away, or use --restart"
        )

    def done(self, key: str) -> bool:
        """Whether an earlier run finished this row (Togai held its data)."""
        return self.outcomes.get(key) in DONE

    def unknown(self, key: str) -> bool:
        """Whether the row was in flight when an earlier run was interrupted."""
        return self.outcomes.get(key) == "unknown"

    def record(
        self, key: str, line: int, customer_id: str, outcome: str, pace: float | None = None
    ) -> None:
        """Append the outcome of a row, and the pace then (one write: a crash cannot leave half
        of it behind)."""
        assert self._fd is not None, "the journal is read-only"
        record: dict[str, object] = {"key": key, "line": line, "id": customer_id}
        record["outcome"] = outcome
        if pace is not None:
            record["pace"] = round(pace, 1)
        os.write(self._fd, (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
        self.outcomes[key] = outcome
        self.recorded += 1

    def remove(self) -> None:
        """Delete the journal (every row of the file is finished)."""
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
            f"{source}: another run is working on this file (its journal is locked)"
        ) from None
    except OSError:
        return  # a filesystem without locks
