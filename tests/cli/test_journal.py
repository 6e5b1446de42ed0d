"""The journal of `import` (and `sync`): a re-run skips the finished rows without a request, and
only a run of the same command, target, key and file content may use it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from togai_customers import TogaiCustomers
from togai_customers._cli import _journal
from togai_customers._cli._journal import Binding, Journal
from togai_customers._cli._rows import open_rows
from togai_customers._cli._target import normalise
from togai_customers_server.sandbox import Sandbox, serve_in_thread

from .conftest import KEY, run_cli

ROWS = "".join(f"r{i},Customer {i},r{i}@x.io,{i} Main St\n" for i in range(1, 6))
HEADER = "id,name,primary_email,line1\n"
IDS = ["r1", "r2", "r3", "r4", "r5"]


def _summary(stdout: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(stdout)
    return data


def _journal_of(source: Path) -> Path:
    return source.with_name(source.name + ".journal.jsonl")


def _records(source: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in _journal_of(source).read_text().splitlines()]


def _posts(sandbox: Sandbox, since: int = 0) -> list[int]:
    return [r.status for r in sandbox.requests[since:] if r.method == "POST"]


def _ids(url: str, key: str = KEY) -> list[str]:
    with TogaiCustomers(key, base_url=url) as client:
        return sorted(c.id for c in client.list_customers())


def _first_run_with_one_failure(url: str, sandbox: Sandbox, source: Path, key: str = KEY) -> Path:
    """Import 5 rows one at a time into ``url``, the first create failing (500, no retries)."""
    source.write_text(HEADER + ROWS)
    sandbox.fail_next("500")
    r = run_cli(
        url, "--max-retries", "0", "-o", "json", "import", str(source), "--concurrency", "1",
        key=key,
    )  # fmt: skip
    assert r.exit_code == 1, r.output
    assert _summary(r.stdout)["journal"] == str(_journal_of(source))
    return source


@pytest.fixture
def partly_imported(togai_sandbox_url, togai_sandbox, tmp_path) -> Path:
    """in.csv imported into the test's sandbox, r1 failed, r2..r5 created (the journal kept)."""
    return _first_run_with_one_failure(togai_sandbox_url, togai_sandbox, tmp_path / "in.csv")


def test_rerun_sends_requests_only_for_the_rows_not_finished(
    cli, api, togai_sandbox, togai_sandbox_url, partly_imported
):
    """After a run where one row failed, the re-run sends one create: the four finished rows
    are skipped without a request, and the summary says why; a run with nothing left removes
    the journal."""
    source = partly_imported
    header, *records = _records(source)
    assert header["journal"] == "togai-customers journal"
    assert (header["command"], header["target"]) == ("import", togai_sandbox_url)
    assert str(header["key"]).startswith("pbkdf2-sha256$100000$")
    assert KEY not in _journal_of(source).read_text()
    assert sorted((rec["id"], rec["outcome"]) for rec in records) == [
        ("r1", "failed"),
        ("r2", "created"),
        ("r3", "created"),
        ("r4", "created"),
        ("r5", "created"),
    ]
    before = len(togai_sandbox.requests)
    again = cli("-o", "json", "import", str(source))
    assert again.exit_code == 0, again.output
    summary = _summary(again.stdout)
    assert (summary["created"], summary["skipped"], summary["requests"]) == (1, 4, 1)
    assert summary["skippedBecause"] == (
        f"finished by an earlier import of this file into {togai_sandbox_url} "
        f"(in.csv.journal.jsonl, started {header['started']})"
    )
    assert "Going on from in.csv.journal.jsonl" in again.stderr
    assert "4 rows it finished are skipped without a request" in again.stderr
    assert len(togai_sandbox.requests) == before + 1
    assert "journal" not in summary
    assert not _journal_of(source).exists()
    assert sorted(c.id for c in api.list_customers()) == IDS


