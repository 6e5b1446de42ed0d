"""Bulk import in a subprocess: killed (SIGKILL) or interrupted (SIGINT) halfway, then resumed
from its journal; and its adaptive pace against a rate-limited sandbox without Retry-After."""

from __future__ import annotations

import contextlib
import csv
import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from togai_customers_server.sandbox import Sandbox, serve_in_thread

from ._support import API_KEY, clean_env, cli_command, customer_row

pytestmark = [pytest.mark.slow, pytest.mark.long]

ROWS = 200
CONCURRENCY = 8


def _write_rows(path: Path, rows: int) -> list[dict[str, str]]:
    data = [customer_row(i) for i in range(rows)]
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(data[0]))
        writer.writeheader()
        writer.writerows(data)
    return data


def _command(url: str, source: Path, *extra: str, verb: str = "import") -> list[str]:
    return cli_command(
        "--base-url", url, "-o", "json", verb, str(source),
        "--concurrency", str(CONCURRENCY), *extra,
    )  # fmt: skip


def _journal(source: Path) -> list[dict[str, object]]:
    path = source.with_name(source.name + ".journal.jsonl")
    records = []
    for line in path.read_text().splitlines()[1:]:
        with contextlib.suppress(ValueError):  # a line cut short by the kill
            records.append(json.loads(line))
    return records


def _start_and_stop_halfway(
    url: str, source: Path, sig: signal.Signals, *, twice: bool = False, verb: str = "import"
) -> subprocess.Popen[str]:
    """Start an import (or a sync) and send ``sig`` (``twice``: a second time soon after) once
    the journal holds about half of the rows."""
    extra = ("--yes",) if verb == "sync" else ()
    # Files, not pipes: a plan of hundreds of rows would fill a pipe nobody reads until the end.
    out = source.with_name("stdout.txt").open("w")
    err = source.with_name("stderr.txt").open("w")
    with out, err:
        proc = subprocess.Popen(
            _command(url, source, "--rate", "150", *extra, verb=verb),
            env=clean_env(TOGAI_API_KEY=API_KEY),
            stdout=out,
            stderr=err,
            text=True,
        )
    journal = source.with_name(source.name + ".journal.jsonl")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists() and len(journal.read_text().splitlines()) > ROWS // 2:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the import finished before it could be stopped"
    proc.send_signal(sig)
    if twice:
        time.sleep(0.05)
        proc.send_signal(sig)
    proc.wait(60)
    return proc


def _output(source: Path) -> tuple[str, str]:
    """What the stopped run printed: (stdout, stderr)."""
    return (
        source.with_name("stdout.txt").read_text(),
        source.with_name("stderr.txt").read_text(),
    )


def _stored(sandbox: Sandbox) -> list[str]:
    ids: list[str] = []
    after = None
    while True:
        query = "pageSize=100" + ("" if after is None else f"&nextToken={after}")
        page = json.loads(
            sandbox.handle(
                "GET", "/customers", query, [("authorization", f"Bearer {API_KEY}")]
            ).body
        )
        ids += [c["id"] for c in page["data"]]
        after = page.get("nextToken")
        if after is None:
            return ids


def _settled(sandbox: Sandbox, quiet: float = 0.3) -> None:
    """Wait until the stopped run's last requests are answered.

    A request the killed process had sent (or half sent: its body cut short, answered 400) can
    reach the sandbox after the kill; counted before it is, it would look like the re-run's own.
    """
    count, since = len(sandbox.requests), time.monotonic()
    deadline = since + 10
    while time.monotonic() - since < quiet and time.monotonic() < deadline:
        time.sleep(0.05)
        if len(sandbox.requests) != count:
            count, since = len(sandbox.requests), time.monotonic()


