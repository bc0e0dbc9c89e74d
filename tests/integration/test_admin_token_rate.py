"""The admin console sets an app's token rate: stored, audited, and read by the very next token request."""

import pytest

from tests.support.oauth import basic_auth, register_client
from tests.support.portal import audit_actions, stored_client, submit


@pytest.fixture
def machine_app(app):
    return register_client(app, name="Nightly Sync", grant_types=["client_credentials"])


def ask_for_token(client, registered, secret):
    return client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic_auth(registered["client_id"], secret),
    )


def test_the_app_page_shows_the_token_rate(client, machine_app, admin):
    registered, _secret = machine_app
    page = client.get(f"/admin/apps/{registered['client_id']}").text
    assert 'id="token-rate"' in page
    assert 'name="token_rate"' in page and 'value="10"' in page.split('name="token_rate"', 1)[1].split(">", 1)[0]


def test_a_token_rate_set_in_the_console_applies_to_the_next_token_request(client, app, machine_app, admin):
    registered, secret = machine_app
    client_id = registered["client_id"]
    page = f"/admin/apps/{client_id}"
    response = submit(client, page, f"{page}/token-rate", data={"token_rate": "1"})
    assert response.status_code == 302
    assert stored_client(app, client_id)["token_rate"] == 1
    assert "may now get 1 tokens per second" in client.get(page).text
    assert audit_actions(app, client_id)[-1] == "app.token_rate_changed"
    # One per second, two at once: the third at once is refused.
    assert [ask_for_token(client, registered, secret).status_code for _ in range(3)] == [200, 200, 429]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "Between 1 and 100,000 tokens per second."),
        ("100001", "Between 1 and 100,000 tokens per second."),
        ("99999999999999999999", "Between 1 and 100,000 tokens per second."),
        ("", "Enter a whole number of tokens per second."),
        ("fast", "Not a valid integer value."),
    ],
)
def test_an_invalid_token_rate_is_refused_with_its_message(client, app, machine_app, admin, value, message):
    client_id = machine_app[0]["client_id"]
    page = f"/admin/apps/{client_id}"
    response = submit(client, page, f"{page}/token-rate", data={"token_rate": value})
    assert response.status_code == 400
    assert message in response.text.split('id="token_rate-errors"', 1)[1]
    assert stored_client(app, client_id)["token_rate"] == 10


def test_the_token_rate_is_for_admins_only(client, app, auth, machine_app):
    client_id = machine_app[0]["client_id"]
    auth.sign_in_as("dev@example.com", role="developer")
    response = submit(client, "/developer/apps", f"/admin/apps/{client_id}/token-rate", data={"token_rate": "1"})
    assert response.status_code == 403
    assert stored_client(app, client_id)["token_rate"] == 10


def test_the_token_rate_wants_the_csrf_token(client, app, machine_app, admin):
    client_id = machine_app[0]["client_id"]
    assert client.post(f"/admin/apps/{client_id}/token-rate", data={"token_rate": "1"}).status_code == 400
    assert stored_client(app, client_id)["token_rate"] == 10
    assert "app.token_rate_changed" not in audit_actions(app, client_id)
