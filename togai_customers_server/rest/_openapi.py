"""The OpenAPI 3.1 document: Litestar's generated paths, completed from the operation table.

Litestar documents paths, operation ids, summaries and tags from the generated handlers. It cannot
see the bodies (handlers read raw JSON and answer dicts) nor the limits of URL parameters (they
reach the handlers as text and are checked by the row), so each route gets an Operation class
(Litestar's ``operation_class``) that fills in, from its row: the request body, the answers
(success and documented errors), and each URL parameter with its schema (``Param.json_schema``;
the handlers take the request as a whole, so Litestar sees only the path's placeholders). Headers
and the security scheme go in the ``OpenAPIConfig``. The component schemas, produced by
``togai_customers.spec.json_schema`` from the same metadata the validation uses, are added by
:func:`add_component_schemas` (see there why).
"""

from __future__ import annotations

import dataclasses
from http import HTTPStatus
from typing import Any

from litestar.enums import ParamType
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import (
    JsonRenderPlugin,
    OpenAPIRenderPlugin,
    RedocRenderPlugin,
    ScalarRenderPlugin,
    SwaggerRenderPlugin,
)
from litestar.openapi.spec import (
    Components,
    Contact,
    License,
    OpenAPI,
    OpenAPIFormat,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    RequestBody,
    Schema,
    SecurityScheme,
    Tag,
)

from togai_customers import OPERATIONS, __version__
from togai_customers.spec import Operation as Row
from togai_customers.spec import json_schema

from .._oauth import OAuthConfig, scope_of
from ._assets import asset_url, docs_router
from ._errors import ErrorBody
from ._routes import tag_of

__all__ = [
    "OAUTH_SCHEME",
    "SECURITY_SCHEME",
    "add_component_schemas",
    "openapi_config",
    "operation_class",
    "spec_schema",
]

SECURITY_SCHEME = "bearer"
#: The scheme's name with ``--oauth-issuer`` (OpenID Connect: the issuer's discovery URL).
OAUTH_SCHEME = "oauth"
_JSON = "application/json"

_TAG_TEXT = {
    "customers": "Customers of your Togai account.",
    "contacts": "Contact people of a customer.",
    "health": "Liveness and readiness probes (no authentication).",
}


def _tags() -> list[Tag]:
    names = [*dict.fromkeys(tag_of(op) for op in OPERATIONS), "health"]
    return [Tag(name=name, description=_TAG_TEXT.get(name)) for name in names]


def _favicon(href: str) -> str:
    return f"<link rel='icon' type='image/png' href='{href}'>"


#: No favicon request at all (Litestar's default icon is on a CDN).
_NO_FAVICON = "<link rel='icon' href='data:,'>"


def _render_plugins() -> list[OpenAPIRenderPlugin]:
    """The UIs, each loading only the app's own assets (no CDN, no web fonts, no telemetry)."""
    return [
        SwaggerRenderPlugin(
            path=["/swagger"],
            js_url=asset_url("swagger-ui/swagger-ui-bundle.js"),
            css_url=asset_url("swagger-ui/swagger-ui.css"),
            standalone_preset_js_url=asset_url("swagger-ui/swagger-ui-standalone-preset.js"),
            favicon=_favicon(asset_url("swagger-ui/favicon-32x32.png")),
        ),
        RedocRenderPlugin(
            js_url=asset_url("redoc/redoc.standalone.js"), google_fonts=False, favicon=_NO_FAVICON
        ),
        ScalarRenderPlugin(
            js_url=asset_url("scalar/standalone.js"),
            css_url=asset_url("scalar-page.css"),
            favicon=_NO_FAVICON,
            options={
                "withDefaultFonts": False,  # else its fonts come from Scalar's font host
                "telemetry": False,
                "agent": {"disabled": True},  # the "Ask AI" chat (on by default on localhost)
                "showDeveloperTools": "never",  # Scalar's own toolbar (on by default on localhost)
                "defaultOpenAllTags": True,  # every operation on the page, as in Swagger UI
            },
        ),
        JsonRenderPlugin(),
    ]


def openapi_config(*, authenticated: bool, oauth: OAuthConfig | None = None) -> OpenAPIConfig:
    """Served at /schema (Swagger UI), /schema/redoc, /schema/scalar and /schema/openapi.json.

    The UIs' scripts and styles come from the app itself, under /schema/static, and the pages may
    reach this origin only (``_assets``).
    """
    return OpenAPIConfig(
        components=_components(authenticated, oauth),
        title="Togai Customers REST API",
        version=__version__,
        description=(
            "REST adapter for the Togai Customers API: one resource per upstream operation, "
            "under /v1. Bodies and answers are the upstream camelCase JSON."
        ),
        tags=_tags(),
        contact=Contact(name="togai-customers developers"),
        license=License(name="MIT", identifier="MIT"),
        render_plugins=_render_plugins(),
        openapi_router=docs_router(),
    )


