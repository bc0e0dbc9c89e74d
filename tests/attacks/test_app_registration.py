"""Registering an app as a hostile developer: hosts that break later pages, names passing for the platform, too many.

Each host below used to be accepted (or a 500) and then made every redirect
to it a 500, or a redirect to another host; each is now a clear field error
in the new-app form, the settings form and the CLI alike.
"""

import json

import pytest

from oauth import clients
from stores.postgres import get_connection
from stores.redis_client import get_redis
from tests.support.accounts import create_user
from tests.support.oauth import authorize_url, decide, pkce_pair, register_client
from tests.support.portal import TEST_ACTOR, VALID_APP, register_and_read, register_app, settings_of, submit

BAD_REDIRECT_URIS = [
    "https://a..b/callback",
    "https://" + "a" * 64 + ".example/callback",
    "https://" + ".".join(["a" * 63] * 4) + "/callback",
    "https://exa\uff0fmple.com/callback",  # a full-width slash in the host
    "https://straße.example/callback",  # strasse.example once Werkzeug encodes it
    "https://my_app.example/callback",
]
BAD_HOMEPAGES = ["http://[x", "https://exa\uff0fmple.com", "https://a..b", "https://" + "a" * 64 + ".example"]
BAD_HOSTS = [("redirect_uris", uri) for uri in BAD_REDIRECT_URIS] + [("homepage_url", url) for url in BAD_HOMEPAGES]
HOST_IDS = ["double dot", "64-char label", "over 253", "full-width slash", "eszett", "underscore"] + [
    "homepage unclosed ipv6",
    "homepage full-width slash",
    "homepage double dot",
    "homepage 64-char label",
]
IMITATIONS = [
    "Platform Accounts Security Check",
    "Official: verify your account",
    "PLATFORM-ACCOUNTS",
    "P1atform Acc0unts Billing",
    "Pl\u0430tform Accounts",  # a Cyrillic а
    "Account Support Team",
]


@pytest.fixture
def developer(auth) -> dict:
    return auth.sign_in_as("dev@example.com")


def field_errors(html: str, field: str) -> str:
    parts = html.split(f'id="{field}-errors"', 1)
    assert len(parts) == 2, f"no errors shown next to {field}"
    return parts[1].split("</ul>", 1)[0]


def cli_create(runner, **options) -> tuple[int, str, str]:
    args = ["clients", "create", "--owner", "dev@example.com", "--type", "confidential", "--scope", "read:data"]
    options = {"name": VALID_APP["name"], "redirect-uri": "https://a.example/cb", **options}
    for name, value in options.items():
        args += [f"--{name}", value]
    result = runner.invoke(args=args)
    return result.exit_code, result.stdout, result.stderr


def owned_apps(app, owner_id: int) -> int:
    with app.app_context():
        return clients.count_owned_clients(get_connection(), owner_id)


# Hosts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "value"), BAD_HOSTS, ids=HOST_IDS)
def test_a_bad_host_is_a_field_error_on_the_new_app_form(client, app, developer, field, value):
    response = register_app(client, **{field: value})
    assert response.status_code == 400
    assert field_errors(response.text, field)
    assert owned_apps(app, developer["id"]) == 0


@pytest.mark.parametrize(("field", "value"), BAD_HOSTS, ids=HOST_IDS)
def test_a_bad_host_is_a_field_error_on_the_settings_form(client, developer, field, value):
    client_id, _ = register_and_read(client)
    response = submit(client, f"/developer/apps/{client_id}", data=settings_of(**{field: value}))
    assert response.status_code == 400
    assert field_errors(response.text, field)


@pytest.mark.parametrize(("field", "value"), BAD_HOSTS, ids=HOST_IDS)
def test_a_bad_host_is_a_json_error_in_the_cli(app, runner, field, value):
    create_user(app, "dev@example.com", role="developer")
    option = "redirect-uri" if field == "redirect_uris" else "homepage-url"
    exit_code, stdout, stderr = cli_create(runner, **{option: value})
    assert (exit_code, stdout) == (1, "")
    assert json.loads(stderr)["error"]


# Names that pass for the platform --------------------------------------------------------


