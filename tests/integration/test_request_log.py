"""One log line per request, a request ID on every response, and nothing secret in what the server writes."""

import json
import logging
import re

import pytest

from accounts.links import VERIFY_EMAIL
from oauth import credentials
from tests.support.accounts import USER_PASSWORD, AuthActions, csrf_token
from tests.support.apps import make_app
from tests.support.lifecycle import change_password, confirm_email, forgot_password, reset_password
from tests.support.mail import drain, link_in, token_of
from tests.support.oauth import bearer, get_tokens, introspect, refresh, revoke, token_request
from tests.support.portal import register_and_read
from tests.support.two_factor import code_for

SMTP_SERVERS_LOGGER = "mail.log"  # the test's SMTP server (aiosmtpd), not the app
TOTP_SECRET = re.compile(r'<code id="totp-secret">([A-Z2-7 ]+)</code>')


def log_lines(capfd) -> list[str]:
    return [line for line in capfd.readouterr().err.splitlines() if line.strip()]


@pytest.fixture
def json_app(store_urls):
    """An app with LOG_FORMAT=json; made per test, as the log streams take the format of the last app made."""
    return make_app(store_urls, LOG_FORMAT="json")


@pytest.fixture
def proxied(store_urls):
    """An app behind one trusted proxy, the only kind that keeps a request ID it is sent."""
    return make_app(store_urls, TRUSTED_PROXY_HOPS=1).test_client()


def test_a_json_line_per_request_names_the_route_never_the_query(json_app, capfd):
    capfd.readouterr()
    response = json_app.test_client().get("/livez?secret=abc")
    [line] = log_lines(capfd)
    entry = json.loads(line)
    assert entry["event"] == "request"
    assert entry["request_id"] == response.headers["X-Request-ID"]
    assert (entry["method"], entry["endpoint"], entry["path"], entry["status"]) == (
        "GET",
        "health.livez",
        "/livez",
        200,
    )
    assert entry["duration_ms"] >= 0 and entry["client_address"] == "127.0.0.1"
    assert "abc" not in line


def test_a_route_with_a_token_in_its_path_is_logged_by_its_pattern(client, capfd):
    link_token = credentials.new_secret("x_") + "linktoken"
    capfd.readouterr()
    client.get(f"/password/reset/{link_token}")
    client.get(f"/nowhere/{link_token}")
    text = capfd.readouterr().err
    assert link_token not in text


def test_a_trusted_proxys_request_id_is_kept_and_logged(proxied, capfd):
    capfd.readouterr()
    response = proxied.get("/livez", headers={"X-Request-ID": "lb-1234", "X-Forwarded-For": "203.0.113.9"})
    assert response.headers["X-Request-ID"] == "lb-1234"
    assert "request_id=lb-1234" in log_lines(capfd)[0]


def test_a_request_id_sent_straight_to_the_app_is_replaced(client, capfd):
    """Without a trusted proxy the caller is whoever connects: a planted ID would pass for another request's."""
    capfd.readouterr()
    response = client.get("/livez", headers={"X-Request-ID": "lb-1234"})
    assert response.headers["X-Request-ID"] != "lb-1234" and len(response.headers["X-Request-ID"]) == 24
    assert "lb-1234" not in capfd.readouterr().err


@pytest.mark.parametrize("incoming", ["a" * 129, "has space", 'quote"d', "<script>", "", "-starts-with-dash"])
def test_a_malformed_request_id_is_replaced_even_from_a_trusted_proxy(proxied, incoming):
    response = proxied.get("/livez", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] != incoming
    assert len(response.headers["X-Request-ID"]) == 24


def test_errors_and_503s_carry_a_request_id(client, store_urls):
    assert client.get("/no-such-page").headers["X-Request-ID"]
    assert client.get("/api/v1/me").headers["X-Request-ID"]
    down = make_app({**store_urls, "REDIS_URL": "redis://127.0.0.1:1/0", "TRUSTED_PROXY_HOPS": 1}).test_client()
    response = down.get("/healthz", headers={"X-Request-ID": "probe-7"})
    assert response.status_code == 503
    assert response.headers["X-Request-ID"] == "probe-7"


def test_the_api_line_names_the_client_and_user(client, auth, app_client, capfd):
    registered, secret = app_client
    user = auth.sign_in_as()
    token = get_tokens(client, registered, secret)["access_token"]
    capfd.readouterr()
    client.get("/api/v1/me", headers=bearer(token))
    [line] = log_lines(capfd)
    assert f"client_id={registered['client_id']}" in line and f"user_id={user['id']}" in line


