"""An unverified app from the attacker's side: it reaches at most UNVERIFIED_APP_USER_LIMIT people, and says so.

Any account can register an app and give it any name the rules allow; until
the platform verifies it, the 101st person it sends to the consent page is
refused with a page that says why, and nothing goes back to the app.
"""

import pytest

from oauth import clients, grants
from stores import postgres
from tests.support.accounts import USER_PASSWORD, create_user, csrf_token
from tests.support.api import withdraw_consent
from tests.support.oauth import OWNER_EMAIL, authorize_url, decide, redirect_params, register_client
from tests.support.portal import TEST_ACTOR, submit, words

FULL = "This app cannot take more people yet"


@pytest.fixture
def unverified(app) -> dict:
    client, _secret = register_client(app, name="Free Prize Draw")
    return client


def grant_to_newcomers(app, client_id: str, count: int) -> list[int]:
    """`count` people who allowed the app already: stored directly, as their consent would have stored them."""
    with app.app_context():
        conn = postgres.get_connection()
        with postgres.transaction(conn) as cur:
            cur.execute(
                """INSERT INTO users (email, password_hash, email_verified_at)
                   SELECT 'granted' || n || '@example.com', 'not a usable hash', now() FROM generate_series(1, %(n)s) n
                   RETURNING id""",
                {"n": count},
            )
            user_ids = [row["id"] for row in cur.fetchall()]
        for user_id in user_ids:
            grants.grant_scopes(conn, TEST_ACTOR, user_id, client_id, ["read:profile"])
    return user_ids


def users_of(app, client_id: str) -> int:
    with app.app_context(), postgres.get_connection().cursor() as cur:
        cur.execute("SELECT count(DISTINCT user_id) AS n FROM grants WHERE client_id = %(c)s", {"c": client_id})
        return cur.fetchone()["n"]


def test_the_101st_person_is_refused_with_a_page_that_says_why(client, app, auth, unverified):
    grant_to_newcomers(app, unverified["client_id"], 100)
    auth.sign_in_as("newcomer@example.com")
    response = client.get(authorize_url(unverified))
    assert response.status_code == 403
    page = words(response.text)
    assert FULL in page
    assert "not verified by Platform Accounts" in page
    assert "at most 100 people may allow it" in page
    assert "Location" not in response.headers  # nothing went back to the app
    assert users_of(app, unverified["client_id"]) == 100


def test_the_100th_person_still_gets_the_warning_and_may_allow(client, app, auth, unverified):
    grant_to_newcomers(app, unverified["client_id"], 99)
    auth.sign_in_as("newcomer@example.com")
    page = client.get(authorize_url(unverified))
    assert "This app is not verified by Platform Accounts." in words(page.text)
    assert "code" in redirect_params(decide(client, page.text))
    assert users_of(app, unverified["client_id"]) == 100


def test_someone_who_allowed_it_before_may_allow_it_again_when_it_is_full(client, app, auth, unverified):
    me = auth.sign_in_as("early@example.com")
    page = client.get(authorize_url(unverified))
    assert "code" in redirect_params(decide(client, page.text))
    withdraw_consent(app, me["id"], unverified["client_id"])
    grant_to_newcomers(app, unverified["client_id"], 99)
    page = client.get(authorize_url(unverified, scope="read:profile read:data"))
    assert page.status_code == 200
    assert "code" in redirect_params(decide(client, page.text))


def test_revoking_grants_does_not_make_room(client, app, auth, unverified):
    """The cap counts people reached, not live grants: an app cannot cycle through people by revoking."""
    for user_id in grant_to_newcomers(app, unverified["client_id"], 100):
        withdraw_consent(app, user_id, unverified["client_id"])
    auth.sign_in_as("newcomer@example.com")
    assert client.get(authorize_url(unverified)).status_code == 403


def test_the_last_place_goes_to_one_of_two_open_consent_pages(client, app, auth, unverified, monkeypatch):
    monkeypatch.setitem(app.config, "UNVERIFIED_APP_USER_LIMIT", 1)
    other = app.test_client()
    create_user(app, "second@example.com")
    auth.sign_in_as("first@example.com")
    first_page = client.get(authorize_url(unverified))
    assert other.post("/login", data=_login_form(other, "second@example.com")).status_code == 302
    second_page = other.get(authorize_url(unverified))
    assert (first_page.status_code, second_page.status_code) == (200, 200)  # both saw room
    assert "code" in redirect_params(decide(client, first_page.text))
    refused = decide(other, second_page.text)
    assert refused.status_code == 403
    assert FULL in refused.text
    assert users_of(app, unverified["client_id"]) == 1


def test_a_verified_app_takes_any_number_of_people(client, app, auth, runner, unverified):
    grant_to_newcomers(app, unverified["client_id"], 100)
    assert runner.invoke(args=["clients", "verify", unverified["client_id"]]).exit_code == 0
    auth.sign_in_as("newcomer@example.com")
    page = client.get(authorize_url(unverified))
    assert "Verified by Platform Accounts" in words(page.text)
    assert "code" in redirect_params(decide(client, page.text))


def test_the_limit_is_configurable(client, app, auth, unverified, monkeypatch):
    monkeypatch.setitem(app.config, "UNVERIFIED_APP_USER_LIMIT", 2)
    grant_to_newcomers(app, unverified["client_id"], 2)
    auth.sign_in_as("newcomer@example.com")
    response = client.get(authorize_url(unverified))
    assert response.status_code == 403
    assert "at most 2 people" in words(response.text)


def test_an_app_cannot_verify_itself_through_its_developer(client, app, auth, unverified):
    assert auth.login(OWNER_EMAIL, password="developer password").status_code == 302
    response = submit(client, "/developer/apps", f"/admin/apps/{unverified['client_id']}/verify")
    assert response.status_code == 403
    with app.app_context():
        assert clients.get_client(postgres.get_connection(), unverified["client_id"])["verified_at"] is None


def _login_form(http, email: str) -> dict:
    return {"email": email, "password": USER_PASSWORD, "csrf_token": csrf_token(http.get("/login").text)}