def test_the_same_file_into_another_target_is_refused_never_skipped(
    togai_sandbox, togai_sandbox_url, partly_imported
):
    """The issue's scenario, two sandboxes: after an import into A with a failing row, the same
    file into an empty B refuses (exit 2, both targets named, the ways on) and sends nothing;
    A's journal and failed rows are untouched; --restart fills B with every row (and, clean,
    removes both files); A, run again, then ends with every row too."""
    source = partly_imported
    journal, failed = _journal_of(source), source.with_name("in.csv.failed.jsonl")
    kept = (journal.read_bytes(), failed.read_bytes())
    with Sandbox(api_key=KEY) as b, serve_in_thread(b) as url_b:
        r = run_cli(url_b, "-o", "json", "import", str(source))
        assert r.exit_code == 2, r.output
        assert r.stdout == ""
        message = r.stderr
        assert f"belongs to an import of in.csv into {togai_sandbox_url}" in message
        assert f"this run is against {url_b}" in message
        assert f"point back at {togai_sandbox_url}" in message
        assert "--restart" in message
        assert len(message.splitlines()) == 1
        assert b.requests == []
        assert (journal.read_bytes(), failed.read_bytes()) == kept

        restarted = run_cli(url_b, "-o", "json", "import", str(source), "--restart")
        assert restarted.exit_code == 0, restarted.output
        summary = _summary(restarted.stdout)
        assert (summary["created"], summary["skipped"]) == (5, 0)
        assert _ids(url_b) == IDS

    assert not journal.exists()
    assert not failed.exists()
    back = run_cli(togai_sandbox_url, "-o", "json", "import", str(source))
    assert back.exit_code == 0, back.output
    assert (_summary(back.stdout)["created"], _summary(back.stdout)["alreadyPresent"]) == (1, 4)
    assert _ids(togai_sandbox_url) == IDS


def test_the_same_target_written_otherwise_goes_on(togai_sandbox_url, partly_imported):
    """The same base URL written differently (a trailing slash) is the same target: the
    journal is used, four rows skipped."""
    r = run_cli(togai_sandbox_url + "/", "-o", "json", "import", str(partly_imported))
    assert r.exit_code == 0, r.output
    assert (_summary(r.stdout)["created"], _summary(r.stdout)["skipped"]) == (1, 4)


def test_normalised_targets():
    """The journal's target: scheme and host lower-cased, default port and trailing slash
    dropped, the path kept."""
    assert normalise("HTTPS://API.Togai.com:443/") == "https://api.togai.com"
    assert normalise("http://127.0.0.1:80") == "http://127.0.0.1"
    assert normalise("http://127.0.0.1:8080/v1/") == "http://127.0.0.1:8080/v1"
    assert normalise("http://user:secret@host:8080/v1") == "http://host:8080/v1"
    assert normalise("http://[::1]:4010") == "http://[::1]:4010"


def test_a_journal_written_with_another_key_is_refused(tmp_path):
    """Same URL, another API key (another organisation behind the same host): refused before
    any request; neither key is in the journal; the first key goes on with it."""
    first, other = "sk-first-key-aaaaaaaa", "sk-other-key-bbbbbbbb"
    with Sandbox() as sandbox, serve_in_thread(sandbox) as url:  # takes any key
        source = _first_run_with_one_failure(url, sandbox, tmp_path / "in.csv", key=first)
        text = _journal_of(source).read_text()
        assert first not in text
        assert other not in text
        before = len(sandbox.requests)
        r = run_cli(url, "-o", "json", "import", str(source), key=other)
        assert r.exit_code == 2, r.output
        assert "made with another API key" in r.stderr
        assert other not in r.stderr
        assert len(sandbox.requests) == before
        again = run_cli(url, "-o", "json", "import", str(source), key=first)
        assert again.exit_code == 0, again.output
        assert _summary(again.stdout)["skipped"] == 4


def test_a_journal_of_an_edited_file_is_refused(cli, togai_sandbox, partly_imported):
    """Rows moved or edited since the journal was started: refused (the journal cannot tell
    which rows are finished); --restart goes through every row, finding the stored ones."""
    source = partly_imported
    lines = (HEADER + ROWS).splitlines(keepends=True)
    source.write_text(lines[0] + lines[2] + lines[1] + lines[3].replace("Customer 3", "Cust Three"))
    before = len(togai_sandbox.requests)
    r = cli("-o", "json", "import", str(source))
    assert r.exit_code == 2, r.output
    assert "in.csv changed since in.csv.journal.jsonl was started" in r.stderr
    assert "--restart" in r.stderr
    assert len(togai_sandbox.requests) == before
    restarted = cli("-o", "json", "import", str(source), "--restart", "--concurrency", "1")
    summary = _summary(restarted.stdout)
    # r1 created at last, r2 already there; r3 exists with another name: a failure.
    assert (summary["created"], summary["alreadyPresent"], summary["failed"]) == (1, 1, 1)