def _rerun(url: str, source: Path) -> dict[str, object]:
    done = subprocess.run(
        _command(url, source),
        env=clean_env(TOGAI_API_KEY=API_KEY),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary: dict[str, object] = json.loads(done.stdout)
    return summary


def test_sigkill_halfway_then_the_rerun_sends_only_the_unfinished_rows(tmp_path, figures):
    """Killed at about half: the re-run creates exactly the rows the journal lacks (one create
    each, plus a lookup for the few in flight), skips the others, and every row is stored once."""
    source = tmp_path / "customers.csv"
    rows = _write_rows(source, ROWS)
    with Sandbox(api_key=API_KEY, latency_ms=20) as sandbox, serve_in_thread(sandbox) as url:
        proc = _start_and_stop_halfway(url, source, signal.SIGKILL)
        assert proc.returncode == -signal.SIGKILL
        finished = [r for r in _journal(source) if r["outcome"] in ("created", "present")]
        unfinished = ROWS - len(finished)
        _settled(sandbox)
        stored_at_kill = len(_stored(sandbox))
        before = len(sandbox.requests)
        summary = _rerun(url, source)
        rerun = sandbox.requests[before:]
        stored = _stored(sandbox)
    posts = [q for q in rerun if q.method == "POST" and q.status != 429]
    gets = [q for q in rerun if q.method == "GET"]
    figures(
        finished_before_kill=len(finished),
        stored_at_kill=stored_at_kill,
        rerun_requests=len(rerun),
        rerun_creates=len(posts),
        rerun_lookups=len(gets),
    )
    assert sorted(stored) == sorted(r["id"] for r in rows)  # each once: ids are unique keys
    assert summary["skipped"] == len(finished)
    assert summary["created"] + summary["alreadyPresent"] == unfinished
    assert len(posts) == unfinished  # not one create for a finished row
    assert len(gets) == stored_at_kill - len(finished) <= CONCURRENCY  # in flight: looked up
    assert not source.with_name(source.name + ".journal.jsonl").exists()


@pytest.mark.parametrize("twice", [False, True], ids=["ctrl-c", "ctrl-c-twice"])
def test_sigint_stops_cleanly_and_the_rerun_completes(tmp_path, figures, twice):
    """Ctrl-C halfway (once: the rows in flight finish; twice: they stop at once): exit 130, no
    traceback, the summary printed; every customer stored by then is in the journal (finished
    or unknown); the re-run looks the unknown ones up and completes the file."""
    source = tmp_path / "customers.csv"
    rows = _write_rows(source, ROWS)
    latency = 300 if twice else 20  # slow answers: rows are in flight at the second Ctrl-C
    with Sandbox(api_key=API_KEY, latency_ms=latency) as sandbox, serve_in_thread(sandbox) as url:
        proc = _start_and_stop_halfway(url, source, signal.SIGINT, twice=twice)
        stdout, stderr = _output(source)
        assert proc.returncode == 130, stderr
        assert "Traceback" not in stderr
        assert "Interrupted" in stderr
        summary = json.loads(stdout)
        assert summary["interrupted"] is True
        _settled(sandbox)
        records = {r["id"]: r["outcome"] for r in _journal(source)}
        stored_at_stop = _stored(sandbox)
        unknown = [i for i, outcome in records.items() if outcome == "unknown"]
        assert set(stored_at_stop) <= set(records)  # nothing stored without a record
        assert summary["created"] == sum(1 for o in records.values() if o == "created")
        before = len(sandbox.requests)
        again = _rerun(url, source)
        rerun = sandbox.requests[before:]
        stored = _stored(sandbox)
    figures(
        recorded_at_stop=len(records),
        unknown_at_stop=len(unknown),
        rerun_requests=len(rerun),
    )
    assert sorted(stored) == sorted(r["id"] for r in rows)
    assert again["skipped"] == len(records) - len(unknown)
    assert bool(unknown) == twice
    looked_up = {q.path.rsplit("/", 1)[1] for q in rerun if q.method == "GET"}
    assert set(unknown) <= looked_up


def test_sync_interrupted_halfway_goes_on_from_its_journal(tmp_path, figures):
    """A sync stopped by Ctrl-C halfway exits 130 with its plan and result; the same command
    then plans again from Togai (every row read, none trusted to the journal): it creates
    exactly the rows Togai lacks, and counts the ones the stopped run wrote as resumed."""
    source = tmp_path / "customers.csv"
    rows = _write_rows(source, ROWS)
    with Sandbox(api_key=API_KEY, latency_ms=20) as sandbox, serve_in_thread(sandbox) as url:
        proc = _start_and_stop_halfway(url, source, signal.SIGINT, verb="sync")
        stdout, stderr = _output(source)
        assert proc.returncode == 130, stderr
        assert "Traceback" not in stderr
        document = json.loads(stdout)
        assert document["result"]["interrupted"] is True
        finished = [r for r in _journal(source) if r["outcome"] == "created"]
        _settled(sandbox)
        stored_at_stop = _stored(sandbox)
        before = len(sandbox.requests)
        done = subprocess.run(
            _command(url, source, "--yes", verb="sync"),
            env=clean_env(TOGAI_API_KEY=API_KEY),
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        rerun = sandbox.requests[before:]
        stored = _stored(sandbox)
    assert done.returncode == 0, done.stderr[-3000:]
    again = json.loads(done.stdout)
    figures(
        finished_at_stop=len(finished),
        stored_at_stop=len(stored_at_stop),
        rerun_requests=len(rerun),
    )
    assert "Going on from customers.csv.journal.jsonl" in done.stderr
    plan = again["plan"]
    assert plan["create"] == ROWS - len(stored_at_stop)
    assert plan["unchanged"] == len(stored_at_stop)
    assert plan["resumed"] == len(finished)
    assert plan["reads"] == 2  # 200 rows: two pages of 100, whatever the journal says
    assert sorted(stored) == sorted(r["id"] for r in rows)
    assert sum(1 for q in rerun if q.method == "POST") == ROWS - len(stored_at_stop)


def test_the_pace_adapts_to_a_rate_limit_without_retry_after(tmp_path, figures):
    """400 rows at concurrency 16 into a sandbox allowing 40/s and sending no Retry-After: every
    row created, and 429 answers are at most 5% of the requests."""
    source = tmp_path / "customers.csv"
    rows = _write_rows(source, 400)
    with (
        Sandbox(api_key=API_KEY, rate_limit=40, latency_ms=20) as sandbox,
        serve_in_thread(sandbox) as url,
    ):
        done = subprocess.run(
            cli_command(
                "--base-url", url, "-o", "json", "import", str(source), "--concurrency", "16"
            ),
            env=clean_env(TOGAI_API_KEY=API_KEY),
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        log = sandbox.requests
        stored = _stored(sandbox)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    throttled = sum(1 for q in log if q.status == 429)
    figures(
        requests=len(log), rate_limited=throttled, pace=summary["pace"], seconds=summary["seconds"]
    )
    assert sorted(stored) == sorted(r["id"] for r in rows)
    assert summary["rateLimited"] == throttled
    assert throttled <= 0.05 * len(log)
    assert not any(q.status == 429 and q.fault for q in log)