# JSON Schema keyword -> field name of Litestar's Schema dataclass (e.g. maxLength -> max_length).
_SCHEMA_FIELDS = {
    str(f.metadata.get("alias") or f.name): f.name for f in dataclasses.fields(Schema)
}
_NESTED_ONE = {"items", "additionalProperties", "not"}
_NESTED_LIST = {"allOf", "anyOf", "oneOf"}


def spec_schema(data: dict[str, Any]) -> Schema | Reference:
    """Litestar's spec object for a JSON Schema dict (the subset ``json_schema`` produces)."""
    if "$ref" in data:
        return Reference(ref=data["$ref"])
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        name = _SCHEMA_FIELDS[key]
        if key == "type":
            value = OpenAPIType(value)
        elif key == "format":
            value = OpenAPIFormat(value)
        elif key == "properties":
            value = {k: spec_schema(v) for k, v in value.items()}
        elif key in _NESTED_ONE and isinstance(value, dict):
            value = spec_schema(value)
        elif key in _NESTED_LIST:
            value = [spec_schema(v) for v in value]
        kwargs[name] = value
    return Schema(**kwargs)


def _ref(cls: type[Any]) -> Reference:
    return Reference(ref=f"#/components/schemas/{cls.__name__}")


def _json(cls: type[Any]) -> dict[str, OpenAPIMediaType]:
    return {_JSON: OpenAPIMediaType(schema=_ref(cls))}


_HEADERS = {
    "X-Request-Id": OpenAPIHeader(
        schema=Schema(type=OpenAPIType.STRING),
        description="The upstream request id, when the Togai API sent one.",
    ),
    "Retry-After": OpenAPIHeader(
        schema=Schema(type=OpenAPIType.STRING),
        description="Seconds (or an HTTP date) to wait before retrying, as the Togai API said.",
    ),
}


def _headers(*names: str) -> dict[str, OpenAPIHeader | Reference]:
    return {name: Reference(ref=f"#/components/headers/{name}") for name in names}


#: The 403 of a write route on a read-only adapter.
READ_ONLY_REFUSAL = (
    "Refused: this server is read-only (--read-only or TOGAI_READ_ONLY=1); nothing is sent "
    "to Togai."
)


def _refused_read_only(op: Row[Any], read_only: bool) -> bool:
    return read_only and not op.read_only


def _error_statuses(
    op: Row[Any], authenticated: bool, read_only: bool, oauth: OAuthConfig | None = None
) -> dict[int, str]:
    """Which error answers an operation can give, and why."""
    out = {400: "Invalid input: bad JSON, unknown or missing fields, values out of limits."}
    if authenticated:
        out[401] = "Missing or wrong bearer token."
    out[403] = "The Togai API refused this key."
    if oauth is not None:
        out[401] = (
            "No access token, or one that is invalid, expired or not for this server "
            "(WWW-Authenticate: Bearer ... resource_metadata, scope)."
        )
        out[403] = (
            f"The access token lacks the scope {oauth.external(scope_of(op))} "
            '(WWW-Authenticate: Bearer error="insufficient_scope"), or the Togai API refused '
            "the server's key."
        )
    if _refused_read_only(op, read_only):
        out[403] = READ_ONLY_REFUSAL
    if op.path_params:
        out[404] = "No customer with this id."
    if op.method == "POST":
        out[409] = "Conflicts with an existing resource (e.g. a customer with this id)."
    if op.request_type is not None:
        out[422] = "The Togai API could not process the request."
    # Togai sends no Retry-After (docs/migrating.md): the header is only passed on when an
    # upstream (the sandbox with --retry-after, a gateway) sent one.
    out[429] = (
        "Rate limited by the Togai API (10 requests per second per organisation by default). "
        "Togai sends no Retry-After: wait and retry with a backoff. Retry-After is passed on "
        "only when the upstream sent one."
    )
    out[502] = "The Togai API failed (5xx), answered nonsense, or could not be reached."
    out[504] = "The Togai API did not answer in time."
    return out