def test_a_journal_of_an_earlier_version_is_refused(cli, togai_sandbox, tmp_path):
    """A journal without a target (version 1) is never applied: refused, nothing sent."""
    source = tmp_path / "in.csv"
    source.write_text(HEADER + ROWS)
    _journal_of(source).write_text(
        json.dumps({"journal": "togai-customers journal", "version": 1}) + "\n"
    )
    r = cli("import", str(source))
    assert r.exit_code == 2
    assert "another version of togai-customers, which did not record its target" in r.stderr
    assert togai_sandbox.requests == []


def test_sync_plans_afresh_after_a_partly_failed_import(
    cli, api, togai_sandbox, make_customer, partly_imported
):
    """sync after a partly failed import is a fresh comparison: the dry run finds every
    difference (the row that failed, a customer changed in Togai since); applying does not take
    over the import's journal (refused before any request), --restart applies the plan."""
    source = partly_imported
    api.update_customer("r3", name="Changed in Togai")
    plan = _summary(cli("-o", "json", "sync", str(source), "--dry-run").stdout)["plan"]
    assert (plan["create"], plan["update"], plan["unchanged"], plan["resumed"]) == (1, 1, 3, 0)
    assert {c["id"]: c["action"] for c in plan["changes"]} == {"r1": "create", "r3": "update"}

    before = len(togai_sandbox.requests)
    r = cli("-o", "json", "sync", str(source), "--yes")
    assert r.exit_code == 2, r.output
    assert "belongs to an import of in.csv" in r.stderr
    assert f"Run `togai-customers import {source}`" in r.stderr
    assert len(togai_sandbox.requests) == before

    applied = cli("-o", "json", "sync", str(source), "--yes", "--restart")
    assert applied.exit_code == 0, applied.output
    result = _summary(applied.stdout)["result"]
    assert (result["created"], result["updated"], result["unchanged"]) == (1, 1, 3)
    assert api.get_customer("r3").name == "Customer 3"
    assert not _journal_of(source).exists()


def test_import_does_not_take_over_a_journal_of_sync(first_write_fails, tmp_path):
    """A sync whose apply failed a write keeps a journal of sync: an import of the file is
    refused (exit 2) and names the command to run; the sync goes on."""
    url = first_write_fails
    source = tmp_path / "in.csv"
    source.write_text(HEADER + ROWS)
    first = run_cli(url, "--max-retries", "0", "-o", "json", "sync", str(source), "--yes",
                    "--concurrency", "1")  # fmt: skip
    assert _summary(first.stdout)["result"]["failed"] == 1, first.output
    r = run_cli(url, "-o", "json", "import", str(source))
    assert r.exit_code == 2
    assert "belongs to a sync of in.csv" in r.stderr
    assert "this is an import" in r.stderr
    again = run_cli(url, "-o", "json", "sync", str(source), "--yes")
    assert again.exit_code == 0, again.output
    document = _summary(again.stdout)
    assert (document["plan"]["create"], document["plan"]["resumed"]) == (1, 4)


def test_a_resumed_sync_sends_again_what_togai_no_longer_holds(
    api, first_write_fails, togai_sandbox, tmp_path
):
    """A sync journal never outweighs Togai: a row the interrupted apply wrote but that was
    changed in Togai since is planned (and written) again; the others count as resumed."""
    url = first_write_fails
    source = tmp_path / "in.csv"
    source.write_text(HEADER + ROWS)
    first = run_cli(url, "--max-retries", "0", "-o", "json", "sync", str(source), "--yes",
                    "--concurrency", "1")  # fmt: skip
    assert _summary(first.stdout)["result"]["failed"] == 1
    api.update_customer("r2", name="Someone Else")
    start = len(togai_sandbox.requests)
    r = run_cli(url, "-o", "json", "sync", str(source), "--yes", "--concurrency", "1")
    assert r.exit_code == 0, r.output
    plan = _summary(r.stdout)["plan"]
    assert (plan["create"], plan["update"], plan["unchanged"], plan["resumed"]) == (1, 1, 3, 3)
    writes = sorted((q.method, q.path) for q in togai_sandbox.requests[start:] if q.method != "GET")
    assert writes == [("PATCH", "/customers/r2"), ("POST", "/customers")]
    assert api.get_customer("r2").name == "Customer 2"


