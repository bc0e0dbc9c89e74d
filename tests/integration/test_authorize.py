"""GET /oauth/authorize: fatal errors are pages, the rest go back to the registered redirect URI once signed in."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.support.accounts import create_user
from tests.support.oauth import (
    REDIRECT_URI,
    STATE,
    authorize_params,
    authorize_url,
    form_fields,
    pkce_pair,
    redirect_params,
    register_client,
)

ISSUER = "http://localhost"  # the test app's OAUTH_ISSUER


@pytest.fixture
def registered(app):
    client, _secret = register_client(app)
    return client


def assert_error_page(response):
    """A fatal error: an HTML page, and never a redirect anywhere."""
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert response.mimetype == "text/html"
    assert 'id="authorization-error"' in response.text


def assert_error_redirect(response, error: str, state: str | None = STATE, redirect_uri: str = REDIRECT_URI):
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.startswith(redirect_uri + "?")
    params = redirect_params(response)
    assert params["error"] == error
    assert params["iss"] == ISSUER
    assert params.get("state") == state
    assert "code" not in params
    return params


# Fatal: never redirect --------------------------------------------------------


@pytest.mark.parametrize(
    "client_id",
    [None, "pa_client_doesnotexist", ["a", "b"]],
    ids=["missing", "unknown", "repeated"],
)
def test_unknown_missing_or_repeated_client_id_shows_a_page(client, registered, client_id):
    params = authorize_params(registered, client_id=None)
    query = urlencode(params)
    if isinstance(client_id, list):
        query += "&" + urlencode([("client_id", registered["client_id"]), ("client_id", "other")])
    elif client_id:
        query += "&" + urlencode({"client_id": client_id})
    assert_error_page(client.get("/oauth/authorize?" + query))


def test_suspended_client_shows_a_page(client, app, runner, registered):
    runner.invoke(args=["clients", "suspend", registered["client_id"]])
    response = client.get(authorize_url(registered))
    assert_error_page(response)
    assert "has suspended" in response.text


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://app.example.com/callback/",  # trailing slash
        "https://APP.example.com/callback",  # host case
        "https://app.example.com/Callback",  # path case
        "HTTPS://app.example.com/callback",  # scheme case
        "https://app.example.com/callback?next=https://evil.example",  # extra query
        "https://app.example.com/callback#frag",  # fragment
        "https://app.example.com/callback/../evil",  # path traversal
        "https://app.example.com/callbackevil",  # prefix
        "https://app.example.com/callback.evil.example",  # prefix
        "https://app.example.com",  # prefix the other way
        "https://app.example.com.evil.example/callback",  # host suffix
        "https://app.example.com@evil.example/callback",  # userinfo trick
        "https://evil.example/callback",  # other host
        "http://app.example.com/callback",  # scheme downgrade
        "https://app.example.com:8443/callback",  # other port
        "//evil.example/callback",  # scheme-relative
        "/\\evil.example",  # backslash trick
        "https://app.example.com/callback%2F..%2Fevil",  # encoded traversal
        " https://app.example.com/callback",  # leading space
        "javascript:alert(1)",
    ],
)
def test_redirect_uri_must_match_a_registered_one_exactly(client, registered, signed_in_user, redirect_uri):
    assert_error_page(client.get(authorize_url(registered, redirect_uri=redirect_uri)))


def test_bad_redirect_uri_is_checked_before_every_redirectable_error(client, registered):
    # Each of these would redirect with an error, but the destination is not trusted.
    url = authorize_url(registered, redirect_uri="https://evil.example/cb", response_type="token", scope="nope")
    assert_error_page(client.get(url))


def test_repeated_redirect_uri_shows_a_page_even_if_both_are_registered(app, client):
    second = "https://app.example.com/other"
    registered, _ = register_client(app, redirect_uris=[REDIRECT_URI, second])
    query = urlencode(authorize_params(registered, redirect_uri=None))
    query += "&" + urlencode([("redirect_uri", REDIRECT_URI), ("redirect_uri", second)])
    assert_error_page(client.get("/oauth/authorize?" + query))


def test_missing_redirect_uri_needs_a_single_registered_one(app, client, signed_in_user):
    several, _ = register_client(app, redirect_uris=[REDIRECT_URI, "https://app.example.com/other"])
    assert_error_page(client.get(authorize_url(several, redirect_uri=None)))

    single, _ = register_client(app)
    response = client.get(authorize_url(single, redirect_uri=None, response_type="token"))
    assert_error_redirect(response, "unsupported_response_type")


# Redirectable errors: error, state and iss back at the registered URI (once signed in) -----


@pytest.mark.parametrize(
    "overrides, error",
    [
        ({"response_type": None}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": "code token"}, "unsupported_response_type"),
        ({"response_mode": "fragment"}, "invalid_request"),
        ({"scope": None}, "invalid_scope"),
        ({"scope": "read:profile admin"}, "invalid_scope"),
        ({"scope": "READ:PROFILE"}, "invalid_scope"),
        ({"code_challenge": "a" * 43, "code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "a" * 43, "code_challenge_method": "s256"}, "invalid_request"),
        ({"code_challenge": "a" * 43, "code_challenge_method": None}, "invalid_request"),  # no method: plain
        ({"code_challenge_method": "S256"}, "invalid_request"),  # method without challenge
        ({"code_challenge": "a" * 42, "code_challenge_method": "S256"}, "invalid_request"),
        ({"code_challenge": "a" * 129, "code_challenge_method": "S256"}, "invalid_request"),
        ({"code_challenge": "a" * 42 + "=", "code_challenge_method": "S256"}, "invalid_request"),
        ({"code_challenge": "a" * 42 + "+", "code_challenge_method": "S256"}, "invalid_request"),
        ({"prompt": "none consent"}, "invalid_request"),
    ],
)
def test_invalid_requests_redirect_back_with_error_state_and_iss(client, registered, overrides, error, signed_in_user):
    response = client.get(authorize_url(registered, **overrides))
    params = assert_error_redirect(response, error)
    assert params["error_description"]


@pytest.mark.parametrize("name", ["response_type", "scope", "code_challenge", "prompt"])
def test_a_repeated_parameter_is_an_invalid_request(client, registered, name, signed_in_user):
    verifier, challenge = pkce_pair()
    url = authorize_url(registered, code_challenge=challenge, prompt="consent")
    response = client.get(url + "&" + urlencode({name: "again"}))
    assert_error_redirect(response, "invalid_request")


def test_a_repeated_state_is_an_invalid_request_without_state(client, registered, signed_in_user):
    response = client.get(authorize_url(registered, state=None) + "&state=a&state=b")
    assert_error_redirect(response, "invalid_request", state=None)


def test_empty_parameters_count_as_omitted(client, registered):
    response = client.get(authorize_url(registered) + "&scope=")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


def test_scope_not_registered_for_the_client_is_invalid_scope(app, client, signed_in_user):
    registered, _ = register_client(app, scopes=["read:profile"])
    assert_error_redirect(client.get(authorize_url(registered, scope="read:profile read:billing")), "invalid_scope")


def test_public_client_must_use_pkce(app, client, signed_in_user):
    public, _ = register_client(app, client_type="public")
    response = client.get(authorize_url(public))
    params = assert_error_redirect(response, "invalid_request")
    assert "PKCE" in params["error_description"]


def test_client_not_registered_for_the_code_flow_is_unauthorized(app, client, signed_in_user):
    machine, _ = register_client(app, grant_types=["client_credentials"])
    assert_error_redirect(client.get(authorize_url(machine)), "unauthorized_client")


def test_error_redirect_keeps_the_registered_query(app, client, signed_in_user):
    with_query = "https://app.example.com/callback?tenant=42"
    registered, _ = register_client(app, redirect_uris=[with_query])
    response = client.get(authorize_url(registered, response_type="token"))
    assert response.headers["Location"].startswith(with_query + "&error=unsupported_response_type")
    assert redirect_params(response)["tenant"] == "42"


def test_private_use_scheme_redirect_for_public_apps(app, client, signed_in_user):
    native = "com.example.app:/oauth/callback"
    public, _ = register_client(app, client_type="public", redirect_uris=[native])
    response = client.get(authorize_url(public, response_type="token"))
    assert response.headers["Location"].startswith(native + "?error=unsupported_response_type")


# Signing in --------------------------------------------------------------------


def test_not_signed_in_goes_to_sign_in_and_back_to_the_same_request(client, app, registered):
    create_user(app)
    verifier, challenge = pkce_pair()
    url = authorize_url(registered, code_challenge=challenge)
    response = client.get(url)
    assert response.status_code == 302
    login_location = response.headers["Location"]
    assert urlsplit(login_location).path == "/login"

    login_page = client.get(login_location)
    fields = {**form_fields(login_page.text), "email": "user@example.com", "password": "correct horse"}
    signed_in = client.post("/login", data=fields)
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"] == url

    consent = client.get(signed_in.headers["Location"])
    assert consent.status_code == 200
    assert 'value="allow"' in consent.text


def test_errors_are_reported_only_after_signing_in(client, registered):
    url = authorize_url(registered, scope="unknown")
    response = client.get(url)
    assert response.status_code == 302
    login = urlsplit(response.headers["Location"])
    assert (login.path, parse_qs(login.query)) == ("/login", {"next": [url]})


def test_prompt_none_without_a_session_is_login_required(client, registered):
    assert_error_redirect(client.get(authorize_url(registered, prompt="none")), "login_required")


def test_prompt_none_without_consent_is_consent_required(client, registered, signed_in_user):
    assert_error_redirect(client.get(authorize_url(registered, prompt="none")), "consent_required")
