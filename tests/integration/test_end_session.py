"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) through the real stack.

Named after the conformance suite's oidcc-rp-initiated-logout modules where
one applies. An app sends the person to the end-session endpoint with the
ID token it holds; the server signs them out and sends them back only to a
post-logout redirect URI that app logout_app.
"""

import time

import pytest

from oauth import id_tokens, signing_keys
from oauth.token_store import SignIn
from stores.postgres import get_connection
from tests.support.accounts import csrf_token
from tests.support.oauth import form_fields, register_client
from tests.support.oidc import SIGNED_OUT_APP_PAGE, end_session, is_signed_in, sign_in_with

STATE = "bye-42 &?=/"


def confirm(http, page, **fields):
    """Answer "Sign out" on the confirmation page, with the fields its form carries."""
    return http.post("/oauth/logout/confirm", data={"csrf_token": csrf_token(page.text), **fields})


def carried_fields(page) -> dict[str, str]:
    return {name: value for name, value in form_fields(page.text).items() if name != "csrf_token"}


@pytest.mark.parametrize(("method", "status"), [("GET", 302), ("POST", 303)])
def test_oidcc_rp_initiated_logout(client, logout_hint, method, status):
    response = end_session(
        client, method, id_token_hint=logout_hint, post_logout_redirect_uri=SIGNED_OUT_APP_PAGE, state=STATE
    )
    assert response.status_code == status
    assert response.headers["Location"] == SIGNED_OUT_APP_PAGE + "?state=bye-42+%26%3F%3D%2F"
    assert not is_signed_in(client)


def test_oidcc_rp_initiated_logout_no_state(client, logout_hint):
    response = end_session(client, id_token_hint=logout_hint, post_logout_redirect_uri=SIGNED_OUT_APP_PAGE)
    assert response.headers["Location"] == SIGNED_OUT_APP_PAGE


def test_oidcc_rp_initiated_logout_query_added_to_post_logout_redirect_uri(app, client, signed_in_user):
    with_query = SIGNED_OUT_APP_PAGE + "?from=op"
    app_client, secret = register_client(app, post_logout_redirect_uris=[with_query])
    hint = sign_in_with(client, app_client, secret)["id_token"]
    response = end_session(client, id_token_hint=hint, post_logout_redirect_uri=with_query, state="s1")
    assert response.headers["Location"] == with_query + "&state=s1"


@pytest.mark.parametrize(
    "uri",
    [
        "https://evil.example.com/signed-out",
        SIGNED_OUT_APP_PAGE + "/",
        SIGNED_OUT_APP_PAGE.upper(),
        SIGNED_OUT_APP_PAGE + "?x=1",
        "https://app.example.com/callback",  # a login redirect URI is not a post-logout one
    ],
)
def test_oidcc_rp_initiated_logout_bad_post_logout_redirect_uri(client, logout_hint, uri):
    response = end_session(client, id_token_hint=logout_hint, post_logout_redirect_uri=uri, state=STATE)
    assert response.status_code == 200 and "Location" not in response.headers
    assert "You are signed out" in response.text
    assert not is_signed_in(client)  # the hint was good: the sign-out itself happens


def test_oidcc_rp_initiated_logout_no_post_logout_redirect_uri(client, logout_hint):
    response = end_session(client, id_token_hint=logout_hint, state=STATE)
    assert response.status_code == 200 and "You are signed out" in response.text
    assert not is_signed_in(client)


def test_oidcc_rp_initiated_logout_no_id_token_hint_asks_first(client, logout_app, signed_in_user):
    app_client, _ = logout_app
    params = {"client_id": app_client["client_id"], "post_logout_redirect_uri": SIGNED_OUT_APP_PAGE, "state": STATE}
    page = end_session(client, **params)
    assert page.status_code == 200 and "Sign out of Platform Accounts?" in page.text
    assert is_signed_in(client)  # nothing happens until the person answers
    assert carried_fields(page) == params
    answered = confirm(client, page, **carried_fields(page))
    assert answered.status_code == 303
    assert answered.headers["Location"] == SIGNED_OUT_APP_PAGE + "?state=bye-42+%26%3F%3D%2F"
    assert not is_signed_in(client)


def test_oidcc_rp_initiated_logout_no_params(client, signed_in_user):
    page = end_session(client)
    assert "Sign out of Platform Accounts?" in page.text
    answered = confirm(client, page)
    assert answered.status_code == 200 and "You are signed out" in answered.text
    assert not is_signed_in(client)


def test_the_confirmation_form_needs_its_csrf_token(client, signed_in_user):
    end_session(client)
    response = client.post("/oauth/logout/confirm")
    assert response.status_code == 400
    assert is_signed_in(client)


def test_a_hint_naming_someone_else_asks_first(client, auth, logout_hint):
    auth.sign_in_as("someone.else@example.com")
    page = end_session(client, id_token_hint=logout_hint, post_logout_redirect_uri=SIGNED_OUT_APP_PAGE)
    assert page.status_code == 200 and "Sign out of Platform Accounts?" in page.text
    assert "someone.else@example.com" in page.text
    assert is_signed_in(client)


def test_an_expired_id_token_is_still_a_good_hint(app, client, logout_app, signed_in_user):
    app_client, _ = logout_app
    with app.app_context():
        conn = get_connection()
        with conn.cursor() as cur:
            cur.execute("SELECT subject::text AS subject FROM users WHERE id = %(id)s", {"id": signed_in_user["id"]})
            subject = cur.fetchone()["subject"]
        day_ago = int(time.time()) - 86400
        claims = id_tokens.claims(
            issuer="http://localhost",
            subject=subject,
            client_id=app_client["client_id"],
            sign_in=SignIn(signed_in_user["id"], day_ago, ("pwd",)),
            access_token="paat_gone",
            now=day_ago,
        )
        hint = id_tokens.sign(signing_keys.key_ring().current(conn), claims)
    response = end_session(client, id_token_hint=hint, post_logout_redirect_uri=SIGNED_OUT_APP_PAGE)
    assert response.status_code == 302 and response.headers["Location"] == SIGNED_OUT_APP_PAGE
    assert not is_signed_in(client)


def test_nobody_signed_in_is_sent_back_when_the_app_is_known(client, logout_hint):
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").text)})
    response = end_session(client, id_token_hint=logout_hint, post_logout_redirect_uri=SIGNED_OUT_APP_PAGE, state="s")
    assert response.headers["Location"] == SIGNED_OUT_APP_PAGE + "?state=s"


def test_a_client_id_that_is_not_the_hints_audience_asks_and_sends_nowhere(app, client, logout_hint):
    other, _ = register_client(app, name="Other App", post_logout_redirect_uris=[SIGNED_OUT_APP_PAGE])
    params = {
        "id_token_hint": logout_hint,
        "client_id": other["client_id"],
        "post_logout_redirect_uri": SIGNED_OUT_APP_PAGE,
    }
    page = end_session(client, **params)
    assert "Sign out of Platform Accounts?" in page.text and is_signed_in(client)
    answered = confirm(client, page, **carried_fields(page))
    assert answered.status_code == 200 and "Location" not in answered.headers


def test_a_suspended_app_is_not_sent_back_to(client, runner, logout_app, logout_hint):
    app_client, _ = logout_app
    runner.invoke(args=["clients", "suspend", app_client["client_id"]])
    response = end_session(client, id_token_hint=logout_hint, post_logout_redirect_uri=SIGNED_OUT_APP_PAGE)
    assert response.status_code == 200 and "Location" not in response.headers
    assert not is_signed_in(client)


def test_discovery_advertises_the_end_session_endpoint(client):
    for document in ("openid-configuration", "oauth-authorization-server"):
        advertised = client.get(f"/.well-known/{document}").json
        assert advertised["end_session_endpoint"] == "http://localhost/oauth/logout"
