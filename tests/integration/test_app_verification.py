"""App verification: `clients verify` and the admin button vouch for an app, audited; consent says which are.

Also how the consent page shows the hosts an app registered: a non-ASCII
host with its punycode beside it, and a word of warning for a host that
mixes look-alike alphabets.
"""

import json

import pytest

from oauth import clients
from stores.postgres import get_connection
from tests.support.oauth import authorize_url, register_client
from tests.support.portal import (
    TEST_ACTOR,
    VALID_APP,
    audit_actions,
    register_and_read,
    settings_of,
    stored_client,
    submit,
    words,
)

NOT_VERIFIED = "This app is not verified by Platform Accounts."
VERIFIED = "Verified by Platform Accounts"


@pytest.fixture
def registered(app) -> dict:
    client, _secret = register_client(app)
    return client


def consent_words(client, registered: dict) -> str:
    response = client.get(authorize_url(registered))
    assert response.status_code == 200, response.headers.get("Location")
    return words(response.text)


def verify(app, client_id: str) -> dict | None:
    with app.app_context():
        return clients.verify_client(get_connection(), TEST_ACTOR, client_id)


def test_a_new_app_is_unverified_and_its_consent_page_warns(client, registered, signed_in_user):
    assert registered["verified_at"] is None
    page = consent_words(client, registered)
    assert NOT_VERIFIED in page
    assert VERIFIED not in page


def test_clients_verify_vouches_for_the_app_and_consent_says_so(client, app, runner, registered, signed_in_user):
    result = runner.invoke(args=["clients", "verify", registered["client_id"]])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["verified_at"]
    assert audit_actions(app, registered["client_id"])[-1] == "app.verified"
    page = consent_words(client, registered)
    assert VERIFIED in page
    assert NOT_VERIFIED not in page


def test_verifying_twice_changes_and_records_nothing_more(app, runner, registered):
    first = runner.invoke(args=["clients", "verify", registered["client_id"]])
    again = runner.invoke(args=["clients", "verify", registered["client_id"]])
    assert json.loads(first.stdout)["verified_at"] == json.loads(again.stdout)["verified_at"]
    assert audit_actions(app, registered["client_id"]).count("app.verified") == 1


def test_clients_verify_of_an_unknown_app_is_a_json_error(app, runner):
    result = runner.invoke(args=["clients", "verify", "pa_client_nope"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "no client" in json.loads(result.stderr)["error"]


def test_an_admin_verifies_from_the_apps_page_and_the_audit_log_marks_it(client, app, auth, registered):
    auth.sign_in_as("admin@example.com", role="admin")
    page_url = f"/admin/apps/{registered['client_id']}"
    assert "Not verified" in words(client.get(page_url).text)
    response = submit(client, page_url, f"{page_url}/verify")
    assert response.status_code == 302
    assert stored_client(app, registered["client_id"])["verified_at"] is not None
    assert "Verified" in words(client.get(page_url).text)
    audit_page = client.get(f"/admin/audit?client_id={registered['client_id']}").text
    row = next(row for row in audit_page.split("<tr")[1:] if "App verified by the platform" in row)  # [0]: the filters
    assert 'class="entry security"' in row


@pytest.fixture
def own_app(client, auth) -> str:
    """An app its developer registered in the portal (signed in on `client`): its client ID."""
    auth.sign_in_as("dev@example.com")
    client_id, _ = register_and_read(client)
    return client_id


@pytest.mark.parametrize("change", [{"name": "Renamed Sync"}, {"homepage_url": "https://elsewhere.example"}])
def test_a_new_name_or_website_withdraws_verification(client, app, own_app, change):
    verify(app, own_app)
    response = submit(client, f"/developer/apps/{own_app}", data=settings_of(**change))
    assert response.status_code == 302
    assert stored_client(app, own_app)["verified_at"] is None
    assert audit_actions(app, own_app)[-2:] == ["app.updated", "app.unverified"]
    assert "Not verified by Platform Accounts" in words(client.get(f"/developer/apps/{own_app}").text)


def test_new_redirect_uris_keep_verification(client, app, own_app):
    verify(app, own_app)
    uris = f"{VALID_APP['redirect_uris']}\nhttps://acme.example.com/other"
    response = submit(client, f"/developer/apps/{own_app}", data=settings_of(redirect_uris=uris))
    assert response.status_code == 302
    assert stored_client(app, own_app)["verified_at"] is not None
    assert "Verified by Platform Accounts" in words(client.get(f"/developer/apps/{own_app}").text)


# Hosts on the consent page -------------------------------------------------------------


def test_a_non_ascii_host_is_shown_with_its_punycode(client, app, signed_in_user):
    registered, _ = register_client(
        app, redirect_uris=["https://münchen.example/callback"], homepage_url="https://münchen.example"
    )
    page = consent_words(client, registered)
    assert "sent back to <strong>münchen.example (xn--mnchen-3ya.example)</strong>" in page
    assert '">münchen.example (xn--mnchen-3ya.example)</a>' in page  # the website link's text
    assert "mixes letters of different alphabets" not in page


def test_a_look_alike_host_shows_its_punycode_and_a_warning(client, app, signed_in_user):
    lookalike = "\u0430pp.example.com"  # a Cyrillic а, then Latin
    registered, _ = register_client(app, redirect_uris=[f"https://{lookalike}/callback"])
    page = consent_words(client, registered)
    assert f"sent back to <strong>{lookalike} (xn--pp-6kc.example.com)</strong>" in page
    assert "mixes letters of different alphabets (Cyrillic and Latin)" in page
