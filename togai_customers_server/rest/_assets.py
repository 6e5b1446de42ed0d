"""The OpenAPI UIs' scripts and styles, served by the app itself: the pages load nothing from afar.

Swagger UI, Redoc and Scalar are vendored builds from npm, each beside its licence (see
``_static/README.md`` for the versions and how to refresh them). The render plugins in
``_openapi.py`` point at :func:`asset_url` paths; :func:`docs_router` is the ``/schema`` router
they are served on, with ``_static`` under ``/schema/static`` (outside ``/v1``, so outside inbound
auth) and a Content-Security-Policy that lets the pages reach this origin only: whatever a bundle
would fetch from elsewhere (Redoc's footer logo, say) is refused by the browser, not attempted.
"""

from __future__ import annotations

from pathlib import Path

from litestar import Router
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.static_files import create_static_files_router

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "SCHEMA_PATH",
    "STATIC_DIR",
    "STATIC_PATH",
    "VENDORED",
    "asset_url",
    "docs_router",
]

#: Where the OpenAPI document and its UIs are served.
SCHEMA_PATH = "/schema"
#: Where the UIs' assets are served.
STATIC_PATH = f"{SCHEMA_PATH}/static"
STATIC_DIR = Path(__file__).with_name("_static")

#: Directory under ``_static`` -> (npm package, version, licence) it was copied from.
VENDORED = {
    "swagger-ui": ("swagger-ui-dist", "5.35.0", "Apache-2.0"),
    "redoc": ("redoc", "2.5.4", "MIT"),
    "scalar": ("@scalar/api-reference", "1.76.0", "MIT"),
}

#: Same origin only. Inline script and style: Litestar's page templates start each UI inline.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "base-uri 'self'",
        "form-action 'self'",
    ]
)


def asset_url(name: str) -> str:
    """The URL path of ``_static/NAME``; vendored files carry their version (cache busting)."""
    if not (STATIC_DIR / name).is_file():
        raise FileNotFoundError(f"no OpenAPI UI asset {name!r} in {STATIC_DIR}")
    vendored = VENDORED.get(name.split("/", 1)[0])
    return f"{STATIC_PATH}/{name}" + (f"?v={vendored[1]}" if vendored else "")


def docs_router() -> Router:
    """The ``/schema`` router: Litestar adds the document and UI pages, here are the assets.

    Assets are cached for a day (their URLs change with the vendored version).
    """
    assets = create_static_files_router(
        path=STATIC_PATH.removeprefix(SCHEMA_PATH),
        directories=[STATIC_DIR],
        name="openapi-assets",
        cache_control=CacheControlHeader(max_age=86400, public=True),
        include_in_schema=False,
    )
    csp = ResponseHeader(name="Content-Security-Policy", value=CONTENT_SECURITY_POLICY)
    return Router(
        path=SCHEMA_PATH,
        route_handlers=[assets],
        response_headers=[csp],
        include_in_schema=False,
    )
