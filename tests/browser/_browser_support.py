"""Headless Chromium (Debian's ``chromium``): a page's rendered DOM, its requests, its console.

One ``chromium --headless --dump-dom`` run per page, with a virtual time budget so the page's
scripts run to completion first. Every host but 127.0.0.1 resolves to nothing, so a page that
needs a CDN renders as it would behind a firewall. Chromium's net log tells which requests the
page made; its console log (on stderr) tells what the Content-Security-Policy refused.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

__all__ = ["Rendered", "chromium", "render"]

#: As the machine notes prescribe for root in a sandbox-less container, plus offline DNS.
_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-features=AutofillServerCommunication",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--window-size=1280,2000",
    "--enable-logging=stderr",
    "--v=0",
]

_CONSOLE = re.compile(r':INFO:CONSOLE[^\]]*\] "(.*)", source: ')
_BLOCKED = re.compile(r"'((?:https?:)?//[^']+)' violates the following Content Security Policy")


def chromium() -> str:
    """The Chromium binary (``$CHROMIUM``, else ``chromium`` on PATH); fails the test if none."""
    found = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not found:
        pytest.fail(
            "headless Chromium is needed for the browser tests and was not found: install "
            "Debian's package (`apt-get install -y chromium`, as .ci/run does) or set CHROMIUM "
            "to a Chromium/Chrome binary",
            pytrace=False,
        )
    return found


@dataclass
class Rendered:
    """What Chromium made of a page."""

    dom: str  #: the serialized DOM after the scripts ran
    text: str  #: its visible text (no script/style), whitespace collapsed
    requests: list[str]  #: URLs of every request the page made, in order
    console: list[str]  #: console messages
    blocked: list[str]  #: URLs the Content-Security-Policy refused to load


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "noscript", "template"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "noscript", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(dom: str) -> str:
    parser = _Text()
    parser.feed(dom)
    return " ".join(" ".join(parser.parts).split())


def _page_requests(net_log: Path, origin: str) -> list[str]:
    """URLs of the requests made for the page (its own document or initiated by it).

    Chromium's own background requests (initiator "not an origin") are left out.
    """
    log = json.loads(net_log.read_text(encoding="utf-8"))
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log["events"]:
        params = event.get("params", {})
        if event["type"] != start_job or "url" not in params:
            continue
        if params.get("initiator") == origin or params.get("request_type") == "main frame":
            urls.append(params["url"])
    return urls


def render(url: str, workdir: Path, *, budget_ms: int = 15000) -> Rendered:
    """Load ``url`` in a fresh headless Chromium and return what it rendered and fetched."""
    workdir.mkdir(parents=True, exist_ok=True)
    net_log = workdir / "net-log.json"
    command = [
        chromium(),
        *_FLAGS,
        f"--user-data-dir={workdir / 'profile'}",
        f"--log-net-log={net_log}",
        f"--virtual-time-budget={budget_ms}",
        "--dump-dom",
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, f"chromium exited {done.returncode}: {done.stderr[-3000:]}"
    origin = re.match(r"https?://[^/]+", url)
    assert origin is not None
    console = _CONSOLE.findall(done.stderr)
    return Rendered(
        dom=done.stdout,
        text=visible_text(done.stdout),
        requests=_page_requests(net_log, origin.group(0)),
        console=console,
        blocked=[m for line in console for m in _BLOCKED.findall(line)],
    )
