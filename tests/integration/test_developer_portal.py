"""The developer portal through its real forms: register, configure, rotate secrets, delete."""

import json

import pytest

from accounts import sessions
from api.rate_limit import counter_key, window_index
from audit import Actor
from oauth import clients, grants
from stores import postgres
from stores.redis_client import get_redis
from tests.support.accounts import AuthActions, create_user, csrf_token
from tests.support.api import issue_client_token, issue_user_token, token_is_live, user_with_token
from tests.support.apps import make_app
from tests.support.oauth import form_fields, secret_works
from tests.support.portal import (
    TEST_ACTOR,
    VALID_APP,
    audit_actions,
    credential,
    register_and_read,
    register_app,
    settings_of,
    stored_client,
    submit,
    words,
)


@pytest.fixture
def developer(auth):
    return auth.sign_in_as("dev@example.com")


def stored_secrets(app, client_id):
    with app.app_context():
        return clients.list_secrets(postgres.get_connection(), client_id)


def all_clients(app):
    with app.app_context():
        return clients.list_clients(postgres.get_connection())


# Signing in ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/developer/apps", "/developer/apps/new", "/developer/apps/pa_client_x", "/developer/apps/x/quickstart"]
)
def test_signed_out_visitor_is_sent_to_sign_in_and_back(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=" + path


# My apps ---------------------------------------------------------------------------


def test_my_apps_lists_only_my_apps_with_status_users_and_calls(client, auth, app):
    auth.sign_in_as("other@example.com")
    register_and_read(client, name="Someone Else's App")
    me = auth.sign_in_as("dev@example.com")
    client_id, _ = register_and_read(client, name="My Sync App")
    issue_user_token(app, stored_client(app, client_id), me["id"], ["read:profile"])
    with app.app_context():
        r = get_redis()
        r.set(counter_key(client_id, window_index(r.time()[0])), 7)

    page = client.get("/developer/apps").text
    assert "My Sync App" in page and "Someone Else" not in page
    row = page[page.index("My Sync App") :]
    assert "active" in row
    assert '<td data-label="Authorized users">1</td>' in row
    assert "7 of 1000" in row


def test_new_developer_is_invited_to_register_a_first_app(client, developer):
    page = client.get("/developer/apps").text
    assert "Register your first app" in page


# Registering -----------------------------------------------------------------------


def test_registration_shows_the_credentials_once_in_the_response(client, developer, app):
    response = register_app(client)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    client_id, secret = credential(response.text, "client-id"), credential(response.text, "client-secret")
    assert client_id.startswith("pa_client_") and secret.startswith("pacs_")
    assert "nobody can show it to you again" in words(response.text)
    assert secret_works(client, client_id, secret)

    # A reload of any page shows the prefix only; the secret was in no cookie either.
    for path in (f"/developer/apps/{client_id}", "/developer/apps", f"/developer/apps/{client_id}/quickstart"):
        later = client.get(path).text
        assert secret not in later
    assert stored_secrets(app, client_id)[0]["prefix"] in client.get(f"/developer/apps/{client_id}").text
    session_id = client.get_cookie("session").value
    assert secret not in session_id
    with app.app_context():
        stored_session = get_redis().hgetall(sessions.session_key(sessions.digest(session_id)))
    assert stored_session and secret not in json.dumps(stored_session)


def test_registration_stores_what_the_form_said(client, developer, app):
    client_id, _ = register_and_read(
        client, redirect_uris="https://a.example.com/cb\r\n\r\n  http://localhost:8080/cb "
    )
    stored = stored_client(app, client_id)
    assert stored["name"] == VALID_APP["name"]
    assert stored["owner_id"] == developer["id"]
    assert stored["redirect_uris"] == ["https://a.example.com/cb", "http://localhost:8080/cb"]
    assert stored["scopes"] == ["read:profile", "read:data"]
    assert stored["grant_types"] == ["authorization_code", "refresh_token"]


def test_post_logout_redirect_uris_are_optional_and_stored_as_given(client, developer, app):
    client_id, _ = register_and_read(client)
    assert stored_client(app, client_id)["post_logout_redirect_uris"] == []
    page = f"/developer/apps/{client_id}"
    uris = "https://acme.example.com/signed-out\r\n http://localhost:8080/bye "
    assert submit(client, page, data=settings_of(post_logout_redirect_uris=uris)).status_code == 302
    stored = stored_client(app, client_id)["post_logout_redirect_uris"]
    assert stored == ["https://acme.example.com/signed-out", "http://localhost:8080/bye"]
    assert "https://acme.example.com/signed-out" in client.get(page).text  # shown back in the settings form


def test_public_app_gets_a_client_id_and_no_secret(client, developer, app):
    response = register_app(client, client_type="public", redirect_uris="com.example.acme:/callback")
    assert response.status_code == 200
    client_id = credential(response.text, "client-id")
    assert credential(response.text, "client-secret") is None
    assert "PKCE" in response.text
    assert stored_client(app, client_id)["client_type"] == "public"
    assert stored_secrets(app, client_id) == []


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "   "}, "name", "Give the app a name."),
        ({"name": "x" * 81}, "name", "At most 80 characters."),
        ({"description": "x" * 501}, "description", "At most 500 characters."),
        ({"homepage_url": "ftp://acme.example.com"}, "homepage_url", "Enter a full http(s) address"),
        ({"homepage_url": "https://e.com/" + "x" * 2000}, "homepage_url", "At most 2000 characters."),
        ({"client_type": "robot"}, "client_type", "Choose confidential or public."),
        ({"redirect_uris": "http://acme.example.com/cb"}, "redirect_uris", "plain http is allowed only for localhost"),
        ({"redirect_uris": "http://localhost.evil.com/cb"}, "redirect_uris", "plain http is allowed only for"),
        ({"redirect_uris": "https://acme.example.com/cb#top"}, "redirect_uris", "must not contain a fragment"),
        ({"redirect_uris": "https://*.example.com/cb"}, "redirect_uris", "no spaces or wildcards"),
        ({"redirect_uris": "/callback"}, "redirect_uris", "must be an absolute URL"),
        ({"redirect_uris": "javascript:alert(1)"}, "redirect_uris", "use https, http on localhost, or a private-use"),
        ({"redirect_uris": "com.example.acme:/cb"}, "redirect_uris", "private-use schemes are for public"),
        ({"redirect_uris": "https://e.com/" + "x" * 2000}, "redirect_uris", "longer than 2000 characters"),
        (
            {"redirect_uris": "\n".join(f"https://acme.example.com/{i}" for i in range(11))},
            "redirect_uris",
            "At most 10 redirect URIs.",
        ),
        ({"redirect_uris": "https://a.example.com/cb\nhttps://a.example.com/cb"}, "redirect_uris", "only once"),
        ({"redirect_uris": ""}, "redirect_uris", "needs at least one redirect URI"),
        ({"post_logout_redirect_uris": "http://acme.example.com/bye"}, "post_logout_redirect_uris", "use https"),
        ({"post_logout_redirect_uris": "https://*.example.com/bye"}, "post_logout_redirect_uris", "wildcards"),
        (
            {"post_logout_redirect_uris": "https://a.example.com/bye\nhttps://a.example.com/bye"},
            "post_logout_redirect_uris",
            "only once",
        ),
        ({"scopes": []}, "scopes", "Choose at least one scope."),
        ({"scopes": ["read:profile", "admin:everything"]}, "scopes", "Unknown scope admin:everything."),
        ({"grant_types": []}, "grant_types", "Choose at least one grant type."),
        ({"grant_types": ["implicit"]}, "grant_types", "Unknown grant type implicit."),
        ({"grant_types": ["refresh_token"]}, "grant_types", "Refresh tokens come from the authorization code flow"),
        (
            {"client_type": "public", "grant_types": ["client_credentials"], "redirect_uris": ""},
            "grant_types",
            "only confidential apps may use them",
        ),
    ],
)
def test_invalid_registration_is_refused_with_its_message_next_to_the_field(
    client, developer, app, overrides, field, message
):
    response = register_app(client, **overrides)
    assert response.status_code == 400
    errors = response.text.split(f'id="{field}-errors"', 1)
    assert len(errors) == 2, f"no errors shown next to {field}"
    assert message in errors[1].split("</ul>", 1)[0]
    assert all_clients(app) == []


