"""`import` and `export` against the sandbox: re-runnable imports, round trips, failure files."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from typer.testing import CliRunner

from togai_customers import TogaiCustomers
from togai_customers._cli import app

from .conftest import run_cli

GOOD_DUPLICATE_MALFORMED = (
    "id,name,primary_email,line1,city,country\n"
    "acme,Acme Corp,billing@acme.com,1 Main St,Paris,FR\n"  # line 2: good
    "beta,Beta Inc,ops@beta.io,,Oslo,NO\n"  # line 3: good
    "acme,Acme Corp,billing@acme.com,1 Main St,Paris,FR\n"  # line 4: duplicate of line 2
    "gamma,Ga,g@gamma.io,,,\n"  # line 5: malformed, name too short
    "delta,Delta AG,d@delta.de,,Berlin,DE,extra\n"  # line 6: malformed, one cell too many
    "epsilon,Epsilon SA,e@eps.fr,,Lyon,FR\n"  # line 7: good
)


def _summary(stdout: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(stdout)
    return data


#: Summary fields that depend on timing (the pace, the seconds), left out of exact comparisons.
TIMING = ("requests", "rateLimited", "pace", "seconds")


def _counts(stdout: str) -> dict[str, object]:
    """The summary without its timing fields."""
    return {k: v for k, v in _summary(stdout).items() if k not in TIMING}


def _snapshot(api: TogaiCustomers) -> dict[str, tuple[object, ...]]:
    """Every customer's id -> (togaiCustomerId, name, email, address, updatedAt)."""
    return {
        c.id: (c.togai_customer_id, c.name, c.primary_email, c.address, c.updated_at)
        for c in api.list_customers(page_size=50)
    }


def test_import_csv_good_duplicate_and_malformed_rows(cli, api, recorded, tmp_path):
    """Good rows are created; a repeated id and malformed rows are reported with their line and
    not sent (one create per good row, none for the repeated one)."""
    url, seen = recorded
    source = tmp_path / "customers.csv"
    source.write_text(GOOD_DUPLICATE_MALFORMED)
    r = run_cli(url, "-o", "json", "import", str(source))
    assert r.exit_code == 1, r.output  # malformed rows: not every row made it
    assert _counts(r.stdout) == {
        "rows": 6,
        "created": 3,
        "alreadyPresent": 0,
        "failed": 0,
        "malformed": 3,
        "skipped": 0,
        "failedFile": str(source) + ".failed.jsonl",
    }
    assert "line 4: malformed: id acme is also on line 2" in r.stderr
    assert "line 5: malformed: name: must be at least 3 characters (got 2)" in r.stderr
    assert "line 6: malformed: 7 cells, the header has 6" in r.stderr
    assert sorted(s.body["id"] for s in seen if s.write) == ["acme", "beta", "epsilon"]
    customers = _snapshot(api)
    assert sorted(customers) == ["acme", "beta", "epsilon"]
    acme = api.get_customer("acme")
    assert (acme.name, acme.address.line1, acme.address.city) == ("Acme Corp", "1 Main St", "Paris")
    assert api.get_customer("beta").address.line1 is None  # an empty cell is no value
    failed = [json.loads(line) for line in (tmp_path / "customers.csv.failed.jsonl").open()]
    assert [(f["line"], f["row"]["id"]) for f in failed] == [
        (4, "acme"),
        (5, "gamma"),
        (6, "delta"),
    ]
    assert failed[1]["error"] == "name: must be at least 3 characters (got 2)"
    assert all("target" not in f for f in failed)  # they fail the same against any target

    again = run_cli(url, "-o", "json", "import", str(source))
    assert _summary(again.stdout)["created"] == 0
    assert _summary(again.stdout)["alreadyPresent"] == 3
    assert _snapshot(api) == customers  # nothing new, nothing changed


def test_import_clean_file_exits_0_and_removes_stale_failures(cli, api, tmp_path):
    """A fully successful import exits 0 and removes a failure file left by an earlier run."""
    source = tmp_path / "ok.csv"
    source.write_text("id,name,primary_email\nc1,One Inc,one@x.io\nc2,Two Inc,two@x.io\n")
    stale = tmp_path / "ok.csv.failed.jsonl"
    stale.write_text('{"line": 9}\n')
    r = cli("-o", "json", "import", str(source), "--concurrency", "1")
    assert r.exit_code == 0, r.output
    assert _summary(r.stdout)["created"] == 2
    assert "failedFile" not in _summary(r.stdout)
    assert not stale.exists()
    assert sorted(_snapshot(api)) == ["c1", "c2"]


