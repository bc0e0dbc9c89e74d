"""The admin console: every app, suspension and resumption, rate limits; admins only."""

import pytest

from api.rate_limit import counter_key, window_index
from oauth import clients
from oauth.token_store import client_state_key
from stores import postgres
from stores.redis_client import get_redis
from tests.support.accounts import csrf_token
from tests.support.api import issue_client_token, issue_user_token, token_is_live
from tests.support.portal import TEST_ACTOR, VALID_APP, audit_actions, register_and_read, stored_client, submit, words


@pytest.fixture
def registered(client, auth):
    """An app registered through the portal by a developer: its client_id and the developer."""
    developer = auth.sign_in_as("dev@example.com")
    client_id, _ = register_and_read(client)
    return {"client_id": client_id, "developer": developer}


@pytest.fixture
def admin(auth, registered):
    return auth.sign_in_as("admin@example.com", role="admin")


def prepare_for(app, route: str, client_id: str) -> tuple[str, list[str]]:
    """Suspend the app first when `route` would resume it, so that a wrongly accepted POST shows.

    Returns the status the app must keep and its audit actions so far.
    """
    if not route.endswith("/resume"):
        return "active", ["app.created"]
    with app.app_context():
        clients.set_suspended(postgres.get_connection(), get_redis(), TEST_ACTOR, client_id, True, "testing")
    return "suspended", ["app.created", "app.suspended"]


def assert_app_untouched(app, client_id: str, status: str, actions: list[str]) -> None:
    stored = stored_client(app, client_id)
    assert (stored["status"], stored["rate_limit"]) == (status, 1000)
    assert audit_actions(app, client_id) == actions


ADMIN_PAGES = ["/admin", "/admin/apps/{id}", "/admin/audit"]
ADMIN_POSTS = [
    ("/admin/apps/{id}/suspend", {"reason": "abuse"}),
    ("/admin/apps/{id}/resume", {}),
    ("/admin/apps/{id}/rate-limit", {"rate_limit": "5"}),
    ("/admin/apps/{id}/verify", {}),
]


@pytest.mark.parametrize("role", ["user", "developer"])
@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_pages_are_forbidden_to_everyone_else(client, auth, registered, role, page):
    auth.sign_in_as("someone@example.com", role=role)
    response = client.get(page.format(id=registered["client_id"]))
    assert response.status_code == 403
    assert "Only administrators" in response.text


@pytest.mark.parametrize(("route", "data"), ADMIN_POSTS)
def test_admin_actions_are_forbidden_to_everyone_else(client, auth, app, registered, route, data):
    status, actions = prepare_for(app, route, registered["client_id"])
    auth.sign_in_as("someone@example.com", role="developer")
    token = csrf_token(client.get("/developer/apps").text)
    response = client.post(route.format(id=registered["client_id"]), data={**data, "csrf_token": token})
    assert response.status_code == 403
    assert_app_untouched(app, registered["client_id"], status, actions)


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_pages_send_signed_out_visitors_to_sign_in(client, registered, auth, page):
    auth.logout()
    path = page.format(id=registered["client_id"])
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=" + path


def test_console_lists_every_app_with_owner_status_users_and_calls(client, auth, app, registered):
    issue_user_token(app, stored_client(app, registered["client_id"]), registered["developer"]["id"], ["read:profile"])
    auth.sign_in_as("other@example.com")
    register_and_read(client, name="Other App")
    auth.sign_in_as("admin@example.com", role="admin")
    with app.app_context():
        r = get_redis()
        r.set(counter_key(registered["client_id"], window_index(r.time()[0])), 12)

    page = client.get("/admin").text
    assert "Other App" in page and "other@example.com" in page
    row = page[page.index(registered["client_id"]) :].split("</tr>", 1)[0]
    assert "dev@example.com" in row and "active" in row
    assert '<td data-label="Authorized users">1</td>' in row and "12 of 1000" in row


