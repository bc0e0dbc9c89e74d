"""The developer portal, account pages and admin console from a hostile developer's side."""

import pytest

from oauth import clients, token_store
from oauth.client_rules import GRANT_TYPES
from oauth.token_store import TokenError
from stores import postgres
from stores.redis_client import get_redis
from tests.support.accounts import create_user
from tests.support.oauth import authorize_url, decide, pkce_pair, register_client, secret_works
from tests.support.portal import TEST_ACTOR, register_and_read, register_app, submit

SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(1)>"
REDIRECT_WITH_MARKUP = 'https://acme.example.com/cb?x="><script>alert(2)</script>'


def test_a_secret_of_another_app_cannot_be_deleted_through_my_own(client, auth, app):
    auth.sign_in_as("victim@example.com")
    victim_id, victim_secret = register_and_read(client)
    submit(client, f"/developer/apps/{victim_id}", f"/developer/apps/{victim_id}/secrets")  # two, so deletable
    with app.app_context():
        victim_secret_ids = [row["id"] for row in clients.list_secrets(postgres.get_connection(), victim_id)]

    assert len(victim_secret_ids) == 2
    auth.sign_in_as("intruder@example.com")
    mine, _ = register_and_read(client)
    for secret_id in victim_secret_ids:
        path = f"/developer/apps/{mine}/secrets/{secret_id}/delete"
        response = submit(client, f"/developer/apps/{mine}", path, data={"confirm": "yes"})
        assert response.status_code == 404
    assert secret_works(client, victim_id, victim_secret)


def test_a_token_issued_while_its_app_is_deleted_does_not_work(app):
    registered, _ = register_client(app, grant_types=list(GRANT_TYPES))
    with app.app_context():
        conn, r = postgres.get_connection(), get_redis()
        # A token request authenticated the app (with a leaked secret, say) just before its owner deleted it.
        read_before_delete = clients.get_client(conn, registered["client_id"])
        clients.delete_client(conn, r, TEST_ACTOR, registered["client_id"])
        with pytest.raises(TokenError):
            token_store.issue(r, client=read_before_delete, user_id=None, scope="read:data", access_ttl=3600)


def test_markup_in_an_app_is_shown_as_text_on_every_page(client, auth, app):
    developer = create_user(app, email="dev@example.com", name=SCRIPT, role="developer")
    auth.login(email="dev@example.com")
    client_id, _ = register_and_read(
        client,
        name=SCRIPT,
        description=IMAGE,
        homepage_url='https://acme.example.com/"><script>alert(3)</script>',
        redirect_uris=REDIRECT_WITH_MARKUP,
    )
    developer_pages = [f"/developer/apps/{client_id}{suffix}" for suffix in ("", "/quickstart", "/audit")]
    pages = {path: client.get(path).text for path in ["/developer/apps", *developer_pages]}

    auth.sign_in_as("person@example.com")
    _verifier, challenge = pkce_pair()
    registered = {"client_id": client_id, "redirect_uris": [REDIRECT_WITH_MARKUP]}
    consent = client.get(authorize_url(registered, code_challenge=challenge))
    pages["consent"] = consent.text
    assert decide(client, consent.text).status_code == 303
    pages.update({path: client.get(path).text for path in ["/account/apps", "/account/security"]})

    auth.sign_in_as("admin@example.com", role="admin")
    for path in ["/admin", f"/admin/apps/{client_id}", "/admin/audit", f"/admin/audit?user={developer['id']}"]:
        pages[path] = client.get(path).text

    for path, html in pages.items():
        assert "<script>alert" not in html, path
        assert "<img src=x" not in html, path
        assert 'x="><' not in html and '/"><' not in html, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["consent"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages["consent"]


@pytest.mark.parametrize(
    "homepage_url",
    ["javascript:alert(1)", "JavaScript://acme.example.com/%0aalert(1)", "\x01javascript:alert(1)", "data:text/html,x"],
)
def test_a_homepage_can_never_be_a_script_link(client, auth, homepage_url):
    auth.sign_in_as("dev@example.com")
    response = register_app(client, homepage_url=homepage_url)
    assert response.status_code == 400
    assert "Enter a full http(s) address" in response.text
