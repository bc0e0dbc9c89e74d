"""Leaked credentials from the finder's and the prober's side: POST /oauth/leaked, and tokens put in URLs.

A real token reported is dead at once; a made-up one gets the same answer,
so the endpoint is no oracle; a secret is flagged, not broken; an address
cannot report without end; and a token that appears in a URL is revoked.
"""

from urllib.parse import quote

import pytest

from oauth import credentials
from stores.postgres import get_connection
from tests.support.accounts import create_user
from tests.support.api import Issued, issue_user_token
from tests.support.oauth import OWNER_EMAIL, bearer, refresh, register_client, secret_works

LEAKED = "/oauth/leaked"
REPORTER = {"REMOTE_ADDR": "203.0.113.9"}
USER_EMAIL = "victim@example.com"


@pytest.fixture
def app_and_secret(app):
    return register_client(app)


@pytest.fixture
def issued(app, app_and_secret) -> Issued:
    """A person's live access and refresh token for the registered app."""
    user = create_user(app, USER_EMAIL)
    return issue_user_token(app, app_and_secret[0], user["id"], ["read:profile"])


def report(http, found: list[str], environ: dict | None = None):
    return http.post(LEAKED, json={"credentials": found}, environ_base=environ or REPORTER)


def made_up(prefix: str) -> str:
    """A token of the right shape and checksum that this server never issued."""
    return credentials.new_secret(prefix)


def audit_rows(app, action: str) -> list[dict]:
    with app.app_context(), get_connection().cursor() as cur:
        cur.execute("SELECT * FROM audit_log WHERE action = %(a)s ORDER BY id", {"a": action})
        return cur.fetchall()


def test_a_reported_access_token_stops_working_at_once(client, issued):
    assert client.get("/api/v1/me", headers=bearer(issued.access_token)).status_code == 200
    response = report(client, [issued.access_token])
    assert response.status_code == 202
    assert response.get_json() == {"revoked": 1}
    assert client.get("/api/v1/me", headers=bearer(issued.access_token)).status_code == 401


def test_a_reported_refresh_token_ends_its_whole_family(client, issued, app_and_secret):
    registered, secret = app_and_secret
    assert report(client, [issued.refresh_token]).get_json() == {"revoked": 1}
    refused = refresh(client, registered, secret, issued.refresh_token)
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "invalid_grant"
    # The access token issued with it goes too.
    assert client.get("/api/v1/me", headers=bearer(issued.access_token)).status_code == 401


@pytest.mark.parametrize(
    "fakes",
    [
        [made_up(credentials.ACCESS_TOKEN_PREFIX)],
        [made_up(credentials.REFRESH_TOKEN_PREFIX)],
        ["paat_not-even-well-formed"],
    ],
    ids=["well-formed access token", "well-formed refresh token", "malformed"],
)
def test_a_made_up_token_gets_the_same_answer_as_a_real_one(client, issued, fakes):
    made_up_answer = report(client, fakes)
    real_answer = report(client, [issued.access_token])
    assert (made_up_answer.status_code, made_up_answer.get_json()) == (real_answer.status_code, real_answer.get_json())
    assert made_up_answer.get_json() == {"revoked": 1}


def test_a_mixed_list_answers_as_if_every_token_were_real_and_revokes_the_real_ones(app, client, issued):
    found = [made_up(credentials.ACCESS_TOKEN_PREFIX), issued.access_token, "part_junk", "not ours at all"]
    response = report(client, found)
    assert response.status_code == 202
    assert response.get_json() == {"revoked": 3}  # the three in our tokens' form; which were real is not said
    assert client.get("/api/v1/me", headers=bearer(issued.access_token)).status_code == 401
    assert len(audit_rows(app, "token.leaked")) == 1  # only the real one left a trace


def test_reporting_the_same_token_again_writes_no_more_audit_rows(app, client, issued):
    for _ in range(3):
        assert report(client, [issued.access_token, issued.access_token]).get_json() == {"revoked": 1}
    assert len(audit_rows(app, "token.leaked")) == 1


def test_the_revocation_is_recorded_for_the_app_and_the_user_without_the_reporter(app, client, issued):
    report(client, [issued.refresh_token])
    [row] = audit_rows(app, "token.leaked")
    assert row["client_id"] == issued.client_id
    assert row["subject_user_id"] == issued.user_id
    assert row["actor_label"] == "leak report"
    assert row["ip_address"] == REPORTER["REMOTE_ADDR"]  # for administrators
    assert row["details"]["token"] == "refresh token" and row["details"]["family"]
    assert issued.refresh_token not in str(row["details"])  # only its recognisable first characters


def test_more_than_a_hundred_credentials_is_a_400(client, issued):
    found = [issued.access_token] + [made_up(credentials.ACCESS_TOKEN_PREFIX) for _ in range(100)]
    response = report(client, found)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
    assert client.get("/api/v1/me", headers=bearer(issued.access_token)).status_code == 200  # nothing was done


def test_a_hundred_credentials_are_accepted(client):
    found = [made_up(credentials.ACCESS_TOKEN_PREFIX) for _ in range(100)]
    assert report(client, found).get_json() == {"revoked": 100}


