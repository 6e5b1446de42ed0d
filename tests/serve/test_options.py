"""``togai-customers serve`` refuses options that cannot work, with a message saying what to do."""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from togai_customers._cli import app
from togai_customers._operations import OPERATIONS
from togai_customers_server import ServeOptions

from ._serve_support import free_ports


def _serve(*args: str, env: dict[str, str | None] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["serve", *args], env={"TOGAI_API_KEY": None, **(env or {})})
    return result.exit_code, result.stderr


def test_without_a_key_or_sandbox_names_both_options() -> None:
    """No TOGAI_API_KEY, no --api-key, no --sandbox: exit 1 naming the ways out."""
    code, err = _serve()
    assert code == 1
    assert "TOGAI_API_KEY" in err
    assert "--api-key" in err
    assert "--sandbox" in err


def test_mcp_over_http_without_a_key_names_both_options() -> None:
    """``togai-customers mcp`` (HTTP mode) checks like serve: no key and no --sandbox is exit 1."""
    result = CliRunner().invoke(app, ["mcp"], env={"TOGAI_API_KEY": None})
    assert result.exit_code == 1
    assert "TOGAI_API_KEY" in result.stderr
    assert "--sandbox" in result.stderr


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10"])
def test_non_loopback_without_a_token_is_refused(host: str) -> None:
    """A non-loopback --host needs a server token (or --insecure); nothing is started."""
    code, err = _serve("--sandbox", "--host", host)
    assert code == 1
    assert host in err
    assert "TOGAI_SERVER_TOKEN" in err
    assert "--insecure" in err


def test_a_busy_port_names_the_port_and_the_option() -> None:
    """The REST port taken by another program: exit 1 naming the port and --rest-port."""
    (rest, mcp_port, sandbox) = free_ports(3)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", rest))
        taken.listen()
        code, err = _serve(
            "--sandbox", "--rest-port", str(rest), "--mcp-port", str(mcp_port),
            "--sandbox-port", str(sandbox),
        )  # fmt: skip
    assert code == 1
    assert f"Port {rest}" in err
    assert "already in use" in err
    assert "--rest-port" in err
    # Nothing was left listening on the other ports.
    for port in (mcp_port, sandbox):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", port))


def test_server_token_and_forward_auth_together_are_refused() -> None:
    """Both use the Authorization header: the combination is rejected."""
    code, err = _serve("--sandbox", "--forward-auth", env={"TOGAI_SERVER_TOKEN": "t"})
    assert code == 1
    assert "--server-token" in err
    assert "--forward-auth" in err


def test_nothing_to_serve_is_refused() -> None:
    """--no-rest --no-mcp without --sandbox leaves no server."""
    code, err = _serve("--no-rest", "--no-mcp", env={"TOGAI_API_KEY": "k"})
    assert code == 1
    assert "Nothing to serve" in err


def test_serve_is_listed_with_its_options() -> None:
    """``serve --help`` documents every option of the issue."""
    result = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in (
        "--host", "--rest-port", "--mcp-port", "--sandbox-port", "--no-rest", "--no-mcp",
        "--server-token", "--insecure", "--forward-auth", "--sandbox", "--sandbox-db",
        "--read-only", "--tools", "--allow-unconfirmed-deletes", "--stateless",
        "--session-idle", "--max-sessions",
    ):  # fmt: skip
        assert option in result.stdout, option


def test_mcp_lists_the_safety_options() -> None:
    """``mcp --help`` documents --read-only, --tools and --allow-unconfirmed-deletes."""
    result = CliRunner().invoke(app, ["mcp", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in ("--read-only", "--tools", "--allow-unconfirmed-deletes", "TOGAI_READ_ONLY"):
        assert option in result.stdout, option


@pytest.mark.parametrize(
    "command", [["serve", "--sandbox"], ["mcp", "--sandbox"], ["mcp", "--stdio", "--sandbox"]]
)
def test_an_unknown_tool_name_stops_startup_with_exit_2(command: list[str]) -> None:
    """--tools with a misspelt name: exit 2 naming it and listing every valid tool name."""
    result = CliRunner().invoke(
        app, [*command, "--tools", "get-customer,delete-customers"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 2
    assert "delete-customers" in result.stderr
    for name in OPERATIONS:
        assert name.tool_name in result.stderr


@pytest.mark.parametrize("command", [["serve"], ["mcp"]])
def test_the_safety_options_are_read_from_the_environment(
    command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """TOGAI_READ_ONLY / TOGAI_TOOLS / TOGAI_ALLOW_UNCONFIRMED_DELETES reach the server's
    options as the flags do (the process tests start servers with the flags)."""
    from togai_customers_server import serve as serve_module

    started: list[ServeOptions] = []
    monkeypatch.setattr(serve_module, "serve", lambda options: started.append(options) or 0)
    env = {
        "TOGAI_API_KEY": "k",
        "TOGAI_READ_ONLY": "1",
        "TOGAI_TOOLS": "get-customer",
        "TOGAI_ALLOW_UNCONFIRMED_DELETES": "1",
    }
    result = CliRunner().invoke(app, command, env=env)
    assert result.exit_code == 0, result.output
    (options,) = started
    assert options.read_only is True
    assert options.tools == ("get-customer",)
    assert options.allow_unconfirmed_deletes is True


@pytest.mark.parametrize("command", [["serve"], ["mcp"]])
def test_the_session_options_reach_the_server(
    command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sessions by default (30 min idle, 1,000 at most); --stateless / --session-idle /
    --max-sessions and TOGAI_STATELESS / TOGAI_SESSION_IDLE / TOGAI_MAX_SESSIONS set them."""
    from togai_customers_server import serve as serve_module

    started: list[ServeOptions] = []
    monkeypatch.setattr(serve_module, "serve", lambda options: started.append(options) or 0)
    runs = [
        ([], {}),
        (["--stateless", "--session-idle", "90", "--max-sessions", "7"], {}),
        ([], {"TOGAI_STATELESS": "1", "TOGAI_SESSION_IDLE": "2.5", "TOGAI_MAX_SESSIONS": "3"}),
    ]
    for flags, env in runs:
        result = CliRunner().invoke(app, [*command, *flags], env={"TOGAI_API_KEY": "k", **env})
        assert result.exit_code == 0, result.output
    got = [(o.stateless, o.session_idle, o.max_sessions) for o in started]
    assert got == [(False, 1800.0, 1_000), (True, 90.0, 7), (True, 2.5, 3)]


@pytest.mark.parametrize(
    "flags", [["--session-idle", "0"], ["--session-idle", "-5"], ["--max-sessions", "0"]]
)
def test_session_bounds_must_be_positive(flags: list[str]) -> None:
    """A session idle time or cap of zero or less: exit 2 naming the option."""
    result = CliRunner().invoke(app, ["serve", "--sandbox", *flags], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert flags[0] in result.stderr


def test_session_bounds_from_the_environment_are_checked() -> None:
    """options_from_env refuses a session idle time or cap that is not a positive number."""
    from togai_customers_server._settings import options_from_env

    with pytest.raises(ValueError, match="TOGAI_SESSION_IDLE"):
        options_from_env({"TOGAI_SESSION_IDLE": "soon"})
    with pytest.raises(ValueError, match="max_sessions"):
        options_from_env({"TOGAI_MAX_SESSIONS": "0"})
    assert options_from_env({}).stateless is False