def test_import_existing_with_other_data_fails(cli, api, make_customer, tmp_path):
    """A 409 whose stored customer differs is a failure naming the differing fields."""
    make_customer("c1", name="Original Name")
    source = tmp_path / "in.csv"
    source.write_text("id,name,primary_email\nc1,Other Name,c1@example.com\n")
    r = cli("-o", "json", "import", str(source))
    assert r.exit_code == 1
    assert _summary(r.stdout)["failed"] == 1
    (failure,) = [json.loads(line) for line in (tmp_path / "in.csv.failed.jsonl").open()]
    assert failure["error"] == "already exists with different name"
    assert api.get_customer("c1").name == "Original Name"


def test_import_jsonl_with_bad_lines(cli, api, tmp_path):
    """JSON Lines rows are request bodies; bad JSON and bad fields are reported by line."""
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"id": "j1", "name": "Jay One", "primaryEmail": "j1@x.io", "address": {}})
        + "\n{not json\n\n"
        + json.dumps({"id": "j2", "name": "Jay Two", "primaryEmail": "j2@x.io"})
        + "\n"
        + json.dumps(
            {
                "id": "j3",
                "name": "Jay Three",
                "primaryEmail": "j3@x.io",
                "address": {},
                "nickname": "jt",
            }
        )
        + "\n"
    )
    r = cli("-o", "json", "import", str(source))
    assert r.exit_code == 1
    assert _summary(r.stdout)["created"] == 1
    assert _summary(r.stdout)["malformed"] == 3
    assert "line 2: malformed: invalid JSON" in r.stderr
    assert "line 4: malformed: address: field required" in r.stderr
    assert "line 5: malformed: nickname: unknown field" in r.stderr
    assert sorted(_snapshot(api)) == ["j1"]


def test_import_rejects_unknown_csv_columns(cli, togai_sandbox, tmp_path):
    """An unknown CSV column stops the import before any request (exit 2)."""
    source = tmp_path / "in.csv"
    source.write_text("id,name,email\nc1,One Inc,one@x.io\n")
    earlier = tmp_path / "in.csv.failed.jsonl"
    earlier.write_text('{"line": 2}\n')
    r = cli("import", str(source))
    assert r.exit_code == 2
    assert earlier.read_text() == '{"line": 2}\n'  # an import that did not run keeps it
    assert r.stderr.startswith(f"Error: {source}: unknown column(s) email; the columns are id,")
    assert togai_sandbox.requests == []


def test_import_missing_file_is_usage_error(cli, tmp_path):
    """A file that does not exist is a usage error (exit 2)."""
    assert cli("import", str(tmp_path / "nope.csv")).exit_code == 2


def test_import_with_concurrency(cli, api, tmp_path):
    """Many rows with --concurrency 16 are all created exactly once."""
    rows = "".join(f"c{i},Customer {i},c{i}@x.io\n" for i in range(60))
    source = tmp_path / "many.csv"
    source.write_text("id,name,primary_email\n" + rows)
    r = cli("-o", "json", "import", str(source), "--concurrency", "16")
    assert r.exit_code == 0, r.output
    assert _summary(r.stdout)["created"] == 60
    assert len(_snapshot(api)) == 60


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_import_round_trip(
    cli, make_customer, api, fresh_sandbox_url, api_key, tmp_path, fmt
):
    """export -> import into a fresh sandbox gives the same customers (ids, names, addresses)."""
    make_customer("a1", line1="1 Main St", city="Paris", country="FR", postal_code="75001")
    make_customer("b2", name='Beta, "quoted" Inc', phone_number="+47 22 00")
    for i in range(55):  # more than one page of the largest size
        make_customer(f"z{i:02d}")
    out = tmp_path / f"customers.{fmt}"
    r = cli("export", "--output-file", str(out))
    assert r.exit_code == 0, r.output
    assert r.stderr.strip() == f"Exported 57 customers to {out}."
    runner = CliRunner()
    imported = runner.invoke(
        app,
        ["--base-url", fresh_sandbox_url, "--api-key", api_key, "-o", "json", "import", str(out)],
    )
    assert imported.exit_code == 0, imported.output
    assert _summary(imported.stdout)["created"] == 57
    with TogaiCustomers(api_key, base_url=fresh_sandbox_url) as fresh:
        copied = {c.id: (c.name, c.primary_email, c.address) for c in fresh.list_customers()}
    original = {c.id: (c.name, c.primary_email, c.address) for c in api.list_customers()}
    assert copied == original
    assert len(copied) == 57


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_to_stdout(cli, make_customer, fmt):
    """Without --output-file, export streams to stdout in the chosen format."""
    make_customer("c1", city="Oslo")
    make_customer("c2")
    r = cli("export", "--format", fmt)
    assert r.exit_code == 0, r.output
    if fmt == "jsonl":
        ids = [json.loads(line)["id"] for line in r.stdout.splitlines()]
    else:
        ids = [row["id"] for row in csv.DictReader(io.StringIO(r.stdout))]
    assert ids == ["c1", "c2"]


