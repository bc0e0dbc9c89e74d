"""Browser sessions from the side of someone who copied, planted or kept a session cookie."""

import time

from accounts import sessions
from tests.support.accounts import USER_EMAIL, AuthActions, create_user, csrf_token
from tests.support.oauth import authorize_url, register_client

COOKIE = "session"


def session_cookie(client) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None, "no session cookie"
    return cookie.value


def browser_with(app, cookie_value: str):
    """Another browser that presents `cookie_value` as its session cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie_value)
    return thief


def opens_account_pages(http) -> bool:
    response = http.get("/account/security")
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


def test_a_cookie_copied_before_sign_out_opens_nothing_after_it(app, client, auth):
    create_user(app)
    auth.login()
    copied = session_cookie(client)
    assert opens_account_pages(browser_with(app, copied))
    auth.logout()
    thief = browser_with(app, copied)
    assert not opens_account_pages(thief)
    assert thief.get("/admin").status_code == 302


def test_a_cookie_copied_before_sign_out_cannot_consent_to_an_app(app, client, auth):
    create_user(app)
    registered, _secret = register_client(app)
    auth.login()
    copied = session_cookie(client)
    consent_page = browser_with(app, copied).get(authorize_url(registered))
    assert consent_page.status_code == 200
    auth.logout()
    thief = browser_with(app, copied)
    response = thief.get(authorize_url(registered))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_session_id_planted_before_sign_in_is_worth_nothing_after_it(app, client, auth):
    create_user(app)
    client.get("/login")
    # The login form stores a CSRF token, so the visitor already has a stored (anonymous) session.
    planted = session_cookie(client)
    assert auth.login().status_code == 302
    assert session_cookie(client) != planted
    assert not opens_account_pages(browser_with(app, planted))


def test_the_cookie_carries_only_a_random_id_and_redis_only_its_digest(app, client, auth, r):
    create_user(app)
    auth.login()
    cookie = session_cookie(client)
    assert sessions.is_well_formed(cookie)  # 43 base64url characters: 256 random bits, and nothing else
    assert "." not in cookie and USER_EMAIL not in cookie  # not a signed payload
    keys = list(r.scan_iter(match="sess:*"))
    assert f"sess:{sessions.digest(cookie)}" in keys
    assert not any(cookie in key for key in keys)
    assert not any(cookie in str(value) for key in keys for value in r.hgetall(key).values())


def test_a_made_up_or_malformed_session_cookie_reads_as_signed_out(app):
    for value in ("", "x" * 43, "a" * 500, "é" * 43, sessions.new_session_id()):
        assert not opens_account_pages(browser_with(app, value))


def test_a_session_idle_past_its_timeout_is_over(app, client, auth, r):
    create_user(app)
    auth.login()
    key = f"sess:{sessions.digest(session_cookie(client))}"
    idle = app.config["SESSION_IDLE_SECONDS"]
    assert 0 < r.ttl(key) <= idle
    r.hset(key, "last_seen", int(time.time()) - idle - 1)
    # The key's TTL is what ends an idle session; here it is cut short as the TTL would.
    r.expire(key, 1)
    time.sleep(1.1)
    assert not opens_account_pages(client)


def test_a_session_past_its_absolute_lifetime_is_over_however_active(app, client, auth, r):
    create_user(app)
    auth.login()
    key = f"sess:{sessions.digest(session_cookie(client))}"
    r.hset(key, "created", int(time.time()) - app.config["SESSION_LIFETIME_SECONDS"] - 1)
    assert not opens_account_pages(client)


def test_sign_out_everywhere_else_ends_the_other_browsers_sessions(app, client, auth):
    create_user(app)
    other = AuthActions(app.test_client(), app)
    other.login()
    auth.login()
    page = client.get("/account/security")
    response = client.post("/account/sessions/end-others", data={"csrf_token": csrf_token(page.text), "confirm": "yes"})
    assert response.status_code == 302
    assert not opens_account_pages(other.client)
    assert opens_account_pages(client)


def test_one_cannot_end_someone_elses_session_by_its_digest(app, client, auth, r):
    create_user(app)
    create_user(app, email="victim@example.com")
    victim = AuthActions(app.test_client(), app)
    victim.login("victim@example.com")
    victim_digest = sessions.digest(session_cookie(victim.client))
    auth.login()
    page = client.get("/account/security")
    client.post(f"/account/sessions/{victim_digest}/end", data={"csrf_token": csrf_token(page.text), "confirm": "yes"})
    assert opens_account_pages(victim.client)
