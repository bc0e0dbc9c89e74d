"""The OAuth 2.0 and OpenID Connect endpoints in OpenAPI 3.1: paths, parameters, answers and errors.

Paths are oauth.metadata's, lifetimes and limits the constants the
endpoints enforce, error codes and statuses the oauth.errors classes'.
"""

from api.openapi_parts import (
    FORM,
    NO_STORE,
    RETRY_AFTER,
    UNAVAILABLE,
    error_response,
    form_body,
    guided_errors,
    html_response,
    json_response,
    query_parameters,
    redirect_response,
    ref,
)
from oauth import errors, metadata
from oauth.credentials import ACCESS_TOKEN_PREFIX, REFRESH_TOKEN_PREFIX
from oauth.leaked import MAX_CREDENTIALS
from oauth.leaked_views import REPORTS_PER_ADDRESS
from oauth.logout_views import CONFIRM_PATH
from oauth.signing_keys import ID_TOKEN_TTL
from oauth.token_store import CODE_TTL, REFRESH_TOKEN_TTL
from oauth.views import AUTHORIZATION_PER_ADDRESS

# Each error the token, revocation and introspection endpoints answer: (class, what it means, what to do).
TOKEN_ERRORS = (
    (
        errors.InvalidRequest,
        "A parameter is missing, repeated or malformed; the body is not form-encoded; PKCE is missing or plain.",
        "Fix the request: error_description names the parameter.",
    ),
    (
        errors.InvalidClient,
        "Unknown or suspended app, wrong secret, or a second authentication method in the same request.",
        "Check the client ID and secret (a new secret from the app's page); use one method only.",
    ),
    (
        errors.InvalidGrant,
        "The code or refresh token is invalid, expired, used, revoked or another app's, or redirect_uri or "
        "code_verifier does not match.",
        "Send the person through authorization again. A refresh token refused after one use means it leaked: "
        "every token of that authorization is revoked.",
    ),
    (
        errors.UnauthorizedClient,
        "The app is not registered for this grant type.",
        "Add the grant type on the app's page.",
    ),
    (
        errors.UnsupportedGrantType,
        "Not authorization_code, refresh_token or client_credentials.",
        "Use one of those.",
    ),
    (
        errors.InvalidScope,
        "A scope is unknown, not registered for the app, or wider than the one granted.",
        "Ask only for the app's registered scopes; a refresh may narrow the scope, never widen it.",
    ),
    (
        errors.SlowDown,
        "The app asks for tokens faster than its rate.",
        "Wait Retry-After seconds; keep and reuse access tokens until they expire.",
    ),
)
# Errors the authorization endpoint sends back to the redirect URI (with state and iss).
AUTHORIZATION_ERRORS = (
    (errors.AccessDenied, "The person clicked Deny.", "Tell them the app needs the access, and offer to retry."),
    (errors.InvalidScope, "No scope, or one the app did not register.", "Send scope with registered scopes."),
    (errors.InvalidRequest, "A parameter is missing or malformed; PKCE missing for a public app.", "Fix it."),
    (errors.UnsupportedResponseType, "response_type is not code.", "Send response_type=code."),
    (errors.UnauthorizedClient, "The app is not registered for the code flow.", "Add the grant on its page."),
    (errors.LoginRequired, "prompt=none and nobody is signed in.", "Retry without prompt=none."),
    (errors.ConsentRequired, "prompt=none and the person has not allowed this yet.", "Retry without prompt=none."),
    (errors.RequestNotSupported, "A request object was sent.", "Send plain parameters."),
    (errors.RequestUriNotSupported, "A request_uri was sent.", "Send plain parameters."),
)

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
    },
    "TokenResponse": {
        "type": "object",
        "required": ["access_token", "token_type", "expires_in", "scope"],
        "properties": {
            "access_token": {"type": "string", "description": f"Starts with {ACCESS_TOKEN_PREFIX}."},
            "token_type": {"type": "string", "enum": ["Bearer"]},
            "expires_in": {"type": "integer", "description": "Seconds the access token lives."},
            "refresh_token": {"type": "string", "description": f"Starts with {REFRESH_TOKEN_PREFIX}; single use."},
            "scope": {"type": "string"},
            "id_token": {"type": "string", "description": "With the openid scope: a signed JWT."},
        },
    },
    "Introspection": {
        "type": "object",
        "required": ["active"],
        "properties": {
            "active": {"type": "boolean"},
            "scope": {"type": "string"},
            "client_id": {"type": "string"},
            "sub": {"type": "string"},
            "username": {"type": "string"},
            "exp": {"type": "integer"},
            "iat": {"type": "integer"},
            "iss": {"type": "string"},
            "token_type": {"type": "string"},
        },
    },
    "Userinfo": {
        "type": "object",
        "required": ["sub"],
        "properties": {
            "sub": {"type": "string"},
            "name": {"type": "string"},
            "preferred_username": {"type": "string"},
            "updated_at": {"type": "integer"},
            "email": {"type": "string"},
            "email_verified": {"type": "boolean"},
        },
    },
    "Jwks": {
        "type": "object",
        "required": ["keys"],
        "properties": {"keys": {"type": "array", "items": {"type": "object"}}},
    },
}
CLIENT_AUTH = [{"client_secret_basic": []}, {}]  # or client_secret_post in the body, or none (public apps)
CLIENT_FIELDS = {
    "client_id": "client_secret_post and public apps: the app's client ID.",
    "client_secret": "client_secret_post only.",
}
AUTHORIZATION_FIELDS = {
    "response_type": "code",
    "client_id": "Your app's client ID.",
    "redirect_uri": "Exactly one you registered (may be left out when you registered only one).",
    "scope": "Space-separated scopes; required.",
    "state": "A fresh random value; it comes back unchanged.",
    "code_challenge": "BASE64URL(SHA256(code_verifier)), no padding. Required for public apps.",
    "code_challenge_method": "S256 (the only one).",
    "nonce": "OpenID Connect: comes back in the ID token.",
    "prompt": "none, login or consent.",
    "max_age": "Seconds: an older sign-in asks for the password again.",
    "login_hint": "Fills in the email on the sign-in page.",
}
LOGOUT_FIELDS = {
    "id_token_hint": "An ID token you got for the person (an expired one is fine).",
    "post_logout_redirect_uri": "One registered with the app.",
    "state": "Comes back on the post-logout redirect.",
    "client_id": "Optional; must be the hint's aud.",
}


