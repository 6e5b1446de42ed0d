"""The docs' examples fit the page: no line of a command or of code is wider than 80 characters
(what a code block shows at 1280 px without scrolling). Program output (CSV rows, JSON Lines) may
be longer: the site wraps it (docs/css/extra.css), and `nox -s browser` checks no block scrolls."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WIDTH = 80
PAGES = ["README.md", *sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))]


def _authored(page: str) -> list[tuple[int, str]]:
    """Lines someone wrote or types: code blocks, and the ``$`` lines (and heredocs) of console
    blocks; not the output a console block shows."""
    out, language, heredoc = [], None, None
    for number, line in enumerate((ROOT / page).read_text(encoding="utf-8").splitlines(), 1):
        fence = re.match(r"^```(\w*)\s*$", line)
        if fence:
            language = None if language is not None else fence.group(1)
            continue
        if language is None:
            continue
        if language != "console":
            out.append((number, line))
        elif line.startswith("$ ") or heredoc:
            out.append((number, line))
            if heredoc and line == heredoc:
                heredoc = None
            elif (found := re.search(r"<<-?\s*'?(\w+)'?", line)) and line.startswith("$ "):
                heredoc = found.group(1)
    return out


def test_lines_are_found() -> None:
    """The reader of this check sees the README's and the CLI reference's commands."""
    assert any("togai-customers create" in text for _, text in _authored("README.md"))
    assert any(text.startswith("$ togai-customers") for _, text in _authored("docs/cli.md"))


@pytest.mark.parametrize("page", PAGES)
def test_examples_fit_the_page(page: str) -> None:
    """No authored line of a code or console block is wider than 80 characters."""
    wide = [f"{page}:{n}: {len(text)}" for n, text in _authored(page) if len(text) > WIDTH]
    assert not wide, wide
