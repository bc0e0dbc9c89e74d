"""Seven server errors a fuzzing campaign found, each pinned by the request that caused it.

Every one of these was a 500 (and, for odd session contents, a failing
error page too); each must now be the clear 4xx, or the signed-out page,
that the same request without the oddity gets.
"""

import json

import pytest

from oauth import credentials
from tests.support.accounts import create_user
from tests.support.oauth import basic_auth, register_client
from tests.support.portal import VALID_APP, register_and_read, register_app, settings_of, stored_client, submit

NON_ASCII_CHECKSUM = "éééééé"
MACHINE_ENDPOINTS = ["/oauth/token", "/oauth/revoke", "/oauth/introspect"]


def with_non_ascii_checksum(prefix: str) -> str:
    """A credential of the right type and length whose checksum (its last six characters) is not ASCII."""
    return credentials.new_secret(prefix)[: -len(NON_ASCII_CHECKSUM)] + NON_ASCII_CHECKSUM


@pytest.fixture
def confidential(app) -> tuple[dict, str]:
    return register_client(app)


# 1. A credential whose checksum is not ASCII ------------------------------------------


@pytest.mark.parametrize("path", MACHINE_ENDPOINTS)
@pytest.mark.parametrize("how", ["form", "basic"])
def test_a_client_secret_with_a_non_ascii_checksum_is_invalid_client(client, confidential, path, how):
    registered, secret = confidential
    forged = secret[: -len(NON_ASCII_CHECKSUM)] + NON_ASCII_CHECKSUM
    data = {"grant_type": "client_credentials", "token": "x"}
    if how == "form":
        response = client.post(path, data={**data, "client_id": registered["client_id"], "client_secret": forged})
    else:  # percent-encoded in the Basic header, as RFC 6749 §2.3.1 has it
        response = client.post(path, data=data, headers=basic_auth(registered["client_id"], forged))
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_revoking_a_token_with_a_non_ascii_checksum_is_a_quiet_200(client, confidential):
    registered, secret = confidential
    for prefix in (credentials.ACCESS_TOKEN_PREFIX, credentials.REFRESH_TOKEN_PREFIX):
        headers = basic_auth(registered["client_id"], secret)
        response = client.post("/oauth/revoke", data={"token": with_non_ascii_checksum(prefix)}, headers=headers)
        assert response.status_code == 200


def test_introspecting_a_token_with_a_non_ascii_checksum_is_inactive(client, confidential):
    registered, secret = confidential
    for prefix in (credentials.ACCESS_TOKEN_PREFIX, credentials.REFRESH_TOKEN_PREFIX):
        token = with_non_ascii_checksum(prefix)
        headers = basic_auth(registered["client_id"], secret)
        response = client.post("/oauth/introspect", data={"token": token}, headers=headers)
        assert response.status_code == 200
        assert response.get_json() == {"active": False}


@pytest.mark.parametrize(
    ("grant_type", "parameter", "prefix"),
    [
        ("authorization_code", "code", credentials.CODE_PREFIX),
        ("refresh_token", "refresh_token", credentials.REFRESH_TOKEN_PREFIX),
    ],
)
def test_a_code_or_refresh_token_with_a_non_ascii_checksum_is_invalid_grant(
    client, confidential, grant_type, parameter, prefix
):
    registered, secret = confidential
    data = {"grant_type": grant_type, parameter: with_non_ascii_checksum(prefix)}
    data["redirect_uri"] = registered["redirect_uris"][0]
    response = client.post("/oauth/token", data=data, headers=basic_auth(registered["client_id"], secret))
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_credentials_outside_ascii_are_unequal_rather_than_an_error():
    assert not credentials.is_well_formed(with_non_ascii_checksum(credentials.ACCESS_TOKEN_PREFIX), "paat_")
    assert not credentials.equal("abcdef", NON_ASCII_CHECKSUM)
    assert credentials.equal("abcdef", "abcdef")


# 2. OPTIONS on a page behind a sign-in guard ------------------------------------------


GUARDED_PAGES = ["/admin", "/admin/audit", "/admin/apps/pa_client_x", "/developer/apps", "/account/apps"]


@pytest.mark.parametrize("path", GUARDED_PAGES)
def test_options_on_a_guarded_page_signed_out_is_answered_with_allow(client, app, path):
    response = client.open(path, method="OPTIONS")
    assert response.status_code == 200
    assert "GET" in response.headers["Allow"]


def test_options_on_every_route_is_never_a_server_error(client, app, auth):
    paths = sorted({_example_path(rule.rule) for rule in app.url_map.iter_rules()})
    for signed_in in (False, True):
        if signed_in:
            auth.sign_in_as()
        for path in paths:
            response = client.open(path, method="OPTIONS")
            assert response.status_code < 500, (path, signed_in, response.status_code)