def paths(issuer_url: str, access_token_ttl: int) -> dict:
    """Every protocol and discovery endpoint, keyed by path."""
    return {
        metadata.AUTHORIZATION_PATH: _authorization(),
        metadata.TOKEN_PATH: {"post": _token(access_token_ttl)},
        metadata.REVOCATION_PATH: {"post": _revocation()},
        metadata.INTROSPECTION_PATH: {"post": _introspection(issuer_url, access_token_ttl)},
        metadata.USERINFO_PATH: _userinfo(),
        metadata.END_SESSION_PATH: _end_session(),
        CONFIRM_PATH: {"post": _logout_confirmation()},
        metadata.LEAKED_CREDENTIALS_PATH: {"post": _leaked()},
        metadata.METADATA_PATH: {
            "get": _metadata_document(issuer_url, "RFC 8414", metadata.document, "getServerMetadata")
        },
        metadata.OPENID_CONFIGURATION_PATH: {
            "get": _metadata_document(
                issuer_url, "OpenID Connect Discovery 1.0", metadata.openid_document, "getOpenidConfiguration"
            )
        },
        metadata.JWKS_PATH: {"get": _jwks()},
    }


def token_errors() -> dict:
    """The token endpoints' error answers by status, each listing its codes and what to do."""
    return {**guided_errors(TOKEN_ERRORS, {429: RETRY_AFTER}), **UNAVAILABLE}


