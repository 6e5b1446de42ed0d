"""Bearer tokens on the REST adapter and the MCP endpoint: what is accepted, what gets 401/403."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import jwt
import pytest

from togai_customers_server._oauth import JwtVerifier, oauth_config

from .conftest import HTTP, RESOURCE, IssuerProcess, Servers

MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    },
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(claims: dict[str, Any], header: dict[str, Any]) -> str:
    return _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())


def _claims(issuer: IssuerProcess, **extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": issuer.url,
        "sub": "mallory",
        "aud": RESOURCE,
        "scope": "customers:read",
        "iat": now,
        "exp": now + 300,
        **extra,
    }


def _public_pem(issuer: IssuerProcess) -> bytes:
    jwks = HTTP.get(issuer.url + "/jwks").json()
    rsa_jwk = next(k for k in jwks["keys"] if k["kty"] == "RSA")
    key = jwt.PyJWK(rsa_jwk).key
    from cryptography.hazmat.primitives import serialization

    return bytes(
        key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def _bad_tokens(issuer: IssuerProcess) -> dict[str, str]:
    now = int(time.time())
    good, expired, early, wrong_iss, wrong_aud, no_aud = issuer.sign_many(
        {},
        {"exp": now - 120},
        {"nbf": now + 120},
        {"iss": "http://127.0.0.1:1/other"},
        {"aud": "https://elsewhere.example/mcp"},
        {"aud": None},
    )
    head, payload, sig = good.split(".")
    tampered = json.loads(base64.urlsafe_b64decode(payload + "=="))
    tampered["scope"] = "customers:read customers:write customers:delete"
    signing_input = _unsigned(_claims(issuer), {"alg": "HS256", "typ": "JWT", "kid": "rs256-1"})
    mac = hmac.new(_public_pem(issuer), signing_input.encode(), hashlib.sha256).digest()
    return {
        "expired": expired,
        "not yet valid": early,
        "wrong iss": wrong_iss,
        "wrong aud": wrong_aud,
        "no aud": no_aud,
        "alg none": _unsigned(_claims(issuer), {"alg": "none", "typ": "JWT"}) + ".",
        "HS256 with the public key": signing_input + "." + _b64(mac),
        "unknown kid": issuer.sign({}, kid="never-published"),
        "tampered payload": f"{head}.{_b64(json.dumps(tampered).encode())}.{sig}",
        "garbage": "not-a-jwt",
        "100 KB": "A" * 100_000,
    }


def _mcp(url: str, token: str, body: dict[str, Any] = INITIALIZE) -> httpx.Response:
    headers = MCP_HEADERS | {"Authorization": f"Bearer {token}"}
    return HTTP.post(url + "/mcp", json=body, headers=headers)


def _rest(url: str, token: str, method: str = "GET", path: str = "/v1/customers") -> httpx.Response:
    return HTTP.request(method, url + path, headers={"Authorization": f"Bearer {token}"})


def test_bad_tokens_get_401_invalid_token_on_rest_and_mcp(issuer, make_servers):
    """Every kind of bad token gets 401 invalid_token with the challenge, on both surfaces."""
    servers: Servers = make_servers(issuer)
    seen = {}
    for case, token in _bad_tokens(issuer).items():
        for surface, answer in (
            ("rest", _rest(servers.rest, token)),
            ("mcp", _mcp(servers.mcp, token)),
        ):
            challenge = answer.headers.get("www-authenticate", "")
            seen[case, surface] = answer.status_code
            assert answer.status_code == 401, (case, surface, answer.text)
            assert challenge.startswith('Bearer error="invalid_token"'), (case, challenge)
            assert f'resource_metadata="{PUBLIC_METADATA}"' in challenge
    assert len(seen) == 22
    assert _rest(servers.rest, issuer.sign({})).status_code == 200  # the server keeps serving


PUBLIC_METADATA = "https://customers.example.test/.well-known/oauth-protected-resource/mcp"


def test_no_token_gets_a_challenge_without_error(issuer, make_servers):
    """No Authorization header: 401 naming the metadata and the scopes, no error code."""
    servers: Servers = make_servers(issuer)
    for answer in (
        HTTP.get(servers.rest + "/v1/customers"),
        HTTP.post(servers.mcp + "/mcp", json=INITIALIZE, headers=MCP_HEADERS),
    ):
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == (
            f'Bearer resource_metadata="{PUBLIC_METADATA}", '
            'scope="customers:read customers:write customers:delete"'
        )


def test_good_tokens_rs256_and_es256_and_nbf_leeway(issuer, make_servers):
    """RS256 and ES256 tokens pass; an nbf 10 s ahead is inside the 30 s leeway."""
    servers: Servers = make_servers(issuer)
    for token in (
        issuer.sign({}, alg="RS256"),
        issuer.sign({}, alg="ES256"),
        issuer.sign({"nbf": int(time.time()) + 10}),
    ):
        assert _rest(servers.rest, token).status_code == 200
        assert _mcp(servers.mcp, token).status_code == 200


@pytest.mark.parametrize(
    ("client", "allowed"),
    [
        ("reader", {"GET"}),
        ("writer", {"GET", "POST", "PATCH"}),
        ("admin", {"GET", "POST", "PATCH", "DELETE"}),
    ],
)
def test_rest_routes_need_their_scope(issuer, make_servers, client, allowed):
    """Each /v1 route needs its row's scope; write does not imply delete (403 step-up)."""
    servers: Servers = make_servers(issuer)
    token = issuer.token(client, resource=RESOURCE)
    need = {
        "GET": "customers:read",
        "POST": "customers:write",
        "PATCH": "customers:write",
        "DELETE": "customers:delete",
    }
    for method in ("GET", "POST", "PATCH", "DELETE"):
        path = "/v1/customers" if method in ("GET", "POST") else "/v1/customers/nobody"
        answer = _rest(servers.rest, token, method, path)
        if method in allowed:
            assert answer.status_code not in (401, 403), (method, answer.text)
        else:
            assert answer.status_code == 403
            assert answer.headers["www-authenticate"].startswith(
                f'Bearer error="insufficient_scope", error_description="This operation needs '
                f'the scope {need[method]}."'
            )
            assert f'scope="{need[method]}"' in answer.headers["www-authenticate"]