@pytest.mark.parametrize(
    ("client_type", "uri"),
    [
        ("confidential", "http://localhost:8080/callback"),
        ("confidential", "http://127.0.0.1/callback"),
        ("confidential", "http://[::1]:3000/callback"),
        ("public", "com.example.acme:/callback"),
        ("public", "https://spa.example.com/"),
    ],
)
def test_allowed_redirect_uris_are_registered(client, developer, app, client_type, uri):
    client_id, _ = register_and_read(client, client_type=client_type, redirect_uris=uri)
    assert stored_client(app, client_id)["redirect_uris"] == [uri]


def test_registration_form_labels_every_input(client, developer):
    page = client.get("/developer/apps/new").text
    for input_id in (
        "name",
        "description",
        "homepage_url",
        "redirect_uris",
        "post_logout_redirect_uris",
        "client_type-0",
        "scopes-0",
        "grant_types-0",
        "id_token_signed_response_alg",
    ):
        assert f'for="{input_id}"' in page
    assert "See your name and email address" in page  # scopes come with their descriptions


# The app page ----------------------------------------------------------------------


def test_settings_can_be_edited_and_the_change_is_audited(client, developer, app):
    client_id, _ = register_and_read(client)
    page = f"/developer/apps/{client_id}"
    changed = settings_of(name="Acme Sync 2", redirect_uris="https://acme.example.com/new", scopes=["read:data"])
    response = submit(client, page, data=changed)
    assert response.status_code == 302 and response.headers["Location"] == page
    stored = stored_client(app, client_id)
    assert (stored["name"], stored["redirect_uris"], stored["scopes"]) == (
        "Acme Sync 2",
        ["https://acme.example.com/new"],
        ["read:data"],
    )
    assert "Settings saved." in client.get(page).text
    assert audit_actions(app, client_id)[-1] == "app.updated"


