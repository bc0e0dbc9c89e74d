"""Two-factor sign-in from the attacker's side: someone who has the password, a code, a cookie or the database."""

import base64
import threading

import pytest

from accounts import sessions, throttle, totp, totp_store, two_factor
from portal.auth.signing_in import PENDING_KEY
from stores import postgres
from tests.support.accounts import SECOND_FACTOR_PATH, USER_EMAIL, USER_PASSWORD, AuthActions, create_user, csrf_token
from tests.support.apps import make_app
from tests.support.oauth import authorize_url, register_client
from tests.support.throttle import Clock
from tests.support.two_factor import code_for, enable_two_factor, encryption_key

SIGNED_IN_PAGES = ["/account/security", "/account/apps", "/account/two-factor", "/developer/apps", "/admin"]
WRONG_CODE = "000000"


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def victim(app):
    """An account with two-factor on: (row, authenticator)."""
    row = create_user(app)
    return row, enable_two_factor(app, row["id"])


def browser(app) -> AuthActions:
    return AuthActions(app.test_client(), app)


def signed_in(http) -> bool:
    return http.get("/account/security").status_code == 200


def wrong_code_for(secret: str) -> str:
    """A code that is none of the window's."""
    window = {code_for(secret, steps) for steps in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in window)


# Someone who has the password --------------------------------------------------------------


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_the_password_alone_opens_no_signed_in_page(app, victim, path):
    attacker = browser(app)
    assert attacker.login().headers["Location"] == SECOND_FACTOR_PATH
    response = attacker.client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_password_alone_cannot_consent_to_an_app(app, victim):
    registered, _secret = register_client(app)
    attacker = browser(app)
    attacker.login()
    response = attacker.client.get(authorize_url(registered))
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_wrong_codes_are_throttled_and_a_new_password_entry_does_not_reset_the_count(app, victim, clock):
    _row, device = victim
    attacker = browser(app)
    attacker.login()
    wrong = wrong_code_for(device.secret)
    statuses = []
    for _ in range(throttle.PAIR.refuse_at + 3):
        clock.wait_out_any_delay()
        statuses.append(attacker.enter_code(wrong).status_code)
    assert statuses.count(401) == throttle.PAIR.refuse_at and statuses[-3:] == [429, 429, 429]
    refused = attacker.enter_code(code_for(device.secret))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Too many wrong codes" in refused.text and not signed_in(attacker.client)
    # The right password again gives the guesser no fresh round of codes.
    assert attacker.login().headers["Location"] == SECOND_FACTOR_PATH
    assert attacker.enter_code(code_for(device.secret)).status_code == 429


def test_the_owner_elsewhere_signs_in_while_a_guesser_is_refused(store_urls, app, victim, clock):
    _row, device = victim
    proxied = make_app(store_urls, TRUSTED_PROXY_HOPS=1)
    attacker, owner = browser(proxied), browser(proxied)
    at_attacker = {"environ_base": {"REMOTE_ADDR": "10.0.0.1"}, "headers": {"X-Forwarded-For": "198.51.100.1"}}
    at_owner = {"environ_base": {"REMOTE_ADDR": "10.0.0.1"}, "headers": {"X-Forwarded-For": "203.0.113.9"}}
    attacker.login(ip="10.0.0.1", headers=at_attacker["headers"])
    for _ in range(throttle.PAIR.refuse_at):
        clock.wait_out_any_delay()
        attacker.enter_code(wrong_code_for(device.secret), **at_attacker)
    assert attacker.enter_code(code_for(device.secret), **at_attacker).status_code == 429
    owner.login(ip="10.0.0.1", headers=at_owner["headers"])
    assert owner.enter_code(code_for(device.secret), **at_owner).status_code == 302
    assert signed_in(owner.client)


def test_failed_codes_are_in_the_owners_audit_trail(app, victim):
    row, device = victim
    attacker = browser(app)
    attacker.login()
    attacker.enter_code(wrong_code_for(device.secret))
    with app.app_context(), postgres.get_connection().cursor() as cur:
        cur.execute("SELECT action, details FROM audit_log WHERE subject_user_id = %(id)s", {"id": row["id"]})
        rows = cur.fetchall()
    assert [entry["action"] for entry in rows] == ["signin.failed"]
    assert rows[0]["details"] == {"email": USER_EMAIL, "step": "second factor"}


# Someone who saw a code -----------------------------------------------------------------------


def test_a_code_the_owner_just_used_is_worth_nothing_to_a_shoulder_surfer(app, victim):
    _row, device = victim
    owner, attacker = browser(app), browser(app)
    seen = code_for(device.secret)
    owner.login()
    assert owner.enter_code(seen).status_code == 302
    attacker.login()
    assert attacker.enter_code(seen).status_code == 401
    assert not signed_in(attacker.client)


