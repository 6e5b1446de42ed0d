"""A small OpenID Connect issuer for the OAuth tests, run as its own process on loopback.

    python tests/_issuer.py --port N [--clients JSON]

Serves OpenID Connect discovery, its JWKS (an RS256 and an ES256 key) and a token endpoint for
the ``client_credentials`` grant (``client_secret_basic`` or ``client_secret_post``; the scopes
granted are those asked for that the client is allowed, all of them when none are asked for;
``aud`` is the RFC 8707 ``resource`` asked for). Test-only endpoints under ``/admin``:

* ``POST /admin/sign`` ``{"claims": {...}, "alg": "RS256", "kid": ...}`` (or ``{"batch":
  [...]}`` of those) signs anything (``iss``, ``iat`` and ``exp`` added unless given; ``kid``
  overrides the header's);
* ``POST /admin/rotate``: new keys (new ``kid``), the old ones leave the JWKS;
* ``POST /admin/jwks`` ``{"mode": "ok" | "500" | "junk" | "badkey"}``: how the JWKS answers
  (``badkey``: the keys' ids without their key material);
* ``GET /admin/stats``: how many times the JWKS was fetched.

Built on PyJWT and cryptography (signing) and the standard library's HTTP server.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

DEFAULT_CLIENTS = {
    "reader": {"secret": "reader-secret", "scopes": ["customers:read"], "alg": "RS256"},
    "writer": {
        "secret": "writer-secret",
        "scopes": ["customers:read", "customers:write"],
        "alg": "ES256",
    },
    "admin": {
        "secret": "admin-secret",
        "scopes": ["customers:read", "customers:write", "customers:delete"],
        "alg": "RS256",
    },
}


class Keys:
    """The signing keys: one RSA, one EC P-256, each with its kid."""

    def __init__(self) -> None:
        self.rotate()

    def rotate(self) -> None:
        self.generation = getattr(self, "generation", 0) + 1
        self.private = {
            "RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "ES256": ec.generate_private_key(ec.SECP256R1()),
        }
        self.kids = {alg: f"{alg.lower()}-{self.generation}" for alg in self.private}

    def jwks(self) -> dict[str, Any]:
        keys = []
        for alg, key in self.private.items():
            algo = jwt.get_algorithm_by_name(alg)
            jwk = json.loads(algo.to_jwk(key.public_key()))
            jwk.update(kid=self.kids[alg], use="sig", alg=alg)
            keys.append(jwk)
        return {"keys": keys}


class Issuer:
    def __init__(self, url: str, clients: dict[str, Any]) -> None:
        self.url = url
        self.clients = clients
        self.keys = Keys()
        self.jwks_mode = "ok"
        self.jwks_fetches = 0
        self.lock = threading.Lock()

    def sign(
        self, claims: dict[str, Any], alg: str = "RS256", kid: str | None = None, **extra: Any
    ) -> str:
        now = int(time.time())
        body = {"iss": self.url, "iat": now, "exp": now + 300, **claims}
        headers = {"kid": kid if kid is not None else self.keys.kids[alg], **extra}
        return jwt.encode(body, self.keys.private[alg], algorithm=alg, headers=headers)

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "scopes_supported": ["customers:read", "customers:write", "customers:delete"],
        }


def _client(form: dict[str, str], authorization: str | None) -> tuple[str, str]:
    if authorization and authorization.lower().startswith("basic "):
        raw = base64.b64decode(authorization[6:]).decode()
        cid, _, secret = raw.partition(":")
        from urllib.parse import unquote

        return unquote(cid), unquote(secret)
    return form.get("client_id", ""), form.get("client_secret", "")


def make_handler(issuer: Issuer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # Headers and body are separate writes: with Nagle on, each answer waited ~40 ms for
        # the client's delayed ACK.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _json(self, status: int, data: Any, raw: bytes | None = None) -> None:
            body = raw if raw is not None else json.dumps(data).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.send_header("cache-control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("content-length") or 0))

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/.well-known/openid-configuration":
                self._json(200, issuer.metadata())
            elif path == "/jwks":
                with issuer.lock:
                    issuer.jwks_fetches += 1
                    mode = issuer.jwks_mode
                    jwks = issuer.keys.jwks()
                if mode == "500":
                    self._json(500, {"error": "down"})
                elif mode == "junk":
                    self._json(200, None, raw=b"<html>not json")
                elif mode == "badkey":  # the right kids, but keys without their numbers
                    keys = [
                        {"kty": k["kty"], "kid": k["kid"], "alg": k["alg"]} for k in jwks["keys"]
                    ]
                    self._json(200, {"keys": keys})
                else:
                    self._json(200, jwks)
            elif path == "/admin/stats":
                self._json(200, {"jwks_fetches": issuer.jwks_fetches})
            else:
                self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            path = self.path.split("?", 1)[0]
            raw = self._body()
            if path == "/token":
                self._token({k: v[0] for k, v in parse_qs(raw.decode()).items()})
            elif path == "/admin/sign":
                data = json.loads(raw or b"{}")
                asked = data.get("batch", [data])
                tokens = [
                    issuer.sign(
                        one.get("claims", {}),
                        one.get("alg", "RS256"),
                        one.get("kid"),
                        **one.get("headers", {}),
                    )
                    for one in asked
                ]
                self._json(200, {"token": tokens[0], "tokens": tokens})
            elif path == "/admin/rotate":
                with issuer.lock:
                    issuer.keys.rotate()
                self._json(200, {"kids": issuer.keys.kids})
            elif path == "/admin/jwks":
                issuer.jwks_mode = json.loads(raw)["mode"]
                self._json(200, {"mode": issuer.jwks_mode})
            else:
                self._json(404, {"error": "not_found"})

        def _token(self, form: dict[str, str]) -> None:
            if form.get("grant_type") != "client_credentials":
                self._json(400, {"error": "unsupported_grant_type"})
                return
            cid, secret = _client(form, self.headers.get("authorization"))
            client = issuer.clients.get(cid)
            if client is None or not secrets.compare_digest(client["secret"], secret):
                self._json(401, {"error": "invalid_client"})
                return
            allowed = client["scopes"]
            asked = form.get("scope", "").split()
            granted = [s for s in asked if s in allowed] if asked else list(allowed)
            claims = {"sub": f"client:{cid}", "client_id": cid, "scope": " ".join(granted)}
            if "resource" in form:
                claims["aud"] = form["resource"]
            elif client.get("aud"):
                claims["aud"] = client["aud"]
            token = issuer.sign(claims, client.get("alg", "RS256"))
            self._json(
                200,
                {
                    "access_token": token,
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "scope": " ".join(granted),
                },
            )

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--clients", help="JSON: {client_id: {secret, scopes, alg, aud}}")
    args = parser.parse_args()
    url = f"http://127.0.0.1:{args.port}"
    clients = json.loads(args.clients) if args.clients else DEFAULT_CLIENTS
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(Issuer(url, clients)))
    print(f"issuer {url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
