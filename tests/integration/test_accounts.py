"""Sign-up, sign-in, sign-out, throttling and the `next` redirect."""

import pytest

from accounts import throttle
from stores import postgres
from tests.support.accounts import USER_EMAIL, create_user
from tests.support.portal import words
from tests.support.throttle import WRONG_PASSWORD, Clock, guess


def test_signup_creates_an_unverified_account_and_asks_to_check_the_mail(client, app, auth):
    response = auth.sign_up()
    assert response.status_code == 200
    assert "Check your email" in response.text
    with app.app_context():
        with postgres.get_connection().cursor() as cur:
            cur.execute("SELECT email, name, role, password_hash, email_verified_at FROM users")
            row = cur.fetchone()
    assert row["email"] == "new@example.com" and row["role"] == "user"
    assert row["password_hash"].startswith("scrypt:")  # slow hash, never the password
    assert "long enough pw" not in row["password_hash"]
    assert row["email_verified_at"] is None
    # Not signed in by it: a taken email must get the very same answer (tests/attacks/test_account_mail.py).
    assert "Sign out" not in client.get("/").text


def test_signup_with_an_email_taken_in_any_case_makes_no_second_account(app, auth):
    create_user(app, email="taken@example.com")
    response = auth.sign_up(email="TAKEN@Example.com")
    assert response.status_code == 200
    assert "Check your email" in response.text
    with app.app_context(), postgres.get_connection().cursor() as cur:
        cur.execute("SELECT email FROM users")
        assert [row["email"] for row in cur.fetchall()] == ["taken@example.com"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not-an-email"}, "Enter an email address"),
        ({"password": "short", "confirm": "short"}, "at least 10 characters"),
        ({"confirm": "something else"}, "The passwords differ."),
        ({"name": "x" * 101}, "longer than 100"),
    ],
)
def test_signup_shows_error_next_to_field(auth, fields, message):
    response = auth.sign_up(**fields)
    assert response.status_code == 200
    assert message in response.text
    assert 'class="errors"' in response.text


def test_login_with_correct_password(app, client, auth):
    create_user(app)
    response = auth.login()
    assert response.status_code == 302
    assert "Sign out User" in client.get("/").text


@pytest.mark.parametrize("email", ["user@example.com", "nobody@example.com"])
def test_login_failure_does_not_reveal_whether_account_exists(app, client, auth, email):
    create_user(app)
    response = auth.login(email=email, password="wrong password")
    assert response.status_code == 401
    assert "Wrong email or password." in response.text


def test_login_is_case_insensitive_on_email(app, client, auth):
    create_user(app, email="Mixed@Example.com")
    assert auth.login(email="mixed@example.COM").status_code == 302


def test_login_returns_to_local_next_path(app, client, auth):
    create_user(app)
    response = auth.login(next_url="/oauth/authorize?client_id=abc&state=xyz")
    assert response.headers["Location"] == "/oauth/authorize?client_id=abc&state=xyz"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("http:/evil.example", "/"),
        ("/ok\r\nSet-Cookie:x", "/"),
        # Percent-encoded, it is an odd but local path, sent back exactly as it came (never decoded).
        ("/%0d%0aSet-Cookie:x", "/%0d%0aSet-Cookie:x"),
    ],
)
def test_login_never_redirects_off_site(app, client, auth, target, expected):
    create_user(app)
    response = auth.login(next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_logout_is_post_only_and_needs_csrf(client, auth):
    auth.sign_in_as()
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no CSRF token
    assert "Sign out" in client.get("/").text
    assert auth.logout().status_code == 302
    assert "Sign out" not in client.get("/").text


def test_login_post_without_csrf_token_is_rejected(client, app):
    create_user(app)
    response = client.post("/login", data={"email": "user@example.com", "password": "correct horse"})
    assert response.status_code == 400
    assert "CSRF" in response.text
    assert "Sign out" not in client.get("/").text


def test_signup_post_with_forged_csrf_token_is_rejected(client):
    client.get("/signup")
    response = client.post(
        "/signup",
        data={
            "email": "a@example.com",
            "password": "long enough pw",
            "confirm": "long enough pw",
            "csrf_token": "forged",
        },
    )
    assert response.status_code == 400


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


def test_sign_in_from_one_address_is_slowed_then_refused(app, client, auth, clock):
    create_user(app)
    assert guess(auth, clock, throttle.PAIR.slow_after, USER_EMAIL) == [401] * throttle.PAIR.slow_after
    slowed = auth.login()  # even the right password waits
    assert slowed.status_code == 429
    assert int(slowed.headers["Retry-After"]) == throttle.PAIR.delay(throttle.PAIR.slow_after) == 2
    assert "try again in about 2 seconds" in words(slowed.text)

    more = throttle.PAIR.refuse_at - throttle.PAIR.slow_after
    assert guess(auth, clock, more, USER_EMAIL) == [401] * more  # each after its wait: judged, and wrong
    clock.wait_out_any_delay()
    refused = auth.login()
    assert refused.status_code == 429
    assert throttle.PAIR.max_delay < int(refused.headers["Retry-After"]) <= throttle.PAIR.window_seconds
    assert "try again in about 15 minutes" in words(refused.text)


def test_the_wait_grows_with_each_failure_while_slowed(app, client, auth, clock):
    create_user(app)
    guess(auth, clock, throttle.PAIR.slow_after, USER_EMAIL)
    waits = []
    for _ in range(throttle.PAIR.refuse_at - throttle.PAIR.slow_after):
        waits.append(int(auth.login(password=WRONG_PASSWORD).headers["Retry-After"]))
        clock.advance(waits[-1] - 1)
        assert auth.login(password=WRONG_PASSWORD).status_code == 429  # a second early is too early
        clock.advance(1)
        assert auth.login(password=WRONG_PASSWORD).status_code == 401
    assert waits == [2, 4, 8, 16, 32]


def test_sign_in_is_throttled_per_address_across_accounts(app, client, auth, clock):
    create_user(app)
    for n in range(throttle.ADDRESS.refuse_at):
        guess(auth, clock, 1, f"guess{n}@example.com")  # one guess per account: no pair limit is reached
    clock.wait_out_any_delay()
    assert auth.login().status_code == 429


def test_throttle_window_does_not_slide_with_more_failures(r):
    throttle.record_failure(r, "a@example.com", "10.0.0.1")
    keys = throttle._Keys("a@example.com", "10.0.0.1")
    counters = [keys.pair, keys.address, keys.account]
    for key in counters:
        assert r.expire(key, 30)  # the window is nearly over
    throttle.record_failure(r, "a@example.com", "10.0.0.1")
    for key in counters:
        assert 0 < r.ttl(key) <= 30  # a failure does not reopen it
    assert r.hget(keys.pair, "n") == r.hget(keys.address, "n") == r.get(keys.account) == "2"


def test_successful_sign_in_clears_the_failures_from_its_address(app, auth, clock):
    create_user(app)
    for _ in range(2):
        assert guess(auth, clock, throttle.PAIR.slow_after - 1, USER_EMAIL) == [401] * (throttle.PAIR.slow_after - 1)
        # Without the first success clearing the pair's count, the second round would end slowed (429).
        assert auth.login(password=WRONG_PASSWORD).status_code == 401
        clock.wait_out_any_delay()
        assert auth.login().status_code == 302
        auth.logout()