def test_failed_rows_of_another_target_are_not_replaced(togai_sandbox, togai_sandbox_url, tmp_path):
    """A run whose every row failed keeps no journal, but its failed rows name the target: a run
    against another target refuses to replace them (exit 2); --restart does."""
    source = tmp_path / "in.csv"
    source.write_text(HEADER + "r1,Customer 1,r1@x.io,\n")
    togai_sandbox.fail_next("500")
    r = run_cli(togai_sandbox_url, "--max-retries", "0", "-o", "json", "import", str(source))
    assert r.exit_code == 1
    assert "journal" not in _summary(r.stdout)  # nothing finished: nothing to go on with
    failed = source.with_name("in.csv.failed.jsonl")
    kept = failed.read_text()
    assert json.loads(kept)["target"] == togai_sandbox_url
    with Sandbox(api_key=KEY) as b, serve_in_thread(b) as url_b:
        refused = run_cli(url_b, "-o", "json", "import", str(source))
        assert refused.exit_code == 2
        assert f"in.csv.failed.jsonl lists rows that failed against {togai_sandbox_url}" in (
            refused.stderr
        )
        assert failed.read_text() == kept
        assert b.requests == []
        done = run_cli(url_b, "-o", "json", "import", str(source), "--restart")
        assert done.exit_code == 0, done.output
        assert not failed.exists()
        assert _ids(url_b) == ["r1"]


def test_a_resumed_run_goes_on_at_the_pace_the_journal_recorded(cli, partly_imported):
    """Every record carries the pace; the re-run starts a little below the last one (85%)
    instead of probing up from 10/s again."""
    journal = _journal_of(partly_imported)
    records = _records(partly_imported)[1:]
    assert all(rec["pace"] > 0 for rec in records)
    journal.write_text(
        journal.read_text().replace(f'"pace": {records[-1]["pace"]}', '"pace": 40.0')
    )
    r = cli("-o", "json", "import", str(partly_imported))
    assert r.exit_code == 0, r.output
    assert _summary(r.stdout)["pace"] == 34.0  # one request, sent at once: no change since


def test_restart_ignores_the_journal(cli, partly_imported):
    """--restart sends every row again (the finished ones are found already present)."""
    r = cli("-o", "json", "import", str(partly_imported), "--restart")
    assert r.exit_code == 0, r.output
    summary = _summary(r.stdout)
    assert (summary["created"], summary["alreadyPresent"], summary["skipped"]) == (1, 4, 0)


def test_rows_in_flight_at_an_interruption_are_checked_before_being_created(
    cli, togai_sandbox, togai_sandbox_url, make_customer, tmp_path
):
    """A row recorded as unknown is looked up first: there already, it is not created again."""
    source = tmp_path / "in.csv"
    source.write_text(
        HEADER + "r0,Customer 0,r0@x.io,\nr1,Customer 1,r1@x.io,1 Main St\nr2,Customer 2,r2@x.io,\n"
    )
    make_customer("r0", name="Customer 0", primary_email="r0@x.io")
    make_customer("r1", name="Customer 1", primary_email="r1@x.io", line1="1 Main St")
    file = open_rows(source)
    binding = Binding(command="import", target=togai_sandbox_url, api_key=KEY, content=file.sha256)
    finished, *in_flight = file.rows()
    with Journal(source, binding) as journal:  # as an interrupted run leaves it
        journal.record(finished, "created")
        for row in in_flight:
            journal.record(row, "unknown")
    before = len(togai_sandbox.requests)
    r = cli("-o", "json", "import", str(source), "--concurrency", "1")
    assert r.exit_code == 0, r.output
    summary = _summary(r.stdout)
    assert (summary["created"], summary["alreadyPresent"], summary["skipped"]) == (1, 1, 1)
    seen = [(q.method, q.path, q.status) for q in togai_sandbox.requests[before:]]
    assert seen == [
        ("GET", "/customers/r1", 200),
        ("GET", "/customers/r2", 404),
        ("POST", "/customers", 201),
    ]


def test_a_journal_line_cut_short_by_a_crash_is_ignored(cli, partly_imported):
    """A half-written last line (a kill in the middle of a write) does not stop the re-run."""
    journal = _journal_of(partly_imported)
    journal.write_text(journal.read_text() + '{"id": "r1", "key": "0123')
    r = cli("-o", "json", "import", str(partly_imported))
    assert r.exit_code == 0, r.output
    assert _summary(r.stdout)["skipped"] == 4