def _example_path(rule: str) -> str:
    """A concrete path for a URL rule: each <variable> filled with a plausible value."""
    parts = rule.replace(">", "<").split("<")
    return "".join("1" if index % 2 else part for index, part in enumerate(parts))


# 3. An unclosed IPv6 literal in the homepage URL ---------------------------------------

UNCLOSED_IPV6 = ["https://[::1", "http://["]


@pytest.fixture
def developer(auth):
    return auth.sign_in_as("dev@example.com")


def field_errors(html: str, field: str) -> str:
    parts = html.split(f'id="{field}-errors"', 1)
    assert len(parts) == 2, f"no errors shown next to {field}"
    return parts[1].split("</ul>", 1)[0]


@pytest.mark.parametrize("homepage_url", UNCLOSED_IPV6)
def test_an_unclosed_ipv6_homepage_is_a_field_error_on_the_new_app_form(client, developer, homepage_url):
    response = register_app(client, homepage_url=homepage_url)
    assert response.status_code == 400
    assert field_errors(response.text, "homepage_url")


@pytest.mark.parametrize("homepage_url", UNCLOSED_IPV6)
def test_an_unclosed_ipv6_homepage_is_a_field_error_on_the_settings_form(client, developer, homepage_url):
    client_id, _ = register_and_read(client)
    response = submit(client, f"/developer/apps/{client_id}", data=settings_of(homepage_url=homepage_url))
    assert response.status_code == 400
    assert field_errors(response.text, "homepage_url")


def test_an_unclosed_ipv6_homepage_is_a_json_error_in_the_cli(app, runner):
    create_user(app, "dev@example.com", role="developer")
    result = runner.invoke(
        args=["clients", "create", "--owner", "dev@example.com", "--name", VALID_APP["name"]]
        + ["--type", "confidential", "--redirect-uri", "https://a.example/cb", "--scope", "read:data"]
        + ["--homepage-url", "https://[::1"]
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "http(s) address" in json.loads(result.stderr)["error"]


# 4. A rate limit too big for a float ------------------------------------------------------


def test_a_rate_limit_of_310_digits_is_out_of_range(client, app, admin):
    registered, _ = register_client(app)
    page = f"/admin/apps/{registered['client_id']}"
    response = submit(client, page, f"{page}/rate-limit", data={"rate_limit": "1" + "0" * 309})
    assert response.status_code == 400
    assert "Between 1 and 10,000,000" in response.text


@pytest.mark.parametrize("value", ["١٢", "1_000", "1e3", "0x10", "9" * 5000])
def test_a_rate_limit_is_read_from_ascii_digits_only(client, app, admin, value):
    registered, _ = register_client(app, rate_limit=1000)
    page = f"/admin/apps/{registered['client_id']}"
    response = submit(client, page, f"{page}/rate-limit", data={"rate_limit": value})
    assert response.status_code == 400
    assert "Between 1 and 10,000,000" in response.text or "Not a valid integer value." in response.text
    assert stored_client(app, registered["client_id"])["rate_limit"] == 1000


# 5-7. A session holding values of a shape this app never writes ---------------------------


@pytest.mark.parametrize(
    "contents",
    [
        {"_user_id": ""},
        {"_user_id": ["1"]},
        {"_user_id": "1" * 40},
        {"_user_id": {"id": 1}},
        {"_flashes": [["a"]]},
        {"_flashes": [["a", "b", "c"]]},
        {"_flashes": [[1, 2]]},
        {"_flashes": "message"},
        {"_flashes": 7},
        {"_flashes": {"a": "b"}},
        {"_user_id": "1", "_remember": "set", "_remember_seconds": "1"},
        {"_user_id": "1", "_remember": "set", "_remember_seconds": 10**30},
        {"_user_id": "1", "_remember": "set", "_remember_seconds": float("nan")},
        {"_user_id": ["9" * 10_000], "_remember": "set"},  # found by the fuzz suite: a 10 KB cookie
    ],
    ids=lambda contents: repr(contents)[:80],
)
def test_a_session_holding_values_of_another_shape_reads_as_signed_out(client, app, contents):
    with client.session_transaction() as session:
        session.update(contents)
    home = client.get("/")
    assert home.status_code == 200
    assert "Sign in" in home.text
    assert client.get("/developer/apps").status_code == 302
    assert client.get("/no/such/page").status_code == 404  # the error page renders too
    assert client.get_cookie("remember_token") is None  # nobody signs in with remember-me here


def test_a_well_formed_flash_still_shows(client, app):
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Saved.")]
    assert "Saved." in client.get("/").text
