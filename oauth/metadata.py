"""Authorization server metadata (RFC 8414): how clients discover every endpoint."""

from oauth.client_rules import GRANT_TYPES
from oauth.scopes import ALL_SCOPES

AUTHORIZATION_PATH = "/oauth/authorize"
TOKEN_PATH = "/oauth/token"
REVOCATION_PATH = "/oauth/revoke"
INTROSPECTION_PATH = "/oauth/introspect"
# Not an RFC 8414 field, so not in the document: integrators find it in the docs (oauth/leaked.py).
LEAKED_CREDENTIALS_PATH = "/oauth/leaked"
DOCUMENTATION_PATH = "/docs"
WELL_KNOWN = "/.well-known"  # RFC 8615
SERVER_METADATA = "/oauth-authorization-server"  # RFC 8414 §3
METADATA_PATH = WELL_KNOWN + SERVER_METADATA

TOKEN_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
# Introspection answers confidential clients only (public ones cannot prove who they are).
INTROSPECTION_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


def endpoints(issuer: str) -> dict[str, str]:
    """Every endpoint's absolute URL under `issuer`."""
    return {
        "authorization_endpoint": issuer + AUTHORIZATION_PATH,
        "token_endpoint": issuer + TOKEN_PATH,
        "revocation_endpoint": issuer + REVOCATION_PATH,
        "introspection_endpoint": issuer + INTROSPECTION_PATH,
    }


def document(issuer: str) -> dict:
    """The metadata document for `issuer` (RFC 8414 §2)."""
    return {
        "issuer": issuer,
        **endpoints(issuer),
        "scopes_supported": list(ALL_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": list(GRANT_TYPES),
        "token_endpoint_auth_methods_supported": TOKEN_AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": TOKEN_AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": INTROSPECTION_AUTH_METHODS,
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": True,
        "service_documentation": issuer + DOCUMENTATION_PATH,
    }
