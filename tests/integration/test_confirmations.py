"""Destructive actions in the developer portal and account pages take a confirmation step, without JavaScript.

Each action's URL answers GET with a confirmation page; a POST acts only with
`confirm=yes` (sent by that page's form), otherwise it changes nothing and
shows the same page; CSRF is checked either way. What needs JavaScript (the
copy buttons) is hidden until the script shows it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from accounts import sessions
from audit import CLI
from oauth import clients
from stores import postgres
from tests.support.accounts import AuthActions, create_user, csrf_token
from tests.support.api import issue_user_token, token_is_live
from tests.support.oauth import register_client, secret_works
from tests.support.portal import register_and_read, submit
from webhooks import revocation_notices, subscriptions

STYLESHEET = Path(__file__).resolve().parents[2] / "static" / "style.css"


@dataclass
class Action:
    url: str
    done: Callable[[], bool]  # has the action happened?
    page_id: str  # the confirmation page's section id


def two_secrets(app, client) -> Action:
    """A developer's app with two secrets; the action deletes the first."""
    create_user(app, email="dev@example.com")
    AuthActions(client, app).login(email="dev@example.com")
    client_id, old_secret = register_and_read(client)
    submit(client, f"/developer/apps/{client_id}", f"/developer/apps/{client_id}/secrets")
    with app.app_context():
        first = clients.list_secrets(postgres.get_connection(), client_id)[0]["id"]
    url = f"/developer/apps/{client_id}/secrets/{first}/delete"
    return Action(url, lambda: not secret_works(client, client_id, old_secret), "confirm-delete-secret")


def notice_secret(app, client) -> Action:
    """A developer's app sending revocation notices; the action replaces their signing secret."""
    create_user(app, email="dev@example.com")
    AuthActions(client, app).login(email="dev@example.com")
    client_id, _ = register_and_read(client)
    key = subscriptions.sealing_key(app.config["SECRET_KEY"])
    with app.app_context():
        revocation_notices.set_url(postgres.get_connection(), key, CLI, client_id, "https://hooks.example.com/notices")
    before = sealed_notice_secret(app, client_id)

    def replaced() -> bool:
        return sealed_notice_secret(app, client_id) != before

    return Action(f"/developer/apps/{client_id}/revocation-notices/secret", replaced, "confirm-replace-notice-secret")


def sealed_notice_secret(app, client_id: str) -> bytes:
    with app.app_context(), postgres.get_connection().cursor() as cur:
        cur.execute(
            """SELECT secret_ciphertext FROM webhook_subscriptions
               WHERE client_id = %(c)s AND user_id IS NULL AND ended_at IS NULL""",
            {"c": client_id},
        )
        return bytes(cur.fetchone()["secret_ciphertext"])


def connected_app(app, client) -> Action:
    """A person who allowed an app; the action revokes it."""
    person = create_user(app, email="alice@example.com")
    photos, _ = register_client(app, name="Photo Printer")
    tokens = issue_user_token(app, photos, person["id"], ["read:profile"])
    AuthActions(client, app).login(email="alice@example.com")
    return Action(
        f"/account/apps/{photos['client_id']}/revoke", lambda: not token_is_live(app, tokens), "confirm-revoke"
    )


def other_session(app, client) -> Action:
    """A person signed in on a second browser; the action signs that session out."""
    create_user(app)
    phone = AuthActions(app.test_client(), app)
    phone.login()
    AuthActions(client, app).login()
    digest = sessions.digest(phone.client.get_cookie("session").value)
    return Action(f"/account/sessions/{digest}/end", lambda: not _signed_in(phone.client), "confirm-end-session")


def other_sessions(app, client) -> Action:
    create_user(app)
    phone = AuthActions(app.test_client(), app)
    phone.login()
    AuthActions(client, app).login()
    return Action("/account/sessions/end-others", lambda: not _signed_in(phone.client), "confirm-end-other-sessions")


def _signed_in(http) -> bool:
    return http.get("/account/security").status_code == 200


ACTIONS = [two_secrets, notice_secret, connected_app, other_session, other_sessions]


def form_token(client, action: Action) -> str:
    page = client.get(action.url)
    assert page.status_code == 200
    return csrf_token(page.text)


