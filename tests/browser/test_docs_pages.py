"""The documentation site in a real browser at 1280 px: no code block scrolls sideways."""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ._browser_support import render

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]

#: Appended to every page: reports each code block whose content is wider than its box.
_PROBE = """<script>
window.addEventListener("load", () => {
  const wide = [];
  document.querySelectorAll("pre > code").forEach((code) => {
    if (code.scrollWidth > code.clientWidth + 1) {
      const first = code.textContent.split("\\n")[0];
      wide.push(`${code.scrollWidth}px > ${code.clientWidth}px: ${first.slice(0, 60)}`);
    }
  });
  const report = document.createElement("pre");
  report.id = "width-report";
  const blocks = document.querySelectorAll("pre > code").length;
  report.textContent = JSON.stringify({blocks, wide});
  document.body.appendChild(report);
});
</script>"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The docs built by mkdocs, each page with the probe, served on 127.0.0.1."""
    built = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(built)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=True,
        capture_output=True,
        timeout=300,
    )
    for page in built.rglob("index.html"):
        page.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(built))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        shutil.rmtree(built, ignore_errors=True)


#: Every page of the site (its address), from the docs' Markdown files.
PAGES = sorted(
    "" if p.stem == "index" else f"{p.stem}/"
    for p in (ROOT / "docs").glob("*.md")
    if p.stem != "changelog"
)


@pytest.mark.parametrize("page", PAGES)
def test_no_code_block_scrolls_at_1280_px(site: str, page: str, tmp_path: Path) -> None:
    """At a 1280 px wide window every code block of the page fits its box."""
    rendered = render(f"{site}/{page}", tmp_path, budget_ms=5000)
    found = re.search(r'<pre id="width-report">(.*?)</pre>', rendered.dom, re.S)
    assert found, "the probe did not run"
    report = json.loads(found.group(1).replace("&quot;", '"').replace("&gt;", ">"))
    assert report["wide"] == [], report["wide"]
