"""The journal of `import` (and `sync`): a re-run skips the finished rows without a request."""

from __future__ import annotations

import fcntl
import json
from pathlib import Path

from togai_customers._cli._rows import open_rows
from togai_customers_server.sandbox import Sandbox

ROWS = "".join(f"r{i},Customer {i},r{i}@x.io,{i} Main St\n" for i in range(1, 6))
HEADER = "id,name,primary_email,line1\n"


def _summary(stdout: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(stdout)
    return data


def _journal(source: Path) -> list[dict[str, object]]:
    lines = source.with_name(source.name + ".journal.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def _posts(sandbox: Sandbox, since: int = 0) -> list[str]:
    return [r.status for r in sandbox.requests[since:] if r.method == "POST"]


def _first_run_with_one_failure(cli, togai_sandbox, tmp_path) -> Path:
    """Import 5 rows one at a time, the first create failing (500, no retries)."""
    source = tmp_path / "in.csv"
    source.write_text(HEADER + ROWS)
    togai_sandbox.fail_next("500")
    r = cli("--max-retries", "0", "-o", "json", "import", str(source), "--concurrency", "1")
    assert r.exit_code == 1, r.output
    assert _summary(r.stdout)["journal"] == str(source) + ".journal.jsonl"
    return source


def test_rerun_sends_requests_only_for_the_rows_not_finished(cli, api, togai_sandbox, tmp_path):
    """After a run where one row failed, the re-run sends one create: the four finished rows
    are skipped without a request; a run with nothing left removes the journal."""
    source = _first_run_with_one_failure(cli, togai_sandbox, tmp_path)
    records = _journal(source)
    assert records[0]["journal"] == "togai-customers journal"
    assert sorted((rec["id"], rec["outcome"]) for rec in records[1:]) == [
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
    assert len(togai_sandbox.requests) == before + 1
    assert "journal" not in summary
    assert not source.with_name("in.csv.journal.jsonl").exists()
    assert sorted(c.id for c in api.list_customers()) == ["r1", "r2", "r3", "r4", "r5"]


def test_a_resumed_run_goes_on_at_the_pace_the_journal_recorded(cli, togai_sandbox, tmp_path):
    """Every record carries the pace; the re-run starts a little below the last one (85%)
    instead of probing up from 10/s again."""
    source = _first_run_with_one_failure(cli, togai_sandbox, tmp_path)
    journal = source.with_name("in.csv.journal.jsonl")
    records = [json.loads(line) for line in journal.read_text().splitlines()[1:]]
    assert all(rec["pace"] > 0 for rec in records)
    journal.write_text(
        journal.read_text().replace(f'"pace": {records[-1]["pace"]}', '"pace": 40.0')
    )
    r = cli("-o", "json", "import", str(source))
    assert r.exit_code == 0, r.output
    assert _summary(r.stdout)["pace"] == 34.0  # one request, sent at once: no change since


def test_restart_ignores_the_journal(cli, togai_sandbox, tmp_path):
    """--restart sends every row again (the finished ones are found already present)."""
    source = _first_run_with_one_failure(cli, togai_sandbox, tmp_path)
    r = cli("-o", "json", "import", str(source), "--restart")
    assert r.exit_code == 0, r.output
    summary = _summary(r.stdout)
    assert (summary["created"], summary["alreadyPresent"], summary["skipped"]) == (1, 4, 0)


def test_the_journal_knows_rows_by_content_not_by_line(cli, togai_sandbox, tmp_path):
    """Rows moved, inserted or edited in the file: only the edited, new and failed rows are sent."""
    source = _first_run_with_one_failure(cli, togai_sandbox, tmp_path)
    lines = (HEADER + ROWS).splitlines(keepends=True)
    edited = lines[3].replace("Customer 3", "Customer Three")  # r3 changes: a new row
    source.write_text(
        lines[0] + "n1,New One,n1@x.io,\n" + lines[5] + lines[4] + edited + lines[2] + lines[1]
    )
    before = len(togai_sandbox.requests)
    r = cli("-o", "json", "import", str(source), "--concurrency", "1")
    summary = _summary(r.stdout)
    # n1 created, r1 (failed before) created, r3 edited: exists with another name -> failed.
    assert (summary["created"], summary["failed"], summary["skipped"]) == (2, 1, 3)
    assert sorted(_posts(togai_sandbox, before)) == [201, 201, 409]


def test_rows_in_flight_at_an_interruption_are_checked_before_being_created(
    cli, api, togai_sandbox, make_customer, tmp_path
):
    """A row recorded as unknown is looked up first: there already, it is not created again."""
    source = tmp_path / "in.csv"
    source.write_text(HEADER + "r1,Customer 1,r1@x.io,1 Main St\nr2,Customer 2,r2@x.io,\n")
    make_customer("r1", name="Customer 1", primary_email="r1@x.io", line1="1 Main St")
    rows, _ = open_rows(source)
    keys = [row.key for row in rows]
    journal = source.with_name("in.csv.journal.jsonl")
    journal.write_text(
        json.dumps({"journal": "togai-customers journal", "version": 1})
        + "\n"
        + "".join(json.dumps({"key": k, "outcome": "unknown"}) + "\n" for k in keys)
    )
    before = len(togai_sandbox.requests)
    r = cli("-o", "json", "import", str(source), "--concurrency", "1")
    assert r.exit_code == 0, r.output
    summary = _summary(r.stdout)
    assert (summary["created"], summary["alreadyPresent"]) == (1, 1)
    seen = [(q.method, q.path, q.status) for q in togai_sandbox.requests[before:]]
    assert seen == [
        ("GET", "/customers/r1", 200),
        ("GET", "/customers/r2", 404),
        ("POST", "/customers", 201),
    ]


def test_a_journal_line_cut_short_by_a_crash_is_ignored(cli, togai_sandbox, tmp_path):
    """A half-written last line (a kill in the middle of a write) does not stop the re-run."""
    source = _first_run_with_one_failure(cli, togai_sandbox, tmp_path)
    journal = source.with_name("in.csv.journal.jsonl")
    journal.write_text(journal.read_text() + '{"key": "0123')
    r = cli("-o", "json", "import", str(source))
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
    assert cli("-o", "json", "import", str(source), "--restart").exit_code == 0


def test_a_second_run_on_the_same_file_is_refused(cli, togai_sandbox, tmp_path):
    """While a run holds the file's journal, another one refuses to start (exit 2)."""
    source = tmp_path / "in.csv"
    source.write_text(HEADER + ROWS)
    journal = tmp_path / "in.csv.journal.jsonl"
    with journal.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        r = cli("import", str(source))
    assert r.exit_code == 2
    assert "another run is working on this file" in r.stderr
    assert togai_sandbox.requests == []


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
