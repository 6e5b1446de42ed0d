"""``togai-customers import`` fed bad files: clear errors, nothing stored beyond what it reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from togai_customers._cli import app
from togai_customers_server.sandbox import Sandbox

from ._support import API_KEY, customer_row


@pytest.fixture
def togai_sandbox() -> Any:
    """The sandbox of these tests accepts only the suites' key."""
    with Sandbox(api_key=API_KEY) as sandbox:
        yield sandbox


def _import(url: str, path: Path) -> Result:
    return CliRunner().invoke(
        app,
        ["--base-url", url, "--api-key", API_KEY, "-o", "json", "import", str(path)],
        env={"COLUMNS": "200"},
    )


def _stored(sandbox: Sandbox) -> list[str]:
    reply = sandbox.handle(
        "GET", "/customers", "pageSize=50", [("authorization", f"Bearer {API_KEY}")]
    )
    return [c["id"] for c in json.loads(reply.body)["data"]]


def _no_crash(r: Result) -> None:
    """The CLI ended on purpose (an exit code), not with an unhandled exception."""
    crash = r.exception is not None and not isinstance(r.exception, SystemExit)
    assert not crash, f"{type(r.exception).__name__}: {str(r.exception)[:120]}"
    assert "Traceback" not in r.output


def test_malformed_jsonl_rows_are_reported_one_by_one(togai_sandbox, togai_sandbox_url, tmp_path):
    """Bad JSON, non-objects, unknown or mistyped fields: each line named; only good rows stored."""
    good = {"id": "j1", "name": "Jay Co", "primaryEmail": "j@j.io", "address": {}}
    lines = [
        json.dumps(good),
        "{bad json",
        "[1, 2]",
        json.dumps({**good, "id": "j2", "bogus": 1}),
        json.dumps({**good, "id": 5}),
        json.dumps({**good, "id": "j6", "name": "J"}),
        json.dumps({**good, "id": "j7", "address": {"line1": ["x"]}}),
    ]
    source = tmp_path / "rows.jsonl"
    source.write_text("\n".join(lines) + "\n")
    r = _import(togai_sandbox_url, source)
    _no_crash(r)
    assert r.exit_code == 1
    summary = json.loads(r.stdout)
    assert (summary["rows"], summary["created"], summary["malformed"]) == (7, 1, 6)
    for line, words in [
        (2, "invalid JSON"),
        (3, "object"),
        (4, "bogus"),
        (5, "id"),
        (6, "name"),
        (7, "address.line1"),
    ]:
        assert any(f"line {line}" in x and words in x for x in r.stderr.splitlines()), (
            line,
            r.stderr,
        )
    failed = [
        json.loads(x) for x in (tmp_path / "rows.jsonl.failed.jsonl").read_text().splitlines()
    ]
    assert [f["line"] for f in failed] == [2, 3, 4, 5, 6, 7]
    assert _stored(togai_sandbox) == ["j1"]


def test_csv_with_bad_cells_stores_only_the_good_rows(togai_sandbox, togai_sandbox_url, tmp_path):
    """Short/long rows and invalid values are reported by line; the valid rows are stored."""
    source = tmp_path / "rows.csv"
    source.write_text(
        "id,name,primary_email,city\n"
        "c1,Good One,a@a.io,Oslo\n"
        "c2,Too,Many,Cells,Here\n"
        "c3,Short\n"
        "c4,No,b@b.io,Rome\n"
        f"c5,{'N' * 256},c@c.io,Rome\n"
        "c6,Good Six,d@d.io,\n"
    )
    r = _import(togai_sandbox_url, source)
    _no_crash(r)
    assert r.exit_code == 1
    summary = json.loads(r.stdout)
    assert (summary["created"], summary["malformed"]) == (2, 4)
    for line in (3, 4, 5, 6):
        assert f"line {line}" in r.stderr
    assert sorted(_stored(togai_sandbox)) == ["c1", "c6"]


def test_unknown_csv_columns_stop_before_anything_is_sent(
    togai_sandbox, togai_sandbox_url, tmp_path
):
    """A header with an unknown column is a usage error naming it; nothing is created."""
    source = tmp_path / "rows.csv"
    source.write_text("id,name,primary_email,favourite_colour\nc1,Good One,a@a.io,blue\n")
    r = _import(togai_sandbox_url, source)
    _no_crash(r)
    assert r.exit_code == 2
    assert "favourite_colour" in r.output
    assert _stored(togai_sandbox) == []


@pytest.mark.parametrize("name", ["missing.csv", "folder.csv", "notes.txt"])
def test_unreadable_or_unsupported_files_are_refused_clearly(
    togai_sandbox, togai_sandbox_url, tmp_path, name
):
    """A missing file, a directory or an unsupported extension: a clear error, nothing sent."""
    path = tmp_path / name
    if name == "folder.csv":
        path.mkdir()
    elif name == "notes.txt":
        path.write_text("id,name,primary_email\nc1,Good One,a@a.io\n")
    r = _import(togai_sandbox_url, path)
    _no_crash(r)
    assert r.exit_code == 2
    assert name in r.output
    assert togai_sandbox.requests == []


# Where the undecodable bytes are: in the header, or in a row far into the file (after more
# than one read buffer of good rows, so some rows may already have been sent).
@pytest.mark.parametrize("where", ["header", "late-row"])
@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_non_utf8_input_is_a_clear_error_and_the_report_matches_the_state(
    togai_sandbox, togai_sandbox_url, tmp_path, where, suffix
):
    """Latin-1 bytes: a message naming the encoding, no traceback; stored rows are all reported."""
    rows = [customer_row(i) for i in range(300)]
    if suffix == ".csv":
        lines = ["id,name,primary_email"] + [
            f"{r['id']},{r['name']},{r['primary_email']}" for r in rows
        ]
    else:
        lines = [
            json.dumps(
                {
                    "id": r["id"],
                    "name": r["name"],
                    "primaryEmail": r["primary_email"],
                    "address": {},
                }
            )
            for r in rows
        ]
    data = "\n".join(lines).encode() + b"\n"
    bad = "Caf\xe9 Ltd".encode("latin-1")
    if where == "header":
        data = (b"\xff\xfe" if suffix == ".csv" else b'{"name": "' + bad + b'"}\n') + data
    else:
        data += (
            (b"x1," + bad + b",x@x.io\n")
            if suffix == ".csv"
            else (b'{"id": "x1", "name": "' + bad + b'"}\n')
        )
    source = tmp_path / f"rows{suffix}"
    source.write_bytes(data)
    r = _import(togai_sandbox_url, source)
    _no_crash(r)
    assert r.exit_code != 0
    assert "UTF-8" in r.output or "utf-8" in r.output, r.output[-500:]
    stored = _stored_all(togai_sandbox)
    reported = json.loads(r.stdout)["created"] if r.stdout.strip() else 0
    assert len(stored) == reported


def _stored_all(sandbox: Sandbox) -> list[str]:
    ids: list[str] = []
    token = ""
    while True:
        query = "pageSize=50" + (f"&nextToken={token}" if token else "")
        reply = sandbox.handle("GET", "/customers", query, [("authorization", f"Bearer {API_KEY}")])
        page = json.loads(reply.body)
        ids += [c["id"] for c in page["data"]]
        token = page.get("nextToken", "")
        if not token:
            return ids