def test_saving_unchanged_settings_writes_nothing(client, developer, app):
    client_id, _ = register_and_read(client)
    response = submit(client, f"/developer/apps/{client_id}", data=settings_of())
    assert response.status_code == 302
    assert "app.updated" not in audit_actions(app, client_id)


def test_invalid_edit_is_refused_and_nothing_changes(client, developer, app):
    client_id, _ = register_and_read(client)
    response = submit(client, f"/developer/apps/{client_id}", data=settings_of(redirect_uris="http://evil.example/cb"))
    assert response.status_code == 400
    assert "plain http is allowed only for localhost" in response.text
    assert stored_client(app, client_id)["redirect_uris"] == [VALID_APP["redirect_uris"]]


def test_app_page_shows_type_users_and_calls_against_the_limit(client, developer, app):
    client_id, _ = register_and_read(client)
    with app.app_context():
        r = get_redis()
        r.set(counter_key(client_id, window_index(r.time()[0])), 42)
    issue_user_token(app, stored_client(app, client_id), developer["id"], ["read:profile"])
    page = client.get(f"/developer/apps/{client_id}").text
    assert "42 of 1000 allowed calls served this hour" in page
    assert "<dt>Authorized users</dt><dd>1</dd>" in page
    assert "confidential" in page


# Secrets ---------------------------------------------------------------------------


