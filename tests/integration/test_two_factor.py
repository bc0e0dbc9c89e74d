"""Two-factor sign-in through the pages: set-up, the second sign-in page, recovery codes, turning it off."""

import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import segno

import audit
from accounts import sessions, totp, two_factor
from audit import Actor
from portal.auth.signing_in import PENDING_KEY, PENDING_SECONDS
from stores import postgres
from tests.support.accounts import (
    SECOND_FACTOR_PATH,
    USER_EMAIL,
    USER_PASSWORD,
    AuthActions,
    create_user,
    csrf_token,
)
from tests.support.apps import make_app
from tests.support.oauth import authorize_url, register_client
from tests.support.portal import submit, words
from tests.support.two_factor import code_for, enable_two_factor

SETUP_PATH = "/account/two-factor"
SECRET_PATTERN = re.compile(r'<code id="totp-secret">([A-Z2-7 ]+)</code>')


def set_up_page(client):
    page = client.get(SETUP_PATH)
    assert page.status_code == 200, page.status_code
    return page


def secret_on(page) -> str:
    return SECRET_PATTERN.search(page.text).group(1).replace(" ", "")


def recovery_codes_on(page) -> list[str]:
    listing = page.text.split('id="recovery-codes"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r"<code>([0-9a-f-]+)</code>", listing)


def turn_on(client) -> tuple[str, list[str]]:
    """Set two-factor up through the page with the code of the previous step; (secret, recovery codes)."""
    page = set_up_page(client)
    secret = secret_on(page)
    done = client.post(SETUP_PATH, data={"code": code_for(secret, -1), "csrf_token": csrf_token(page.text)})
    assert done.status_code == 200, done.status_code
    return secret, recovery_codes_on(done)


def stored_session(client, r) -> dict:
    return r.hgetall(sessions.session_key(sessions.digest(client.get_cookie("session").value)))


def has_two_factor(app, user_id: int) -> bool:
    with app.app_context():
        return two_factor.has_two_factor(postgres.get_connection(), user_id)


def audit_actions(app) -> list[str]:
    with app.app_context():
        return [row["action"] for row in reversed(audit.list_audit(postgres.get_connection(), limit=1000))]


def signed_in(client) -> bool:
    return client.get("/account/security").status_code == 200


@pytest.fixture
def user(app, auth):
    """An account with two-factor on (through storage), signed out: (row, authenticator)."""
    row = create_user(app)
    return row, enable_two_factor(app, row["id"])


# Set-up -------------------------------------------------------------------------------


def test_set_up_shows_the_secret_as_base32_text_and_an_inline_svg_qr_code(app, client, auth):
    user = auth.sign_in_as()
    page = set_up_page(client)
    secret = secret_on(page)
    assert len(secret) == 32
    grouped = SECRET_PATTERN.search(page.text).group(1)
    assert grouped == totp.grouped(secret)  # groups of four, easier to type
    assert '<svg role="img" aria-label="QR code of your two-factor secret"' in page.text
    svg = page.text.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "<path" in svg and "script" not in svg and "style" not in svg
    assert "<img" not in page.text and "data:" not in page.text  # nothing the CSP's img-src would block
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert 'name="code"' in page.text
    assert not has_two_factor(app, user["id"])  # shown, not yet on


def test_the_qr_code_holds_the_provisioning_uri(app, client, auth):
    auth.sign_in_as()
    page = set_up_page(client)
    expected = segno.make(totp.provisioning_uri(secret_on(page), USER_EMAIL), error="m", micro=False)
    drawn = page.text.split("<svg", 1)[1].split("</svg>", 1)[0]
    modules = expected.svg_inline(scale=5, border=4, dark="#000", light="#fff", lineclass=None)
    assert modules.split(">", 1)[1].removesuffix("</svg>") in drawn  # the same squares, whatever the attributes


def test_reloading_the_set_up_page_keeps_the_secret_already_scanned(client, auth):
    auth.sign_in_as()
    assert secret_on(set_up_page(client)) == secret_on(set_up_page(client))


def test_a_wrong_confirmation_code_does_not_turn_it_on(app, client, auth):
    user = auth.sign_in_as()
    page = set_up_page(client)
    secret = secret_on(page)
    wrong = f"{(int(code_for(secret)) + 1) % 1_000_000:06d}"
    for code in (wrong, code_for(secret, 2), "", "not a code"):
        response = client.post(SETUP_PATH, data={"code": code, "csrf_token": csrf_token(page.text)})
        assert response.status_code == 400
        assert secret_on(response) == secret  # the same secret to try again with
    assert not has_two_factor(app, user["id"])
    assert "two_factor.enabled" not in audit_actions(app)
    auth.logout()
    assert auth.login().headers["Location"] == "/"  # the password alone still signs in


def test_confirming_turns_it_on_shows_ten_recovery_codes_once_and_audits(app, client, auth, r):
    user = auth.sign_in_as()
    _secret, codes = turn_on(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert has_two_factor(app, user["id"])
    assert audit_actions(app)[-1] == "two_factor.enabled"
    settings = client.get(SETUP_PATH)
    assert "Two-factor sign-in is on" in settings.text
    assert not any(code in settings.text for code in codes)  # shown once, never again
    assert 'id="recovery-codes-left">10<' in settings.text
    # Two forms with a `code` field on one page: each label names its own input.
    assert settings.text.count('id="code"') == 1 and settings.text.count('for="turn-off-code"') == 1


def test_confirming_re_authenticates_the_session_with_both_methods_under_a_new_id(app, client, auth, r):
    auth.sign_in_as()
    before = client.get_cookie("session").value
    turn_on(client)
    assert client.get_cookie("session").value != before
    record = stored_session(client, r)
    assert record["amr"] == "pwd otp"
    assert int(time.time()) - int(record["auth_time"]) < 5


def test_confirming_signs_out_the_sessions_signed_in_by_password_alone(app, client, auth):
    create_user(app)
    other = AuthActions(app.test_client(), app)
    assert other.login().status_code == 302
    auth.login()
    turn_on(client)
    assert not signed_in(other.client)
    assert signed_in(client)


def test_set_up_needs_sign_in(client):
    response = client.get(SETUP_PATH)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_set_up_wants_a_recent_password(app, client, auth, r):
    auth.sign_in_as()
    key = sessions.session_key(sessions.digest(client.get_cookie("session").value))
    r.hset(key, "auth_time", int(time.time()) - 3600)
    response = client.get(SETUP_PATH)
    assert response.status_code == 302 and "reauth=1" in response.headers["Location"]


# Signing in ----------------------------------------------------------------------------


def test_the_password_leads_to_the_code_page_and_the_code_signs_in(app, client, auth, user, r):
    _row, device = user
    first = auth.login(next_url="/account/apps")
    assert first.status_code == 302 and first.headers["Location"] == SECOND_FACTOR_PATH
    assert not signed_in(client)
    page = client.get(SECOND_FACTOR_PATH)
    assert page.status_code == 200 and 'name="code"' in page.text
    done = auth.enter_code(code_for(device.secret))
    assert done.status_code == 302 and done.headers["Location"] == "/account/apps"
    assert signed_in(client)
    assert stored_session(client, r)["amr"] == "pwd otp"
    assert PENDING_KEY not in json.loads(stored_session(client, r)["data"])


def test_a_sign_in_with_two_factor_is_recorded_once_when_the_code_is_in(app, auth, user):
    _row, device = user
    auth.login()
    assert "signin.succeeded" not in audit_actions(app)
    auth.enter_code(code_for(device.secret))
    assert audit_actions(app).count("signin.succeeded") == 1


@pytest.mark.parametrize("steps", [-1, 1])
def test_the_code_of_the_step_before_or_after_is_accepted(client, auth, user, steps):
    _row, device = user
    auth.login()
    assert auth.enter_code(code_for(device.secret, steps)).status_code == 302
    assert signed_in(client)


@pytest.mark.parametrize("steps", [-2, 2])
def test_a_code_two_steps_away_is_refused(app, client, auth, user, steps):
    _row, device = user
    auth.login()
    response = auth.enter_code(code_for(device.secret, steps))
    assert response.status_code == 401
    assert "That code is not right" in response.text
    assert not signed_in(client)
    rows = [row for row in audit_rows(app) if row["action"] == "signin.failed"]
    assert rows[-1]["details"]["step"] == "second factor"


def audit_rows(app) -> list[dict]:
    with app.app_context():
        return list(reversed(audit.list_audit(postgres.get_connection(), limit=1000)))


def test_a_code_works_once(app, auth, user):
    _row, device = user
    code = code_for(device.secret)
    auth.login()
    assert auth.enter_code(code).status_code == 302
    auth.logout()
    auth.login()
    assert auth.enter_code(code).status_code == 401
    assert auth.enter_code(code_for(device.secret, 1)).status_code == 302  # the next one still works


def test_after_a_later_code_an_earlier_one_of_the_window_is_refused(auth, user):
    _row, device = user
    auth.login()
    assert auth.enter_code(code_for(device.secret, 1)).status_code == 302
    auth.logout()
    auth.login()
    assert auth.enter_code(code_for(device.secret)).status_code == 401


def test_recovery_codes_work_once_each_in_any_spelling(app, client, auth, user):
    row, device = user
    first, second = device.recovery_codes[:2]
    auth.login()
    assert auth.enter_code(first.upper().replace("-", " ")).status_code == 302
    auth.logout()
    auth.login()
    assert auth.enter_code(first).status_code == 401
    assert auth.enter_code(second).status_code == 302
    with app.app_context():
        assert two_factor.recovery_codes_left(postgres.get_connection(), row["id"]) == 8


def test_the_code_page_without_a_password_first_goes_to_sign_in(client):
    response = client.get(SECOND_FACTOR_PATH)
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_a_pending_sign_in_expires_after_five_minutes(client, auth, user, r):
    _row, device = user
    auth.login(next_url="/account/apps")
    page = client.get(SECOND_FACTOR_PATH)
    key = sessions.session_key(sessions.digest(client.get_cookie("session").value))
    data = json.loads(r.hget(key, "data"))
    data[PENDING_KEY]["password_at"] -= PENDING_SECONDS + 1
    r.hset(key, "data", json.dumps(data))
    response = client.post(
        SECOND_FACTOR_PATH, data={"code": code_for(device.secret), "csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/account/apps"
    assert not signed_in(client)
    assert "Please sign in again" in client.get("/login").text


def test_confirm_its_you_asks_a_person_with_two_factor_for_the_code_too(app, client, auth, user, r):
    _row, device = user
    auth.login()
    auth.enter_code(code_for(device.secret, -1))
    key = sessions.session_key(sessions.digest(client.get_cookie("session").value))
    r.hset(key, "auth_time", int(time.time()) - 3600)
    page = client.get("/login?reauth=1")
    response = client.post(
        "/login?reauth=1", data={"email": USER_EMAIL, "password": USER_PASSWORD, "csrf_token": csrf_token(page.text)}
    )
    assert response.headers["Location"] == SECOND_FACTOR_PATH
    assert auth.enter_code(code_for(device.secret)).status_code == 302
    assert int(time.time()) - int(stored_session(client, r)["auth_time"]) < 5


def test_an_authorization_request_goes_on_after_the_code(app, client, auth, user):
    _row, device = user
    registered, _secret = register_client(app)
    start = client.get(authorize_url(registered))
    next_url = parse_qs(urlsplit(start.headers["Location"]).query)["next"][0]
    auth.login(next_url=next_url)
    back = auth.enter_code(code_for(device.secret))
    assert back.status_code == 302 and back.headers["Location"] == next_url
    consent = client.get(next_url)
    assert consent.status_code == 200 and 'value="allow"' in consent.text


# Recovery codes and turning it off ------------------------------------------------------


def test_new_recovery_codes_replace_the_old_ones(app, client, auth):
    auth.sign_in_as()
    secret, old_codes = turn_on(client)
    response = submit(client, SETUP_PATH, f"{SETUP_PATH}/recovery-codes", data={"code": code_for(secret)})
    assert response.status_code == 200
    new_codes = recovery_codes_on(response)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert "two_factor.recovery_codes_replaced" in audit_actions(app)
    auth.logout()
    auth.login()
    assert auth.enter_code(old_codes[0]).status_code == 401
    assert auth.enter_code(new_codes[0]).status_code == 302


def test_new_recovery_codes_need_a_right_code(client, auth):
    auth.sign_in_as()
    turn_on(client)
    response = submit(client, SETUP_PATH, f"{SETUP_PATH}/recovery-codes", data={"code": "000000"})
    assert response.status_code == 400
    assert 'id="recovery-codes"' not in response.text


@pytest.mark.parametrize("with_recovery_code", [False, True])
def test_turning_off_needs_the_password_and_a_code(app, client, auth, with_recovery_code):
    user = auth.sign_in_as()
    secret, codes = turn_on(client)
    disable = f"{SETUP_PATH}/disable"
    wrong_password = submit(client, SETUP_PATH, disable, data={"password": "wrong password", "code": code_for(secret)})
    assert wrong_password.status_code == 400 and "Wrong password." in wrong_password.text
    wrong_code = submit(client, SETUP_PATH, disable, data={"password": USER_PASSWORD, "code": "000000"})
    assert wrong_code.status_code == 400 and "That code is not right" in wrong_code.text
    no_code = submit(client, SETUP_PATH, disable, data={"password": USER_PASSWORD})
    assert no_code.status_code == 400
    assert has_two_factor(app, user["id"])

    code = codes[0] if with_recovery_code else code_for(secret, 1)
    done = submit(client, SETUP_PATH, disable, data={"password": USER_PASSWORD, "code": code})
    assert done.status_code == 302
    assert not has_two_factor(app, user["id"])
    actions = audit_actions(app)
    assert actions[-1] == "two_factor.disabled" and actions.count("two_factor.refused") == 2
    auth.logout()
    assert auth.login().headers["Location"] == "/"  # the password alone again
    with app.app_context(), postgres.get_connection().cursor() as cur:
        cur.execute("SELECT count(*) AS n FROM recovery_codes WHERE user_id = %(id)s", {"id": user["id"]})
        assert cur.fetchone()["n"] == 0


# The administrators' side ---------------------------------------------------------------


def test_an_admin_without_two_factor_is_sent_to_set_it_up(app, client, auth):
    create_user(app, "root@example.com", role="admin")
    auth.login("root@example.com")  # the password only: no two-factor yet
    for path in ("/admin", "/admin/audit"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == SETUP_PATH
    page = client.get(SETUP_PATH)
    assert "The admin console opens only to administrators with two-factor sign-in" in words(page.text)
    turn_on(client)
    assert client.get("/admin").status_code == 200


def test_admins_need_not_set_it_up_when_the_setting_is_off(store_urls, app):
    relaxed = make_app(store_urls, REQUIRE_ADMIN_2FA=False)
    create_user(relaxed, "root@example.com", role="admin")
    browser = AuthActions(relaxed.test_client(), relaxed)
    assert browser.login("root@example.com").status_code == 302
    assert browser.client.get("/admin").status_code == 200


def test_require_admin_2fa_is_on_unless_the_environment_says_0():
    from settings import load_settings

    assert load_settings({})["REQUIRE_ADMIN_2FA"] is True
    assert load_settings({"REQUIRE_ADMIN_2FA": "1"})["REQUIRE_ADMIN_2FA"] is True
    assert load_settings({"REQUIRE_ADMIN_2FA": "0"})["REQUIRE_ADMIN_2FA"] is False


def test_the_admin_fixture_signs_in_with_both_factors(client, admin, r):
    assert stored_session(client, r)["amr"] == "pwd otp"
    assert client.get("/admin").status_code == 200


def test_an_administrator_can_reset_someones_two_factor(app, client, auth, user):
    row, _device = user
    with app.app_context():
        conn = postgres.get_connection()
        assert two_factor.reset_two_factor(conn, Actor(id=None, label="cli"), row["id"], "lost phone")
        assert not two_factor.reset_two_factor(conn, Actor(id=None, label="cli"), row["id"], "again")
    reset = [entry for entry in audit_rows(app) if entry["action"] == "two_factor.reset"]
    assert len(reset) == 1 and reset[0]["details"] == {"reason": "lost phone"}
    assert reset[0]["subject_user_id"] == row["id"]
    assert auth.login().headers["Location"] == "/"  # the password alone signs in again
    assert signed_in(client)
    with app.app_context():
        assert two_factor.recovery_codes_left(postgres.get_connection(), row["id"]) == 0


def test_user_lists_can_show_who_has_two_factor(app, user):
    row, _device = user
    other = create_user(app, "other@example.com")
    with app.app_context(), postgres.get_connection().cursor() as cur:
        cur.execute(f"SELECT id, {two_factor.ENABLED_EXPRESSION} AS two_factor FROM users ORDER BY id")
        assert [(r["id"], r["two_factor"]) for r in cur.fetchall()] == [(row["id"], True), (other["id"], False)]


# The security page -------------------------------------------------------------------------


def test_the_security_page_says_whether_two_factor_is_on_and_links_to_it(client, auth):
    auth.sign_in_as()
    page = words(client.get("/account/security").text)
    assert '<strong class="badge">Off</strong>' in page
    assert f'href="{SETUP_PATH}">Set up two-factor sign-in</a>' in page
    turn_on(client)
    page = words(client.get("/account/security").text)
    assert '<strong class="badge active">On</strong>' in page
    assert "Two-factor sign-in turned on" in page


def test_the_owner_sees_that_someone_had_the_password_but_not_the_code(client, auth, user):
    _row, device = user
    auth.login()
    auth.enter_code("000000" if code_for(device.secret) != "000000" else "111111")
    assert auth.enter_code(code_for(device.secret)).status_code == 302
    page = words(client.get("/account/security").text)
    assert "Failed sign-in attempt: the right password, a wrong code" in page
