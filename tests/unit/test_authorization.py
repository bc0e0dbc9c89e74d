"""The authorization request's rules (RFC 6749 §4.1.1, §4.1.2.1, RFC 7636 §4.3), checked without Flask or stores.

`validate` is given a plain function in place of the client lookup, as the
views give it `partial(clients.get_client, conn)`.
"""

import pytest

from oauth import pkce
from oauth.authorization import AuthorizationRequest, needs_consent, needs_fresh_sign_in, validate
from oauth.errors import FatalAuthorizationError, OAuthError

REDIRECT_URI = "https://app.example.com/callback"
OTHER_REDIRECT_URI = "https://app.example.com/other"
STATE = "xyz"
CHALLENGE = pkce.s256("v" * 43)


def make_client(**fields) -> dict:
    """A client as clients.get_client returns it: active, confidential, one redirect URI."""
    return {
        "client_id": "pa_client_test",
        "name": "Test App",
        "status": "active",
        "client_type": "confidential",
        "redirect_uris": [REDIRECT_URI],
        "scopes": ["read:profile", "read:data"],
        "grant_types": ["authorization_code", "refresh_token"],
        **fields,
    }


CONFIDENTIAL = make_client()
PUBLIC = make_client(client_id="pa_client_public", client_type="public", redirect_uris=["com.example.app:/cb"])
TWO_URIS = make_client(client_id="pa_client_two", redirect_uris=[REDIRECT_URI, OTHER_REDIRECT_URI])
SUSPENDED = make_client(client_id="pa_client_suspended", status="suspended")
MACHINE = make_client(client_id="pa_client_machine", grant_types=["client_credentials"])
LOOPBACK = make_client(client_id="pa_client_loopback", client_type="public", redirect_uris=["http://127.0.0.1/cb"])
CLIENTS = {client["client_id"]: client for client in (CONFIDENTIAL, PUBLIC, TWO_URIS, SUSPENDED, MACHINE, LOOPBACK)}


def get_client(client_id: str) -> dict | None:
    return CLIENTS.get(client_id)


def query(client: dict = CONFIDENTIAL, **overrides) -> dict[str, list[str]]:
    """A valid request's parameters as the view reads them (every value a list); None drops one."""
    params = {
        "response_type": "code",
        "client_id": client["client_id"],
        "redirect_uri": client["redirect_uris"][0],
        "scope": "read:profile",
        "state": STATE,
    }
    params.update(overrides)
    return {name: value if isinstance(value, list) else [value] for name, value in params.items() if value is not None}


def test_a_valid_request_is_bound_to_client_redirect_uri_scopes_and_state():
    request = validate(query(scope="read:data read:profile"), get_client)
    assert request == AuthorizationRequest(
        client=CONFIDENTIAL,
        redirect_uri=REDIRECT_URI,
        redirect_uri_given=True,
        scopes=("read:profile", "read:data"),  # catalogue order
        state=STATE,
        code_challenge=None,
    )


def test_without_redirect_uri_the_only_registered_one_is_used_and_remembered_as_not_given():
    request = validate(query(redirect_uri=None), get_client)
    assert (request.redirect_uri, request.redirect_uri_given) == (REDIRECT_URI, False)


def test_a_public_app_with_pkce_is_accepted_and_the_challenge_kept():
    request = validate(query(PUBLIC, code_challenge=CHALLENGE, code_challenge_method="S256"), get_client)
    assert request.code_challenge == CHALLENGE


def test_a_public_apps_loopback_redirect_on_another_port_is_accepted_as_sent():
    used = "http://127.0.0.1:51234/cb"
    request = validate(
        query(LOOPBACK, redirect_uri=used, code_challenge=CHALLENGE, code_challenge_method="S256"), get_client
    )
    assert request.redirect_uri == used


def test_an_empty_value_counts_as_absent():
    request = validate(query(state=""), get_client)
    assert request.state is None


def test_max_age_is_read_as_whole_seconds():
    assert validate(query(max_age="0"), get_client).max_age == 0
    assert validate(query(max_age="3600"), get_client).max_age == 3600
    assert validate(query(), get_client).max_age is None


def test_unknown_prompt_values_are_ignored_and_known_ones_kept():
    request = validate(query(prompt="consent select_account bogus"), get_client)
    assert request.prompt == frozenset({"consent", "select_account"})


