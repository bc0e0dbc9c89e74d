"""Pages that say what happened when an app cannot be connected, worded for the person who sees them.

A suspended app is the platform's doing (no "tell the app's developer"); an
unknown client_id is an app deleted or a link mistyped (the site that sent the
person must fix it); an unverified app at its user limit waits for verification.
SUPPORT_CONTACT, when set, is named on each.
"""

import pytest

from audit import CLI
from oauth import clients
from stores import postgres
from stores.redis_client import get_redis
from tests.support.accounts import AuthActions
from tests.support.apps import make_app
from tests.support.oauth import OWNER_EMAIL, authorize_url, register_client
from tests.support.portal import words

SUPPORT_EMAIL = "help@platform.example"


@pytest.fixture
def supported(store_urls):
    """An app with SUPPORT_CONTACT set, and its test client."""
    configured = make_app(store_urls, SUPPORT_CONTACT=SUPPORT_EMAIL)
    return configured, configured.test_client()


def authorization_page(http, client: dict):
    response = http.get(authorize_url(client))
    assert response.status_code in (400, 403)
    assert "Location" not in response.headers  # never sent on anywhere
    return words(response.text)


def suspended_app(app) -> dict:
    client, _ = register_client(app, name="Photo Prints")
    with app.app_context():
        clients.set_suspended(postgres.get_connection(), get_redis(), CLI, client["client_id"], True, "abuse")
    return client


def test_a_suspended_app_is_said_to_be_suspended_by_the_platform(client, app):
    page = authorization_page(client, suspended_app(app))
    assert "Photo Prints is suspended" in page
    assert "Platform Accounts has suspended Photo Prints" in page
    assert "not because of anything you did" in page
    assert "tell the app's developer" not in page
    assert "broken request" not in page
    assert "support" not in page  # no SUPPORT_CONTACT set: no contact line


def test_a_suspended_app_page_names_the_support_contact(supported):
    configured, http = supported
    page = http.get(authorize_url(suspended_app(configured))).text
    assert f'<a href="mailto:{SUPPORT_EMAIL}">{SUPPORT_EMAIL}</a>' in page
    assert "contact Platform Accounts support at" in words(page)


def test_a_deleted_app_is_not_registered_and_the_sending_site_must_fix_its_link(client, app):
    deleted, _ = register_client(app, name="Gone Soon")
    with app.app_context():
        assert clients.delete_client(postgres.get_connection(), get_redis(), CLI, deleted["client_id"])
    page = authorization_page(client, deleted)
    assert "This app is not registered here" in page
    assert "its developer may have deleted it, or the link is wrong" in page
    assert "has to fix its sign-in link" in page
    assert "suspended" not in page


def test_an_unknown_client_id_gets_the_same_page_with_the_support_contact(supported):
    _, http = supported
    page = words(
        http.get(authorize_url({"client_id": "pa_client_never", "redirect_uris": ["https://x.example/cb"]})).text
    )
    assert "This app is not registered here" in page
    assert f'contact Platform Accounts support at <a href="mailto:{SUPPORT_EMAIL}">' in page


def test_a_broken_request_of_a_live_app_still_points_at_its_developer(client, app):
    live, _ = register_client(app)
    response = client.get(authorize_url(live, redirect_uri="https://elsewhere.example/cb"))
    page = words(response.text)
    assert "This app sent you here with a broken request" in page
    assert "tell the app's developer" in page


def test_an_unverified_app_at_its_limit_says_so_and_names_the_support_contact(store_urls):
    configured = make_app(store_urls, SUPPORT_CONTACT="https://help.platform.example/apps", UNVERIFIED_APP_USER_LIMIT=0)
    http = configured.test_client()
    full, _ = register_client(configured, name="Free Prize Draw")
    AuthActions(http, configured).sign_in_as("newcomer@example.com")
    response = http.get(authorize_url(full))
    assert response.status_code == 403
    page = words(response.text)
    assert "This app cannot take more people yet" in page
    assert "not verified by Platform Accounts" in page
    assert "ask its developer to have it verified" in page
    assert '<a href="https://help.platform.example/apps">' in response.text


def test_the_developer_of_a_suspended_app_is_told_it_is_theirs_and_why(client, app):
    mine = suspended_app(app)
    assert AuthActions(client, app).login(OWNER_EMAIL, "developer password").status_code == 302
    page = authorization_page(client, mine)
    assert "Your app Photo Prints is suspended" in page
    assert "suspended it: abuse." in page
    assert f'href="/developer/apps/{mine["client_id"]}"' in page


def test_someone_else_signed_in_sees_the_end_user_wording(client, app):
    theirs = suspended_app(app)
    AuthActions(client, app).sign_in_as("someone@example.com")
    page = authorization_page(client, theirs)
    assert "Photo Prints is suspended" in page and "Your app" not in page
    assert "abuse" not in page  # the reason is for the developer and the platform
