"""What a release would ship: the sdist carries what the README's commands need; the wheel's
metadata has the project URLs and no public test extra."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An sdist and a wheel, built offline by hatchling (the project's build backend)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "sdist", "-t", "wheel", "-d", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out


def test_sdist_has_what_the_readme_commands_need(built: Path) -> None:
    """noxfile.py, mkdocs.yml, the tests, docs, benchmarks and the licences are in the sdist."""
    (sdist,) = built.glob("*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    for needed in (
        "noxfile.py",
        "mkdocs.yml",
        "pyproject.toml",
        "README.md",
        "LICENSE",
        "CHANGELOG.md",
        "tests/conftest.py",
        "docs/index.md",
        "benchmarks/run.py",
        "togai_customers/__init__.py",
        "togai_customers_server/rest/_static/swagger-ui/LICENSE",
    ):
        assert needed in names, needed
    assert not [n for n in names if n.startswith((".nox/", "site/", ".venv/"))]


def test_wheel_metadata_has_urls_and_no_test_extra(built: Path) -> None:
    """The wheel names the project URLs, offers only the `server` extra, and ships the UIs."""
    (wheel,) = built.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        (meta_name,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(zf.read(meta_name).decode())
        files = zf.namelist()
    urls = metadata.get_all("Project-URL") or []
    assert any("docs.togai.com" in url for url in urls), urls
    assert metadata.get_all("Provides-Extra") == ["server"]
    assert not [r for r in metadata.get_all("Requires-Dist") or [] if "pytest" in r]
    assert "togai_customers_server/rest/_static/redoc/redoc.standalone.js" in files
    assert not [f for f in files if f.startswith("tests/")]


def test_ci_runs_the_readme_commands_verbatim() -> None:
    """`.ci/run` runs the README's test command exactly as the README shows it, and both of
    the README's commands need only Python (pip), nothing installed beforehand."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("[start:commands]")[1].split("[end:commands]")[0]
    commands = [block.split("\n", 1)[1].strip() for block in section.split("```bash")[1:]]
    commands = [c.split("```")[0].strip() for c in commands]
    assert len(commands) == 2, commands
    assert all(c.startswith("python -m pip install ") for c in commands), commands
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert commands[1] in ci, (commands[1], ci)