def _responses(
    op: Row[Any], authenticated: bool, read_only: bool, oauth: OAuthConfig | None = None
) -> dict[str, OpenAPIResponse]:
    responses = {
        str(op.success_status): OpenAPIResponse(
            description=HTTPStatus(op.success_status).phrase,
            headers=_headers("X-Request-Id"),
            content=_json(op.response_type),
        )
    }
    for status, why in _error_statuses(op, authenticated, read_only, oauth).items():
        names = ("X-Request-Id", "Retry-After") if status == 429 else ("X-Request-Id",)
        responses[str(status)] = OpenAPIResponse(
            description=why, headers=_headers(*names), content=_json(ErrorBody)
        )
    return responses


def _complete(
    operation: Operation,
    op: Row[Any],
    authenticated: bool,
    read_only: bool,
    oauth: OAuthConfig | None = None,
) -> None:
    operation.responses = _responses(op, authenticated, read_only, oauth)  # type: ignore[assignment]
    if _refused_read_only(op, read_only):
        operation.description = f"{READ_ONLY_REFUSAL}\n\n{operation.description or ''}".strip()
    if op.request_type is not None:
        operation.request_body = RequestBody(
            content=_json(op.request_type),
            description=f"{op.request_type.__name__} as camelCase JSON.",
            required=True,
        )
    by_url_name = {p.url_name: p for p in op.path_params}
    for parameter in operation.parameters or []:
        if isinstance(parameter, Parameter) and parameter.name in by_url_name:
            parameter.schema = spec_schema(by_url_name[parameter.name].json_schema())
    operation.parameters = [
        *(operation.parameters or []),
        *(
            Parameter(
                name=p.url_name,
                param_in=ParamType.QUERY,
                schema=spec_schema(p.json_schema()),
                description=p.description,
                required=p.required,
            )
            for p in op.query_params
        ),
    ]
    if oauth is not None:
        operation.security = [{OAUTH_SCHEME: [oauth.external(scope_of(op))]}]
    elif authenticated:
        operation.security = [{SECURITY_SCHEME: []}]


def operation_class(
    *, authenticated: bool, read_only: bool = False, oauth: OAuthConfig | None = None
) -> Any:
    """For each row, the Operation class Litestar documents its route with (see module doc).

    ``read_only``: the write routes stay listed, documented as refused with 403.
    """

    def for_row(op: Row[Any]) -> type[Operation]:
        @dataclasses.dataclass
        class RowOperation(Operation):
            def __post_init__(self) -> None:
                _complete(self, op, authenticated, read_only, oauth)

        RowOperation.__name__ = RowOperation.__qualname__ = f"{op.operation_id}_operation"
        return RowOperation

    return for_row


def _component_schemas() -> dict[str, Schema]:
    """Every request and response model's schema, and the error body's."""
    refs: dict[str, Any] = {}
    for op in OPERATIONS:
        for cls in (op.request_type, op.response_type):
            if cls is not None:
                refs[cls.__name__] = json_schema(cls, strict=True, refs=refs)
    refs[ErrorBody.__name__] = json_schema(ErrorBody, strict=True, refs=refs)
    return {name: _as_schema(data) for name, data in sorted(refs.items())}


def add_component_schemas(openapi: OpenAPI) -> None:
    """Add the models' component schemas to the app's document (``app.openapi_schema``).

    The one place the document is changed after Litestar built it: Litestar replaces
    ``components.schemas`` with the schemas of the types it saw in handler signatures (our
    handlers take raw JSON), so schemas given in ``OpenAPIConfig(components=...)`` would be lost.
    """
    assert isinstance(openapi.components, Components)
    openapi.components.schemas.update(_component_schemas())


def _components(authenticated: bool, oauth: OAuthConfig | None = None) -> Components:
    """Headers and (with inbound auth) the bearer or OpenID Connect scheme."""
    schemes = None
    if oauth is not None:
        schemes = {
            OAUTH_SCHEME: SecurityScheme(
                type="openIdConnect",
                open_id_connect_url=oauth.issuer.rstrip("/") + "/.well-known/openid-configuration",
                description=(
                    f"An access token (JWT) of {oauth.issuer} for {', '.join(oauth.audiences)}. "
                    "Each route names the scope it needs."
                ),
            )
        }
    elif authenticated:
        schemes = {
            SECURITY_SCHEME: SecurityScheme(
                type="http",
                scheme="bearer",
                description="The server token, or your Togai API key in forward-auth mode.",
            )
        }
    return Components(headers=dict(_HEADERS), security_schemes=schemes)  # type: ignore[arg-type]


def _as_schema(data: dict[str, Any]) -> Schema:
    schema = spec_schema(data)
    assert isinstance(schema, Schema)
    return schema
