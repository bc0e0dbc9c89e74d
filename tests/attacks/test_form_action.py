"""Where a page's forms may lead (CSP form-action), from the side of someone who slips a form into a page.

Every page allows its forms to post here only and forbids <base>. The
consent page adds exactly one origin, the redirect URI's of the request it
shows, because Chrome checks form-action against the redirect that Allow
and Deny answer with; never another app's, never one the request did not name.
The sign-in and second-factor pages of an authorization request add it too:
finishing the sign-in replays the request, which may redirect there at once.
"""

from urllib.parse import urlsplit

import pytest

from tests.support.accounts import SECOND_FACTOR_PATH, USER_EMAIL, USER_PASSWORD, create_user, csrf_token
from tests.support.oauth import authorize_url, decide, register_client
from tests.support.two_factor import enable_two_factor


def form_action(response) -> str:
    policy = dict(part.split(" ", 1) for part in response.headers["Content-Security-Policy"].split("; "))
    assert policy["base-uri"] == "'none'"
    return policy["form-action"]


@pytest.mark.parametrize("path", ["/", "/login", "/signup", "/oauth/authorize", "/password/forgot"])
def test_pages_for_visitors_post_only_here(client, path):
    assert form_action(client.get(path)) == "'self'"


def test_signed_in_pages_post_only_here(client, signed_in_user):
    for path in ("/account/apps", "/developer/apps"):
        assert form_action(client.get(path)) == "'self'"


@pytest.mark.parametrize(
    "redirect_uri, source",
    [
        ("https://app.example.com/callback", "https://app.example.com"),
        ("https://app.example.com:8443/cb", "https://app.example.com:8443"),
        ("com.example.app:/oauth/callback", "com.example.app:"),
        ("http://127.0.0.1:8765/callback", "http://127.0.0.1:8765"),
    ],
)
def test_the_consent_page_lets_its_form_end_at_the_apps_redirect(app, client, signed_in_user, redirect_uri, source):
    client_type = "confidential" if redirect_uri.startswith("https://") else "public"
    registered, _ = register_client(app, client_type=client_type, redirect_uris=[redirect_uri])
    response = client.get(authorize_url(registered, code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"))
    assert response.status_code == 200
    assert form_action(response) == f"'self' {source}"
    # The redirect Allow answers with goes exactly there.
    assert decide(client, response.text).headers["Location"].startswith(redirect_uri + "?")


def test_a_public_apps_loopback_port_is_the_one_the_request_named(app, client, signed_in_user):
    registered, _ = register_client(app, client_type="public", redirect_uris=["http://127.0.0.1/callback"])
    url = authorize_url(
        registered,
        redirect_uri="http://127.0.0.1:51234/callback",
        code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    )
    assert form_action(client.get(url)) == "'self' http://127.0.0.1:51234"


def test_the_consent_page_names_only_the_redirect_of_its_own_request(app, client, signed_in_user):
    several = ["https://one.example/cb", "https://two.example/cb"]
    registered, _ = register_client(app, redirect_uris=several)
    response = client.get(authorize_url(registered, redirect_uri="https://two.example/cb"))
    assert form_action(response) == "'self' https://two.example"


def test_the_next_page_is_back_to_self_only(app, client, signed_in_user):
    registered, _ = register_client(app)
    client.get(authorize_url(registered))
    assert form_action(client.get("/account/apps")) == "'self'"


def test_the_sign_in_page_of_an_authorization_request_may_end_at_the_app(app, client):
    # Signing in replays the request, which may answer at once with a redirect to the app.
    registered, _ = register_client(app)
    login = client.get(client.get(authorize_url(registered, response_type="x")).headers["Location"])
    assert "Sign in to continue to Example App" in login.text
    assert form_action(login) == "'self' https://app.example.com"


@pytest.mark.parametrize(
    "next_url",
    [
        "/oauth/authorize?client_id=pa_client_unknown&redirect_uri=https://evil.example/cb",
        "/account/apps?redirect_uri=https://evil.example/cb",
    ],
)
def test_a_sign_in_page_names_no_origin_an_app_did_not_register(app, client, next_url):
    register_client(app)
    assert form_action(client.get("/login", query_string={"next": next_url})) == "'self'"


def test_a_sign_in_page_names_no_unregistered_redirect_of_a_real_app(app, client):
    registered, _ = register_client(app)
    url = authorize_url(registered, redirect_uri="https://evil.example/cb")
    assert form_action(client.get("/login", query_string={"next": url})) == "'self'"


def test_the_second_factor_page_of_an_authorization_request_may_end_at_the_app(app, client):
    registered, _ = register_client(app)
    enable_two_factor(app, create_user(app)["id"])
    url = authorize_url(registered, response_type="x")
    login = client.get(client.get(url).headers["Location"])
    fields = {"email": USER_EMAIL, "password": USER_PASSWORD, "next": url, "csrf_token": csrf_token(login.text)}
    second_step = client.post("/login", data=fields)
    assert urlsplit(second_step.headers["Location"]).path == SECOND_FACTOR_PATH
    assert form_action(client.get(SECOND_FACTOR_PATH)) == "'self' https://app.example.com"
