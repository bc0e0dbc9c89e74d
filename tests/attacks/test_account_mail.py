"""Mailed links and the pages around them, from the attacker's side.

Enumeration (sign-up and "forgot password" answer the same for any email),
link theft and reuse (single use, short-lived, bound to one account, one
purpose and one password), cookies copied before a password change, and
the per-address limits.
"""

import re
import time

import pytest

from accounts import address_limits, links
from stores import postgres
from tests.support.accounts import USER_EMAIL, USER_PASSWORD, AuthActions, create_user, csrf_token
from tests.support.lifecycle import NEW_PASSWORD, change_password, confirm_email, forgot_password, reset_password
from tests.support.mail import drain, html_of, link_in, token_of

CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+(")')


def without_csrf(html: str) -> str:
    return CSRF_VALUE.sub(r"\1\2", html)


def reset_link(client, outbox, email: str = USER_EMAIL) -> str:
    assert forgot_password(client, email).status_code == 200
    return link_in(outbox.last(email), links.RESET_PASSWORD.path)


def client_from(app, address: str):
    """A test client whose requests come from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def password_works(app, email: str, password: str) -> bool:
    return AuthActions(app.test_client(), app).login(email, password).status_code == 302


# Enumeration --------------------------------------------------------------------------------------


def test_sign_up_answers_the_same_for_a_taken_and_a_new_email(app, outbox):
    create_user(app, email="taken@example.com", name="Owner")
    answers = []
    for email in ("taken@example.com", "fresh@example.com"):
        visitor = AuthActions(app.test_client(), app)
        response = visitor.sign_up(email=email)
        answers.append((response.status_code, without_csrf(response.text).replace(email, "EMAIL"), response.headers))
        assert 'action="/logout"' not in visitor.client.get("/").text  # nobody is signed in either way
    (taken_status, taken_body, taken_headers), (new_status, new_body, new_headers) = answers
    assert taken_status == new_status == 200
    assert taken_body == new_body
    assert ("Set-Cookie" in taken_headers) == ("Set-Cookie" in new_headers)
    # Only the mail differs, and it goes to the address's owner, not to the person at the form.
    assert outbox.last("taken@example.com")["Subject"] == "You already have an account"
    assert 'href="http://localhost/password/forgot"' in html_of(outbox.last("taken@example.com"))
    assert outbox.last("fresh@example.com")["Subject"] == "Confirm your email address"


def test_forgot_password_answers_the_same_whether_or_not_the_account_exists(app, client):
    create_user(app)
    answers = []
    for email in (USER_EMAIL, "nobody@example.com"):
        response = forgot_password(app.test_client(), email)
        answers.append((response.status_code, without_csrf(response.text).replace(email, "EMAIL")))
    assert answers[0] == answers[1]
    assert answers[0][0] == 200


def test_forgot_password_takes_as_long_whether_or_not_a_mail_goes_out(smtp_app, smtp):
    create_user(smtp_app)
    smtp.delay = 1.0  # a slow mail server: a page that waited for it would give the account away
    timings = {}
    for email in (USER_EMAIL, "nobody@example.com"):
        started = time.monotonic()
        assert forgot_password(smtp_app.test_client(), email).status_code == 200
        timings[email] = time.monotonic() - started
    assert abs(timings[USER_EMAIL] - timings["nobody@example.com"]) < 0.5, timings
    drain(smtp_app)
    assert [message["To"] for message in smtp.received] == [USER_EMAIL]


# Links: single use, short-lived, one account, one purpose, one password ----------------------------


def test_a_reset_link_works_once(app, client, outbox):
    create_user(app)
    link = reset_link(client, outbox)
    assert reset_password(client, link).status_code == 302
    replay = reset_password(app.test_client(), link, "another fine passphrase here")
    assert replay.status_code == 404 and "no longer works" in replay.text
    assert password_works(app, USER_EMAIL, NEW_PASSWORD)


def test_an_expired_reset_link_does_nothing(app, client, outbox, r):
    create_user(app)
    link = reset_link(client, outbox)
    page = client.get(link)
    r.pexpire(links.key(links.RESET_PASSWORD, token_of(link)), 1)  # its 30 minutes are over
    time.sleep(0.05)
    response = client.post(link, data={"new_password": NEW_PASSWORD, "csrf_token": csrf_token(page.text)})
    assert response.status_code == 404
    assert password_works(app, USER_EMAIL, USER_PASSWORD)


def test_a_reset_link_is_spent_by_a_later_password_change(app, client, auth, outbox):
    create_user(app)
    link = reset_link(app.test_client(), outbox)  # an attacker who reads the mail later...
    auth.sign_in_as()
    assert change_password(client, USER_PASSWORD, "owner's own new passphrase").status_code == 302
    assert app.test_client().get(link).status_code == 404  # ...finds it spent
    assert reset_password(app.test_client(), link).status_code == 404
    assert password_works(app, USER_EMAIL, "owner's own new passphrase")


def test_using_one_reset_link_spends_the_others(app, client, outbox):
    create_user(app)
    first = reset_link(client, outbox)
    second = reset_link(client, outbox)
    assert reset_password(client, second).status_code == 302
    assert reset_password(app.test_client(), first, "another fine passphrase here").status_code == 404


def test_an_operator_setting_the_password_spends_reset_links(app, runner, outbox):
    create_user(app)
    link = reset_link(app.test_client(), outbox)
    assert runner.invoke(args=["users", "set-password", USER_EMAIL, "--password", NEW_PASSWORD]).exit_code == 0
    assert app.test_client().get(link).status_code == 404


def test_a_link_only_ever_acts_on_its_own_account(app, client, auth, outbox):
    create_user(app, email="attacker@example.com", name="Mallory")
    create_user(app, email="victim@example.com", name="Victim", verified=False)
    # A reset link of the attacker's own changes the attacker's password, never the victim's.
    link = reset_link(client, outbox, "attacker@example.com")
    assert "attacker@example.com" in client.get(link).text
    reset_password(client, link)
    assert password_works(app, "victim@example.com", USER_PASSWORD)
    # A verification link of the attacker's verifies nothing of the victim's, whoever presses it.
    auth.sign_up(email="attacker2@example.com")
    own = link_in(outbox.last("attacker2@example.com"), links.VERIFY_EMAIL.path)
    victim_browser = AuthActions(app.test_client(), app)
    victim_browser.login("victim@example.com", USER_PASSWORD)
    confirm_email(victim_browser.client, own)
    with app.app_context(), postgres.get_connection().cursor() as cur:
        cur.execute("SELECT email, email_verified_at IS NOT NULL AS v FROM users ORDER BY email")
        states = {row["email"]: row["v"] for row in cur.fetchall()}
    assert states == {"attacker@example.com": True, "attacker2@example.com": True, "victim@example.com": False}


def test_a_link_of_one_purpose_never_works_for_the_other(app, client, auth, outbox, r):
    create_user(app)
    reset = reset_link(client, outbox)
    auth.sign_up()
    verify = link_in(outbox.last("new@example.com"), links.VERIFY_EMAIL.path)
    as_verify = "http://localhost/signup/verify/" + token_of(reset)
    as_reset = "http://localhost/password/reset/" + token_of(verify)
    assert client.get(as_verify).status_code == 404
    assert reset_password(client, as_reset).status_code == 404
    page = client.get("/password/forgot")
    assert client.post(as_verify, data={"csrf_token": csrf_token(page.text)}).status_code == 404
    # Neither was spent by being tried at the wrong door.
    assert r.exists(links.key(links.RESET_PASSWORD, token_of(reset)))
    assert r.exists(links.key(links.VERIFY_EMAIL, token_of(verify)))


@pytest.mark.parametrize("token", ["x", "a" * 43, "a" * 42 + "!", "a" * 42 + "%2F", "a" * 500])
def test_made_up_tokens_open_nothing(client, token):
    assert client.get(f"/password/reset/{token}").status_code == 404
    assert client.get(f"/signup/verify/{token}").status_code == 404


# Sessions around a password change --------------------------------------------------------------


def test_a_cookie_copied_before_a_change_opens_nothing_after_it(app, client, auth):
    auth.sign_in_as()
    other_browser = AuthActions(app.test_client(), app)
    other_browser.sign_in_as()
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)  # a copy of the very session that changes it
    assert thief.get("/account/security").status_code == 200  # the copy works... until
    change_password(client, USER_PASSWORD)
    assert thief.get("/account/security").status_code == 302  # sent to sign in: this session has a new ID
    assert other_browser.client.get("/account/security").status_code == 302  # every other session ended
    assert client.get("/account/security").status_code == 200  # the person who changed it stays signed in


def test_a_cookie_copied_before_a_reset_opens_nothing_after_it(app, client, auth, outbox):
    auth.sign_in_as()
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    other_browser = AuthActions(app.test_client(), app)
    other_browser.sign_in_as()
    reset_password(client, reset_link(app.test_client(), outbox))
    assert thief.get("/account/security").status_code == 302
    assert other_browser.client.get("/account/security").status_code == 302
    assert client.get("/account/security").status_code == 200  # signed in afresh where the reset was made


def test_wrong_current_passwords_are_throttled_per_account(app, client, auth):
    auth.sign_in_as()
    for _ in range(address_limits.CURRENT_PASSWORD.count):
        assert change_password(client, "a wrong guess").status_code == 401
    refused = change_password(client, USER_PASSWORD)  # even the right one waits now
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert password_works(app, USER_EMAIL, USER_PASSWORD)


# Limits per address and per account --------------------------------------------------------------


def test_sign_up_is_limited_per_address(app):
    from_a = AuthActions(client_from(app, "203.0.113.7"), app)
    for n in range(address_limits.SIGN_UP.count):
        assert from_a.sign_up(email=f"bad-{n}").status_code == 200  # refused forms count too
    refused = from_a.sign_up(email="late@example.com")
    assert refused.status_code == 429 and "Please wait a little" in refused.text
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    from_b = AuthActions(client_from(app, "198.51.100.9"), app)
    assert "Check your email" in from_b.sign_up(email="late@example.com").text


def test_forgot_password_is_limited_per_address(app):
    client = client_from(app, "203.0.113.7")
    for _ in range(address_limits.PASSWORD_FORGOT.count):
        assert forgot_password(client, "someone@example.com").status_code == 200
    assert forgot_password(client, "someone@example.com").status_code == 429
    other = client_from(app, "2001:db8:1::5")
    assert forgot_password(other, "someone@example.com").status_code == 200


def test_one_ipv6_host_cannot_dodge_the_limit_by_changing_its_address(app):
    for n in range(address_limits.PASSWORD_FORGOT.count):
        client = client_from(app, f"2001:db8:1::{n + 1:x}")
        assert forgot_password(client, "someone@example.com").status_code == 200
    same_network = client_from(app, "2001:db8:1::ffff")
    assert forgot_password(same_network, "someone@example.com").status_code == 429


def test_a_victims_inbox_cannot_be_flooded_from_many_addresses(app, outbox):
    create_user(app)
    for n in range(address_limits.MAIL_PER_ACCOUNT.count + 3):
        client = client_from(app, f"192.0.2.{n + 1}")
        response = forgot_password(client, USER_EMAIL)
        assert response.status_code == 200 and "Check your email" in response.text  # the same page throughout
    assert len(outbox.messages(USER_EMAIL)) == address_limits.MAIL_PER_ACCOUNT.count


def test_the_limits_trust_x_forwarded_for_only_behind_a_trusted_proxy(app, store_urls):
    from tests.support.apps import make_app

    proxied = make_app(store_urls, TRUSTED_PROXY_HOPS=1)
    for _ in range(address_limits.PASSWORD_FORGOT.count):
        client = proxied.test_client()
        assert forgot_password(client, "x@example.com", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 200
    blocked = forgot_password(proxied.test_client(), "x@example.com", headers={"X-Forwarded-For": "203.0.113.7"})
    assert blocked.status_code == 429
    other = forgot_password(proxied.test_client(), "x@example.com", headers={"X-Forwarded-For": "203.0.113.8"})
    assert other.status_code == 200


# What goes into a mail -----------------------------------------------------------------------------


def test_a_name_cannot_inject_markup_into_a_mail(app, client, outbox):
    create_user(app, name='<a href="https://evil.example">Click</a>')
    forgot_password(client, USER_EMAIL)
    html = html_of(outbox.last(USER_EMAIL))
    assert 'evil.example">' not in html and "&lt;a href=" in html