def test_unknown_kid_before_and_after_rotation(issuer, make_servers):
    """A kid never published is refused; after a rotation the new kid is fetched and works,
    and the retired key's tokens are refused."""
    servers: Servers = make_servers(issuer, refetch=0.2)
    old = issuer.sign({})
    assert _rest(servers.rest, old).status_code == 200
    assert _rest(servers.rest, issuer.sign({}, kid="rs256-2")).status_code == 401  # not yet
    issuer.post("/admin/rotate", {})
    time.sleep(0.3)  # past the refetch interval
    assert _rest(servers.rest, issuer.sign({})).status_code == 200  # kid rs256-2 now
    assert _rest(servers.rest, old).status_code == 401


def test_unknown_kids_are_fetched_at_most_once_per_interval(issuer, make_servers):
    """A flood of made-up kids costs the issuer at most one JWKS fetch per interval."""
    servers: Servers = make_servers(issuer, refetch=60.0)
    assert _rest(servers.rest, issuer.sign({})).status_code == 200
    before = issuer.jwks_fetches()
    kids = [{"claims": _claims(issuer), "kid": f"made-up-{n}"} for n in range(20)]
    batch = issuer.post("/admin/sign", {"batch": kids})["tokens"]
    for token in batch:
        assert _rest(servers.rest, token).status_code == 401
    assert issuer.jwks_fetches() == before