def _authorization() -> dict:
    common = {
        "tags": ["OAuth 2.0"],
        "description": "In the person's browser, not from your server (RFC 6749 §4.1, RFC 7636, RFC 9207). "
        f"Not signed in: the sign-in page first. At most {AUTHORIZATION_PER_ADDRESS.count} requests per "
        f"{AUTHORIZATION_PER_ADDRESS.window_seconds} seconds from one address.",
        "responses": {
            "302": redirect_response(
                f"Back to redirect_uri with code (valid {CODE_TTL // 60} minutes, once), state and iss; or with "
                "error, error_description, state and iss. Or to the sign-in page."
            ),
            "200": html_response("The consent page (or the sign-in page)."),
            "400": html_response(
                "Unknown or suspended client_id, or an unregistered redirect_uri: an error page, never a redirect."
            ),
        },
    }
    return {
        "get": {
            **common,
            "summary": "Authorization request",
            "operationId": "authorize",
            "parameters": query_parameters(AUTHORIZATION_FIELDS, ("response_type", "client_id", "scope")),
        },
        "post": {
            **common,
            "summary": "Authorization request as a form POST (OIDC Core §3.1.2.1)",
            "operationId": "authorizeByPost",
            "requestBody": form_body(AUTHORIZATION_FIELDS, ("response_type", "client_id", "scope")),
        },
    }


def _token(access_token_ttl: int) -> dict:
    fields = {
        "grant_type": "authorization_code, refresh_token or client_credentials.",
        "code": "authorization_code: the code from the redirect.",
        "redirect_uri": "authorization_code: the same one the authorization request used.",
        "code_verifier": "authorization_code: the PKCE verifier.",
        "refresh_token": "refresh_token: the latest refresh token.",
        "scope": "refresh_token: narrower scopes (optional); client_credentials: defaults to the registered ones.",
        **CLIENT_FIELDS,
    }
    example = {
        "access_token": ACCESS_TOKEN_PREFIX + "…",
        "token_type": "Bearer",
        "expires_in": access_token_ttl,
        "refresh_token": REFRESH_TOKEN_PREFIX + "…",
        "scope": "read:profile read:data",
    }
    return {
        "tags": ["OAuth 2.0"],
        "summary": "Tokens from a code, a refresh token or the app's own credentials",
        "description": f"Access tokens live {access_token_ttl} seconds; refresh tokens "
        f"{REFRESH_TOKEN_TTL // 86400} days and rotate on every use; with openid, an ID token "
        f"valid {ID_TOKEN_TTL} seconds.",
        "operationId": "token",
        "security": CLIENT_AUTH,
        "requestBody": form_body(fields, ("grant_type",)),
        "responses": {
            "200": json_response("The tokens.", ref("TokenResponse"), example, headers=NO_STORE),
            **token_errors(),
        },
    }


def _revocation() -> dict:
    fields = {"token": "The access or refresh token.", "token_type_hint": "Optional.", **CLIENT_FIELDS}
    answers = token_errors()
    return {
        "tags": ["OAuth 2.0"],
        "summary": "Revoke a token (RFC 7009)",
        "description": "Revoking a refresh token revokes the access tokens issued with it.",
        "operationId": "revoke",
        "security": CLIENT_AUTH,
        "requestBody": form_body(fields, ("token",)),
        "responses": {
            "200": {"description": "Revoked, or unknown, or another app's: the answer is the same."},
            "400": answers["400"],
            "401": answers["401"],
            "503": answers["503"],
        },
    }


def _introspection(issuer_url: str, access_token_ttl: int) -> dict:
    example = {
        "active": True,
        "scope": "read:profile",
        "client_id": "pa_client_…",
        "sub": "7",
        "exp": 1765115042 + access_token_ttl,
        "iat": 1765115042,
        "iss": issuer_url,
        "token_type": "Bearer",
    }
    answers = token_errors()
    return {
        "tags": ["OAuth 2.0"],
        "summary": "Introspect a token (RFC 7662)",
        "description": "Confidential apps only; an app registered as a resource server may introspect "
        'every app\'s tokens. Anything not usable is {"active": false}.',
        "operationId": "introspect",
        "security": [{"client_secret_basic": []}, {}],
        "requestBody": form_body({"token": "The token.", **CLIENT_FIELDS}, ("token",)),
        "responses": {
            "200": json_response("What the token is.", ref("Introspection"), example, headers=NO_STORE),
            "400": answers["400"],
            "401": answers["401"],
            "503": answers["503"],
        },
    }


