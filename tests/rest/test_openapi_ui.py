"""The OpenAPI UI pages load their scripts and styles from the app itself, never from a CDN."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from togai_customers_server._settings import ServeOptions
from togai_customers_server.rest._assets import CONTENT_SECURITY_POLICY, STATIC_DIR, VENDORED

from ._rest_support import MakeApi

PAGES = ["/schema", "/schema/swagger", "/schema/redoc", "/schema/scalar"]

# Every URL the page itself makes the browser load (not links the reader may follow).
_LOADED = re.compile(r"""<(?:script|link|img)\b[^>]*?\b(?:src|href|data-url)=["']([^"']*)["']""")
_ABSOLUTE = re.compile(r"""(?:https?:)?//[^\s"'<>()\\]+""")

_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


def _loaded_urls(page: str) -> list[str]:
    return _LOADED.findall(page)


@pytest.mark.parametrize("path", PAGES)
def test_page_references_no_other_host(api: TestClient[Litestar], path: str) -> None:
    """No absolute URL at all in the page (the spec is inlined into Swagger's and Redoc's)."""
    r = api.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    host = urlsplit(str(api.base_url)).netloc
    foreign = [u for u in _ABSOLUTE.findall(r.text) if urlsplit(u).netloc != host]
    assert foreign == []
    assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("path", PAGES)
def test_every_loaded_asset_is_served(api: TestClient[Litestar], path: str) -> None:
    """Each script, stylesheet and icon the page loads is an app path that answers 200."""
    urls = _loaded_urls(api.get(path).text)
    assets = [u for u in urls if not u.startswith("data:")]
    assert assets, urls
    for url in assets:
        assert url.startswith("/"), url
        assert not url.startswith("//"), url
        r = api.get(url)
        assert r.status_code == 200, url
        assert r.content, url
        suffix = re.search(r"\.\w+$", urlsplit(url).path)
        expected = _TYPES.get(suffix.group(0) if suffix else "", "application/vnd.oai.openapi+json")
        assert r.headers["content-type"].startswith(expected), (url, r.headers["content-type"])


def test_each_ui_loads_its_own_build(api: TestClient[Litestar]) -> None:
    """Swagger UI, Redoc and Scalar pages load the vendored bundles, versioned in the URL."""
    expected = {
        "/schema": "/schema/static/swagger-ui/swagger-ui-bundle.js?v=5.35.0",
        "/schema/redoc": "/schema/static/redoc/redoc.standalone.js?v=2.5.4",
        "/schema/scalar": "/schema/static/scalar/standalone.js?v=1.76.0",
    }
    for page, script in expected.items():
        assert script in _loaded_urls(api.get(page).text)
    assert "SwaggerUIBundle(" in api.get("/schema").text  # /schema itself is Swagger UI


def test_assets_cached_and_confined(api: TestClient[Litestar]) -> None:
    """Assets are cacheable; nothing outside the asset directory is reachable through it."""
    r = api.get("/schema/static/swagger-ui/swagger-ui.css")
    assert r.headers["cache-control"] == "max-age=86400, public"
    assert api.get("/schema/static/../_assets.py").status_code == 404
    assert api.get("/schema/static/%2e%2e/_assets.py").status_code == 404
    assert api.get("/schema/static/nothing-here.js").status_code == 404


def test_pages_and_assets_need_no_token(make_api: MakeApi) -> None:
    """With a server token, /v1 needs it, but the docs and their assets stay open."""
    api = make_api(ServeOptions(server_token="s3cret"))
    assert api.get("/v1/customers").status_code == 401
    for path in PAGES:
        page = api.get(path)
        assert page.status_code == 200
        for url in _loaded_urls(page.text):
            if not url.startswith("data:"):
                assert api.get(url).status_code == 200, url


def test_vendored_builds_match_their_versions_and_carry_licences() -> None:
    """VENDORED (which versions the URLs) names what the files are; each has its licence."""
    bundles = {
        "swagger-ui": "swagger-ui-bundle.js",
        "redoc": "redoc.standalone.js",
        "scalar": "standalone.js",
    }
    assert set(bundles) == set(VENDORED)
    for directory, (_package, version, licence) in VENDORED.items():
        text = (STATIC_DIR / directory / bundles[directory]).read_text(encoding="utf-8")
        assert re.search(rf"""["'`]{re.escape(version)}["'`]""", text), (directory, version)
        licence_text = (STATIC_DIR / directory / "LICENSE").read_text(encoding="utf-8")
        assert ("Apache License" if licence == "Apache-2.0" else "MIT License") in licence_text
    assert "SmartBear" in (STATIC_DIR / "swagger-ui" / "NOTICE").read_text(encoding="utf-8")