def test_failed_export_leaves_no_file(tmp_path):
    """An export that fails midway (API unreachable) writes no file at all."""
    out = tmp_path / "out.jsonl"
    r = CliRunner().invoke(
        app,
        [
            "--base-url",
            "http://127.0.0.1:9",
            "--api-key",
            "k",
            "--max-retries",
            "0",
            "export",
            "-f",
            str(out),
        ],
    )
    assert r.exit_code == 1
    assert r.stderr.startswith("Error: Connection error")
    assert list(tmp_path.iterdir()) == []


def test_import_api_failure_is_written_and_rerun_completes(cli, api, togai_sandbox, tmp_path):
    """A row the API fails (500, no retries) goes to FILE.failed.jsonl; a re-run creates it."""
    source = tmp_path / "in.csv"
    source.write_text("id,name,primary_email\nc1,One Inc,one@x.io\n")
    togai_sandbox.fail_next("500")
    r = cli("--max-retries", "0", "-o", "json", "import", str(source))
    assert r.exit_code == 1
    (failure,) = [json.loads(line) for line in (tmp_path / "in.csv.failed.jsonl").open()]
    assert failure["line"] == 2
    assert failure["error"].startswith("500 Internal Server Error: ")
    again = cli("--max-retries", "0", "-o", "json", "import", str(source))
    assert again.exit_code == 0, again.output
    assert _summary(again.stdout)["created"] == 1
    assert api.get_customer("c1").name == "One Inc"


def test_import_progress_on_a_terminal(on_terminal, togai_sandbox_url, api_key, api, tmp_path):
    """On a terminal the import shows a progress bar with rows/s and the summary table."""
    source = tmp_path / "in.csv"
    source.write_text(
        "id,name,primary_email\n" + "".join(f"c{i},Co {i},c{i}@x.io\n" for i in range(20))
    )
    code, screen = on_terminal(
        ["--base-url", togai_sandbox_url, "--api-key", api_key, "import", str(source)]
    )
    assert code == 0, screen
    assert "Importing" in screen
    assert "rows/s" in screen
    assert "20/20" in screen
    assert "already_present" in screen  # the summary, as a table
    assert len(list(api.list_customers())) == 20


def test_export_reads_100_per_page(cli, make_customer, togai_sandbox):
    """150 customers are exported with two page requests of 100 (and no third)."""
    for i in range(150):
        make_customer(f"p{i:03d}")
    start = len(togai_sandbox.requests)
    r = cli("export", "--format", "jsonl")
    assert r.exit_code == 0, r.output
    assert len(r.stdout.splitlines()) == 150
    pages = togai_sandbox.requests[start:]
    assert [q.path for q in pages] == ["/customers", "/customers"]
    assert "pageSize=100" in pages[0].query


def test_export_progress_on_a_terminal(
    on_terminal, togai_sandbox_url, api_key, make_customer, tmp_path
):
    """On a terminal, export shows a progress line (count and elapsed time) on stderr."""
    for i in range(5):
        make_customer(f"t{i}")
    out = tmp_path / "out.jsonl"
    code, screen = on_terminal(
        ["--base-url", togai_sandbox_url, "--api-key", api_key, "export", "-f", str(out)]
    )
    assert code == 0, screen
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen)  # without the terminal's colours
    assert re.search(r"Exported \d+ customers \d:\d\d:\d\d", plain), plain
    assert f"Exported 5 customers to {out}." in screen
