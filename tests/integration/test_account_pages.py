"""Connected apps and account security: what can reach my data, and cutting it off exactly."""

import re

import pytest

from oauth import grants, token_store
from stores import postgres
from stores.redis_client import get_redis
from tests.support.accounts import create_user, csrf_token
from tests.support.api import Issued, issue_user_token, token_is_live
from tests.support.oauth import authorize_url, bearer, get_tokens, refresh, register_client
from tests.support.portal import submit


def register_app(app, owner: dict, name: str) -> dict:
    client, _secret = register_client(app, owner_email=owner["email"], name=name)
    return client


def connect(app, user: dict, client: dict, scopes: list[str]) -> Issued:
    """Consent as `user` and issue a token family under that grant, as the token endpoint would."""
    return issue_user_token(app, client, user["id"], scopes)


@pytest.fixture
def people(app):
    developer = create_user(app, email="dev@example.com", name="Dana Developer", role="developer")
    alice = create_user(app, email="alice@example.com", name="Alice")
    bob = create_user(app, email="bob@example.com", name="Bob")
    return developer, alice, bob


@pytest.fixture
def photos(app, people) -> dict:
    """Photo Printer, an app of Dana Developer's."""
    developer, _alice, _bob = people
    return register_app(app, developer, "Photo Printer")


def revoke(client, client_id: str):
    """Confirm on the app's revoke page."""
    return submit(client, f"/account/apps/{client_id}/revoke", data={"confirm": "yes"})