def test_rotation_keeps_both_secrets_working_until_the_old_one_is_deleted(client, developer, app):
    client_id, old_secret = register_and_read(client)
    page = f"/developer/apps/{client_id}"

    response = submit(client, page, f"{page}/secrets")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    new_secret = credential(response.text, "client-secret")
    assert new_secret and new_secret != old_secret
    assert secret_works(client, client_id, old_secret) and secret_works(client, client_id, new_secret)
    assert new_secret not in client.get(page).text

    old_id = stored_secrets(app, client_id)[0]["id"]
    response = submit(client, page, f"{page}/secrets/{old_id}/delete", data={"confirm": "yes"})
    assert response.status_code == 302
    assert not secret_works(client, client_id, old_secret)
    assert secret_works(client, client_id, new_secret)
    assert audit_actions(app, client_id) == ["app.created", "secret.created", "secret.deleted"]


def test_the_only_secret_cannot_be_deleted(client, developer, app):
    client_id, secret = register_and_read(client)
    page = f"/developer/apps/{client_id}"
    only_id = stored_secrets(app, client_id)[0]["id"]
    response = submit(client, page, f"{page}/secrets/{only_id}/delete", data={"confirm": "yes"})
    assert "Generate a new one first" in response.text
    assert secret_works(client, client_id, secret)


def test_public_app_cannot_get_a_secret(client, developer, app):
    client_id, _ = register_and_read(client, client_type="public", redirect_uris="com.example.acme:/cb")
    page = f"/developer/apps/{client_id}"
    assert client.get(page).status_code == 200
    assert submit(client, page, f"{page}/secrets").status_code == 400
    assert stored_secrets(app, client_id) == []


# Deleting --------------------------------------------------------------------------


def test_deleting_an_app_asks_for_its_name_then_kills_every_token(client, developer, app):
    client_id, _ = register_and_read(client)
    user_token = issue_user_token(app, stored_client(app, client_id), developer["id"], ["read:profile"])
    app_token = issue_client_token(app, stored_client(app, client_id), ["read:data"])
    confirm = f"/developer/apps/{client_id}/delete"

    refused = submit(client, confirm, data={"confirm_name": "something else"})
    assert refused.status_code == 400
    assert "Type the app&#39;s name exactly" in refused.text
    assert stored_client(app, client_id) is not None and token_is_live(app, user_token)

    response = submit(client, confirm, data={"confirm_name": VALID_APP["name"]})
    assert response.status_code == 302 and response.headers["Location"] == "/developer/apps"
    assert stored_client(app, client_id) is None
    assert not token_is_live(app, user_token) and not token_is_live(app, app_token)
    assert "every token and grant it had was revoked" in client.get("/developer/apps").text
    assert audit_actions(app, client_id)[-1] == "app.deleted"


# Another developer's app -----------------------------------------------------------

OWNED_ROUTES = [
    ("get", "/developer/apps/{id}"),
    ("post", "/developer/apps/{id}"),
    ("post", "/developer/apps/{id}/secrets"),
    ("get", "/developer/apps/{id}/secrets/{secret_id}/delete"),
    ("post", "/developer/apps/{id}/secrets/{secret_id}/delete"),
    ("get", "/developer/apps/{id}/delete"),
    ("post", "/developer/apps/{id}/delete"),
    ("get", "/developer/apps/{id}/quickstart"),
    ("get", "/developer/apps/{id}/audit"),
]


@pytest.mark.parametrize("role", ["user", "admin"])
@pytest.mark.parametrize(("method", "route"), OWNED_ROUTES)
def test_another_developers_app_is_not_found(client, auth, app, role, method, route):
    auth.sign_in_as("owner@example.com")
    client_id, secret = register_and_read(client)
    submit(client, f"/developer/apps/{client_id}", f"/developer/apps/{client_id}/secrets")
    secrets_before = stored_secrets(app, client_id)
    auth.sign_in_as("intruder@example.com", role=role)
    token = csrf_token(client.get("/developer/apps/new").text)

    path = route.format(id=client_id, secret_id=secrets_before[0]["id"])
    data = {**settings_of(name="Hijacked"), "confirm_name": VALID_APP["name"], "confirm": "yes", "csrf_token": token}
    response = client.get(path) if method == "get" else client.post(path, data=data)

    assert response.status_code == 404
    assert VALID_APP["name"] not in response.text
    assert stored_client(app, client_id)["name"] == VALID_APP["name"]
    assert stored_secrets(app, client_id) == secrets_before
    assert secret_works(client, client_id, secret)


