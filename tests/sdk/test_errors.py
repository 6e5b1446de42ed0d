"""Error statuses become typed exceptions that carry status, message, body and request id."""

from __future__ import annotations

import httpx
import pytest
from _sdk_support import Script, resolve

import togai_customers as tc

STATUS_CLASSES = [
    (400, tc.BadRequestError),
    (401, tc.AuthenticationError),
    (403, tc.PermissionDeniedError),
    (404, tc.NotFoundError),
    (409, tc.ConflictError),
    (422, tc.UnprocessableEntityError),
    (429, tc.RateLimitError),
    (500, tc.InternalServerError),
    (502, tc.InternalServerError),
    (503, tc.InternalServerError),
    (418, tc.APIStatusError),
]


@pytest.mark.parametrize(("status", "cls"), STATUS_CLASSES)
async def test_each_status_raises_its_class(make_client, status, cls):
    """Each documented status maps to one exception class, all APIStatusError/TogaiError."""
    body = {"message": "Customer with id c9 not found", "code": "X"}
    script = Script(default=httpx.Response(status, json=body, headers={"X-Request-Id": "req-9"}))
    with pytest.raises(cls) as info:
        await resolve(make_client(script, max_retries=0).get_customer("c9"))
    err = info.value
    assert type(err) is cls
    assert isinstance(err, tc.APIStatusError)
    assert isinstance(err, tc.TogaiError)
    assert err.status_code == status
    assert err.message == "Customer with id c9 not found"
    assert err.body == body
    assert err.request_id == "req-9"
    assert err.response.status_code == status


async def test_str_reads_status_phrase_and_message(make_client):
    """str(err) is '404 Not Found: <upstream message>'."""
    script = Script(default=httpx.Response(404, json={"message": "Customer with id c9 not found"}))
    with pytest.raises(tc.NotFoundError) as info:
        await resolve(make_client(script).get_customer("c9"))
    assert str(info.value) == "404 Not Found: Customer with id c9 not found"


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (lambda: httpx.Response(502, text="<html>Bad gateway</html>"), "<html>Bad gateway</html>"),
        (lambda: httpx.Response(500, content=b""), "Internal Server Error"),
        (lambda: httpx.Response(400, json={"errorMessage": "legacy shape"}), "legacy shape"),
        (lambda: httpx.Response(400, json=["not", "an", "object"]), '["not","an","object"]'),
    ],
    ids=["html", "empty", "errorMessage-key", "json-array"],
)
async def test_non_standard_error_bodies_still_give_a_useful_message(
    make_client, response, expected
):
    """Errors without a JSON {"message"} still say something useful."""
    script = Script(default=response())
    with pytest.raises(tc.APIStatusError) as info:
        await resolve(make_client(script, max_retries=0).get_customer("c1"))
    assert info.value.message == expected
    assert info.value.request_id is None


async def test_malformed_success_body_raises_response_validation_error(make_client):
    """A 200 whose body lacks required fields is reported, naming the field."""
    script = Script(default=httpx.Response(200, json={"id": "c1"}))
    with pytest.raises(tc.APIResponseValidationError, match="togaiCustomerId"):
        await resolve(make_client(script).get_customer("c1"))


async def test_non_json_success_body_raises_response_validation_error(make_client):
    """A 200 that is not JSON is reported as such."""
    script = Script(default=httpx.Response(200, text="ok"))
    with pytest.raises(tc.APIResponseValidationError, match="not JSON"):
        await resolve(make_client(script).get_customer("c1"))


def test_request_validation_error_is_a_value_error():
    """RequestValidationError is both a TogaiError and a ValueError."""
    assert issubclass(tc.RequestValidationError, tc.TogaiError)
    assert issubclass(tc.RequestValidationError, ValueError)
    assert issubclass(tc.APITimeoutError, tc.APIConnectionError)