# Fatal: an error page, never a redirect (§4.1.2.1) ----------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (query(client_id=None), "client_id is missing"),
        (query(client_id=""), "client_id is missing"),
        (query(client_id=["pa_client_test", "pa_client_two"]), "client_id is repeated"),
        (query(client_id="pa_client_nobody"), "No app with this client_id"),
        (query(SUSPENDED), "has been suspended"),
        (query(redirect_uri="https://evil.example/callback"), "not one the app registered"),
        (query(redirect_uri=REDIRECT_URI + "/"), "not one the app registered"),
        (query(redirect_uri=REDIRECT_URI.upper()), "not one the app registered"),
        (query(redirect_uri=[REDIRECT_URI, REDIRECT_URI]), "more than one redirect_uri"),
        (query(TWO_URIS, redirect_uri=None), "must say which"),
        (query(CONFIDENTIAL, redirect_uri="http://127.0.0.1:5000/cb"), "not one the app registered"),
    ],
    ids=[
        "client_id missing",
        "client_id empty",
        "client_id repeated",
        "client unknown",
        "client suspended",
        "redirect_uri foreign",
        "redirect_uri with trailing slash",
        "redirect_uri in other case",
        "redirect_uri repeated",
        "redirect_uri missing with several registered",
        "loopback port leniency is for public apps only",
    ],
)
def test_a_fatal_error_is_raised_and_never_marked_for_a_redirect(params, message):
    with pytest.raises(FatalAuthorizationError, match=message):
        validate(params, get_client)


def test_validator_checks_fatal_rules_before_anything_else():
    with pytest.raises(FatalAuthorizationError):
        validate({"client_id": ["x"], "response_type": ["token"]}, lambda _id: None)


def test_the_redirect_uri_is_checked_before_the_response_type():
    with pytest.raises(FatalAuthorizationError):
        validate(query(response_type="token", redirect_uri="https://evil.example/cb"), get_client)


def test_the_client_lookup_is_asked_once_with_the_requested_client_id():
    asked = []
    validate(query(), lambda client_id: asked.append(client_id) or CONFIDENTIAL)
    assert asked == ["pa_client_test"]


# Redirectable: back to the trusted redirect URI, with state -------------------------------


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        (query(response_type=None), "invalid_request", "response_type"),
        (query(response_type="token"), "unsupported_response_type", "Only response_type=code"),
        (query(response_type="code id_token"), "unsupported_response_type", "Only response_type=code"),
        (query(response_type=["code", "code"]), "invalid_request", "Repeated parameter: response_type"),
        (query(response_mode="fragment"), "invalid_request", "response_mode=query"),
        (query(MACHINE), "unauthorized_client", "authorization code flow"),
        (query(scope=None), "invalid_scope", "Missing parameter: scope"),
        (query(scope=" "), "invalid_scope", "Missing parameter: scope"),
        (query(scope="read:everything"), "invalid_scope", "Unknown scope: read:everything"),
        (query(scope="read:profile write:data"), "invalid_scope", "not registered for: write:data"),
        (query(scope=["read:profile", "read:data"]), "invalid_request", "Repeated parameter: scope"),
        (query(code_challenge=CHALLENGE), "invalid_request", "code_challenge_method must be S256"),
        (query(code_challenge=CHALLENGE, code_challenge_method="plain"), "invalid_request", "S256"),
        (query(code_challenge="short", code_challenge_method="S256"), "invalid_request", "43 to 128"),
        (query(code_challenge_method="S256"), "invalid_request", "without a code_challenge"),
        (query(PUBLIC), "invalid_request", "Public apps must use PKCE"),
        (query(prompt="none consent"), "invalid_request", "prompt=none cannot be combined"),
        (query(state=["a", "b"]), "invalid_request", "Repeated parameter: state"),
        (query(max_age="soon"), "invalid_request", "max_age must be a whole number"),
        (query(max_age="-1"), "invalid_request", "max_age must be a whole number"),
        (query(max_age="1.5"), "invalid_request", "max_age must be a whole number"),
        (query(max_age="١٢"), "invalid_request", "max_age must be a whole number"),
        (query(max_age="9" * 11), "invalid_request", "max_age must be a whole number"),
    ],
    ids=[
        "response_type missing",
        "response_type token",
        "response_type hybrid",
        "response_type repeated",
        "response_mode fragment",
        "client not registered for the code flow",
        "scope missing",
        "scope blank",
        "scope unknown",
        "scope beyond the registration",
        "scope repeated",
        "pkce method missing",
        "pkce method plain",
        "pkce challenge malformed",
        "pkce method without challenge",
        "public app without pkce",
        "prompt none combined",
        "state repeated",
        "max_age a word",
        "max_age negative",
        "max_age fractional",
        "max_age in other digits",
        "max_age absurdly long",
    ],
)
def test_a_redirectable_error_is_sent_back_to_the_registered_uri(params, error, message):
    with pytest.raises(OAuthError, match=message) as caught:
        validate(params, get_client)
    assert caught.value.error == error
    assert caught.value.redirect_uri == params["redirect_uri"][0]