def test_two_browsers_racing_with_one_code_cannot_both_sign_in(app, victim):
    _row, device = victim
    racers = [browser(app) for _ in range(6)]
    pages = []
    for racer in racers:
        racer.login()
        pages.append(racer.client.get(SECOND_FACTOR_PATH).text)
    code = code_for(device.secret)
    start = threading.Barrier(len(racers))
    statuses = [None] * len(racers)

    def submit(index: int) -> None:
        start.wait()
        form = {"code": code, "csrf_token": csrf_token(pages[index])}
        statuses[index] = racers[index].client.post(SECOND_FACTOR_PATH, data=form).status_code

    threads = [threading.Thread(target=submit, args=(index,)) for index in range(len(racers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [302] + [401] * (len(racers) - 1)


def test_a_step_is_taken_once_however_many_connections_race_for_it(app, victim):
    row, _device = victim
    step = totp.current_step() + 1
    won = []
    start = threading.Barrier(8)

    def take() -> None:
        with app.app_context():
            conn = postgres.get_connection()
            start.wait()
            won.append(totp_store.take_step(conn, row["id"], step))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(won) == [False] * 7 + [True]


def test_a_recovery_code_is_good_once_and_for_its_owner_only(app, victim):
    _row, device = victim
    other = create_user(app, "other@example.com")
    enable_two_factor(app, other["id"])
    code = device.recovery_codes[0]
    thief = browser(app)
    thief.login("other@example.com")
    assert thief.enter_code(code).status_code == 401  # another account's code
    owner = browser(app)
    owner.login()
    assert owner.enter_code(code).status_code == 302
    second = browser(app)
    second.login()
    assert second.enter_code(code).status_code == 401


# Someone with a cookie ----------------------------------------------------------------------


def test_a_session_id_planted_before_the_password_cannot_finish_the_sign_in(app, client, auth, victim):
    _row, device = victim
    client.get("/login")
    planted = client.get_cookie("session").value
    auth.login()
    assert client.get_cookie("session").value != planted  # a new ID once the password is in
    attacker = app.test_client()
    attacker.set_cookie("session", planted)
    response = attacker.get(SECOND_FACTOR_PATH)
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_a_pending_sign_in_of_one_account_cannot_be_steered_to_another(app, client, auth, victim, r):
    """The session names the account by id on the server side; nothing the browser sends can change it."""
    _row, device = victim
    other = create_user(app, "other@example.com")
    auth.login()
    page = client.get(SECOND_FACTOR_PATH)
    form = {"code": code_for(device.secret), "csrf_token": csrf_token(page.text), "user_id": other["id"]}
    assert client.post(SECOND_FACTOR_PATH, data=form).status_code == 302
    record = r.hgetall(sessions.session_key(sessions.digest(client.get_cookie("session").value)))
    assert int(record["user_id"]) == victim[0]["id"]
    assert PENDING_KEY not in record["data"]


def test_a_stolen_session_cannot_turn_two_factor_off_or_mint_recovery_codes(app, victim):
    row, device = victim
    owner = browser(app)
    owner.login()
    owner.enter_code(code_for(device.secret))
    thief = app.test_client()
    thief.set_cookie("session", owner.client.get_cookie("session").value)
    page = thief.get("/account/two-factor")
    assert page.status_code == 200
    token = csrf_token(page.text)
    off = thief.post("/account/two-factor/disable", data={"password": "guess", "code": WRONG_CODE, "csrf_token": token})
    assert off.status_code == 400
    codes = thief.post("/account/two-factor/recovery-codes", data={"code": WRONG_CODE, "csrf_token": token})
    assert codes.status_code == 400 and 'id="recovery-codes"' not in codes.text
    with app.app_context():
        assert totp_store.is_enabled(postgres.get_connection(), row["id"])


# Someone who reads (or writes) the database ---------------------------------------------------------


def test_the_database_holds_the_secret_sealed_never_in_clear(app, client, auth, r, caplog):
    user = auth.sign_in_as()
    page = client.get("/account/two-factor")
    secret = page.text.split('<code id="totp-secret">', 1)[1].split("<", 1)[0].replace(" ", "")
    done = client.post("/account/two-factor", data={"code": code_for(secret, -1), "csrf_token": csrf_token(page.text)})
    codes = done.text.split('id="recovery-codes"', 1)[1].split("</ul>", 1)[0]
    raw_key = base64.b32decode(secret)
    with app.app_context(), postgres.get_connection().cursor() as cur:
        cur.execute("SELECT secret_ciphertext, secret_nonce FROM user_totp WHERE user_id = %(id)s", {"id": user["id"]})
        row = cur.fetchone()
        stored = bytes(row["secret_ciphertext"])
        assert secret.encode() not in stored and raw_key not in stored
        cur.execute("SELECT * FROM recovery_codes WHERE user_id = %(id)s", {"id": user["id"]})
        code_rows = cur.fetchall()
        cur.execute("SELECT details::text AS details FROM audit_log")
        details = " ".join(entry["details"] for entry in cur.fetchall())
    assert len(code_rows) == 10
    assert not any(code.replace("-", "") in str(code_rows) for code in codes.split("<code>")[1:])
    assert secret not in details
    assert not any(secret in str(value) for key in r.scan_iter() for value in _redis_values(r, key))
    assert secret not in caplog.text


def _redis_values(r, key: str) -> list:
    kind = r.type(key)
    if kind == "hash":
        return list(r.hgetall(key).values())
    if kind == "string":
        return [r.get(key)]
    if kind in ("set", "zset", "list"):
        return [str(r.dump(key))]
    return []


def test_a_sealed_secret_copied_onto_another_account_does_not_open_there(app, victim):
    """With write access to the table, the attacker copies their own sealed secret onto the victim's row."""
    row, _device = victim
    attacker_row = create_user(app, "attacker@example.com")
    attacker_device = enable_two_factor(app, attacker_row["id"])
    with app.app_context():
        conn = postgres.get_connection()
        with postgres.transaction(conn) as cur:
            cur.execute(
                """UPDATE user_totp AS victim SET secret_ciphertext = mine.secret_ciphertext,
                                                 secret_nonce = mine.secret_nonce
                   FROM user_totp AS mine WHERE victim.user_id = %(victim)s AND mine.user_id = %(mine)s""",
                {"victim": row["id"], "mine": attacker_row["id"]},
            )
    attacker = browser(app)
    attacker.login()  # the victim's password, say phished
    assert attacker.enter_code(code_for(attacker_device.secret)).status_code == 401
    assert not signed_in(attacker.client)


def test_a_secret_sent_back_in_the_form_is_not_what_is_turned_on(app, client, auth):
    """The pending secret lives on the server: a secret of the attacker's choosing in the form changes nothing."""
    user = auth.sign_in_as()
    page = client.get("/account/two-factor")
    chosen = totp.new_secret()
    form = {"code": code_for(chosen), "secret": chosen, "csrf_token": csrf_token(page.text)}
    assert client.post("/account/two-factor", data=form).status_code == 400
    with app.app_context():
        conn = postgres.get_connection()
        assert not totp_store.is_enabled(conn, user["id"])
        assert totp_store.get_pending(conn, encryption_key(app), user["id"]).secret != chosen


def test_after_secret_key_rotation_codes_fail_closed_and_recovery_codes_still_work(store_urls, app, victim):
    _row, device = victim
    rotated = make_app(store_urls, SECRET_KEY="a rotated secret key")
    person = browser(rotated)
    person.login()
    assert person.enter_code(code_for(device.secret)).status_code == 401
    assert person.enter_code(device.recovery_codes[0]).status_code == 302


def test_the_set_up_forms_are_closed_to_someone_signed_out(client, victim):
    token = csrf_token(client.get("/login").text)
    for path in ("/account/two-factor", "/account/two-factor/disable", "/account/two-factor/recovery-codes"):
        response = client.post(path, data={"code": WRONG_CODE, "password": USER_PASSWORD, "csrf_token": token})
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_code_page_names_no_account_so_a_code_alone_signs_nobody_in(app, victim):
    """The page follows only the session's pending sign-in: an account named in the form is ignored."""
    _row, device = victim
    visitor = browser(app)
    token = csrf_token(visitor.client.get("/login").text)
    form = {"code": code_for(device.secret), "email": USER_EMAIL, "user_id": "1", "csrf_token": token}
    response = visitor.client.post(SECOND_FACTOR_PATH, data=form)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not signed_in(visitor.client)


def test_unlocking_the_account_clears_its_wrong_code_counters(app, victim, clock, r):
    row, device = victim
    attacker = browser(app)
    attacker.login()
    for _ in range(throttle.PAIR.refuse_at):
        clock.wait_out_any_delay()
        attacker.enter_code(wrong_code_for(device.secret))
    assert attacker.enter_code(code_for(device.secret)).status_code == 429
    assert two_factor.unlock_codes(r, row) >= 1
    assert attacker.enter_code(code_for(device.secret)).status_code == 302
