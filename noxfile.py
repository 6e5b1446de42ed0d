"""Developer tasks.

`python -m nox` (the README's test command) runs the default sessions: lint, typecheck, docs and
suite (the test suite and the reliability suites in one parallel pytest run). `nox -s tests` is
the quick inner loop (the test suite without the slow reliability suites), `nox -s reliability`
the slow suites alone. CI (`.ci/run`) runs the README's command, then `nox -s lowest` (the tests
at the lowest versions pyproject.toml allows), `nox -s package` and `nox -s browser` (the OpenAPI
UIs in headless Chromium; needs Debian's `chromium`, which CI installs). `nox -s bench` runs the
benchmarks (never part of the tests).
"""

from __future__ import annotations

import os

import nox

nox.options.sessions = ["lint", "typecheck", "docs", "suite"]
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
#: Every test but the browser ones and the checks of the built docs site (their own sessions).
ALL_TESTS = "not browser and not docs"


def group(name: str) -> list[str]:
    """The requirements of a dependency group of pyproject.toml (PEP 735)."""
    return list(nox.project.dependency_groups(PYPROJECT, name))


@nox.session(python=PYTHON)
def suite(session: nox.Session) -> None:
    """The test suite and the reliability suites, in one pytest run spread over pytest-xdist
    workers (the slow tests first, see tests/conftest.py)."""
    session.install("-e", ".[server]", *group("test"))
    session.run("pytest", "-q", *XDIST, "-m", ALL_TESTS, *session.posargs)


@nox.session(python=PYTHON, default=False)
def tests(session: nox.Session) -> None:
    """The quick inner loop: the test suite without the slow reliability suites."""
    session.install("-e", ".[server]", *group("test"))
    marker = f"not slow and {ALL_TESTS}"
    session.run("pytest", "-q", *XDIST, "-m", marker, *session.posargs)


@nox.session(python=PYTHON, default=False)
def browser(session: nox.Session) -> None:
    """The OpenAPI UIs and the docs site rendered in headless Chromium, offline (`chromium` must
    be installed)."""
    session.install("-e", ".[server]", *group("test"), *group("docs"))
    session.run("pytest", "-q", "-m", "browser", *session.posargs)


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
    marker = f"not slow and {ALL_TESTS}"
    session.run("pytest", "-q", *XDIST, "-m", marker, *session.posargs)


@nox.session(python=PYTHON, default=False)
def package(session: nox.Session) -> None:
    """Build the sdist and the wheel (python -m build) and check their metadata (twine check)."""
    session.install(*group("package"))
    out = session.create_tmp()
    session.run("python", "-m", "build", "--outdir", out)
    session.run("twine", "check", "--strict", f"{out}/*", external=False)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install(*group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks (never in the test suite): benchmarks/RESULTS.md + docs/img/benchmarks.png.

    `nox -s bench -- --quick` for a smaller smoke run.
    """
    session.install("-e", ".[server]", *group("bench"))
    session.run("python", "benchmarks/run.py", *session.posargs)


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on both packages."""
    session.install("-e", ".[server]", *group("typecheck"))
    session.run("mypy", "--strict", "togai_customers", "togai_customers_server")


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation site with mkdocs --strict (every page and reference must resolve),
    then check the built API reference (tests/test_api_reference.py: every operation documented on
    every client, public names only, roles rendered as links)."""
    session.install("-e", ".[server]", *group("docs"))
    session.run(
        "mkdocs", "build", "--strict", "--site-dir", "site", env={"NO_MKDOCS_2_WARNING": "1"}
    )
    session.run(
        "pytest",
        "-q",
        "-m",
        "docs",
        "tests/test_api_reference.py",
        *session.posargs,
        env={"TOGAI_DOCS_SITE": "site"},
    )


@nox.session(python=PYTHON, default=False)
def reliability(session: nox.Session) -> None:
    """The slow suites alone: fault injection, crash recovery, load, stateful fuzzing."""
    session.install("-e", ".[server]", *group("test"))
    session.run("pytest", "-q", *XDIST, "-m", "slow", *session.posargs)
