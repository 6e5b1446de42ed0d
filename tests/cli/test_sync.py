"""`sync FILE`: the plan (exact counts, field-by-field), --dry-run sending no write, applying
exactly the differences, asking first, reading the current state at the lower cost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from togai_customers import TogaiCustomers

from .conftest import run_cli

HEADER = "id,name,primary_email,line1,city,country\n"
FILE = (
    HEADER
    + "a1,Alpha Ltd,a1@x.io,1 Main St,Paris,FR\n"  # line 2: unchanged
    + "b2,Beta Limited,b2@x.io,,Oslo,NO\n"  # line 3: name differs
    + "c3,Gamma Ltd,c3@x.io,,Bergen,NO\n"  # line 4: address differs (city)
    + "d4,Delta Ltd,new-d4@x.io,,,DE\n"  # line 5: primary email differs
    + "e5,Epsilon Ltd,e5@x.io,,Lyon,FR\n"  # line 6: missing: create
    + "x9,X,x9@x.io,,,\n"  # line 7: invalid (name too short)
    + "a1,Alpha Ltd,a1@x.io,1 Main St,Paris,FR\n"  # line 8: invalid (a1 again)
)


@pytest.fixture
def customers(make_customer) -> None:
    """a1..d4 as Togai holds them before the sync."""
    make_customer("a1", name="Alpha Ltd", primary_email="a1@x.io", line1="1 Main St", city="Paris")
    make_customer("b2", name="Beta Ltd", primary_email="b2@x.io", city="Oslo", country="NO")
    make_customer("c3", name="Gamma Ltd", primary_email="c3@x.io", city="Oslo", country="NO")
    make_customer("d4", name="Delta Ltd", primary_email="d4@x.io", country="DE")


def _fix_a1(api: TogaiCustomers) -> None:
    """make_customer gave a1 no country: give it FR, as the file says."""
    api.update_customer("a1", address={"line1": "1 Main St", "city": "Paris", "country": "FR"})


@pytest.fixture
def source(tmp_path: Path, customers, api) -> Path:
    _fix_a1(api)
    path = tmp_path / "customers.csv"
    path.write_text(FILE)
    return path


def _state(api: TogaiCustomers) -> dict[str, tuple[object, ...]]:
    return {c.id: (c.name, c.primary_email, c.address, c.updated_at) for c in api.list_customers()}


def test_dry_run_plan_counts_are_exact_and_nothing_is_written(cli, api, togai_sandbox, source):
    """--dry-run -o json: one of each kind as planned, field by field, and only reads sent."""
    before = _state(api)
    start = len(togai_sandbox.requests)
    r = cli("-o", "json", "sync", str(source), "--dry-run")
    assert r.exit_code == 1, r.output  # invalid rows
    plan = json.loads(r.stdout)["plan"]
    assert {k: plan[k] for k in ("create", "update", "unchanged", "invalid", "resumed")} == {
        "create": 1,
        "update": 3,
        "unchanged": 1,
        "invalid": 2,
        "resumed": 0,
    }
    assert plan["reads"] == 1  # one page of 100 holds every customer
    by_line = {c["line"]: c for c in plan["changes"]}
    assert by_line[3] == {
        "line": 3,
        "id": "b2",
        "action": "update",
        "fields": {"name": {"from": "Beta Ltd", "to": "Beta Limited"}},
    }
    assert by_line[4]["fields"] == {
        "address": {
            "from": {"city": "Oslo", "country": "NO"},
            "to": {"city": "Bergen", "country": "NO"},
        }
    }
    assert by_line[5]["fields"] == {"primaryEmail": {"from": "d4@x.io", "to": "new-d4@x.io"}}
    assert by_line[6]["action"] == "create"
    assert by_line[6]["fields"]["name"] == {"to": "Epsilon Ltd"}
    assert by_line[7] == {
        "line": 7,
        "id": "x9",
        "action": "invalid",
        "error": "name: must be at least 3 characters (got 1)",
    }
    assert by_line[8]["error"] == "id a1 is also on line 2"
    assert 2 not in by_line  # unchanged rows are counted, not listed
    sent = togai_sandbox.requests[start:]
    assert [(q.method, q.path) for q in sent] == [("GET", "/customers")]
    assert _state(api) == before
    assert not list(source.parent.glob("*.journal.jsonl"))
    assert not list(source.parent.glob("*.failed.jsonl"))


def test_the_text_plan_shows_counts_and_differences(cli, source):
    """The default plan: counts per kind, then each row to change with its differences."""
    r = cli("-o", "table", "sync", str(source), "--dry-run")
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    assert lines[:5] == [
        "Plan for customers.csv (current state read with 1 request):",
        "  create     1",
        "  update     3",
        "  unchanged  1",
        "  invalid    2",
    ]
    assert '      name: "Beta Ltd" -> "Beta Limited"' in lines
    assert '      primaryEmail: "d4@x.io" -> "new-d4@x.io"' in lines
    assert "  line 7: name: must be at least 3 characters (got 1)" in lines


def test_sync_applies_exactly_the_differences(api, recorded, togai_sandbox, tmp_path, customers):
    """--yes: one create, and one update per differing customer carrying only what differs
    (the address whole); the unchanged customer is not touched; nothing is deleted."""
    url, seen = recorded
    _fix_a1(api)
    source = tmp_path / "customers.csv"
    source.write_text(FILE)
    a1_before = api.get_customer("a1")
    r = run_cli(url, "-o", "json", "sync", str(source), "--yes", "--concurrency", "1")
    assert r.exit_code == 1, r.output  # the two invalid rows
    writes = sorted((s.method, s.path, json.dumps(s.body)) for s in seen if s.write)
    assert writes == sorted(
        [
            ("PATCH", "/customers/b2", json.dumps({"name": "Beta Limited"})),
            (
                "PATCH",
                "/customers/c3",
                json.dumps({"address": {"city": "Bergen", "country": "NO"}}),
            ),
            ("PATCH", "/customers/d4", json.dumps({"primaryEmail": "new-d4@x.io"})),
            (
                "POST",
                "/customers",
                json.dumps(
                    {
                        "id": "e5",
                        "name": "Epsilon Ltd",
                        "primaryEmail": "e5@x.io",
                        "address": {"city": "Lyon", "country": "FR"},
                    }
                ),
            ),
        ]
    )
    result = json.loads(r.stdout)["result"]
    assert {k: result[k] for k in ("created", "updated", "unchanged", "failed", "invalid")} == {
        "created": 1,
        "updated": 3,
        "unchanged": 1,
        "failed": 0,
        "invalid": 2,
    }
    assert api.get_customer("a1") == a1_before
    assert api.get_customer("b2").name == "Beta Limited"
    assert api.get_customer("c3").address.city == "Bergen"
    assert api.get_customer("d4").primary_email == "new-d4@x.io"
    assert api.get_customer("e5").address.city == "Lyon"
    failed = [json.loads(line) for line in (tmp_path / "customers.csv.failed.jsonl").open()]
    assert [f["line"] for f in failed] == [7, 8]
    again = run_cli(url, "-o", "json", "sync", str(source), "--dry-run")
    plan = json.loads(again.stdout)["plan"]
    assert (plan["create"], plan["update"]) == (0, 0)


def test_without_a_terminal_sync_refuses_to_apply_without_yes(cli, api, togai_sandbox, source):
    """Piped, sync prints the plan and refuses (exit 2) without --yes, writing nothing."""
    before = _state(api)
    start = len(togai_sandbox.requests)
    r = cli("-o", "table", "sync", str(source))
    assert r.exit_code == 2
    assert r.stdout.startswith("Plan for customers.csv")
    assert "refusing to apply the plan without --yes" in r.stderr
    assert all(q.method == "GET" for q in togai_sandbox.requests[start:])
    assert _state(api) == before


@pytest.mark.parametrize(("answer", "applied"), [("y", True), ("n", False)])
def test_on_a_terminal_sync_asks_first(
    on_terminal, togai_sandbox_url, api_key, api, source, answer, applied
):
    """On a terminal the plan is shown and sync asks; only a yes applies it."""
    code, screen = on_terminal(
        ["--base-url", togai_sandbox_url, "--api-key", api_key, "sync", str(source)],
        answer=answer,
    )
    assert "Apply: create 1, update 3? [y/N]" in screen
    assert "Beta Limited" in screen
    assert api.get_customer("b2").name == ("Beta Limited" if applied else "Beta Ltd")
    assert code == 1  # applied with invalid rows, or declined


def test_reads_by_listing_when_the_file_names_most_customers(
    cli, api, togai_sandbox, make_customer, tmp_path
):
    """250 customers, all in the file: three pages of 100 are read, no customer one by one."""
    for i in range(250):
        make_customer(f"c{i:03d}")
    out = tmp_path / "all.csv"
    assert cli("export", "-f", str(out)).exit_code == 0
    start = len(togai_sandbox.requests)
    r = cli("-o", "json", "sync", str(out), "--dry-run")
    assert r.exit_code == 0, r.output
    plan = json.loads(r.stdout)["plan"]
    assert (plan["unchanged"], plan["reads"]) == (250, 3)
    sent = togai_sandbox.requests[start:]
    assert [(q.method, q.path) for q in sent] == [("GET", "/customers")] * 3
    assert all("pageSize=100" in q.query or "nextToken" in q.query for q in sent)


def test_reads_one_by_one_when_the_file_names_few_customers(
    cli, togai_sandbox, make_customer, tmp_path
):
    """250 customers, one in the file (not on the first page): one page, then one get."""
    for i in range(250):
        make_customer(f"c{i:03d}")
    source = tmp_path / "one.csv"
    source.write_text("id,name,primary_email\nc249,Renamed Co,c249@example.com\n")
    start = len(togai_sandbox.requests)
    r = cli("-o", "json", "sync", str(source), "--dry-run")
    plan = json.loads(r.stdout)["plan"]
    assert (plan["update"], plan["reads"]) == (1, 2)
    sent = togai_sandbox.requests[start:]
    assert [(q.method, q.path) for q in sent] == [("GET", "/customers"), ("GET", "/customers/c249")]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_edit_sync_round_trips(cli, api, make_customer, tmp_path, fmt):
    """export -> edit two rows and add one -> sync: Togai then matches the file exactly."""
    for i in range(30):
        make_customer(f"k{i:02d}", city="Oslo")
    out = tmp_path / f"customers.{fmt}"
    assert cli("export", "-f", str(out)).exit_code == 0
    lines = out.read_text().splitlines()
    if fmt == "csv":
        lines[1] = lines[1].replace("Customer k00", "Renamed Zero")
        lines[2] = lines[2].replace("Oslo", "Bergen")
        lines.append(lines[3].replace("k02,", "new1,", 1))
    else:
        rows = [json.loads(line) for line in lines]
        rows[0]["name"] = "Renamed Zero"
        rows[1]["address"]["city"] = "Bergen"
        rows.append({**rows[2], "id": "new1"})
        lines = [json.dumps(row) for row in rows]
    out.write_text("\n".join(lines) + "\n")
    r = cli("-o", "json", "sync", str(out), "--yes")
    assert r.exit_code == 0, r.output
    result = json.loads(r.stdout)["result"]
    assert (result["created"], result["updated"], result["unchanged"]) == (1, 2, 28)
    assert api.get_customer("k00").name == "Renamed Zero"
    assert api.get_customer("k01").address.city == "Bergen"
    assert api.get_customer("new1").name == "Customer k02"
    plan = json.loads(cli("-o", "json", "sync", str(out), "--dry-run").stdout)["plan"]
    assert (plan["create"], plan["update"], plan["unchanged"]) == (0, 0, 31)


def test_bad_input_stops_before_any_request(cli, togai_sandbox, tmp_path):
    """An unknown column, a file that is not UTF-8 or not .csv/.jsonl: exit 2, no request."""
    unknown = tmp_path / "in.csv"
    unknown.write_text("id,name,email\nc1,One Inc,one@x.io\n")
    r = cli("sync", str(unknown), "--dry-run")
    assert r.exit_code == 2
    assert "unknown column(s) email" in r.stderr
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"id,name,primary_email\nc1,Caf\xe9 Inc,c@x.io\n")
    r = cli("sync", str(latin), "--dry-run")
    assert r.exit_code == 2
    assert "not UTF-8 text" in r.stderr
    other = tmp_path / "in.txt"
    other.write_text("id\n")
    assert cli("sync", str(other)).exit_code == 2
    assert cli("sync", str(tmp_path / "missing.csv")).exit_code == 2
    assert togai_sandbox.requests == []


def test_csv_output_is_refused_for_the_plan(cli, source):
    """-o csv has no meaning for a plan: a usage error."""
    r = cli("-o", "csv", "sync", str(source), "--dry-run")
    assert r.exit_code == 2
    assert "-o table, json or jsonl" in r.stderr
