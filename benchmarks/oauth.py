"""Benchmark 10: what ``--oauth-issuer`` adds to each request, with the issuer's keys cached.

    python benchmarks/oauth.py [--requests N]   # prints JSON

One process, no sockets: the OAuth gate (``OAuthMiddleware``: the SDK's ``BearerAuthBackend``,
our ``JwtVerifier``, the scope rule) in front of an ASGI app that answers at once, against the
same app without it; the keys come from an in-memory issuer (discovery + JWKS served by an httpx
``MockTransport``) and are fetched once, before the timing. Per request: an RS256 and an ES256
token of 2048-bit RSA / P-256 keys; the added time is the gated request's minus the bare one's
(median of each; both are interleaved in rounds).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from togai_customers_server._oauth import (
    IssuerKeys,
    JwtVerifier,
    OAuthMiddleware,
    oauth_config,
    rest_scope_rule,
)

ISSUER = "https://issuer.bench"
PUBLIC = "https://mcp.bench"


def _issuer() -> tuple[httpx.MockTransport, dict[str, Any]]:
    private = {
        "RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ES256": ec.generate_private_key(ec.SECP256R1()),
    }
    keys = []
    for alg, key in private.items():
        jwk = json.loads(jwt.get_algorithm_by_name(alg).to_jwk(key.public_key()))
        keys.append({**jwk, "kid": alg, "alg": alg, "use": "sig"})

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/.well-known/openid-configuration":
            return httpx.Response(200, json={"issuer": ISSUER, "jwks_uri": ISSUER + "/jwks"})
        return httpx.Response(200, json={"keys": keys})

    return httpx.MockTransport(handler), private


async def _answer(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def _request(app: Any, headers: list[tuple[bytes, bytes]]) -> None:
    scope = {"type": "http", "method": "GET", "path": "/v1/customers", "headers": headers}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and message["status"] != 200:
            raise AssertionError(message)

    await app(scope, receive, send)


async def measure(requests: int, rounds: int) -> dict[str, Any]:
    transport, private = _issuer()
    config = oauth_config(issuer=ISSUER, public_url=PUBLIC)
    verifier = JwtVerifier(config, IssuerKeys(ISSUER, transport=transport))
    gated = OAuthMiddleware(_answer, verifier, config, prefix="/v1", rule=rest_scope_rule())
    now = int(time.time())
    out: dict[str, Any] = {"requests": requests, "rounds": rounds}
    for alg, key in private.items():
        claims = {"iss": ISSUER, "sub": "bench", "aud": config.resource, "exp": now + 3600}
        token = jwt.encode(
            {**claims, "scope": "customers:read"}, key, algorithm=alg, headers={"kid": alg}
        )
        headers = [(b"authorization", f"Bearer {token}".encode())]
        await _request(gated, headers)  # the one key fetch, untimed
        bare, timed = [], []
        for _ in range(rounds):
            for app, into in ((_answer, bare), (gated, timed)):
                for _ in range(requests):
                    started = time.perf_counter_ns()
                    await _request(app, headers)
                    into.append(time.perf_counter_ns() - started)
        p50_bare, p50 = statistics.median(bare), statistics.median(timed)
        timed.sort()
        out[alg] = {
            "bare_p50_us": p50_bare / 1000,
            "gated_p50_us": p50 / 1000,
            "gated_p95_us": timed[int(len(timed) * 0.95)] / 1000,
            "added_p50_ms": (p50 - p50_bare) / 1e6,
        }
    out["key_fetches"] = verifier.keys.fetches
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.requests, args.rounds))))


if __name__ == "__main__":
    main()
