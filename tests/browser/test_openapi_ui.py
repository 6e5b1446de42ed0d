"""The OpenAPI UIs render offline in a real browser (headless Chromium), from the app's own assets.

Run with ``nox -s browser`` (needs Debian's ``chromium``); not part of the default test session.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from togai_customers._operations import OPERATIONS
from togai_customers_server.rest._routes import tag_of

from ._browser_support import Rendered, render

pytestmark = pytest.mark.browser

#: The one thing a bundle tries to load from elsewhere, refused by the page's CSP: Redoc's
#: "API docs by Redocly" logo (it then hides the image).
KNOWN_BLOCKED = {"https://cdn.redoc.ly/redoc/logo-mini.svg"}


def _assert_offline(page: Rendered, base: str, *assets: str) -> None:
    """Every request stayed on the app's origin, and the UI's own assets were among them."""
    assert page.requests, "the net log recorded no request for the page"
    foreign = [u for u in page.requests if not u.startswith(base + "/")]
    assert foreign == [], f"requests to other hosts: {foreign}"
    for asset in assets:
        assert any(u.startswith(base + asset) for u in page.requests), (asset, page.requests)
    unexpected = set(page.blocked) - KNOWN_BLOCKED
    assert not unexpected, f"the page tried to load from other hosts: {sorted(unexpected)}"


def _assert_operations_in_text(page: Rendered) -> None:
    """Each operation's summary and its "METHOD /path" show in the rendered text."""
    text = page.text.lower()
    for op in OPERATIONS:
        assert op.summary.lower() in text, (op.summary, page.text[:2000])
        assert f"{op.method.lower()} {op.rest_path}" in text, (op.method, op.rest_path)


@pytest.mark.parametrize("path", ["/schema", "/schema/swagger"])
def test_swagger_ui_shows_every_operation(rest_url: str, tmp_path: Path, path: str) -> None:
    """Swagger UI (also the /schema root) renders one block per operation: method, path, summary."""
    page = render(rest_url + path, tmp_path)
    blocks = re.findall(r'<div class="opblock opblock-\w+[^"]*" id="operations-([^"]+)">', page.dom)
    assert len(blocks) == len(OPERATIONS) + 2, page.dom[:3000]  # plus /health and /ready
    for op in OPERATIONS:
        anchor = f'id="operations-{tag_of(op)}-{op.operation_id}"'
        start = page.dom.find(anchor)
        assert start >= 0, (op.operation_id, blocks)
        block = page.dom[start : page.dom.find('<div class="opblock ', start)]
        assert f'opblock-summary-method">{op.method}<' in block
        assert f'data-path="{op.rest_path}"' in block
        assert f'opblock-summary-description">{op.summary}<' in block
    assert "Togai Customers REST API" in page.text
    _assert_offline(page, rest_url, "/schema/static/swagger-ui/swagger-ui-bundle.js")


def test_redoc_shows_every_operation(rest_url: str, tmp_path: Path) -> None:
    """Redoc renders a section per operation (heading = summary) with its method and path."""
    page = render(rest_url + "/schema/redoc", tmp_path)
    for op in OPERATIONS:
        heading = re.search(
            rf'href="#tag/{tag_of(op)}/operation/{op.operation_id}"[^>]*></a>([^<]*)</h2>', page.dom
        )
        assert heading is not None, op.operation_id
        assert heading.group(1).strip() == op.summary
    _assert_operations_in_text(page)
    _assert_offline(page, rest_url, "/schema/static/redoc/redoc.standalone.js")


def test_scalar_shows_every_operation(rest_url: str, tmp_path: Path) -> None:
    """Scalar fetches the document from the app and renders every operation, all tags open."""
    page = render(rest_url + "/schema/scalar", tmp_path)
    for op in OPERATIONS:
        assert f'id="api-1/tag/{tag_of(op)}/{op.method}{op.rest_path}"' in page.dom, op.operation_id
    _assert_operations_in_text(page)
    _assert_offline(page, rest_url, "/schema/static/scalar/standalone.js", "/schema/openapi.json")
    assert "Ask AI" not in page.text  # Scalar's AI agent stays off (it would call Scalar's API)