def test_a_file_that_is_not_a_journal_is_refused(cli, togai_sandbox, tmp_path):
    """Something else at FILE.journal.jsonl stops the import before any request (exit 2)."""
    source = tmp_path / "in.csv"
    source.write_text(HEADER + ROWS)
    (tmp_path / "in.csv.journal.jsonl").write_text("my notes\n")
    r = cli("import", str(source))
    assert r.exit_code == 2
    assert "is not a journal of togai-customers" in r.stderr
    assert "--restart" in r.stderr
    assert togai_sandbox.requests == []
    assert (tmp_path / "in.csv.journal.jsonl").read_text() == "my notes\n"
    assert cli("-o", "json", "import", str(source), "--restart").exit_code == 0


def test_two_runs_at_once_on_one_file_the_second_refuses(tmp_path):
    """While an import (a real CLI process, on a slow sandbox) holds the file's journal, a
    second run of the same file refuses at once (exit 2) and sends nothing; the first one
    completes every row."""
    source = tmp_path / "in.csv"
    source.write_text(HEADER + ROWS)
    journal = _journal_of(source)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOGAI_")}
    with (
        Sandbox(api_key=KEY, latency_ms=150) as first,
        serve_in_thread(first) as url,
        Sandbox(api_key=KEY) as other,
        serve_in_thread(other) as other_url,
    ):
        proc = subprocess.Popen(
            [sys.executable, "-m", "togai_customers", "--base-url", url, "--api-key", KEY,
             "-o", "json", "import", str(source), "--concurrency", "1"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while not (journal.exists() and journal.read_text().count("\n") >= 1):
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline
                time.sleep(0.01)
            second = run_cli(other_url, "-o", "json", "import", str(source))
            second_sync = run_cli(url, "-o", "json", "sync", str(source), "--yes")
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 0, err
        assert _summary(out)["created"] == 5
        assert other.requests == []
    for refused in (second, second_sync):
        assert refused.exit_code == 2, refused.output
        assert "another run is working on this file" in refused.stderr
    assert not journal.exists()


def test_a_journal_removed_while_waiting_for_its_lock_is_not_written_in_vain(
    togai_sandbox_url, tmp_path, monkeypatch
):
    """A run that opened the journal just before the run holding it removed it (it finished)
    takes the lock on the file the path names now, not on the removed one."""
    source = tmp_path / "in.csv"
    source.write_text(HEADER + ROWS)
    file = open_rows(source)
    binding = Binding(command="import", target=togai_sandbox_url, api_key=KEY, content=file.sha256)
    path = _journal_of(source)
    real_lock = _journal._lock
    calls = []

    def lock_after_the_other_run_removed_it(fd: int, src: Path) -> None:
        if not calls:
            path.unlink()  # the other run finishes between our open and our lock
        calls.append(fd)
        real_lock(fd, src)

    monkeypatch.setattr(_journal, "_lock", lock_after_the_other_run_removed_it)
    with Journal(source, binding) as journal:
        journal.record(next(file.rows()), "created")
        assert path.exists()
        assert '"outcome": "created"' in path.read_text()
    assert len(calls) == 2  # the removed file was let go, the new one locked


def test_summary_reports_the_pace_and_the_429s(cli, togai_sandbox, tmp_path):
    """Three 429s on the way (no Retry-After): every row is still created, and the summary
    counts every request and every 429 the sandbox answered, and the lowered pace."""
    source = tmp_path / "in.csv"
    source.write_text(
        "id,name,primary_email\n" + "".join(f"c{i},Co {i},c{i}@x.io\n" for i in range(10))
    )
    togai_sandbox.fail_next("429", "429", "429")
    r = cli("-o", "json", "import", str(source), "--concurrency", "1")
    assert r.exit_code == 0, r.output
    summary = _summary(r.stdout)
    log = togai_sandbox.requests
    assert (summary["created"], summary["requests"], summary["rateLimited"]) == (10, 13, 3)
    assert summary["requests"] == len(log)
    assert summary["rateLimited"] == sum(1 for q in log if q.status == 429)
    assert 0 < summary["pace"] < 10  # lowered from Togai's 10/s by the 429s
