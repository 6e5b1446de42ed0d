"""Developer tasks.

`python -m nox` (the README's test command) runs the default session, `check`: everything at once
(lint; the type checks, and the docs build then the check of the built docs, in the background
while pytest runs the test suite and the reliability suites over pytest-xdist workers). Each part
also has its own session: `tests` (the quick inner loop: the test suite without the slow suites),
`reliability` (the slow suites), `lint`, `typecheck`, `docs`. CI (`.ci/run`) runs the README's
command, then `nox -s lowest` (the tests at the lowest versions pyproject.toml allows),
`nox -s package`, `nox -s browser` (the OpenAPI UIs in headless Chromium; needs Debian's
`chromium`, which CI installs) and `nox -s interop` (the TypeScript MCP SDK and HAProxy; needs
`node` and Debian's `haproxy`). `nox -s bench` runs the benchmarks (never part of the tests).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Sequence

import nox

nox.options.sessions = ["check"]
nox.options.reuse_venv = "yes"
# uv creates the venvs and installs into them in seconds where pip takes a minute (the README's
# command installs it with `nox[uv]`); plain virtualenv + pip when uv is not there.
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.error_on_missing_interpreters = True

PYTHON = "3.11"
PYPROJECT = nox.project.load_toml("pyproject.toml")


# The tests start about a hundred Python subprocesses (CLI, servers): with bytecode caching off
# (PYTHONDONTWRITEBYTECODE, set on some machines) each would compile its imports again, and
# pytest would rewrite every test module's asserts again in each worker.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

#: pytest-xdist workers: the tests spend much of their time waiting on subprocesses and sockets,
#: so two per core keep both cores busy; each worker takes one test at a time, so that the long
#: tests, which tests/conftest.py puts first, start first and on different workers.
XDIST = ("-n", str(2 * (os.cpu_count() or 1)), "--maxschedchunk", "1")
#: Every test but the browser ones, the interop ones (node, haproxy) and the checks of the built
#: docs site (their own sessions).
ALL_TESTS = "not browser and not docs and not interop"


def xdist_pytest(session: nox.Session, marker: str) -> None:
    """pytest over the xdist workers, on the tests ``marker`` selects.

    A fresh venv holds no bytecode (uv does not compile on install), and the workers would all
    compile the same modules at once (about 7 s of CPU each): the first run in a venv collects
    the tests once before, which compiles them, and caches the rewritten test modules, for every
    worker and subprocess after it.
    """
    stamp = os.path.join(session.virtualenv.location, ".compiled-by-a-collection")
    if not os.path.exists(stamp):
        session.run("pytest", "-q", "--collect-only", "-m", marker, silent=True)
        with open(stamp, "w"):
            pass
    session.run("pytest", "-q", *XDIST, "-m", marker, *session.posargs)


def group(name: str) -> list[str]:
    """The requirements of a dependency group of pyproject.toml (PEP 735)."""
    return list(nox.project.dependency_groups(PYPROJECT, name))


#: The commands of each check, run by its own session and by `check`.
LINT = (("ruff", "check", "."), ("ruff", "format", "--check", "."))
TYPECHECK = ("mypy", "--strict", "togai_customers", "togai_customers_server")
DOCS_BUILD = ("mkdocs", "build", "--strict", "--site-dir", "site")
DOCS_ENV = {"NO_MKDOCS_2_WARNING": "1"}
DOCS_CHECK = ("pytest", "-q", "-m", "docs", "tests/test_api_reference.py")
DOCS_SITE = {"TOGAI_DOCS_SITE": "site"}


class Background:
    """Commands of the session's venv run one after another beside the tests, at a lower
    priority (they take the CPU the tests leave idle, and do not slow their timing), their
    output kept for the end. The first that fails ends the chain."""

    def __init__(
        self, session: nox.Session, *commands: Sequence[str], env: dict[str, str] | None = None
    ) -> None:
        self.command = " && ".join(" ".join(command) for command in commands)
        self.log = open(os.path.join(session.create_tmp(), f"{commands[0][0]}.log"), "w+")  # noqa: SIM115
        path = f"{session.bin}{os.pathsep}{os.environ.get('PATH', '')}"
        self.env = {
            **os.environ,
            "PATH": path,
            "VIRTUAL_ENV": session.virtualenv.location,
            **(env or {}),
        }
        self.code: int | None = None
        self.thread = threading.Thread(target=self._run, args=(session, commands), daemon=True)
        self.thread.start()

    def _run(self, session: nox.Session, commands: tuple[Sequence[str], ...]) -> None:
        for command in commands:
            # The commands are this file's own constants.
            proc = subprocess.Popen(  # noqa: S603
                [os.path.join(session.bin, command[0]), *command[1:]],
                stdout=self.log,
                stderr=subprocess.STDOUT,
                env=self.env,
                preexec_fn=(lambda: os.nice(10)) if sys.platform != "win32" else None,
            )
            self.code = proc.wait()
            if self.code != 0:
                return

    def finish(self, session: nox.Session) -> bool:
        """Wait for it, show what it printed; whether it succeeded."""
        self.thread.join()
        self.log.seek(0)
        session.log(f"{self.command} (in the background) exited with {self.code}:")
        print(self.log.read(), end="", flush=True)
        self.log.close()
        return self.code == 0


@nox.session(python=PYTHON)
def check(session: nox.Session) -> None:
    """Everything, at once: lint; then the type checks, and the docs build with the check of
    the built docs, in the background while the test suite and the reliability suites run over
    pytest-xdist workers (the long tests first, see tests/conftest.py)."""
    checks = ("test", "typecheck", "docs", "lint")
    session.install("-e", ".[server]", *(r for name in checks for r in group(name)))
    for command in LINT:
        session.run(*command)
    background = [
        Background(session, TYPECHECK),
        Background(session, DOCS_BUILD, DOCS_CHECK, env={**DOCS_ENV, **DOCS_SITE}),
    ]
    try:
        xdist_pytest(session, ALL_TESTS)
    finally:
        failed = [b.command for b in background if not b.finish(session)]
    if failed:
        session.error(f"failed: {'; '.join(failed)}")


@nox.session(python=PYTHON, default=False)
def tests(session: nox.Session) -> None:
    """The quick inner loop: the test suite without the slow reliability suites."""
    session.install("-e", ".[server]", *group("test"))
    xdist_pytest(session, f"not slow and {ALL_TESTS}")


@nox.session(python=PYTHON, default=False)
def browser(session: nox.Session) -> None:
    """The OpenAPI UIs and the docs site rendered in headless Chromium, offline (`chromium` must
    be installed)."""
    session.install("-e", ".[server]", *group("test"), *group("docs"))
    session.run("pytest", "-q", "-m", "browser", *session.posargs)


@nox.session(python=PYTHON, default=False)
def interop(session: nox.Session) -> None:
    """Independent clients and a real load balancer: the official TypeScript MCP SDK against
    the MCP server, and HAProxy (the configuration in docs/mcp.md) in front of two `serve`
    processes. Needs `node`/`npm` (the SDK is installed from tests/interop/package-lock.json
    with `npm ci`) and `haproxy`, which CI installs."""
    session.install("-e", ".[server]", *group("test"))
    if shutil.which("npm") is None:  # the TypeScript SDK tests then skip, saying why
        session.warn("npm is not installed: the TypeScript SDK tests will be skipped")
    else:
        npm_ci = ("npm", "ci", "--prefix", "tests/interop", "--no-audit", "--no-fund")
        session.run(*npm_ci, external=True)
    session.run("pytest", "-q", "-m", "interop", *session.posargs)


# A fresh venv every run: `uv pip install` never downgrades what an old venv already has.
@nox.session(python=PYTHON, venv_backend="virtualenv", reuse_venv=False, default=False)
def lowest(session: nox.Session) -> None:
    """The test suite at the lowest versions pyproject.toml allows for each direct dependency.

    uv resolves them (`--resolution lowest-direct`; pip cannot); it is installed into the session's
    own venv, so only nox is needed, as in CI.
    """
    session.install("uv")
    venv = ("--python", session.virtualenv.location)
    requirements = ("-e", ".[server]", *group("test"))
    session.run("uv", "pip", "install", *venv, "--resolution", "lowest-direct", *requirements)
    session.run("uv", "pip", "list", *venv)  # the versions tested, in the log
    xdist_pytest(session, f"not slow and {ALL_TESTS}")


@nox.session(python=PYTHON, default=False)
def package(session: nox.Session) -> None:
    """Build the sdist and the wheel (python -m build) and check their metadata (twine check)."""
    session.install(*group("package"))
    out = session.create_tmp()
    session.run("python", "-m", "build", "--outdir", out)
    session.run("twine", "check", "--strict", f"{out}/*", external=False)


@nox.session(python=PYTHON, default=False)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install(*group("lint"))
    for command in LINT:
        session.run(*command)


@nox.session(python=PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks (never in the test suite): benchmarks/RESULTS.md + docs/img/benchmarks.png.

    `nox -s bench -- --quick` for a smaller smoke run.
    """
    session.install("-e", ".[server]", *group("bench"))
    session.run("python", "benchmarks/run.py", *session.posargs)


@nox.session(python=PYTHON, default=False)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on both packages."""
    session.install("-e", ".[server]", *group("typecheck"))
    session.run(*TYPECHECK)


@nox.session(python=PYTHON, default=False)
def docs(session: nox.Session) -> None:
    """Build the documentation site with mkdocs --strict (every page and reference must resolve),
    then check the built API reference (tests/test_api_reference.py: every operation documented on
    every client, public names only, roles rendered as links)."""
    session.install("-e", ".[server]", *group("docs"))
    session.run(*DOCS_BUILD, env=DOCS_ENV)
    session.run(*DOCS_CHECK, *session.posargs, env=DOCS_SITE)


@nox.session(python=PYTHON, default=False)
def reliability(session: nox.Session) -> None:
    """The slow suites alone: fault injection, crash recovery, load, stateful fuzzing."""
    session.install("-e", ".[server]", *group("test"))
    xdist_pytest(session, "slow")
