"""A disabled account from the side of someone holding its cookie, its tokens or its password."""

import audit
from accounts import user_admin
from stores import postgres
from tests.support.accounts import USER_EMAIL, USER_PASSWORD, AuthActions, create_user
from tests.support.oauth import bearer, get_tokens, refresh, register_client
from tests.support.portal import words

COOKIE = "session"


def browser_with(app, cookie_value: str):
    """Another browser that presents `cookie_value` as its session cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie_value)
    return thief


def disable(runner, email: str = USER_EMAIL) -> None:
    result = runner.invoke(args=["users", "disable", email, "--reason", "account taken over"])
    assert result.exit_code == 0, result.output


def test_a_cookie_copied_before_disable_opens_nothing_after_it(app, client, auth, runner):
    auth.sign_in_as("admin@example.com", role="admin")
    create_user(app, email="second@example.com", role="admin")  # so that this one is not the last
    copied = client.get_cookie(COOKIE).value
    assert browser_with(app, copied).get("/account/security").status_code == 200

    disable(runner, "admin@example.com")
    thief = browser_with(app, copied)
    assert thief.get("/account/security").status_code == 302
    assert thief.get("/admin").status_code == 302
    assert client.get("/account/security").status_code == 302  # the owner's own browser too


def test_a_disabled_users_tokens_stop_at_once(app, client, auth, runner):
    registered, secret = register_client(app)
    auth.sign_in_as()
    tokens = get_tokens(client, registered, secret, scope="read:profile")
    assert client.get("/api/v1/me", headers=bearer(tokens["access_token"])).status_code == 200

    disable(runner)
    api = app.test_client()
    response = api.get("/api/v1/me", headers=bearer(tokens["access_token"]))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    refreshed = refresh(api, registered, secret, tokens["refresh_token"])
    assert refreshed.status_code == 400
    assert refreshed.get_json()["error"] == "invalid_grant"


def test_enabling_again_brings_no_token_back(app, client, auth, runner):
    registered, secret = register_client(app)
    auth.sign_in_as()
    tokens = get_tokens(client, registered, secret, scope="read:profile")
    disable(runner)
    assert runner.invoke(args=["users", "enable", USER_EMAIL]).exit_code == 0
    assert app.test_client().get("/api/v1/me", headers=bearer(tokens["access_token"])).status_code == 401
    assert refresh(app.test_client(), registered, secret, tokens["refresh_token"]).status_code == 400


def test_a_guesser_is_not_told_the_account_is_disabled(app, auth, runner):
    create_user(app)
    disable(runner)
    wrong = auth.login(USER_EMAIL, "wrong password")
    assert wrong.status_code == 401
    assert "Wrong email or password" in wrong.text
    assert "disabled" not in wrong.text.lower()

    right = auth.login(USER_EMAIL, USER_PASSWORD)
    assert right.status_code == 403
    assert "This account is disabled" in words(right.text)
    assert 'action="/logout"' not in right.text


def test_a_session_that_outlived_the_disabling_reads_as_signed_out(app, client, auth):
    """Should ending the sessions fail after the flag is set, the flag alone keeps the person out."""
    user = auth.sign_in_as()
    with app.app_context():
        user_admin.mark_disabled(postgres.get_connection(), audit.CLI, user["id"], "flag only")
    assert client.get("/account/security").status_code == 302
    other = AuthActions(app.test_client(), app)
    assert other.login().status_code == 403
