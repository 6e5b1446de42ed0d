"""OAuth options: what combines, what is refused, the audience override and the scope map."""

from __future__ import annotations

import pytest

from tests._server_support import cli_process
from togai_customers_server._oauth import oauth_from_options, parse_scope_map
from togai_customers_server._settings import ServeOptions, options_from_env
from togai_customers_server.serve import ServeError, check_options

from .conftest import HTTP, RESOURCE, Servers

ISSUER = "https://login.example.test/realms/acme"


@pytest.mark.parametrize(
    ("extra", "other"),
    [({"forward_auth": True}, "--forward-auth"), ({"server_token": "t"}, "--server-token")],
)
def test_oauth_cannot_be_combined_with_another_use_of_the_header(extra, other):
    """--oauth-issuer with --forward-auth (or --server-token) is refused, naming both."""
    with pytest.raises(ServeError, match=f"--oauth-issuer and {other}"):
        check_options(ServeOptions(sandbox=True, oauth_issuer=ISSUER, **extra))


def test_the_cli_refuses_oauth_with_forward_auth():
    """`serve --oauth-issuer ... --forward-auth` exits 1 with a message naming both flags."""
    with cli_process("serve", "--sandbox", "--oauth-issuer", ISSUER, "--forward-auth") as proc:
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert "--oauth-issuer and --forward-auth both use the Authorization header" in err


def test_a_public_bind_needs_a_public_url_and_is_then_allowed():
    """Off loopback, OAuth needs --public-url; with it the bind is allowed without a token."""
    with pytest.raises(ServeError, match="--public-url"):
        check_options(ServeOptions(sandbox=True, host="0.0.0.0", oauth_issuer=ISSUER))
    options = ServeOptions(
        sandbox=True,
        host="0.0.0.0",
        oauth_issuer=ISSUER,
        public_url="https://mcp.example.test/",
    )
    check_options(options)
    config = oauth_from_options(options)
    assert config is not None
    assert config.resource == "https://mcp.example.test/mcp"
    assert config.audiences == ("https://mcp.example.test/mcp",)


def test_the_default_public_url_is_the_loopback_mcp_port():
    """On loopback the resource defaults to http://HOST:MCP-PORT/mcp."""
    config = oauth_from_options(ServeOptions(oauth_issuer=ISSUER, mcp_port=9191))
    assert config is not None
    assert config.resource == "http://127.0.0.1:9191/mcp"
    assert config.metadata_url == "http://127.0.0.1:9191/.well-known/oauth-protected-resource/mcp"


def test_options_from_env_reads_the_oauth_variables():
    """TOGAI_OAUTH_* and TOGAI_PUBLIC_URL reach the options (lists split on spaces or commas)."""
    options = options_from_env(
        {
            "TOGAI_OAUTH_ISSUER": ISSUER,
            "TOGAI_PUBLIC_URL": "https://mcp.example.test",
            "TOGAI_OAUTH_AUDIENCE": "api://togai, https://mcp.example.test/mcp",
            "TOGAI_OAUTH_SCOPE_MAP": "customers:read=api://togai/Customers.Read",
        }
    )
    assert options.oauth_issuer == ISSUER
    assert options.public_url == "https://mcp.example.test"
    assert options.oauth_audience == ("api://togai", "https://mcp.example.test/mcp")
    assert options.oauth_scope_map == ("customers:read=api://togai/Customers.Read",)


@pytest.mark.parametrize("entry", ["customers:read", "customers:admin=x", "=x", "customers:read="])
def test_a_bad_scope_map_entry_is_refused(entry):
    """A scope map entry must be OURS=THEIRS with OURS one of our three scopes."""
    with pytest.raises(ValueError, match="--oauth-scope-map"):
        parse_scope_map([entry])


def test_the_audience_override_and_the_scope_map(issuer, make_servers):
    """With --oauth-audience api://togai and an Entra-style scope map, a token for api://togai
    whose scp is 'Customers.Read' reads; one for the MCP resource is refused."""
    servers: Servers = make_servers(
        issuer,
        oauth_audience=["api://togai"],
        oauth_scope_map=[
            "customers:read=api://togai/Customers.Read",
            "customers:write=api://togai/Customers.Write",
        ],
    )
    entra, for_mcp = issuer.sign_many(
        {"aud": "api://togai", "scope": None, "scp": "Customers.Read"},
        {"aud": RESOURCE, "scope": "customers:read"},
    )
    assert HTTP.get(servers.rest + "/v1/customers", headers=_auth(entra)).status_code == 200
    assert HTTP.get(servers.rest + "/v1/customers", headers=_auth(for_mcp)).status_code == 401
    refused = HTTP.post(servers.rest + "/v1/customers", json={}, headers=_auth(entra))
    assert refused.status_code == 403
    assert refused.headers["www-authenticate"].endswith('scope="api://togai/Customers.Write"')
    metadata = HTTP.get(servers.mcp + "/.well-known/oauth-protected-resource").json()
    assert metadata["scopes_supported"] == [
        "api://togai/Customers.Read",
        "api://togai/Customers.Write",
        "customers:delete",
    ]


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (["--oauth-issuer", ISSUER], {}, "--oauth-issuer"),
        (["--public-url", "https://mcp.example.test"], {}, "--public-url"),
        (["--oauth-audience", "api://x"], {}, "--oauth-audience"),
        ([], {"TOGAI_OAUTH_ISSUER": ISSUER}, "TOGAI_OAUTH_ISSUER"),
    ],
)
def test_mcp_stdio_refuses_the_oauth_options(args, env, named):
    """`mcp --stdio` with an OAuth option exits 2 naming it and --stdio, instead of ignoring it."""
    with cli_process("mcp", "--stdio", "--sandbox", *args, env=env) as proc:
        _, err = proc.communicate(input="", timeout=30)
    assert proc.returncode == 2, err
    assert named in err
    assert "--stdio" in err


def test_mcp_stdio_keeps_the_audit_log(tmp_path):
    """`mcp --stdio --audit-log FILE` is accepted (the audit trail works on stdio)."""
    log = tmp_path / "audit.jsonl"
    with cli_process("mcp", "--stdio", "--sandbox", "--audit-log", str(log)) as proc:
        _, err = proc.communicate(input="", timeout=30)
    assert proc.returncode == 0, err


@pytest.mark.parametrize(
    ("issuer", "allowed"),
    [
        ("http://login.example.test/realms/acme", False),
        ("ftp://login.example.test", False),
        ("login.example.test", False),
        ("https://login.example.test/realms/acme", True),
        ("http://127.0.0.1:8081/realms/acme", True),
        ("http://localhost:8081", True),
    ],
)
def test_the_issuer_must_be_https_unless_on_loopback(issuer, allowed):
    """An issuer whose keys would travel over plain HTTP off this machine is refused (the MCP
    authorization spec asks for HTTPS); a loopback issuer (a local test IdP) may use HTTP."""
    options = ServeOptions(sandbox=True, oauth_issuer=issuer)
    if allowed:
        check_options(options)
    else:
        with pytest.raises(ServeError, match=r"--oauth-issuer .*https://"):
            check_options(options)