def test_nothing_secret_reaches_the_log(json_app, auth, app_client, capfd):
    """Passwords, secrets, codes and tokens through every machine endpoint and the sign-in form: none is written."""
    registered, secret = app_client
    http = json_app.test_client()
    signed = AuthActions(http, json_app)
    signed.sign_in_as()
    tokens = get_tokens(http, registered, secret)
    renewed = refresh(http, registered, secret, tokens["refresh_token"]).get_json()
    refresh(http, registered, secret, tokens["refresh_token"])  # reuse: a security event
    introspect(http, registered, secret, renewed["access_token"])
    http.get("/api/v1/me", headers=bearer(renewed["access_token"]))
    http.get(f"/api/v1/me?access_token={renewed['access_token']}")
    machine = token_request(http, registered, secret, grant_type="client_credentials", scope="read:data").get_json()
    revoke(http, registered, secret, machine["access_token"])
    http.post("/oauth/leaked", json={"credentials": [renewed["refresh_token"], secret]})
    signed.logout()
    signed.login(password="wrong " + USER_PASSWORD)
    signed.login(password=USER_PASSWORD)
    written = capfd.readouterr().err
    assert json.loads(written.splitlines()[-1])["event"] in ("request", "security_event")
    assert '"event":"security_event"' in written
    handed_out = [secret, USER_PASSWORD, tokens["access_token"], tokens["refresh_token"], renewed["access_token"]]
    handed_out += [renewed["refresh_token"], machine["access_token"], "user@example.com"]
    for value in handed_out:
        assert value not in written
    assert "code=" not in written and "?" not in written


def test_nothing_typed_into_or_shown_by_a_page_form_reaches_the_log(app, store_urls, smtp, capfd, caplog):
    """Sign-up, sign-in, the two-factor code, password change and reset, an app's secret shown once: none logged.

    Mail goes by SMTP as in production (the outbox of development logs its links on purpose), and what the
    app's own loggers recorded is scanned with what reached stderr.
    """
    caplog.set_level(logging.INFO)
    mailing = make_app(store_urls, LOG_FORMAT="json", SMTP_URL=smtp.url)
    browser = mailing.test_client()
    person = AuthActions(browser, mailing)
    email, first, second, third = "scan@example.com", "first pass phrase", "second pass phrase", "third pass phrase"
    person.sign_up(email=email, password=first, confirm=first)
    verify_link = link_in(mailed(mailing, smtp, email), VERIFY_EMAIL.path)
    confirm_email(browser, verify_link)
    person.login(email=email, password="wrong " + first)
    person.login(email=email, password=first)
    assert change_password(browser, first, second).status_code == 302
    person.logout()
    forgot_password(browser, email)
    reset_link = link_in(mailed(mailing, smtp, email), "/password/reset/")
    reset_password(browser, reset_link, third)  # signs in
    page = browser.get("/account/two-factor")
    totp_secret = TOTP_SECRET.search(page.text).group(1).replace(" ", "")
    set_up_code = code_for(totp_secret, -1)
    done = browser.post("/account/two-factor", data={"code": set_up_code, "csrf_token": csrf_token(page.text)})
    recovery = re.findall(r"<code>([0-9a-f-]+)</code>", done.text.split('id="recovery-codes"', 1)[1])
    person.logout()
    person.login(email=email, password=third)
    sign_in_code = code_for(totp_secret)
    assert person.enter_code(sign_in_code).status_code == 302
    client_id, client_secret = register_and_read(browser)
    ours = [record for record in caplog.records if not record.name.startswith(SMTP_SERVERS_LOGGER)]
    written = capfd.readouterr().err + "\n".join(record.getMessage() for record in ours)

    assert client_id and client_secret and len(recovery) == 10
    logged = {json.loads(line)["endpoint"] for line in written.splitlines() if line.startswith("{")}
    assert logged >= {"auth.signup", "verification.confirm", "auth.login", "auth_two_factor.code"}
    assert logged >= {"password.change", "password.reset", "account_two_factor.confirm", "developer.new_app"}
    typed_or_shown = [first, second, third, "wrong " + first, email, token_of(verify_link), token_of(reset_link)]
    typed_or_shown += [totp_secret, client_secret, *recovery]
    for value in typed_or_shown:
        assert value not in written
    for code in (set_up_code, sign_in_code):
        assert not re.search(rf"\b{code}\b", written)


def mailed(app, smtp, to: str):
    drain(app)
    return [message for message in smtp.received if message["To"] == to][-1]