@pytest.mark.parametrize("mode", ["500", "junk"])
def test_a_failing_jwks_gives_401_and_cached_keys_keep_working(issuer, make_servers, mode):
    """JWKS answering 500 or junk: cached keys still verify, unknown kids get 401, never 500."""
    servers: Servers = make_servers(issuer, refetch=0.1)
    good = issuer.sign({}, alg="ES256")
    assert _rest(servers.rest, good).status_code == 200
    issuer.jwks_mode(mode)
    issuer.post("/admin/rotate", {})
    time.sleep(0.2)
    fresh = issuer.sign({})
    assert _rest(servers.rest, fresh).status_code == 401
    assert _mcp(servers.mcp, fresh).status_code == 401
    assert _rest(servers.rest, good).status_code == 200  # the cached key
    assert HTTP.get(servers.rest + "/health").status_code == 200
    issuer.jwks_mode("ok")
    time.sleep(0.2)
    assert _rest(servers.rest, fresh).status_code == 200  # the issuer is back


@pytest.mark.parametrize("mode", ["500", "badkey"])
def test_a_jwks_down_from_the_start_gives_401_not_500(issuer, make_servers, mode):
    """With no key ever fetched and the JWKS failing (or its keys broken), tokens get 401 and
    the server serves on."""
    issuer.jwks_mode(mode)
    servers: Servers = make_servers(issuer, refetch=0.1)
    token = issuer.sign({})
    assert _rest(servers.rest, token).status_code == 401
    assert _mcp(servers.mcp, token).status_code == 401
    issuer.jwks_mode("ok")
    time.sleep(0.2)
    assert _rest(servers.rest, token).status_code == 200


async def test_the_access_token_carries_who_and_what(issuer):
    """A verified token gives the SDK's AccessToken: sub, client_id (else azp), our scopes, the
    claims with iss (what the audit trail and the session binding read)."""
    config = oauth_config(issuer=issuer.url, public_url="https://customers.example.test")
    verifier = JwtVerifier(config)
    with_client, with_azp = issuer.sign_many(
        {"client_id": "agent-1", "scope": "customers:read customers:delete other"},
        {"azp": "agent-2", "sub": "bob"},
    )
    first = await verifier.verify_token(with_client)
    second = await verifier.verify_token(with_azp)
    assert first is not None
    assert second is not None
    assert (first.subject, first.client_id) == ("alice", "agent-1")
    assert first.scopes == ["customers:read", "customers:delete"]
    assert first.claims is not None
    assert first.claims["iss"] == issuer.url
    assert (second.subject, second.client_id, second.scopes) == (
        "bob",
        "agent-2",
        ["customers:read"],
    )


def test_an_mcp_session_serves_only_the_subject_that_opened_it(issuer, make_servers):
    """A session opened with Alice's token answers 404 to Bob's (valid) token."""
    servers: Servers = make_servers(issuer)
    alice, bob = issuer.sign_many({"sub": "alice"}, {"sub": "bob"})
    opened = _mcp(servers.mcp, alice)
    session = opened.headers["mcp-session-id"]
    ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
    headers = MCP_HEADERS | {"mcp-session-id": session, "mcp-protocol-version": "2025-11-25"}
    as_bob = HTTP.post(
        servers.mcp + "/mcp", json=ping, headers=headers | {"Authorization": f"Bearer {bob}"}
    )
    as_alice = HTTP.post(
        servers.mcp + "/mcp", json=ping, headers=headers | {"Authorization": f"Bearer {alice}"}
    )
    assert as_bob.status_code == 404
    assert as_alice.status_code == 200


def test_an_oversized_mcp_body_is_refused_with_413(issuer, make_servers):
    """A POST /mcp body over 4 MB cannot be looked into for its tool: 413, not passed on."""
    servers: Servers = make_servers(issuer)
    token = issuer.sign({"scope": "customers:read customers:write customers:delete"})
    answer = HTTP.post(
        servers.mcp + "/mcp",
        content=b"{" + b" " * (4 * 1024 * 1024) + b"}",
        headers=MCP_HEADERS | {"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 413
    assert "www-authenticate" not in answer.headers