def _userinfo() -> dict:
    example = {
        "sub": "b1f0c6d2…",
        "name": "Ada Lovelace",
        "preferred_username": "Ada Lovelace",
        "updated_at": 1765115042,
        "email": "ada@example.com",
        "email_verified": True,
    }
    operation = {
        "tags": ["OpenID Connect"],
        "description": "Needs the openid scope; profile and email add their claims.",
        "security": [{"oauth2": ["openid"]}],
        "responses": {
            "200": json_response("The claims the token's scopes allow.", ref("Userinfo"), example),
            "401": error_response("invalid_token: see the API's 401.", "invalid_token"),
            "403": error_response("insufficient_scope: the token lacks openid.", "insufficient_scope"),
        },
    }
    return {
        "get": {**operation, "summary": "Userinfo (OIDC Core §5.3)", "operationId": "userinfo"},
        "post": {
            **operation,
            "summary": "Userinfo, the token in a form body",
            "operationId": "userinfoByPost",
            "requestBody": form_body({"access_token": "Instead of the Authorization header."}),
        },
    }


def _end_session() -> dict:
    operation = {
        "tags": ["OpenID Connect"],
        "description": "In the person's browser (RP-Initiated Logout 1.0).",
        "responses": {
            "302": redirect_response("Signed out, to post_logout_redirect_uri with state."),
            "200": html_response('A page asking first (no valid hint), or "You are signed out".'),
        },
    }
    return {
        "get": {
            **operation,
            "summary": "Sign the person out",
            "operationId": "endSession",
            "parameters": query_parameters(LOGOUT_FIELDS),
        },
        "post": {
            **operation,
            "summary": "Sign the person out (form POST)",
            "operationId": "endSessionByPost",
            "requestBody": form_body(LOGOUT_FIELDS),
        },
    }


def _logout_confirmation() -> dict:
    return {
        "tags": ["OpenID Connect"],
        "summary": "The sign-out page's own answer",
        "description": "Posted by the confirmation page the person sees; not for apps to call.",
        "operationId": "confirmEndSession",
        "requestBody": {"required": True, "content": {FORM: {"schema": {"type": "object"}}}},
        "responses": {
            "302": redirect_response("Signed out, to post_logout_redirect_uri with state."),
            "200": html_response('"You are signed out".'),
            "400": html_response("The form's CSRF token is missing or stale."),
        },
    }


def _leaked() -> dict:
    schema = {
        "type": "object",
        "required": ["credentials"],
        "properties": {
            "credentials": {"type": "array", "minItems": 1, "maxItems": MAX_CREDENTIALS, "items": {"type": "string"}}
        },
    }
    body = {"credentials": [ACCESS_TOKEN_PREFIX + "…", REFRESH_TOKEN_PREFIX + "…"]}
    too_many = error_response(
        f"too_many_requests: more than {REPORTS_PER_ADDRESS.count} reports from this address in "
        f"{REPORTS_PER_ADDRESS.window_seconds} seconds. Wait Retry-After seconds.",
        "too_many_requests",
        headers=RETRY_AFTER,
    )
    return {
        "tags": ["OAuth 2.0"],
        "summary": "Report leaked credentials",
        "description": "No authentication. Every token of this server in the list is revoked; a client secret "
        "is flagged to its developer, not deleted.",
        "operationId": "reportLeaked",
        "requestBody": {"required": True, "content": {"application/json": {"schema": schema, "example": body}}},
        "responses": {
            "202": json_response(
                "Entries shaped like our tokens, without saying which were real.",
                {"type": "object", "properties": {"revoked": {"type": "integer"}}},
                {"revoked": 2},
            ),
            "400": error_response('invalid_request: not {"credentials": [1 to 100 strings]}.', "invalid_request"),
            "429": too_many,
        },
    }


def _metadata_document(issuer_url: str, standard: str, make, operation_id: str) -> dict:
    return {
        "tags": ["Discovery"],
        "summary": f"Server metadata ({standard})",
        "description": "Names every endpoint; Cache-Control: public, max-age=3600.",
        "operationId": operation_id,
        "responses": {"200": json_response("The document.", {"type": "object"}, make(issuer_url))},
    }


def _jwks() -> dict:
    key = {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": "2026-12-07-…", "n": "…", "e": "AQAB"}
    return {
        "tags": ["Discovery"],
        "summary": "ID-token signing keys (JWKS)",
        "description": "Cache-Control: public, max-age=300, with an ETag. Fetch again on an unknown kid.",
        "operationId": "getJwks",
        "responses": {"200": json_response("The public keys.", ref("Jwks"), {"keys": [key]})},
    }
