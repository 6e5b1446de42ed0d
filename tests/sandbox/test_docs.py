"""The examples in docs/sandbox.md run as written: test blocks under pytest, the rest as scripts.

They run in a subprocess from a scratch directory, as in a user's project: the plugin comes from
the package's entry point, not from this repository's conftest files.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "sandbox.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _blocks() -> list[str]:
    return BLOCK.findall(DOC.read_text(encoding="utf-8"))


def test_doc_has_examples() -> None:
    """The page has both pytest examples and script examples."""
    blocks = _blocks()
    assert any("def test_" in b for b in blocks)
    assert any("def test_" not in b for b in blocks)


def test_doc_pytest_examples_pass(tmp_path: Path) -> None:
    """Every test in the page's pytest examples passes in a fresh project."""
    files = []
    for i, block in enumerate(b for b in _blocks() if "def test_" in b):
        path = tmp_path / f"test_doc_example_{i}.py"
        path.write_text(block, encoding="utf-8")
        files.append(str(path))
    expected = sum(len(re.findall(r"^(?:async )?def test_", b, re.M)) for b in _blocks())
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "asyncio_mode=auto",
            "--rootdir",
            str(tmp_path),
            *files,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{expected} passed" in proc.stdout, proc.stdout


def test_doc_script_examples_run(tmp_path: Path) -> None:
    """Every non-test example in the page runs without error."""
    scripts = [b for b in _blocks() if "def test_" not in b]
    for i, block in enumerate(scripts):
        path = tmp_path / f"example_{i}.py"
        path.write_text(block, encoding="utf-8")
        proc = subprocess.run(
            [sys.executable, str(path)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, f"block {i}:\n{block}\n{proc.stderr}"
