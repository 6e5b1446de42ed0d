"""Every shell block of the README and the docs works, in order, as a reader would type it.

Each page is one terminal session: its ```bash / ```console blocks run in order in one bash
process (exports carry over), in a fresh directory, on this machine. A server command (`serve`,
`sandbox`, `mcp` over HTTP) is started as a reader would in another terminal: in the background,
and the next command waits until it listens. The documented ports (4010, 8080, 9090) become free
ports. A console block's command must exit with the code its output shows ("(exit code N)"),
else 0.

What is not run here, and why: installing packages (`pip install`: the environment under test is
installed already, and tests never reach the network), the project's own nox sessions and
benchmarks (`nox`, `benchmarks/*.py`: they are CI itself, `.ci/run`), and a block marked
`<!-- shell: not run (why) -->` (deployment recipes needing a Togai key or a public address): those
are checked for shell syntax only.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

pytestmark = pytest.mark.long

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    "README.md",
    *(
        f"docs/{name}"
        for name in sorted(p.name for p in (ROOT / "docs").glob("*.md"))
        if name != "changelog.md"
    ),
]

#: Commands that are not run here (see the module docstring), by what they start with.
NOT_RUN = ("pip ", "python -m pip ", "nox ", "python -m nox", "python benchmarks/")


def _listens(text: str) -> tuple[int, ...] | None:
    """The (documented) ports a server command listens on; None for any other command."""
    if "--help" in text:
        return None
    if re.search(r"\bserve\b", text):
        ports = [] if "--no-rest" in text else [8080]
        ports += [] if "--no-mcp" in text else [9090]
        return (*ports, *((4010,) if "--sandbox" in text else ()))
    if re.search(r"togai-customers sandbox\b", text):
        return (4010,)
    if re.search(r"togai-customers mcp\b", text) and "--stdio" not in text:
        return (9090,)
    return None


_EXIT = re.compile(r"\(exit code (\d+)\)\s*$")
_HEREDOC = re.compile(r"<<-?\s*'?(\w+)'?")
#: A trailing comment (``  # ...``) with no quote in it.
_COMMENT = re.compile(r"\s+#[^'\"]*$")


@attrs.frozen
class Command:
    """One command of a page, as typed, with the exit code its block shows."""

    where: str  # page:line
    text: str
    expect: int = 0


_NOT_RUN_MARK = re.compile(r"^<!-- shell: not run \((.+)\) -->$")


def _blocks(page: str) -> list[tuple[int, str, str]]:
    """``(first line number, language, body)`` of each fenced block of the page; a block marked
    not to be run has the language ``recipe``."""
    lines = (ROOT / page).read_text(encoding="utf-8").splitlines()
    out, i = [], 0
    while i < len(lines):
        fence = re.match(r"^```(\w*)\s*$", lines[i])
        if fence is None:
            i += 1
            continue
        marked = i > 0 and _NOT_RUN_MARK.match(lines[i - 1]) is not None
        start, body = i + 2, []
        i += 1
        while i < len(lines) and lines[i] != "```":
            body.append(lines[i])
            i += 1
        out.append((start, "recipe" if marked else fence.group(1), "\n".join(body)))
        i += 1
    return out


def _open_quote(text: str) -> bool:
    """Whether ``text`` ends inside a quoted string (the command goes on on the next line)."""
    try:
        shlex.split(text, comments=True)
    except ValueError:
        return True
    return False


def _split(body: str, start: int, page: str, *, console: bool) -> list[Command]:
    """The commands of a block: continuation lines and heredocs joined; console output dropped."""
    lines = body.splitlines()
    commands: list[Command] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if console and not line.startswith("$ "):
            i += 1
            continue
        text = line[2:] if console else line
        first = i
        if not text.strip() or text.lstrip().startswith("#"):
            i += 1
            continue
        while i + 1 < len(lines) and (text.endswith("\\") or _open_quote(text)):
            i += 1
            if text.endswith("\\"):
                text = text[:-1] + " " + lines[i].strip()
            else:  # a quoted argument goes on
                text += "\n" + lines[i]
        heredoc = _HEREDOC.search(text)
        if heredoc:
            end = heredoc.group(1)
            while i + 1 < len(lines):
                i += 1
                text += "\n" + lines[i]
                if lines[i] == end:
                    break
        i += 1
        expect = 0
        if console:
            output = []
            while i < len(lines) and not lines[i].startswith("$ "):
                output.append(lines[i])
                i += 1
            shown = _EXIT.search("\n".join(output))
            expect = int(shown.group(1)) if shown else 0
        commands.append(Command(f"{page}:{start + first}", text, expect))
    return commands


def commands_of(page: str) -> list[Command]:
    out: list[Command] = []
    for start, language, body in _blocks(page):
        if language in ("bash", "sh", "shell"):
            out += _split(body, start, page, console=False)
        elif language == "console":
            out += _split(body, start, page, console=True)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _script(commands: list[Command], ports: dict[int, int], work: Path) -> str:
    """The page as one bash session (see the module docstring)."""
    parts = [
        "set -u",
        "trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null' EXIT",
        "wait_ports() {",
        '  "$PYTHON" - "$@" <<\'PY\'',
        "import socket, sys, time",
        "deadline = time.monotonic() + 30",
        "for port in map(int, sys.argv[1:]):",
        "    while True:",
        "        try:",
        "            socket.create_connection(('127.0.0.1', port), timeout=0.5).close()",
        "            break",
        "        except OSError:",
        "            if time.monotonic() > deadline:",
        "                sys.exit(f'nothing listens on {port}')",
        "            time.sleep(0.05)",
        "PY",
        "}",
    ]
    for n, command in enumerate(commands):
        text = command.text
        for documented, free in ports.items():
            text = re.sub(rf"(?<=[:= ]){documented}\b", str(free), text)
        for prefix in ("python -m pip install '.[server]' && ",):
            text = text.removeprefix(prefix)  # the package under test is installed already
        text = _COMMENT.sub("", text) if "\n" not in text else text
        if text.startswith(NOT_RUN):
            parts.append(f"echo '::: {command.where}: not run here (CI runs it)'")
            continue
        file = work / f".step{n}.sh"
        listening = _listens(text)
        # A server is exec'd: the background job is then the server itself, which the session's
        # EXIT trap stops.
        run = ("exec " if listening is not None else "") + text.removesuffix("&").rstrip()
        file.write_text(run + "\n", encoding="utf-8")
        parts.append(f"echo; echo '::: {command.where}: {_quoted(text)}'")
        if listening is not None:  # a server: in the background, then wait for it
            wanted = " ".join(str(ports[p]) for p in listening)
            parts += [f"source {file} &", f"wait_ports {wanted} || exit 1"]
            continue
        stdin = " </dev/null" if "--stdio" in text else ""
        parts += [
            f"source {file}{stdin}",
            "code=$?",
            f"if [ $code -ne {command.expect} ]; then",
            f"  echo '::: FAILED {command.where}: exit '$code', expected {command.expect}'",
            "  exit 1",
            "fi",
        ]
    parts.append("echo '::: page done'")
    return "\n".join(parts) + "\n"


def _quoted(text: str) -> str:
    return text.splitlines()[0].replace("'", "'\\''")


def test_recipes_not_run_are_marked_and_valid_shell() -> None:
    """Blocks that are not run say why, and are at least valid shell."""
    recipes = [(page, start, body) for page in PAGES for start, kind, body in _blocks(page)
               if kind == "recipe"]  # fmt: skip
    assert recipes, "the docs' deployment recipes are expected to be marked"
    for page, start, body in recipes:
        check = subprocess.run(["bash", "-n"], input=body, text=True, capture_output=True)
        assert check.returncode == 0, f"{page}:{start}: {check.stderr}"


def test_every_page_has_its_blocks_found() -> None:
    """The reader of the harness below: the README's and cli.md's commands are all found."""
    readme = [c.text for c in commands_of("README.md")]
    assert any(t.endswith("python -m togai_customers serve --sandbox") for t in readme)
    assert any(t.startswith("togai-customers create ") for t in readme)
    cli = commands_of("docs/cli.md")
    assert len(cli) > 30
    assert {c.expect for c in cli} >= {0, 1, 2}


@pytest.mark.parametrize("page", PAGES)
def test_shell_blocks_work_in_order(page: str, tmp_path: Path) -> None:
    """Each command of the page's shell blocks, run in order in one session, does what it shows."""
    commands = commands_of(page)
    ports = {documented: _free_port() for documented in (4010, 8080, 9090)}
    script = tmp_path / "page.sh"
    script.write_text(_script(commands, ports, tmp_path), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOGAI_")}
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        PYTHON=sys.executable,
        TOGAI_SANDBOX_PORT=str(ports[4010]),
        TOGAI_REST_PORT=str(ports[8080]),
        TOGAI_MCP_PORT=str(ports[9090]),
        COLUMNS="120",
    )
    session = subprocess.Popen(
        ["bash", str(script)],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,  # as piped into a script: no terminal to ask on
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its servers too: all stopped below, whatever happens
    )
    try:
        stdout, stderr = session.communicate(timeout=240)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(session.pid, signal.SIGKILL)
    log = stdout[-6000:] + "\n--- stderr ---\n" + stderr[-3000:]
    assert session.returncode == 0, log
    assert "::: page done" in stdout, log