@pytest.mark.parametrize(
    "body",
    [
        {"json": {"credentials": "paat_x"}},
        {"json": {"credentials": [1, 2]}},
        {"json": {"credentials": []}},
        {"json": {"tokens": ["paat_x"]}},
        {"json": ["paat_x"]},
        {"data": "credentials=paat_x", "content_type": "application/x-www-form-urlencoded"},
        {"data": '{"credentials": [', "content_type": "application/json"},
    ],
    ids=["not a list", "not strings", "empty", "no credentials field", "not an object", "a form", "broken JSON"],
)
def test_a_malformed_report_is_a_400_json_error(client, body):
    response = client.post(LEAKED, environ_base=REPORTER, **body)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_one_address_may_report_sixty_times_an_hour(client):
    fake = [made_up(credentials.ACCESS_TOKEN_PREFIX)]
    for _ in range(60):
        assert report(client, fake).status_code == 202
    limited = report(client, fake)
    assert limited.status_code == 429
    assert limited.get_json()["error"] == "too_many_requests"
    assert 0 < int(limited.headers["Retry-After"]) <= 3600
    # Counted per address: another one is not held back.
    assert report(client, fake, {"REMOTE_ADDR": "198.51.100.20"}).status_code == 202


def test_the_endpoint_needs_no_session_no_csrf_and_sets_no_cookie(client):
    response = report(client, [made_up(credentials.ACCESS_TOKEN_PREFIX)])
    assert response.status_code == 202
    assert "Set-Cookie" not in response.headers


def test_the_endpoint_is_not_advertised_in_the_rfc_8414_document(client):
    document = client.get("/.well-known/oauth-authorization-server").get_json()
    assert not any("leaked" in str(value) for value in document.values())


# Client secrets -----------------------------------------------------------------


def test_a_reported_secret_keeps_working_and_is_flagged_to_its_developer(app, client, auth, app_and_secret):
    registered, secret = app_and_secret
    assert report(client, [secret]).get_json() == {"revoked": 0}  # a secret is no token: not counted, not revoked
    assert secret_works(client, registered["client_id"], secret)

    [row] = audit_rows(app, "secret.leaked")
    assert row["client_id"] == registered["client_id"]
    assert secret not in str(row["details"])

    auth.login(OWNER_EMAIL, "developer password")
    page = client.get(f"/developer/apps/{registered['client_id']}").text
    assert "reported leaked" in page
    assert "generate a new secret" in page


def test_a_secret_reported_twice_is_recorded_once(app, client, app_and_secret):
    _, secret = app_and_secret
    report(client, [secret])
    report(client, [secret], {"REMOTE_ADDR": "198.51.100.20"})
    assert len(audit_rows(app, "secret.leaked")) == 1


def test_a_made_up_secret_touches_nothing(app, client, app_and_secret):
    registered, secret = app_and_secret
    assert report(client, [made_up(credentials.CLIENT_SECRET_PREFIX)]).get_json() == {"revoked": 0}
    assert audit_rows(app, "secret.leaked") == []


# Tokens in URLs ----------------------------------------------------------------


def test_an_access_token_in_an_api_url_is_refused_and_revoked(app, client, issued):
    response = client.get(f"/api/v1/me?access_token={issued.access_token}")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
    assert "revoked" in response.get_json()["error_description"]
    # The same token, now sent properly, no longer works: it was in a URL, so in logs and histories.
    assert client.get("/api/v1/me", headers=bearer(issued.access_token)).status_code == 401
    [row] = audit_rows(app, "token.leaked")
    assert row["actor_label"] == "token in a URL"


@pytest.mark.parametrize(
    "url",
    [
        "/login?refresh_token={token}",
        "/oauth/token?grant_type=refresh_token&refresh_token={token}",
        "/no-such-page?t={token}",
        "/login?next=" + quote("/api/v1/me?refresh_token={token}", safe="{}"),
    ],
    ids=["a page", "the token endpoint", "an unknown path", "inside another parameter"],
)
def test_a_refresh_token_in_any_url_is_revoked_with_its_family(client, issued, app_and_secret, url):
    registered, secret = app_and_secret
    client.open(url.format(token=issued.refresh_token), method="POST" if "/oauth/token" in url else "GET")
    assert refresh(client, registered, secret, issued.refresh_token).status_code == 400
    assert client.get("/api/v1/me", headers=bearer(issued.access_token)).status_code == 401


def test_a_query_without_tokens_touches_no_token(client, issued):
    client.get("/login?next=/developer/apps&x=paat_short")
    assert client.get("/api/v1/me", headers=bearer(issued.access_token)).status_code == 200


# What the developer sees -----------------------------------------------------------


def test_the_developer_sees_the_revocation_on_the_activity_tab_by_user_id_only(app, client, auth, issued):
    report(client, [issued.access_token])
    auth.login(OWNER_EMAIL, "developer password")
    page = client.get(f"/developer/apps/{issued.client_id}/audit").text
    assert "Leaked token revoked" in page
    assert "a leak report" in page
    assert f"user {issued.user_id}" in page
    assert USER_EMAIL not in page
    assert REPORTER["REMOTE_ADDR"] not in page