@pytest.mark.parametrize("name", IMITATIONS)
def test_a_name_that_claims_the_platforms_authority_is_refused(client, app, developer, name):
    response = register_app(client, name=name)
    assert response.status_code == 400
    assert field_errors(response.text, "name")
    assert owned_apps(app, developer["id"]) == 0


@pytest.mark.parametrize("name", IMITATIONS)
def test_an_app_cannot_be_renamed_to_pass_for_the_platform(client, app, developer, name):
    client_id, _ = register_and_read(client)
    response = submit(client, f"/developer/apps/{client_id}", data=settings_of(name=name))
    assert response.status_code == 400
    assert field_errors(response.text, "name")


def test_the_form_says_which_names_are_refused(client, developer):
    page = client.get("/developer/apps/new").text
    assert "may not contain “Platform Accounts”" in page


def test_the_operator_may_register_the_platforms_own_app_under_its_name(app, runner):
    create_user(app, "dev@example.com", role="developer")
    exit_code, stdout, _ = cli_create(runner, name="Platform Accounts Billing")
    assert exit_code == 0
    assert json.loads(stdout)["name"] == "Platform Accounts Billing"


# Apps per developer ----------------------------------------------------------------------


def test_the_21st_app_of_a_developer_is_refused(client, app, developer):
    for number in range(20):
        register_client(app, owner_email="dev@example.com", name=f"App {number}")
    page = client.get("/developer/apps/new")
    assert "as many as one developer may register" in page.text  # said before the form is filled in
    response = register_app(client)
    assert response.status_code == 403
    assert "You have 20 apps" in response.text
    assert owned_apps(app, developer["id"]) == 20


def test_the_cap_is_checked_as_the_app_is_stored(app, developer):
    for number in range(3):
        register_client(app, owner_email="dev@example.com", name=f"App {number}")
    with app.app_context(), pytest.raises(clients.AppLimitReached):
        clients.create_client(
            get_connection(), get_redis(), TEST_ACTOR, owner_id=developer["id"], max_apps=3, **_fields()
        )
    assert owned_apps(app, developer["id"]) == 3


def test_a_deleted_app_makes_room_again(client, app, developer, monkeypatch):
    monkeypatch.setitem(app.config, "APPS_PER_DEVELOPER", 1)
    first, _ = register_and_read(client)
    assert register_app(client).status_code == 403
    response = submit(client, f"/developer/apps/{first}/delete", data={"confirm_name": VALID_APP["name"]})
    assert response.status_code == 302
    assert register_app(client).status_code == 200


def test_the_operator_is_not_held_to_the_cap(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "APPS_PER_DEVELOPER", 1)
    create_user(app, "dev@example.com", role="developer")
    assert [cli_create(runner)[0] for _ in range(2)] == [0, 0]


def _fields() -> dict:
    return {
        "name": "One Too Many",
        "client_type": "public",
        "redirect_uris": ["https://a.example/cb"],
        "scopes": ["read:data"],
        "grant_types": ["authorization_code"],
    }


@pytest.mark.parametrize("legacy_uri", ["https://a..b/cb", f"https://{'a' * 64}.example/cb"])
def test_a_redirect_uri_stored_before_the_host_rules_gets_a_page_not_a_500(app, client, auth, legacy_uri):
    registered, _secret = register_client(app)
    with app.app_context():
        conn = get_connection()
        with conn.cursor() as cur:  # as an older release stored it, past today's rules
            cur.execute(
                "UPDATE clients SET redirect_uris = ARRAY[%(uri)s] WHERE client_id = %(id)s",
                {"uri": legacy_uri, "id": registered["client_id"]},
            )
        conn.commit()
    legacy = {**registered, "redirect_uris": [legacy_uri]}
    auth.sign_in_as()
    _verifier, challenge = pkce_pair()
    consent = client.get(authorize_url(legacy, code_challenge=challenge))
    assert consent.status_code == 200
    answer = decide(client, consent.text)
    assert answer.status_code == 400
    assert "not a valid host name" in answer.text
    refused = client.get(authorize_url(legacy, code_challenge=challenge, scope="no-such-scope"))  # an error redirect
    assert refused.status_code == 400 and "Location" not in refused.headers