def test_pages_need_sign_in(client):
    for path in ("/account/apps", "/account/security"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_connected_apps_lists_each_app_with_scopes_in_plain_words(app, client, auth, people, photos):
    _developer, alice, _bob = people
    connect(app, alice, photos, ["read:profile", "write:data"])
    auth.login(email="alice@example.com")
    page = client.get("/account/apps").text
    assert "Photo Printer" in page and "Dana Developer" in page
    assert "See your name and email address" in page
    assert "Create items in your account" in page
    assert "scope-sensitive" in page  # write:data is pointed out
    assert "Never" in page  # not used yet
    assert "Revoke access" in page


def test_connected_apps_shows_nothing_of_other_users(app, client, auth, people, photos):
    _developer, alice, bob = people
    connect(app, bob, photos, ["read:profile"])
    auth.login(email="alice@example.com")
    page = client.get("/account/apps").text
    assert "Photo Printer" not in page
    assert "No app can reach your account" in page


def test_revoke_kills_exactly_that_users_tokens_for_that_app(app, client, auth, people, photos):
    developer, alice, bob = people
    calendar = register_app(app, developer, "Calendar Sync")
    alice_photos = connect(app, alice, photos, ["read:profile"])
    alice_calendar = connect(app, alice, calendar, ["read:profile"])
    bob_photos = connect(app, bob, photos, ["read:profile"])

    auth.login(email="alice@example.com")
    response = revoke(client, photos["client_id"])
    assert response.status_code == 302 and response.headers["Location"] == "/account/apps"

    assert not token_is_live(app, alice_photos)
    assert token_is_live(app, alice_calendar)
    assert token_is_live(app, bob_photos)
    with app.app_context():
        with pytest.raises(token_store.TokenError):
            token_store.rotate(get_redis(), alice_photos.refresh_token, photos, "read:profile", 60)
        token_store.rotate(get_redis(), bob_photos.refresh_token, photos, "read:profile", 60)
    page = client.get("/account/apps").text
    assert "Photo Printer" not in page and "Calendar Sync" in page


def test_revoking_twice_is_harmless(app, client, auth, people, photos):
    _developer, alice, _bob = people
    connect(app, alice, photos, ["read:profile"])
    auth.login(email="alice@example.com")
    page = client.get(f"/account/apps/{photos['client_id']}/revoke")
    token = csrf_token(page.text)
    first = client.post(f"/account/apps/{photos['client_id']}/revoke", data={"csrf_token": token, "confirm": "yes"})
    second = client.post(f"/account/apps/{photos['client_id']}/revoke", data={"csrf_token": token, "confirm": "yes"})
    assert first.status_code == second.status_code == 302
    assert "no access to revoke" in client.get("/account/apps").text
    assert client.get(f"/account/apps/{photos['client_id']}/revoke").status_code == 404


def test_revoke_needs_csrf_token(app, client, auth, people, photos):
    _developer, alice, _bob = people
    tokens = connect(app, alice, photos, ["read:profile"])
    auth.login(email="alice@example.com")
    assert client.post(f"/account/apps/{photos['client_id']}/revoke").status_code == 400
    assert token_is_live(app, tokens)


def test_a_user_cannot_revoke_another_users_grant(app, client, auth, people, photos):
    _developer, alice, bob = people
    bob_tokens = connect(app, bob, photos, ["read:profile"])
    auth.login(email="alice@example.com")
    assert client.get(f"/account/apps/{photos['client_id']}/revoke").status_code == 404
    # Revoking is harmless when there is nothing of hers to revoke: back to her page, Bob untouched.
    response = submit(client, "/account/apps", f"/account/apps/{photos['client_id']}/revoke", data={"confirm": "yes"})
    assert (response.status_code, response.location) == (302, "/account/apps")
    assert token_is_live(app, bob_tokens)


def test_after_revoke_a_new_consent_makes_a_new_grant(app, client, auth, people, photos):
    _developer, alice, _bob = people
    old = connect(app, alice, photos, ["read:profile"])
    auth.login(email="alice@example.com")
    revoke(client, photos["client_id"])
    with app.app_context():
        assert grants.get_live_grant(postgres.get_connection(), alice["id"], photos["client_id"]) is None
    new = connect(app, alice, photos, ["read:profile"])
    assert token_is_live(app, new) and not token_is_live(app, old)


def test_security_page_shows_sign_ins_consents_and_revocations(app, client, auth, people, photos):
    _developer, alice, _bob = people
    auth.login(email="alice@example.com", password="wrong password")
    auth.login(email="alice@example.com")
    connect(app, alice, photos, ["read:profile"])
    revoke(client, photos["client_id"])
    page = client.get("/account/security").text
    assert "Failed sign-in attempt" in page
    assert "Signed in" in page
    assert "Allowed Photo Printer: read:profile" in page
    assert "Revoked Photo Printer" in page


def test_security_page_shows_only_my_events(app, client, auth, people):
    auth.login(email="bob@example.com", password="wrong password")
    auth.login(email="alice@example.com")
    response = client.get("/account/security")
    assert response.status_code == 200
    assert "Signed in" in response.text  # Alice's own sign-in is listed
    assert "Failed sign-in attempt" not in response.text  # Bob's failure is not


def test_connected_apps_shows_last_use_from_the_api(app, client, auth, people):
    _developer, alice, _bob = people
    photos, secret = register_client(app, name="Photo Printer")
    auth.login(email="alice@example.com")
    tokens = get_tokens(client, photos, secret, scope="read:profile")
    assert "Never" in client.get("/account/apps").text
    assert client.get("/api/v1/me", headers=bearer(tokens["access_token"])).status_code == 200
    page = client.get("/account/apps").text
    assert "Photo Printer" in page and "Never" not in page
    assert re.search(r'class="last-used">\d{4}-\d\d-\d\d \d\d:\d\d UTC<', page)


def test_the_next_authorization_after_revoke_asks_for_consent_again(app, client, auth, people):
    _developer, alice, _bob = people
    photos, secret = register_client(app, name="Photo Printer")
    auth.login(email="alice@example.com")
    tokens = get_tokens(client, photos, secret, scope="read:profile")
    assert client.get(authorize_url(photos, scope="read:profile")).status_code == 302  # consented already

    revoke(client, photos["client_id"])
    assert client.get("/api/v1/me", headers=bearer(tokens["access_token"])).status_code == 401
    assert refresh(client, photos, secret, tokens["refresh_token"]).get_json()["error"] == "invalid_grant"
    again = client.get(authorize_url(photos, scope="read:profile"))
    assert again.status_code == 200 and 'value="allow"' in again.text
