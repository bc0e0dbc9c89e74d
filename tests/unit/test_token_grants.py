"""The token endpoint's rules that need no store (RFC 6749 §4.1.3, §4.4, §5.2; RFC 7636 §4.6).

A grant type that is unknown, unsupported or not registered for the client
is refused before any store is touched: these tests pass None for the
PostgreSQL connection and the Redis client, so touching one would fail.
"""

import pytest

from oauth import pkce, token_grants
from oauth.errors import InvalidGrant, InvalidRequest, InvalidScope, UnauthorizedClient, UnsupportedGrantType

VERIFIER = "v" * 43
REDIRECT_URI = "https://app.example.com/callback"
NEVER_READ = None  # what the grants are given for the token settings: a refused request never reads them


def make_client(**fields) -> dict:
    return {
        "client_id": "pa_client_test",
        "client_type": "confidential",
        "status": "active",
        "redirect_uris": [REDIRECT_URI],
        "scopes": ["read:profile", "read:data"],
        "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
        **fields,
    }


def exchange(client: dict, **params):
    """token_grants.exchange with no stores; the token settings are never reached on these paths."""
    return token_grants.exchange(None, None, make_client(**client), params, NEVER_READ)


# Which grant, for which client -------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [{}, {"grant_type": ""}, {"code": "pacd_x"}],
    ids=["no grant_type", "empty grant_type", "a code but no grant_type"],
)
def test_a_request_without_a_grant_type_is_invalid(params):
    with pytest.raises(InvalidRequest, match="Missing parameter: grant_type"):
        exchange({}, **params)


@pytest.mark.parametrize(
    "grant_type",
    [
        "password",  # RFC 9700 §2.4: MUST NOT be used
        "implicit",
        "token",
        "urn:ietf:params:oauth:grant-type:device_code",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "AUTHORIZATION_CODE",
        "authorization_code ",
    ],
)
def test_an_unsupported_grant_type_is_refused(grant_type):
    with pytest.raises(UnsupportedGrantType, match="Unsupported grant_type"):
        exchange({}, grant_type=grant_type)


@pytest.mark.parametrize(
    ("registered", "grant_type"),
    [
        (["authorization_code"], "refresh_token"),
        (["authorization_code"], "client_credentials"),
        (["authorization_code", "refresh_token"], "client_credentials"),
        (["client_credentials"], "authorization_code"),
        (["client_credentials"], "refresh_token"),
        ([], "authorization_code"),
    ],
)
def test_a_grant_type_the_client_is_not_registered_for_is_refused(registered, grant_type):
    with pytest.raises(UnauthorizedClient, match=f"not registered for the {grant_type} grant"):
        exchange({"grant_types": registered}, grant_type=grant_type)


def test_an_unsupported_grant_type_is_named_before_the_clients_registration_is_looked_at():
    with pytest.raises(UnsupportedGrantType):
        exchange({"grant_types": []}, grant_type="password")


def test_the_registered_grant_types_are_exactly_the_supported_ones():
    assert set(token_grants.GRANTS) == {"authorization_code", "refresh_token", "client_credentials"}


# Client credentials (§4.4): refused before anything is issued ----------------------------


def test_a_public_client_may_not_use_client_credentials():
    public = make_client(client_type="public")
    with pytest.raises(UnauthorizedClient, match="Only confidential clients"):
        token_grants.client_credentials(None, None, public, {"grant_type": "client_credentials"}, NEVER_READ)


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        ("", "Missing parameter: scope"),
        ("read:everything", "Unknown scope: read:everything"),
        ("read:profile write:data", "not registered for: write:data"),
    ],
)
def test_client_credentials_scope_must_be_known_and_registered(scope, message):
    params = {"grant_type": "client_credentials", "scope": scope}
    with pytest.raises(InvalidScope, match=message):
        token_grants.client_credentials(None, None, make_client(), params, NEVER_READ)


# What a code is bound to (§4.1.3, RFC 7636 §4.6) -------------------------------------------


def code(**fields) -> dict:
    """An authorization code's record as token_store.redeem_code returns it (Redis strings)."""
    return {
        "client_id": "pa_client_test",
        "redirect_uri": REDIRECT_URI,
        "redirect_uri_given": "1",
        "code_challenge": pkce.s256(VERIFIER),
        **fields,
    }


def token_params(**params) -> dict:
    """A token request's parameters matching `code()`; None drops one."""
    values = {"grant_type": "authorization_code", "redirect_uri": REDIRECT_URI, "code_verifier": VERIFIER, **params}
    return {name: value for name, value in values.items() if value is not None}


@pytest.mark.parametrize(
    ("record", "params"),
    [
        (code(), token_params()),
        (code(redirect_uri_given="0"), token_params(redirect_uri=None)),
        (code(redirect_uri_given="0"), token_params()),  # repeating it anyway is fine
        (code(code_challenge=""), token_params(code_verifier=None)),
    ],
    ids=["everything repeated", "uri left out both times", "uri repeated though optional", "no pkce either time"],
)
def test_a_code_presented_as_it_was_bound_passes(record, params):
    token_grants.check_code_binding(record, make_client(), params)


@pytest.mark.parametrize(
    ("record", "params", "error", "message"),
    [
        (code(client_id="pa_client_other"), token_params(), InvalidGrant, "issued to another client"),
        (code(), token_params(redirect_uri=None), InvalidRequest, "redirect_uri is required"),
        (code(), token_params(redirect_uri=REDIRECT_URI + "/"), InvalidGrant, "redirect_uri does not match"),
        (code(), token_params(redirect_uri="https://evil.example/cb"), InvalidGrant, "redirect_uri does not match"),
        (code(redirect_uri_given="0"), token_params(redirect_uri="https://x/cb"), InvalidGrant, "does not match"),
        (code(), token_params(code_verifier=None), InvalidRequest, "code_verifier is required"),
        (code(), token_params(code_verifier="short"), InvalidRequest, "43 to 128 unreserved"),
        (code(), token_params(code_verifier="w" * 43), InvalidGrant, "does not match the code_challenge"),
        (code(code_challenge=""), token_params(), InvalidGrant, "had no code_challenge"),
    ],
    ids=[
        "another client",
        "uri left out",
        "uri with trailing slash",
        "uri of another site",
        "uri given though the request had none",
        "verifier missing",
        "verifier malformed",
        "verifier wrong",
        "verifier without challenge (downgrade)",
    ],
)
def test_a_code_presented_otherwise_than_it_was_bound_is_refused(record, params, error, message):
    with pytest.raises(error, match=message):
        token_grants.check_code_binding(record, make_client(), params)


def test_the_client_is_checked_before_the_verifier():
    with pytest.raises(InvalidGrant, match="another client"):
        token_grants.check_code_binding(
            code(client_id="pa_client_other"), make_client(), token_params(code_verifier=None)
        )
