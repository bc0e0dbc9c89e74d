"""Forgot password, reset by mailed link, change while signed in, `users set-password`, and the policy at each."""

import json
import re
from html import unescape
from urllib.parse import urlencode

import pytest

from accounts import links
from stores import postgres
from tests.support.accounts import USER_EMAIL, USER_PASSWORD, AuthActions, create_user, csrf_token
from tests.support.lifecycle import NEW_PASSWORD, change_password, forgot_password, reset_password
from tests.support.mail import link_in, text_of, token_of


def actions(app) -> list[str]:
    with app.app_context(), postgres.get_connection().cursor() as cur:
        cur.execute("SELECT action FROM audit_log ORDER BY id")
        return [row["action"] for row in cur.fetchall()]


def reset_link(client, outbox, email: str = USER_EMAIL) -> str:
    assert forgot_password(client, email).status_code == 200
    return link_in(outbox.last(email), links.RESET_PASSWORD.path)


def signed_in(client) -> bool:
    return 'action="/logout"' in client.get("/").text


def test_sign_in_page_links_to_forgot_password_and_security_page_to_change(client, auth):
    assert 'href="/password/forgot"' in client.get("/login").text
    auth.sign_in_as()
    assert 'href="/account/password"' in client.get("/account/security").text


def test_a_reset_started_from_an_authorization_request_returns_to_it(app, client, outbox):
    create_user(app)
    request_path = "/oauth/authorize?client_id=pa_client_x&response_type=code"
    login_page = client.get("/login", query_string={"next": request_path}).text
    forgot_url = unescape(re.search(r'href="(/password/forgot[^"]*)"', login_page).group(1))
    page = client.get(forgot_url)
    client.post(forgot_url, data={"email": USER_EMAIL, "next": request_path, "csrf_token": csrf_token(page.text)})
    link = link_in(outbox.last(USER_EMAIL), links.RESET_PASSWORD.path)
    assert reset_password(client, link).headers["Location"] == request_path


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_a_reset_never_sends_anyone_off_the_server(app, client, outbox, elsewhere):
    create_user(app)
    link = reset_link(client, outbox)
    assert reset_password(client, f"{link}?{urlencode({'next': elsewhere})}").headers["Location"] == "/account/security"


def test_forgot_password_mails_a_link_for_30_minutes(app, client, outbox, r):
    create_user(app)
    response = forgot_password(client, USER_EMAIL)
    assert response.status_code == 200 and "Check your email" in response.text
    message = outbox.last(USER_EMAIL)
    assert message["Subject"] == "Reset your password" and "30 minutes" in text_of(message)
    link = link_in(message, "/password/reset/")
    assert 29 * 60 < r.ttl(links.key(links.RESET_PASSWORD, token_of(link))) <= 30 * 60
    assert actions(app) == ["password.reset_requested"]


def test_reset_sets_the_password_ends_every_session_and_signs_in(app, client, outbox):
    create_user(app)
    elsewhere = AuthActions(app.test_client(), app)
    elsewhere.sign_in_as()
    link = reset_link(client, outbox)
    form = client.get(link)
    assert form.status_code == 200 and USER_EMAIL in form.text and 'name="new_password"' in form.text

    response = reset_password(client, link)
    assert response.status_code == 302 and response.headers["Location"] == "/account/security"
    assert signed_in(client)  # signed in afresh here
    assert not signed_in(elsewhere.client)  # every other session ended
    assert elsewhere.login(USER_EMAIL, USER_PASSWORD).status_code == 401
    assert elsewhere.login(USER_EMAIL, NEW_PASSWORD).status_code == 302
    assert actions(app)[:3] == ["signin.succeeded", "password.reset_requested", "password.reset"]
    changed = outbox.last(USER_EMAIL)
    assert changed["Subject"] == "Your password was changed"
    assert "reset with a link sent to this address" in text_of(changed)


def test_a_reset_proves_the_email_of_an_unverified_account(app, client, outbox):
    create_user(app, verified=False)
    reset_password(client, reset_link(client, outbox))
    with app.app_context(), postgres.get_connection().cursor() as cur:
        cur.execute("SELECT email_verified_at FROM users")
        assert cur.fetchone()["email_verified_at"] is not None


def test_a_refused_new_password_leaves_the_link_usable(app, client, outbox):
    create_user(app)
    link = reset_link(client, outbox)
    weak = reset_password(client, link, "password123456")
    assert weak.status_code == 400 and "too easy to guess" in weak.text
    differ = reset_password(client, link, NEW_PASSWORD, confirm="plum tide velvet orbiT")
    assert differ.status_code == 400 and "The passwords differ." in differ.text
    assert reset_password(client, link).status_code == 302


