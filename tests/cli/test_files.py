"""Bulk files as people make them: unclosed quotes, repeated ids, semicolons and tabs, values
Togai takes but that are likely mistakes; every message of a row on one line of a log."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from togai_customers._cli._countries import ISO_3166_ALPHA_2, country_problem

from .conftest import KEY

LONG_EMAIL = "x" * 320 + "@example.com"
FILE = (
    "id,name,primary_email,line1,city,country\n"
    "acme,Acme Corp,billing@acme.com,1 Main St,Paris,FR\n"  # line 2: good
    'beta,"Beta Inc,ops@beta.io,,Oslo,NO\n'  # line 3: a quote never closed
    "gamma,Gamma Ltd,g@gamma.io,,Bergen,NO\n"  # line 4: good
    "acme,Acme Again,again@acme.com,,,FR\n"  # line 5: the id of line 2 again
    f"delta,Dx,{LONG_EMAIL},,,DE\n"  # line 6: two errors, a long message
    "epsilon,Epsilon SA,e-at-eps.fr,,Lyon,France\n"  # line 7: sent, with two warnings
    'zeta,"Zeta Oy, ""Helsinki""",z@zeta.fi,,Helsinki,FI\n'  # line 8: good, quotes closed
)
EMAIL_WARNING = (
    "line 7: warning: primary_email 'e-at-eps.fr' is not an email address; sent as it is "
    "(Togai does not check it)"
)
COUNTRY_WARNING = (
    "line 7: warning: country 'France' is not an ISO 3166-1 alpha-2 code; sent as it is "
    "(Togai does not check it)"
)


def _cli_process(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The real CLI in a fresh process, stderr a pipe (not a terminal), a narrow COLUMNS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOGAI_")}
    return subprocess.run(
        [sys.executable, "-m", "togai_customers", "--base-url", url, "--api-key", KEY, *args],
        capture_output=True,
        text=True,
        env={**env, "COLUMNS": "40"},
        timeout=60,
        check=False,
    )


def test_a_messy_file_in_a_real_process(cli, api, togai_sandbox, togai_sandbox_url, tmp_path):
    """One import process of a file with an unclosed quote, a repeated id, a row with two
    errors and one with two warnings: each message is one line of stderr (a pipe, COLUMNS=40),
    at the line the row starts on; the count stays right; the rows after the quote are still
    created; the repeated row and the bad ones are never sent; the warned row is, as it is.
    sync's plan of the same file lists the same problems and the warnings with their line."""
    source = tmp_path / "customers.csv"
    source.write_text(FILE)
    plan = json.loads(cli("-o", "json", "sync", str(source), "--dry-run").stdout)["plan"]
    assert (plan["create"], plan["invalid"]) == (4, 3)
    assert {c["line"]: c.get("error") for c in plan["changes"] if c["action"] == "invalid"} == {
        3: "unclosed quote",
        5: "id acme is also on line 2",
        6: "name: must be at least 3 characters (got 2); primary_email: must be at most 320 "
        "characters (got 332)",
    }
    assert [(w["line"], w["id"]) for w in plan["warnings"]] == [(7, "epsilon"), (7, "epsilon")]
    text = cli("-o", "table", "sync", str(source), "--dry-run").stdout.splitlines()
    assert "Warnings (2, sent as they are):" in text
    assert "  " + COUNTRY_WARNING.replace("warning: ", "") in text

    done = _cli_process(togai_sandbox_url, "-o", "json", "import", str(source))
    assert done.returncode == 1, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["rows"], summary["created"], summary["malformed"]) == (7, 4, 3)
    lines = done.stderr.splitlines()
    assert "line 3: malformed: unclosed quote" in lines
    assert "line 5: malformed: id acme is also on line 2" in lines
    assert (
        "line 6: malformed: name: must be at least 3 characters (got 2); primary_email: must be "
        "at most 320 characters (got 332)"
    ) in lines
    assert EMAIL_WARNING in lines
    assert COUNTRY_WARNING in lines
    assert len(lines) == 5
    assert [(w["line"], w["id"]) for w in summary["warnings"]] == [(7, "epsilon"), (7, "epsilon")]
    posts = [q for q in togai_sandbox.requests if q.method == "POST"]
    assert len(posts) == 4
    assert sorted(c.id for c in api.list_customers()) == ["acme", "epsilon", "gamma", "zeta"]
    assert api.get_customer("acme").name == "Acme Corp"  # the first acme row, not the second
    epsilon = api.get_customer("epsilon")
    assert (epsilon.primary_email, epsilon.address.country) == ("e-at-eps.fr", "France")
    assert api.get_customer("zeta").name == 'Zeta Oy, "Helsinki"'


def test_a_semicolon_file_gets_a_hint_in_a_real_process(cli, api, togai_sandbox_url, tmp_path):
    """A semicolon-separated file stops before any request (exit 2) with one line naming the
    separator and the option; with --delimiter ';' it imports."""
    source = tmp_path / "excel.csv"
    source.write_text("id;name;primary_email;country\nc1;One Inc;one@x.io;FR\n")
    refused = _cli_process(togai_sandbox_url, "import", str(source))
    assert refused.returncode == 2
    (line,) = refused.stderr.splitlines()
    assert line.startswith(f"Error: {source}: unknown column(s) id;name;primary_email;country")
    assert line.endswith("it looks separated by semicolons (;): use --delimiter ';'")
    assert list(api.list_customers()) == []
    r = cli("-o", "json", "import", str(source), "--delimiter", ";")
    assert r.exit_code == 0, r.output
    assert api.get_customer("c1").address.country == "FR"