@pytest.mark.parametrize("make", ACTIONS, ids=lambda make: make.__name__)
def test_the_confirmation_page_is_a_plain_form_that_confirms(app, client, make):
    action = make(app, client)
    page = client.get(action.url)
    assert page.status_code == 200
    assert f'<form method="post" action="{action.url}">' in page.text
    assert '<input type="hidden" name="confirm" value="yes">' in page.text
    assert 'name="csrf_token"' in page.text
    assert f'id="{action.page_id}"' in page.text
    assert not action.done()  # showing the page changes nothing


@pytest.mark.parametrize("make", ACTIONS, ids=lambda make: make.__name__)
@pytest.mark.parametrize("confirm", [None, "no", "", "YES"])
def test_a_post_without_confirmation_does_nothing_and_shows_the_confirmation_page(app, client, make, confirm):
    action = make(app, client)
    data = {"csrf_token": form_token(client, action)}
    if confirm is not None:
        data["confirm"] = confirm
    response = client.post(action.url, data=data)
    assert response.status_code == 200
    assert '<input type="hidden" name="confirm" value="yes">' in response.text
    assert not action.done()


@pytest.mark.parametrize("make", ACTIONS, ids=lambda make: make.__name__)
def test_a_confirmed_post_acts(app, client, make):
    action = make(app, client)
    response = client.post(action.url, data={"csrf_token": form_token(client, action), "confirm": "yes"})
    assert response.status_code in (200, 302)  # a new signing secret is shown once, in the answer itself
    assert action.done()


@pytest.mark.parametrize("make", ACTIONS, ids=lambda make: make.__name__)
@pytest.mark.parametrize("token", [None, "forged"])
def test_a_confirmed_post_without_the_csrf_token_is_refused(app, client, make, token):
    """A cross-site form that adds confirm=yes still lacks the victim's CSRF token."""
    action = make(app, client)
    data = {"confirm": "yes"} | ({"csrf_token": token} if token else {})
    assert client.post(action.url, data=data).status_code == 400
    assert not action.done()


def test_the_only_secret_has_a_page_that_refuses_to_delete_it(app, client):
    create_user(app, email="dev@example.com")
    AuthActions(client, app).login(email="dev@example.com")
    client_id, secret = register_and_read(client)
    with app.app_context():
        only = clients.list_secrets(postgres.get_connection(), client_id)[0]["id"]
    url = f"/developer/apps/{client_id}/secrets/{only}/delete"
    page = client.get(url).text
    assert "only secret" in page and 'name="confirm"' not in page
    response = client.post(url, data={"csrf_token": csrf_token(page), "confirm": "yes"})
    assert "Generate a new one first" in response.text
    assert secret_works(client, client_id, secret)


def test_the_pages_link_to_the_confirmation_pages_instead_of_acting(app, client):
    create_user(app, email="dev@example.com")
    AuthActions(app.test_client(), app).login(email="dev@example.com")  # a second session to list
    AuthActions(client, app).login(email="dev@example.com")
    client_id, _ = register_and_read(client)
    submit(client, f"/developer/apps/{client_id}", f"/developer/apps/{client_id}/secrets")
    app_page = client.get(f"/developer/apps/{client_id}").text
    assert "/secrets/" in app_page and 'action="/developer/apps/' + client_id + "/secrets/" not in app_page
    security = client.get("/account/security").text
    assert 'href="/account/sessions/end-others"' in security
    assert 'action="/account/sessions/' not in security


def test_copy_buttons_stay_hidden_without_javascript(app, client):
    create_user(app, email="dev@example.com")
    AuthActions(client, app).login(email="dev@example.com")
    client_id, _ = register_and_read(client)
    page = client.get(f"/developer/apps/{client_id}").text
    buttons = [tag for tag in page.split("<button")[1:] if "data-copy" in tag.split(">", 1)[0]]
    assert buttons and all(" hidden" in tag.split(">", 1)[0] for tag in buttons)
    # The stylesheet's `button { display: inline-block }` must not override `hidden`.
    assert "[hidden] { display: none !important; }" in STYLESHEET.read_text()
