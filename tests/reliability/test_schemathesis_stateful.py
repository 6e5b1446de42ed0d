"""Stateful schemathesis run over the REST adapter: create, then read/update/delete/add contacts.

The app's OpenAPI document has no links, so this suite adds them (in its own copy): the id of a
created customer feeds every operation that takes a ``customer-id``. Every response must match
its schema, and no call may answer 5xx.
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from litestar.testing import TestClient

from togai_customers import AsyncTogaiCustomers
from togai_customers._operations import CREATE_CUSTOMER, OPERATIONS
from togai_customers_server._settings import ServeOptions
from togai_customers_server.rest import create_rest_app
from togai_customers_server.sandbox import Sandbox, SandboxTransport

pytestmark = [pytest.mark.slow, pytest.mark.long]

# As in the REST suite's own run: a made-up nextToken is schema-valid but rightly refused (400),
# and the contact email pattern means different things to Python's re and to ECMA-262.
EXCLUDED = [schemathesis.checks.positive_data_acceptance]


def _with_links(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` plus OpenAPI links from the create's 201 to each operation on one customer."""
    doc = copy.deepcopy(doc)
    create = doc["paths"][CREATE_CUSTOMER.rest_path][CREATE_CUSTOMER.method.lower()]
    links = {}
    for op in OPERATIONS:
        if not op.path_params:
            continue
        (param,) = [p for p in op.rest_path.split("/") if p.startswith("{")]
        links[op.operation_id] = {
            "operationId": op.operation_id,
            "parameters": {param.strip("{}"): "$response.body#/id"},
        }
    create["responses"][str(CREATE_CUSTOMER.success_status)]["links"] = links
    return doc


def test_stateful_sequences_never_5xx_and_match_the_schema(figures):
    """Generated create -> get/update/contacts/delete chains: no 5xx, every answer schema-valid."""
    transport = SandboxTransport(Sandbox())
    client = AsyncTogaiCustomers("test", http_client=httpx.AsyncClient(transport=transport))
    app = create_rest_app(ServeOptions(), client=client)
    with TestClient(app=app) as api:
        doc = api.get("/schema/openapi.json").json()
    schema = schemathesis.openapi.from_dict(_with_links(doc))
    schema.app = app
    statuses: Counter[int] = Counter()
    operations: Counter[str] = Counter()

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            # Each scenario starts from an empty upstream, so every run of it behaves the same.
            transport.sandbox.close()
            transport.sandbox = Sandbox()

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            statuses[response.status_code] += 1
            operations[f"{case.method} {case.path}"] += 1
            assert response.status_code < 500, (case.method, case.path, response.text[:300])
            case.validate_response(response, excluded_checks=EXCLUDED)

    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=50,
            stateful_step_count=8,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    assert statuses[201] > 0  # customers were created, so the links were followed
    linked = [k for k in operations if "{customer-id}" in k]
    assert len(linked) >= 3, operations
    figures(
        requests_served=sum(statuses.values()), statuses=dict(statuses), operations=dict(operations)
    )
