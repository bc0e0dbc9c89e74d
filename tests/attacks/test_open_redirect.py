"""The authorization endpoint as an open redirector, from a phisher's side (RFC 9700 §4.11.2).

Anyone may register an app, and its redirect URI is whatever they like: a
look-alike sign-in page, say. A link to our authorization endpoint with a
broken request used to bounce a visitor straight there with an error, our
trusted address in the link and theirs at the end. Now a visitor who is
not signed in meets our sign-in page first; only a person who signed in
(and so saw which app asks) is sent back with the error. `prompt=none`
alone answers at once, as OpenID Connect requires.
"""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.support.accounts import USER_EMAIL, USER_PASSWORD, create_user, csrf_token
from tests.support.oauth import authorize_url, redirect_params, register_client

PHISHING_PAGE = "https://accounts-platform.example/sign-in"


@pytest.fixture
def phishing_app(app):
    registered, _secret = register_client(app, name="Totally Legit", redirect_uris=[PHISHING_PAGE])
    return registered


BROKEN_REQUESTS = [
    {"response_type": "x"},
    {"response_type": None},
    {"scope": None},
    {"scope": "read:profile admin"},
    {"scope": "nonsense"},
    {"response_mode": "fragment"},
    {"code_challenge": "a" * 43, "code_challenge_method": "plain"},
    {"prompt": "none consent"},
    {"max_age": "soon"},
]


def assert_sent_to_sign_in(response, url: str) -> None:
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert not response.headers["Location"].startswith(PHISHING_PAGE)
    assert (location.scheme, location.netloc, location.path) == ("", "", "/login")
    assert parse_qs(location.query) == {"next": [url]}


@pytest.mark.parametrize("broken", BROKEN_REQUESTS)
def test_a_broken_request_sends_a_visitor_to_sign_in_not_to_the_app(client, phishing_app, broken):
    url = authorize_url(phishing_app, **broken)
    assert_sent_to_sign_in(client.get(url), url)


def test_a_broken_request_without_redirect_uri_or_state_goes_to_sign_in_too(client, phishing_app):
    url = authorize_url(phishing_app, response_type="x", redirect_uri=None, state=None)
    assert_sent_to_sign_in(client.get(url), url)


def test_a_repeated_prompt_none_is_no_licence_to_redirect(client, phishing_app):
    url = authorize_url(phishing_app, response_type="x") + "&prompt=none&prompt=none"
    assert_sent_to_sign_in(client.get(url), url)


def test_the_error_reaches_the_app_once_the_person_has_signed_in(app, client, phishing_app):
    create_user(app)
    url = authorize_url(phishing_app, response_type="x")
    login_page = client.get(client.get(url).headers["Location"])
    assert "Sign in to continue to Totally Legit" in login_page.text
    fields = {"email": USER_EMAIL, "password": USER_PASSWORD, "next": url, "csrf_token": csrf_token(login_page.text)}
    signed_in = client.post("/login", data=fields)
    assert signed_in.headers["Location"] == url
    replayed = client.get(url)
    assert replayed.headers["Location"].startswith(PHISHING_PAGE + "?")
    assert redirect_params(replayed)["error"] == "unsupported_response_type"


def test_prompt_none_answers_login_required_at_once(client, phishing_app):
    response = client.get(authorize_url(phishing_app, prompt="none"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(PHISHING_PAGE + "?")
    params = redirect_params(response)
    assert params["error"] == "login_required" and "code" not in params


@pytest.mark.parametrize(
    "fatal",
    [{"client_id": "pa_client_unknown"}, {"redirect_uri": "https://elsewhere.example/cb"}, {"client_id": None}],
)
def test_fatal_errors_stay_pages_for_visitors(client, phishing_app, fatal):
    response = client.get(authorize_url(phishing_app, **fatal))
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert response.mimetype == "text/html"


def test_a_forged_decision_post_never_redirects_to_the_app(client, phishing_app):
    # A visitor's own CSRF token (from any page) and every request field in the body.
    token = csrf_token(client.get("/login").text)
    query = parse_qs(urlsplit(authorize_url(phishing_app, response_type="x")).query)
    fields = {name: values[0] for name, values in query.items()}
    response = client.post("/oauth/authorize", data={**fields, "decision": "deny", "csrf_token": token})
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_a_bare_prompt_none_with_a_broken_request_still_only_answers_the_app(client, phishing_app):
    # The one case that answers at once: the app asked for no page at all. The answer
    # goes to its registered URI, as login_required would; nothing else is reachable.
    response = client.get("/oauth/authorize?" + urlencode({"client_id": phishing_app["client_id"], "prompt": "none"}))
    assert response.headers["Location"].startswith(PHISHING_PAGE + "?")
    assert redirect_params(response)["error"] == "invalid_request"