def test_unknown_app_is_not_found(client, admin):
    assert client.get("/admin/apps/pa_client_nope").status_code == 404
    response = submit(client, "/admin", "/admin/apps/pa_client_nope/suspend", data={"reason": "x"})
    assert response.status_code == 404


def test_suspension_from_the_console_stops_tokens_at_once_and_resume_restores_them(client, app, registered, admin):
    client_id = registered["client_id"]
    user_token = issue_user_token(app, stored_client(app, client_id), registered["developer"]["id"], ["read:profile"])
    app_token = issue_client_token(app, stored_client(app, client_id), ["read:data"])
    page = f"/admin/apps/{client_id}"

    response = submit(client, page, f"{page}/suspend", data={"reason": "Sends spam"})
    assert response.status_code == 302 and response.headers["Location"] == page
    assert not token_is_live(app, user_token) and not token_is_live(app, app_token)
    stored = stored_client(app, client_id)
    assert (stored["status"], stored["suspended_reason"]) == ("suspended", "Sends spam")
    assert "its tokens stopped working" in client.get(page).text

    response = submit(client, page, f"{page}/resume")
    assert response.status_code == 302
    assert token_is_live(app, user_token) and token_is_live(app, app_token)
    assert stored_client(app, client_id)["status"] == "active"
    assert audit_actions(app, client_id)[-2:] == ["app.suspended", "app.resumed"]


@pytest.mark.parametrize(
    ("reason", "message"),
    [("", "Say why, so that the developer knows what to fix."), ("x" * 501, "At most 500 characters.")],
)
def test_suspension_needs_a_reason(client, app, registered, admin, reason, message):
    client_id = registered["client_id"]
    token = issue_client_token(app, stored_client(app, client_id), ["read:data"])
    page = f"/admin/apps/{client_id}"
    response = submit(client, page, f"{page}/suspend", data={"reason": reason})
    assert response.status_code == 400
    assert message in response.text.split('id="reason-errors"', 1)[1]
    assert stored_client(app, client_id)["status"] == "active" and token_is_live(app, token)


def test_rate_limit_set_in_the_console_applies_to_the_next_call(client, app, registered, admin):
    client_id = registered["client_id"]
    page = f"/admin/apps/{client_id}"
    response = submit(client, page, f"{page}/rate-limit", data={"rate_limit": "25"})
    assert response.status_code == 302
    assert stored_client(app, client_id)["rate_limit"] == 25
    with app.app_context():
        assert get_redis().hget(client_state_key(client_id), "rate_limit") == "25"
    assert "may now make 25 API calls per hour" in client.get(page).text
    assert audit_actions(app, client_id)[-1] == "app.rate_limit_changed"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "Between 1 and 10,000,000 calls per hour."),
        ("-5", "Between 1 and 10,000,000 calls per hour."),
        ("99999999999", "Between 1 and 10,000,000 calls per hour."),
        ("", "Enter a whole number of calls per hour."),
        ("lots", "Not a valid integer value."),
    ],
)
def test_invalid_rate_limit_is_refused_with_its_message(client, app, registered, admin, value, message):
    client_id = registered["client_id"]
    page = f"/admin/apps/{client_id}"
    response = submit(client, page, f"{page}/rate-limit", data={"rate_limit": value})
    assert response.status_code == 400
    assert message in response.text.split('id="rate_limit-errors"', 1)[1]
    assert stored_client(app, client_id)["rate_limit"] == 1000


def test_admin_app_page_shows_owner_settings_and_usage(client, registered, admin):
    page = words(client.get(f"/admin/apps/{registered['client_id']}").text)
    assert "dev@example.com" in page
    assert VALID_APP["redirect_uris"] in page
    assert "0 of 1000" in page
    assert "Operate Acme Sync" in page


@pytest.mark.parametrize(("route", "data"), ADMIN_POSTS)
def test_admin_post_without_csrf_token_is_refused(client, app, registered, admin, route, data):
    status, actions = prepare_for(app, route, registered["client_id"])
    response = client.post(route.format(id=registered["client_id"]), data=data)
    assert response.status_code == 400
    assert_app_untouched(app, registered["client_id"], status, actions)