# CSRF ------------------------------------------------------------------------------

POST_FORMS = [
    ("/developer/apps/new", VALID_APP),
    ("/developer/apps/{id}", settings_of(name="Changed")),
    ("/developer/apps/{id}/secrets", {}),
    ("/developer/apps/{id}/secrets/{secret_id}/delete", {"confirm": "yes"}),
    ("/developer/apps/{id}/delete", {"confirm_name": VALID_APP["name"]}),
]


@pytest.mark.parametrize(("route", "data"), POST_FORMS)
def test_post_without_csrf_token_is_refused(client, developer, app, route, data):
    client_id, _ = register_and_read(client)
    submit(client, f"/developer/apps/{client_id}", f"/developer/apps/{client_id}/secrets")
    secrets_before = stored_secrets(app, client_id)
    audit_before = audit_actions(app)

    response = client.post(route.format(id=client_id, secret_id=secrets_before[0]["id"]), data=data)

    assert response.status_code == 400
    assert "CSRF" in response.text
    assert stored_client(app, client_id)["name"] == VALID_APP["name"]
    assert stored_secrets(app, client_id) == secrets_before
    assert audit_actions(app) == audit_before


# Quickstart ------------------------------------------------------------------------


def test_quickstart_is_filled_in_with_this_apps_details(client, developer):
    client_id, _ = register_and_read(client, redirect_uris="https://acme.example.com/cb?x=1\nhttps://b.example.com/cb")
    page = client.get(f"/developer/apps/{client_id}/quickstart").text
    assert f"CLIENT_ID={client_id}\nREDIRECT_URI=&#39;https://acme.example.com/cb?x=1&#39;" in page
    assert "http://localhost/oauth/authorize?response_type=code&amp;client_id=" + client_id in page
    assert "redirect_uri=https%3A%2F%2Facme.example.com%2Fcb%3Fx%3D1" in page
    assert "code_challenge_method=S256" in page
    assert "openssl dgst -sha256" in page
    assert "grant_type=authorization_code" in page and "grant_type=refresh_token" in page
    assert "http://localhost/oauth/token" in page
    assert "Authorization: Bearer $ACCESS_TOKEN" in page and "http://localhost/api/v1/me" in page
    assert "http://localhost/.well-known/oauth-authorization-server" in page


def test_quickstart_names_every_endpoint_of_the_metadata_document(client, developer):
    client_id, _ = register_and_read(client)
    page = client.get(f"/developer/apps/{client_id}/quickstart").text
    document = client.get("/.well-known/oauth-authorization-server").json
    for name, value in document.items():
        if name.endswith("_endpoint") or name == "service_documentation":
            assert f"<code>{value}</code>" in page, name


def test_the_quickstart_signs_in_with_the_configured_platform_name(store_urls):
    acme = make_app(store_urls, PLATFORM_NAME="Acme Cloud")
    client = acme.test_client()
    AuthActions(client, acme).sign_in_as("dev@example.com")
    client_id, _ = register_and_read(client, scopes=["openid", "read:profile"])
    page = client.get(f"/developer/apps/{client_id}/quickstart").text
    assert "<h2>5. Sign in with Acme Cloud</h2>" in page
    assert "Platform Accounts" not in page.split("<main", 1)[1].split("</main>", 1)[0]


# Status and activity ---------------------------------------------------------------


def test_suspended_app_shows_the_admins_reason_to_its_developer(client, developer, app):
    client_id, _ = register_and_read(client)
    with app.app_context():
        clients.set_suspended(postgres.get_connection(), get_redis(), TEST_ACTOR, client_id, True, "Scraping users")
    page = client.get(f"/developer/apps/{client_id}").text
    assert "Suspended by an administrator" in page and "Scraping users" in page
    assert "suspended" in client.get("/developer/apps").text


