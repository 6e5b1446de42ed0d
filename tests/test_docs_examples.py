"""Every ```python block of the README and docs/*.md runs, against a fresh sandbox over HTTP."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _examples() -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        for i, match in enumerate(_BLOCK.finditer(page.read_text(encoding="utf-8"))):
            found.append((f"{page.relative_to(ROOT)}#{i + 1}", match.group(1)))
    return found


EXAMPLES = _examples()


def test_examples_were_found():
    """The extraction finds the README's and the SDK guide's examples."""
    names = {name.split("#")[0] for name, _ in EXAMPLES}
    assert {"README.md", "docs/sdk.md"} <= names


@pytest.mark.parametrize(("name", "code"), EXAMPLES, ids=[n for n, _ in EXAMPLES])
def test_example_runs(name, code, togai_sandbox_url, monkeypatch, capsys):
    """The example runs to completion with TOGAI_API_KEY/TOGAI_BASE_URL pointing at a sandbox."""
    monkeypatch.setenv("TOGAI_API_KEY", "docs-example-key")
    monkeypatch.setenv("TOGAI_BASE_URL", togai_sandbox_url)
    exec(compile(code, name, "exec"), {"__name__": "__main__"})
    assert "docs-example-key" not in capsys.readouterr().out
