"""An account under attack from many addresses: the right password from a new one also needs the owner's mailbox.

Past the account's ceiling (accounts.throttle.ACCOUNT_CEILING failures an
hour, from any number of addresses), whoever types the right password from
an address the account has never signed in from gets a mailed link instead
of a session; the owner at a known address signs in as usual, and nobody is
locked out.
"""

import pytest

from accounts import throttle
from stores.redis_client import get_redis
from tests.support.accounts import AuthActions, create_user, csrf_token
from tests.support.mail import link_in, token_of
from tests.support.two_factor import enable_two_factor, next_code

EMAIL = "owner@example.com"
PASSWORD = "correct horse battery"
KNOWN_ADDRESS, NEW_ADDRESS = "192.0.2.10", "203.0.113.77"
LINK_PATH = "/login/link/"


@pytest.fixture
def owner(app, auth):
    """An account whose owner once signed in from KNOWN_ADDRESS, then had ACCOUNT_CEILING failures from a botnet."""
    user = create_user(app, email=EMAIL, password=PASSWORD)
    assert auth.login(EMAIL, PASSWORD, ip=KNOWN_ADDRESS).status_code == 302
    auth.client.post("/logout", data={"csrf_token": csrf_token(auth.client.get("/account/security").text)})
    with app.app_context():
        r = get_redis()
        for n in range(throttle.ACCOUNT_CEILING):  # one failure each from many addresses: no pair or address limit
            throttle.record_failure(r, EMAIL, f"10.{n // 250}.{n % 250}.1")
    return user


def test_the_right_password_from_a_new_address_mails_a_link_instead_of_signing_in(app, auth, owner, outbox):
    answer = auth.login(EMAIL, PASSWORD, ip=NEW_ADDRESS)
    assert answer.status_code == 200
    assert "check your email" in answer.text.lower()
    assert auth.client.get("/account/security").status_code == 302  # not signed in
    mail = outbox.last(EMAIL)
    assert NEW_ADDRESS in mail.get_body(("plain",)).get_content()
    link_in(mail, LINK_PATH)


def test_the_owner_at_a_known_address_signs_in_as_usual(auth, owner, outbox):
    assert auth.login(EMAIL, PASSWORD, ip=KNOWN_ADDRESS).status_code == 302
    assert outbox.messages(EMAIL) == []


def test_a_wrong_password_after_the_ceiling_says_nothing_more(auth, owner, outbox):
    assert auth.login(EMAIL, "not the password", ip=NEW_ADDRESS).status_code == 401
    assert outbox.messages(EMAIL) == []


def test_the_link_signs_in_once_and_makes_the_address_known(app, auth, owner, outbox):
    auth.login(EMAIL, PASSWORD, ip=NEW_ADDRESS)
    link = link_in(outbox.last(EMAIL), LINK_PATH)
    path = link[link.index(LINK_PATH) :]
    page = auth.client.get(path)
    assert page.status_code == 200  # a button: mail scanners fetching the link spend nothing
    used = auth.client.post(path, data={"csrf_token": csrf_token(page.text)}, environ_base={"REMOTE_ADDR": NEW_ADDRESS})
    assert used.status_code == 302
    assert auth.client.get("/account/security").status_code == 200
    again = auth.client.post(path, data={"csrf_token": csrf_token(auth.client.get("/account/security").text)})
    assert again.status_code == 404
    # From the address that opened the link, the password alone is enough again.
    assert AuthActions(app.test_client(), app).login(EMAIL, PASSWORD, ip=NEW_ADDRESS).status_code == 302


def test_a_password_change_spends_the_link(app, runner, auth, owner, outbox):
    auth.login(EMAIL, PASSWORD, ip=NEW_ADDRESS)
    link = link_in(outbox.last(EMAIL), LINK_PATH)
    changed = runner.invoke(args=["users", "set-password", EMAIL, "--password", "a whole new passphrase 7"])
    assert changed.exit_code == 0, changed.output
    assert auth.client.get(link[link.index(LINK_PATH) :]).status_code == 404


@pytest.mark.parametrize("token", ["x" * 43, "short", token_of("/login/link/" + "A" * 43)])
def test_made_up_links_open_nothing(client, token):
    assert client.get(LINK_PATH + token).status_code == 404


def test_with_two_factor_the_link_leads_to_the_code_which_is_then_accepted(app, auth, owner, outbox):
    device = enable_two_factor(app, owner["id"])
    assert auth.login(EMAIL, PASSWORD, ip=NEW_ADDRESS).status_code == 200  # the link, not the code page
    link = link_in(outbox.last(EMAIL), LINK_PATH)
    path = link[link.index(LINK_PATH) :]
    page = auth.client.get(path)
    to_code = auth.client.post(
        path, data={"csrf_token": csrf_token(page.text)}, environ_base={"REMOTE_ADDR": NEW_ADDRESS}
    )
    assert to_code.headers["Location"].endswith("/login/two-factor")
    code_page = auth.client.get("/login/two-factor")
    signed_in = auth.client.post(
        "/login/two-factor",
        data={"code": next_code(app, device), "csrf_token": csrf_token(code_page.text)},
        environ_base={"REMOTE_ADDR": NEW_ADDRESS},
    )
    assert signed_in.status_code == 302
    assert auth.client.get("/account/security").status_code == 200