def test_validator_marks_redirectable_errors_with_the_trusted_uri():
    client = {
        "client_id": "c",
        "name": "C",
        "status": "active",
        "client_type": "confidential",
        "redirect_uris": ["https://a.example/cb"],
        "scopes": ["read:data"],
        "grant_types": ["authorization_code"],
    }
    with pytest.raises(OAuthError) as caught:
        validate({"client_id": ["c"], "response_type": ["code"], "state": ["s"]}, {"c": client}.get)
    assert caught.value.error == "invalid_scope"
    assert (caught.value.redirect_uri, caught.value.state) == ("https://a.example/cb", "s")

    request = validate({"client_id": ["c"], "response_type": ["code"], "scope": ["read:data"]}, {"c": client}.get)
    assert request == AuthorizationRequest(client, "https://a.example/cb", False, ("read:data",), None, None)


def test_a_redirectable_error_echoes_the_state():
    with pytest.raises(OAuthError) as caught:
        validate(query(scope=None, state="s-1"), get_client)
    assert (caught.value.redirect_uri, caught.value.state) == (REDIRECT_URI, "s-1")


def test_a_repeated_state_is_not_echoed():
    with pytest.raises(OAuthError) as caught:
        validate(query(state=["a", "b"]), get_client)
    assert caught.value.state is None


def test_a_redirectable_error_goes_to_the_only_registered_uri_when_none_was_given():
    with pytest.raises(OAuthError) as caught:
        validate(query(redirect_uri=None, response_type="token"), get_client)
    assert caught.value.redirect_uri == REDIRECT_URI


# The validated request --------------------------------------------------------------------


def request_for(client: dict = CONFIDENTIAL, **fields) -> AuthorizationRequest:
    values = {
        "client": client,
        "redirect_uri": client["redirect_uris"][0],
        "redirect_uri_given": True,
        "scopes": ("read:profile",),
        "state": STATE,
        "code_challenge": None,
        **fields,
    }
    return AuthorizationRequest(**values)


@pytest.mark.parametrize(
    ("client", "redirect_uri", "assured"),
    [
        (CONFIDENTIAL, REDIRECT_URI, True),
        (CONFIDENTIAL, "http://127.0.0.1/cb", True),
        (PUBLIC, "https://app.example.com/cb", True),
        (PUBLIC, "com.example.app:/cb", False),
        (PUBLIC, "http://127.0.0.1:5000/cb", False),
    ],
)
def test_only_confidential_apps_and_https_redirects_assure_the_clients_identity(client, redirect_uri, assured):
    assert request_for(client, redirect_uri=redirect_uri).client_identity_assured is assured


def test_an_error_for_a_request_is_marked_for_its_redirect_uri_and_state():
    error = request_for().error(OAuthError("x"))
    assert (error.redirect_uri, error.state) == (REDIRECT_URI, STATE)


# Consent: when the person is asked ---------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "granted", "asked"),
    [
        (request_for(), None, True),
        (request_for(), [], True),
        (request_for(), ["read:profile"], False),
        (request_for(), ["read:profile", "read:data"], False),
        (request_for(scopes=("read:profile", "read:data")), ["read:profile"], True),
        (request_for(prompt=frozenset({"consent"})), ["read:profile"], True),
        (request_for(prompt=frozenset({"none"})), ["read:profile"], False),
        (request_for(PUBLIC), ["read:profile"], True),
        (request_for(PUBLIC, redirect_uri="https://app.example.com/cb"), ["read:profile"], False),
    ],
    ids=[
        "no grant",
        "empty grant",
        "grant covers the request",
        "grant wider than the request",
        "request asks for more",
        "prompt consent",
        "prompt none with a covering grant",
        "identity not assured",
        "public app on https",
    ],
)
def test_the_person_is_asked_unless_a_live_grant_covers_an_assured_request(request_, granted, asked):
    assert needs_consent(request_, granted) is asked


# Re-authentication: when the person enters their password again -----------------------------

NOW = 1_000_000


@pytest.mark.parametrize(
    ("request_", "auth_time", "fresh_sign_in"),
    [
        (request_for(), NOW - 86400, False),
        (request_for(), None, False),
        (request_for(prompt=frozenset({"login"})), NOW, True),
        (request_for(max_age=60), NOW - 60, False),
        (request_for(max_age=60), NOW - 61, True),
        (request_for(max_age=0), NOW, False),
        (request_for(max_age=0), NOW - 1, True),
        (request_for(max_age=3600), None, True),
    ],
    ids=[
        "no prompt, no max_age",
        "no prompt, time unknown",
        "prompt login",
        "max_age just reached",
        "max_age passed",
        "max_age 0, signed in this second",
        "max_age 0, a second ago",
        "max_age with no sign-in time",
    ],
)
def test_a_password_is_asked_again_for_prompt_login_or_an_old_sign_in(request_, auth_time, fresh_sign_in):
    assert needs_fresh_sign_in(request_, auth_time, NOW) is fresh_sign_in