def test_a_tab_separated_file(cli, api, tmp_path):
    """A tab-separated file gets the hint `--delimiter tab`, which reads it."""
    source = tmp_path / "sheet.csv"
    source.write_text("id\tname\tprimary_email\nc1\tOne, Inc\tone@x.io\n")
    r = cli("import", str(source))
    assert r.exit_code == 2
    assert "it looks separated by tabs (tab): use --delimiter tab" in r.stderr
    r = cli("-o", "json", "sync", str(source), "--delimiter", "tab", "--yes")
    assert r.exit_code == 0, r.output
    assert api.get_customer("c1").name == "One, Inc"


@pytest.mark.parametrize(
    ("name", "content", "args", "message"),
    [
        ("a.csv", "id,name,primary_email\n", ["--delimiter", ";;"], "--delimiter takes one"),
        ("a.csv", "id,name,primary_email\n", ["--delimiter", '"'], "--delimiter takes one"),
        ("a.jsonl", "{}\n", ["--delimiter", ";"], "--delimiter is for CSV files"),
        ("a.csv", 'id,"name\nprimary_email\n', [], "line 1 (the header): unclosed quote"),
    ],
)
def test_bad_delimiters_and_headers_are_usage_errors(
    cli, togai_sandbox, tmp_path, name, content, args, message
):
    """A delimiter that is not one character (or is a quote), a delimiter for JSON Lines, an
    unclosed quote in the header: exit 2 before any request."""
    source = tmp_path / name
    source.write_text(content)
    r = cli("import", str(source), *args)
    assert r.exit_code == 2
    assert message in r.stderr
    assert togai_sandbox.requests == []


def test_quotes_over_lines(cli, api, tmp_path):
    """A value over several lines, quotes closed, is one row reported at its first line; an
    unclosed quote on the last row reaches the end of the file and is that row's error only."""
    source = tmp_path / "in.csv"
    source.write_text(
        "id,name,primary_email,line1\n"
        'c1,One Inc,one@x.io,"1 Main St\nBuilding B"\n'  # lines 2-3
        "c2,Two Ci,two@x.io\n"  # line 4: a cell short
        'c3,"Three Inc,three@x.io,\n'  # line 5: never closed
    )
    r = cli("-o", "json", "import", str(source))
    assert r.exit_code == 1
    summary = json.loads(r.stdout)
    assert (summary["rows"], summary["created"], summary["malformed"]) == (3, 1, 2)
    assert "line 4: malformed: fewer cells than the 4 of the header" in r.stderr
    assert "line 5: malformed: unclosed quote" in r.stderr
    assert api.get_customer("c1").address.line1 == "1 Main St\nBuilding B"


def test_country_codes():
    """The 249 assigned ISO 3166-1 alpha-2 codes; a near miss is named with the likely code."""
    assert len(ISO_3166_ALPHA_2) == 249
    assert all(len(c) == 2 and c.isupper() for c in ISO_3166_ALPHA_2)
    assert {"FR", "GB", "US", "AX", "SS", "BQ"} <= ISO_3166_ALPHA_2
    assert not {"UK", "EU", "XK", "AN"} & ISO_3166_ALPHA_2  # reserved, user-assigned, withdrawn
    assert country_problem("NO") is None
    assert country_problem("UK") == "'UK' is not an ISO 3166-1 alpha-2 code (did you mean GB?)"
    assert country_problem("fr") == "'fr' is not an ISO 3166-1 alpha-2 code (did you mean FR?)"
    assert country_problem("France") == "'France' is not an ISO 3166-1 alpha-2 code"


def test_warnings_in_json_lines_use_the_wire_names(cli, api, tmp_path):
    """A JSON Lines row's warnings name its fields as the file does (camelCase paths)."""
    source = tmp_path / "in.jsonl"
    row = {"id": "j1", "name": "Jay One", "primaryEmail": "jay", "address": {"country": "UK"}}
    source.write_text(json.dumps(row) + "\n")
    r = cli("-o", "json", "import", str(source))
    assert r.exit_code == 0, r.output
    messages = [w["message"] for w in json.loads(r.stdout)["warnings"]]
    assert messages == [
        "primaryEmail 'jay' is not an email address; sent as it is (Togai does not check it)",
        "address.country 'UK' is not an ISO 3166-1 alpha-2 code (did you mean GB?); sent as it "
        "is (Togai does not check it)",
    ]
    assert api.get_customer("j1").address.country == "UK"


def test_an_update_warns_only_about_what_it_sends(cli, make_customer, tmp_path):
    """sync warns about a likely mistake only for the rows whose write sends that field: a
    stored country 'France' left alone by an update of the name is not a warning."""
    make_customer("k1", name="Old Name", primary_email="k1@x.io", country="France")
    make_customer("k2", name="Kay Two", primary_email="k2@x.io")
    source = tmp_path / "in.csv"
    source.write_text(
        "id,name,primary_email,country\nk1,New Name,k1@x.io,France\nk2,Kay Two,k2@x.io,France\n"
    )
    plan = json.loads(cli("-o", "json", "sync", str(source), "--dry-run").stdout)["plan"]
    assert plan["update"] == 2
    assert [(w["line"], w["id"]) for w in plan["warnings"]] == [(3, "k2")]
