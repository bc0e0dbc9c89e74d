"""Authorization server metadata (RFC 8414) and OpenID Provider metadata (Discovery 1.0 §3).

Both documents name the same endpoints; the OpenID one adds what an
OpenID Connect relying party needs besides, and only what the server does.
"""

from oauth.client_rules import GRANT_TYPES, ID_TOKEN_SIGNING_ALGS
from oauth.scopes import ALL_SCOPES

AUTHORIZATION_PATH = "/oauth/authorize"
TOKEN_PATH = "/oauth/token"
REVOCATION_PATH = "/oauth/revoke"
INTROSPECTION_PATH = "/oauth/introspect"
USERINFO_PATH = "/oauth/userinfo"  # OIDC Core §5.3
END_SESSION_PATH = "/oauth/logout"  # OIDC RP-Initiated Logout 1.0 §2
# Not an RFC 8414 field, so not in the document: integrators find it in the docs (oauth/leaked.py).
LEAKED_CREDENTIALS_PATH = "/oauth/leaked"
DOCUMENTATION_PATH = "/docs"
WELL_KNOWN = "/.well-known"  # RFC 8615
SERVER_METADATA = "/oauth-authorization-server"  # RFC 8414 §3
METADATA_PATH = WELL_KNOWN + SERVER_METADATA
OPENID_CONFIGURATION = "/openid-configuration"  # OIDC Discovery §4
OPENID_CONFIGURATION_PATH = WELL_KNOWN + OPENID_CONFIGURATION
JWKS = "/jwks.json"
JWKS_PATH = WELL_KNOWN + JWKS

TOKEN_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
# Introspection answers confidential clients only (public ones cannot prove who they are).
INTROSPECTION_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

# What an ID token and userinfo may say (oauth/id_tokens.py, api/userinfo.py).
CLAIMS_SUPPORTED = [
    "iss",
    "sub",
    "aud",
    "azp",
    "exp",
    "iat",
    "auth_time",
    "amr",
    "nonce",
    "at_hash",
    "name",
    "preferred_username",
    "updated_at",
    "email",
    "email_verified",
]


def endpoints(issuer: str) -> dict[str, str]:
    """Every endpoint's absolute URL under `issuer`."""
    return {
        "authorization_endpoint": issuer + AUTHORIZATION_PATH,
        "token_endpoint": issuer + TOKEN_PATH,
        "revocation_endpoint": issuer + REVOCATION_PATH,
        "introspection_endpoint": issuer + INTROSPECTION_PATH,
        "userinfo_endpoint": issuer + USERINFO_PATH,
        "end_session_endpoint": issuer + END_SESSION_PATH,
        "jwks_uri": issuer + JWKS_PATH,
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


def openid_document(issuer: str) -> dict:
    """The OpenID Provider metadata for `issuer`: the RFC 8414 document and the OIDC fields (Discovery §3)."""
    return {
        **document(issuer),
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": list(ID_TOKEN_SIGNING_ALGS),
        "claims_supported": CLAIMS_SUPPORTED,
        # Discovery §3 defaults request_uri_parameter_supported to true: say plainly that none is.
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
    }