def test_a_script_may_post_only_the_field_the_contract_names(app, client, outbox):
    create_user(app)
    link = reset_link(client, outbox)
    page = client.get(link)
    response = client.post(link, data={"new_password": NEW_PASSWORD, "csrf_token": csrf_token(page.text)})
    assert response.status_code == 302


def test_unknown_and_disabled_accounts_get_the_same_page_and_no_mail(app, client, outbox):
    create_user(app, email="disabled@example.com")
    with app.app_context(), postgres.transaction(postgres.get_connection()) as cur:
        cur.execute("UPDATE users SET disabled_at = now() WHERE email = 'disabled@example.com'")
    for email in ("nobody@example.com", "disabled@example.com"):
        response = forgot_password(client, email)
        assert response.status_code == 200 and "Check your email" in response.text
    assert outbox.messages() == []
    assert actions(app) == ["password.reset_requested"] * 2


def test_change_password_asks_for_the_current_one_and_keeps_this_session(app, client, auth, outbox):
    auth.sign_in_as()
    other = AuthActions(app.test_client(), app)
    other.sign_in_as()
    wrong = change_password(client, "not my password")
    assert wrong.status_code == 401 and "not your current password" in wrong.text

    response = change_password(client, USER_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/account/security"
    page = client.get("/account/security")
    assert "Your password is changed" in page.text and "Password changed" in page.text
    assert signed_in(client) and not signed_in(other.client)
    assert other.login(USER_EMAIL, NEW_PASSWORD).status_code == 302
    assert actions(app).count("password.change_failed") == 1 and "password.changed" in actions(app)
    assert "changed while signed in" in text_of(outbox.last(USER_EMAIL))


def test_change_password_needs_sign_in(client):
    response = client.get("/account/password")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_cli_set_password_ends_every_session_and_prints_json(app, runner, outbox):
    user = create_user(app)
    signed = AuthActions(app.test_client(), app)
    signed.sign_in_as()
    result = runner.invoke(args=["users", "set-password", USER_EMAIL, "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "id": user["id"],
        "email": USER_EMAIL,
        "password_changed": True,
        "sessions_ended": 1,
    }
    assert not signed_in(signed.client)
    assert signed.login(USER_EMAIL, NEW_PASSWORD).status_code == 302
    assert "password.set_by_operator" in actions(app)
    assert "set by an operator" in text_of(outbox.last(USER_EMAIL))


def test_cli_set_password_for_an_unknown_email_fails_clearly(runner):
    result = runner.invoke(args=["users", "set-password", "nobody@example.com", "--password", NEW_PASSWORD])
    assert result.exit_code == 1 and result.stdout == ""
    assert "no user" in json.loads(result.stderr)["error"]


# The one policy at every entry point -----------------------------------------------------------------

ALICE = "alice@example.com"
POLICY_CASES = [
    ("velvet9!", "at least 10 characters"),
    ("plum tide velvet orbit " * 6, "at most 128 characters"),
    ("password123456", "too easy to guess"),
    ("alice2024alice", "your name or email address"),
]
GOOD = "plum tide velvet orbit"


@pytest.mark.parametrize(("password", "says"), POLICY_CASES)
def test_policy_at_sign_up(app, auth, password, says):
    response = auth.sign_up(email=ALICE, name="Alice", password=password, confirm=password)
    assert response.status_code == 200 and says in response.text
    assert auth.sign_up(email=ALICE, name="Alice", password=GOOD, confirm=GOOD).status_code == 200
    with app.app_context(), postgres.get_connection().cursor() as cur:
        cur.execute("SELECT count(*) AS n FROM users")
        assert cur.fetchone()["n"] == 1


@pytest.mark.parametrize(("password", "says"), POLICY_CASES)
def test_policy_at_reset(app, client, outbox, password, says):
    create_user(app, email=ALICE, name="Alice")
    link = reset_link(client, outbox, ALICE)
    response = reset_password(client, link, password)
    assert response.status_code == 400 and says in response.text
    assert reset_password(client, link, GOOD).status_code == 302


@pytest.mark.parametrize(("password", "says"), POLICY_CASES)
def test_policy_at_change(app, client, auth, password, says):
    auth.sign_in_as(ALICE)
    response = change_password(client, USER_PASSWORD, password)
    assert response.status_code == 400 and says in response.text
    assert change_password(client, USER_PASSWORD, GOOD).status_code == 302


@pytest.mark.parametrize(("password", "says"), POLICY_CASES)
def test_policy_at_the_cli(app, runner, password, says):
    create_user(app, email=ALICE, name="Alice")
    refused = runner.invoke(args=["users", "set-password", ALICE, "--password", password])
    assert refused.exit_code == 1 and refused.stdout == ""
    assert says in json.loads(refused.stderr)["error"]
    assert runner.invoke(args=["users", "set-password", ALICE, "--password", GOOD]).exit_code == 0