def test_developer_sees_the_activity_of_their_app_without_other_peoples_details(client, auth, app):
    auth.sign_in_as("dev@example.com")
    client_id, _ = register_and_read(client)
    end_user = create_user(app, email="enduser@example.com")
    actor = Actor(end_user["id"], "enduser@example.com", "203.0.113.9")
    with app.app_context():
        grants.grant_scopes(postgres.get_connection(), actor, end_user["id"], client_id, ["read:profile"])
    for path in (f"/developer/apps/{client_id}", f"/developer/apps/{client_id}/audit"):
        page = client.get(path).text
        assert "App registered" in page and "Access allowed" in page
        assert "enduser@example.com" not in page and "203.0.113.9" not in page


def test_reloading_the_credentials_page_does_not_register_a_second_app(client, auth, app):

    auth.sign_in_as("dev@example.com")
    page = client.get("/developer/apps/new")
    hidden = form_fields(page.text)
    assert hidden["submission_id"]
    first = client.post("/developer/apps/new", data={**VALID_APP, **hidden})
    again = client.post("/developer/apps/new", data={**VALID_APP, **hidden})  # the browser re-sends it
    assert first.status_code == 200 and 'id="client-secret"' in first.text
    assert again.status_code == 302 and again.headers["Location"] == "/developer/apps"
    assert "sent already" in client.get("/developer/apps").text
    with app.app_context(), postgres.get_connection().cursor() as cur:
        cur.execute("SELECT count(*) AS n FROM clients")
        assert cur.fetchone()["n"] == 1
    fresh = form_fields(client.get("/developer/apps/new").text)
    assert fresh["submission_id"] != hidden["submission_id"]
    assert client.post("/developer/apps/new", data={**VALID_APP, **fresh}).status_code == 200


def test_calls_this_hour_count_in_the_window_the_api_enforces(app, store_urls):
    """With a non-default window the portal must read the counter the guard writes."""
    half_hour = make_app(store_urls, RATE_LIMIT_WINDOW_SECONDS=1800)
    client = half_hour.test_client()
    issued = user_with_token(half_hour, "owner@example.com", ["read:profile"], rate_limit=50)
    for _ in range(3):
        assert client.get("/api/v1/me", headers=issued.headers).status_code == 200
    AuthActions(client, half_hour).login(email="owner@example.com")
    assert "3 of 50" in client.get("/developer/apps").text


def test_id_token_signing_is_rs256_unless_the_form_chooses_es256(client, developer, app):
    default_id, _ = register_and_read(client)
    assert stored_client(app, default_id)["id_token_signed_response_alg"] == "RS256"
    es256_id, _ = register_and_read(client, name="Acme Sign-in", id_token_signed_response_alg="ES256")
    assert stored_client(app, es256_id)["id_token_signed_response_alg"] == "ES256"
    page = f"/developer/apps/{default_id}"
    assert submit(client, page, data=settings_of(id_token_signed_response_alg="ES256")).status_code == 302
    assert stored_client(app, default_id)["id_token_signed_response_alg"] == "ES256"
    assert '<option selected value="ES256">' in client.get(page).text  # shown back in the settings select


@pytest.mark.parametrize("alg", ["none", "HS256", "RS512"])
def test_the_forms_refuse_an_id_token_algorithm_other_than_rs256_or_es256(client, developer, app, alg):
    refused = register_app(client, id_token_signed_response_alg=alg)
    assert refused.status_code == 400 and all_clients(app) == []
    client_id, _ = register_and_read(client)
    page = f"/developer/apps/{client_id}"
    for response in (refused, submit(client, page, data=settings_of(id_token_signed_response_alg=alg))):
        errors = response.text.split('id="id_token_signed_response_alg-errors"', 1)
        assert len(errors) == 2, "no error shown next to the algorithm"
        assert "RS256 or ES256" in errors[1].split("</ul>", 1)[0]
    assert stored_client(app, client_id)["id_token_signed_response_alg"] == "RS256"
