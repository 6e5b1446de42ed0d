"""The OpenAPI 3.1 document: every route, seed operation ids, real schemas, documented errors."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from togai_customers._operations import OPERATIONS
from togai_customers._schema import json_schema
from togai_customers_server._settings import ServeOptions

from ._rest_support import MakeApi


@pytest.fixture
def doc(api: TestClient[Litestar]) -> dict[str, Any]:
    """The served /schema/openapi.json."""
    r = api.get("/schema/openapi.json")
    assert r.status_code == 200
    result: dict[str, Any] = r.json()
    return result


def _resolve(doc: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    name = ref["$ref"].removeprefix("#/components/schemas/")
    schema: dict[str, Any] = doc["components"]["schemas"][name]
    return schema


def test_every_operation_is_documented_with_seed_ids(doc: dict[str, Any]) -> None:
    """Each row appears at its path and method with its operation id, summary and description."""
    assert doc["openapi"].startswith("3.1")
    for op in OPERATIONS:
        entry = doc["paths"][op.rest_path][op.method.lower()]
        assert entry["operationId"] == op.operation_id
        assert (entry["summary"], entry["description"]) == (op.summary, op.description)
        assert entry["tags"] in (["customers"], ["contacts"])
    ids = [e["operationId"] for p in doc["paths"].values() for e in p.values()]
    assert len(ids) == len(set(ids)) == len(OPERATIONS) + 2  # plus /health and /ready


def test_customer_id_is_a_path_parameter(doc: dict[str, Any]) -> None:
    """{customer-id} is a required path parameter limited to 1..50 characters."""
    params = doc["paths"]["/v1/customers/{customer-id}"]["get"]["parameters"]
    (param,) = params
    assert (param["name"], param["in"], param["required"]) == ("customer-id", "path", True)
    assert (param["schema"]["minLength"], param["schema"]["maxLength"]) == (1, 50)


def test_list_query_parameters(doc: dict[str, Any]) -> None:
    """nextToken and pageSize (1..100) are documented as optional query parameters."""
    params = {p["name"]: p for p in doc["paths"]["/v1/customers"]["get"]["parameters"]}
    assert set(params) == {"nextToken", "pageSize"}
    size = params["pageSize"]["schema"]
    assert (size["type"], size["minimum"], size["maximum"]) == ("integer", 1, 100)
    assert not any(p["required"] for p in params.values())


def test_bodies_have_real_schemas_with_required_fields_and_limits(doc: dict[str, Any]) -> None:
    """Request bodies reference component schemas with required lists, limits, no extra keys."""
    create = doc["paths"]["/v1/customers"]["post"]["requestBody"]
    assert create["required"] is True
    schema = _resolve(doc, create["content"]["application/json"]["schema"])
    assert schema["required"] == ["id", "name", "primaryEmail", "address"]
    assert schema["additionalProperties"] is False
    assert (
        schema["properties"]["name"]["minLength"],
        schema["properties"]["name"]["maxLength"],
    ) == (
        3,
        255,
    )
    contact = doc["paths"]["/v1/customers/{customer-id}/contacts"]["post"]["requestBody"]
    contact_schema = _resolve(doc, contact["content"]["application/json"]["schema"])
    assert contact_schema["properties"]["email"]["pattern"]
    assert contact_schema["properties"]["password"]["writeOnly"] is True


def test_responses_reference_models_and_error_schema(doc: dict[str, Any]) -> None:
    """Success answers reference the response model; 4xx/5xx answers the error schema."""
    for op in OPERATIONS:
        responses = doc["paths"][op.rest_path][op.method.lower()]["responses"]
        ok = responses[str(op.success_status)]["content"]["application/json"]["schema"]
        assert ok == {"$ref": f"#/components/schemas/{op.response_type.__name__}"}
        assert {"400", "429", "502", "504"} <= set(responses)
        for status in ("400", "502"):
            error = responses[status]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/ErrorBody"}
        if op.path_params:
            assert "404" in responses
    error_schema = doc["components"]["schemas"]["ErrorBody"]
    assert error_schema["required"] == ["message"]
    customer = doc["components"]["schemas"]["Customer"]
    assert {"id", "createdAt", "address"} <= set(customer["required"])


def test_the_429_answer_does_not_promise_a_retry_after(doc: dict[str, Any]) -> None:
    """Togai sends no Retry-After: the 429 text (shown by Redoc and Swagger) says to back off,
    and that the header is only passed on when the upstream sent one."""
    for op in OPERATIONS:
        text = doc["paths"][op.rest_path][op.method.lower()]["responses"]["429"]["description"]
        assert "see Retry-After" not in text
        assert "Togai sends no Retry-After" in text
        assert "only when the upstream sent one" in text


def test_components_are_valid_json_schemas(doc: dict[str, Any]) -> None:
    """Every component schema is itself valid JSON Schema (2020-12)."""
    for schema in doc["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)


def test_security_scheme_only_when_authenticated(make_api: MakeApi, doc: dict[str, Any]) -> None:
    """With a server token the /v1 operations require the bearer scheme; without, nothing."""
    assert "securitySchemes" not in doc["components"]
    guarded = make_api(ServeOptions(server_token="t")).get("/schema/openapi.json").json()
    assert guarded["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    get_op = guarded["paths"]["/v1/customers"]["get"]
    assert get_op["security"] == [{"bearer": []}]
    assert "401" in get_op["responses"]
    assert "security" not in guarded["paths"]["/health"]["get"]


@pytest.mark.parametrize(
    ("path", "marker"),
    [
        ("/schema", "swagger"),
        ("/schema/swagger", "swagger"),
        ("/schema/redoc", "redoc"),
        ("/schema/scalar", "scalar"),
    ],
)
def test_doc_uis_are_served(api: TestClient[Litestar], path: str, marker: str) -> None:
    """Swagger UI (also at /schema), Redoc and Scalar pages are served."""
    r = api.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert marker in r.text.lower()


def test_served_document_matches_the_app_schema(
    api: TestClient[Litestar], doc: dict[str, Any]
) -> None:
    """The served JSON is the app's OpenAPI object (the completed one)."""
    assert isinstance(api.app, Litestar)
    assert api.app.openapi_schema.to_schema() == doc


def test_component_schemas_are_the_sdk_json_schemas(doc: dict[str, Any]) -> None:
    """Each body schema is exactly the SDK's json_schema of the model (what validation enforces)."""
    refs: dict[str, Any] = {}
    for op in OPERATIONS:
        for cls in (op.request_type, op.response_type):
            if cls is not None:
                refs[cls.__name__] = json_schema(cls, strict=True, refs=refs)
    assert len(refs) >= 15
    for name, schema in refs.items():
        assert doc["components"]["schemas"][name] == schema, name
