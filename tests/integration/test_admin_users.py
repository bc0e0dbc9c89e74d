"""/admin/users: finding accounts, and each action with its reason in the audit log; administrators only."""

import re
import time

import pytest

from accounts import sessions, throttle, two_factor
from stores import postgres
from tests.support.accounts import USER_EMAIL, AuthActions, create_user, csrf_token
from tests.support.portal import words
from tests.support.throttle import Clock, guess
from tests.support.two_factor import enable_two_factor

ADMIN_EMAIL = "admin@example.com"
PREFIXED_CSRF = re.compile(r'name="(?:[a-z_]+-)?csrf_token"[^>]*value="([^"]+)"')


def sql(app, query: str, params: dict | None = None) -> list[dict]:
    with app.app_context(), postgres.transaction(postgres.get_connection()) as cur:
        cur.execute(query, params or {})
        return cur.fetchall() if cur.description else []


def stored(app, user_id: int) -> dict:
    return sql(app, "SELECT role, disabled_at FROM users WHERE id = %(id)s", {"id": user_id})[0]


def audit_rows(app, action: str) -> list[dict]:
    return sql(
        app,
        "SELECT actor_id, subject_user_id, details FROM audit_log WHERE action = %(action)s ORDER BY id",
        {"action": action},
    )


def act(client, user_id: int, path: str, prefix: str, **fields):
    """Submit one action form of the user page (its fields carry the action's prefix); the response."""
    page = client.get(f"/admin/users/{user_id}")
    assert page.status_code == 200, page.status_code
    data = {f"{prefix}-{name}": value for name, value in fields.items()}
    data[f"{prefix}-csrf_token"] = PREFIXED_CSRF.search(page.text).group(1)
    return client.post(f"/admin/users/{user_id}/{path}", data=data)


def listed_emails(html: str) -> list[str]:
    return re.findall(r'<td data-label="Email"><a href="/admin/users/\d+">([^<]+)</a>', html)


def listed_rows(html: str) -> dict[str, str]:
    """Each listed user's row as words, by email."""
    rows = [words(re.sub(r"<[^>]+>", " ", row)) for row in re.findall(r'<tr class="user">(.*?)</tr>', html, re.S)]
    return {row.split()[0]: row for row in rows}


def add_users(app, emails: list[str]) -> None:
    """Accounts at once, without paying the password hash for each (none of them signs in)."""
    sql(
        app,
        "INSERT INTO users (email, password_hash) SELECT unnest(%(emails)s::text[]), 'not a usable hash'",
        {"emails": emails},
    )


@pytest.fixture
def user(app) -> dict:
    return create_user(app, name="Ursula User")


# Who may come in -----------------------------------------------------------------

PAGES = ["/admin/users", "/admin/users/{id}"]
POSTS = ["role", "disable", "enable", "unlock", "two-factor/reset"]


@pytest.mark.parametrize("role", ["user", "developer"])
@pytest.mark.parametrize("path", PAGES + [f"/admin/users/{{id}}/{action}" for action in POSTS])
def test_everyone_but_administrators_gets_403(client, auth, user, role, path):
    auth.sign_in_as("someone@example.com", role=role)
    if path in PAGES:
        response = client.get(path.format(id=user["id"]))
    else:  # a valid CSRF token: the refusal must be the guard's, not the CSRF check's
        token = csrf_token(client.get("/").text)
        response = client.post(path.format(id=user["id"]), data={"csrf_token": token, "disable-reason": "x"})
    assert response.status_code == 403
    assert "Only administrators" in response.text


def test_signed_out_visitors_sign_in_first(client, user):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(("path", "prefix"), [(path, path.split("/")[0].replace("-", "_")) for path in POSTS])
@pytest.mark.parametrize("token", [None, "forged"])
def test_an_action_without_a_valid_csrf_token_changes_nothing(app, client, admin, user, path, prefix, token):
    fields = {f"{prefix}-reason": "no token", f"{prefix}-role": "developer"}
    if token:
        fields[f"{prefix}-csrf_token"] = fields["csrf_token"] = token
    response = client.post(f"/admin/users/{user['id']}/{path}", data=fields)
    assert response.status_code == 400
    assert "CSRF" in response.text
    assert stored(app, user["id"]) == {"role": "user", "disabled_at": None}
    assert sql(app, "SELECT action FROM audit_log WHERE action LIKE 'user.%%'") == []


def test_an_old_sign_in_must_confirm_the_password_before_an_action(app, client, admin, user, r):
    page = client.get(f"/admin/users/{user['id']}")
    key = sessions.session_key(sessions.digest(client.get_cookie("session").value))
    r.hset(key, "auth_time", int(time.time()) - 3600)
    token = PREFIXED_CSRF.search(page.text).group(1)
    response = client.post(
        f"/admin/users/{user['id']}/disable", data={"disable-reason": "stale", "disable-csrf_token": token}
    )
    assert response.status_code == 302
    assert "reauth=1" in response.headers["Location"]
    assert stored(app, user["id"])["disabled_at"] is None


def test_the_console_links_to_the_user_pages(client, admin):
    assert 'href="/admin/users"' in client.get("/admin").text


# Finding users -------------------------------------------------------------------


def test_search_matches_email_or_name_in_any_case(app, client, admin, user):
    create_user(app, email="other@example.com", name="Olga")
    assert listed_emails(client.get("/admin/users?q=URSULA").text) == [USER_EMAIL]
    assert listed_emails(client.get("/admin/users?q=OTHER@").text) == ["other@example.com"]
    assert listed_emails(client.get("/admin/users").text) == [ADMIN_EMAIL, "other@example.com", USER_EMAIL]


@pytest.mark.parametrize(("query", "found"), [("a_b", ["a_b@example.com"]), ("%", []), ("a\\", [])])
def test_wildcards_in_the_search_match_only_themselves(app, client, admin, query, found):
    add_users(app, ["a_b@example.com", "axb@example.com"])
    response = client.get("/admin/users", query_string={"q": query})
    assert response.status_code == 200
    assert listed_emails(response.text) == found


def test_the_list_shows_role_verification_two_factor_status_and_last_sign_in(app, client, admin, user):
    enable_two_factor(app, user["id"])
    sql(app, "UPDATE users SET email_verified_at = NULL, disabled_at = now() WHERE id = %(id)s", {"id": user["id"]})
    sql(app, "UPDATE users SET email_verified_at = now() WHERE id = %(id)s", {"id": admin["id"]})
    rows = listed_rows(client.get("/admin/users").text)
    assert rows[USER_EMAIL] == "user@example.com Ursula User user no on disabled never"
    assert rows[ADMIN_EMAIL].startswith("admin@example.com User admin yes on active ")
    assert "never" not in rows[ADMIN_EMAIL]  # signed in just now


def test_the_list_comes_in_pages_of_fifty(app, client, admin):
    add_users(app, [f"person{n:03d}@example.com" for n in range(1, 111)])
    first = client.get("/admin/users?q=person")
    assert len(listed_emails(first.text)) == 50
    assert listed_emails(first.text)[0] == "person001@example.com"
    assert 'href="/admin/users?q=person&amp;page=2"' in first.text
    third = client.get("/admin/users?q=person&page=3")
    assert listed_emails(third.text) == [f"person{n:03d}@example.com" for n in range(101, 111)]
    assert "Next page" not in third.text and "Previous page" in third.text
    assert listed_emails(client.get("/admin/users?q=person&page=9").text) == []


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1" * 40])
def test_a_page_that_is_no_page_number_is_a_400(client, admin, page):
    response = client.get("/admin/users", query_string={"page": page})
    assert response.status_code == 400
    assert "No such page" in response.text or "Not a valid integer" in response.text


@pytest.mark.parametrize("user_id", ["999", str(2**63), "9" * 30])
def test_an_unknown_user_is_a_404(client, admin, user_id):
    assert client.get(f"/admin/users/{user_id}").status_code == 404


# Acting on a user ----------------------------------------------------------------


def test_changing_the_role_audits_the_reason_and_ends_their_sessions(app, client, admin, user):
    theirs = AuthActions(app.test_client(), app)
    assert theirs.login().status_code == 302
    response = act(client, user["id"], "role", "role", role="developer", reason="builds our integration")
    assert response.status_code == 302
    assert stored(app, user["id"])["role"] == "developer"
    [row] = audit_rows(app, "user.role_changed")
    assert row == {
        "actor_id": admin["id"],
        "subject_user_id": user["id"],
        "details": {"from": "user", "to": "developer", "reason": "builds our integration"},
    }
    assert theirs.client.get("/account/security").status_code == 302  # signed out: sign in again as a developer
    assert "The role of user@example.com is now developer" in client.get(response.headers["Location"]).text


def test_an_unverified_email_is_not_made_an_administrator(app, client, admin, user):
    sql(app, "UPDATE users SET email_verified_at = NULL WHERE id = %(id)s", {"id": user["id"]})
    response = act(client, user["id"], "role", "role", role="admin", reason="helps out")
    assert response.status_code == 409
    assert "verified email" in words(response.text)
    assert stored(app, user["id"])["role"] == "user"
    assert audit_rows(app, "user.role_changed") == []


@pytest.mark.parametrize(("path", "prefix", "fields"), [("role", "role", {"role": "user"}), ("disable", "disable", {})])
def test_an_administrator_cannot_demote_or_disable_themselves(app, client, admin, path, prefix, fields):
    create_user(app, email="second@example.com", role="admin")  # not the last one: the rule is about oneself
    page = client.get(f"/admin/users/{admin['id']}")
    assert "You cannot" in words(page.text)
    response = act(client, admin["id"], path, prefix, reason="oops", **fields)
    assert response.status_code == 409
    assert "your own account" in words(response.text)
    assert stored(app, admin["id"]) == {"role": "admin", "disabled_at": None}


def test_disabling_ends_their_sessions_and_apps_and_audits_the_reason(app, client, admin, user, r):
    response = act(client, user["id"], "disable", "disable", reason="reported for spam")
    assert response.status_code == 302
    assert stored(app, user["id"])["disabled_at"] is not None
    [row] = audit_rows(app, "user.disabled")
    assert (row["actor_id"], row["details"]) == (admin["id"], {"reason": "reported for spam"})
    page = client.get(response.headers["Location"]).text
    assert "user@example.com is disabled" in words(page)
    assert "Enable user@example.com" in page


def test_enabling_audits_the_reason(app, client, admin, user):
    act(client, user["id"], "disable", "disable", reason="reported for spam")
    response = act(client, user["id"], "enable", "enable", reason="false report")
    assert response.status_code == 302
    assert stored(app, user["id"])["disabled_at"] is None
    assert audit_rows(app, "user.enabled")[0]["details"] == {"reason": "false report"}


def test_unlocking_clears_the_sign_in_throttle_and_audits_the_reason(app, client, admin, user, monkeypatch):
    owner = AuthActions(app.test_client(), app)
    guess(owner, Clock(monkeypatch), throttle.PAIR.refuse_at, USER_EMAIL, ip="10.9.9.9")
    assert owner.login(ip="10.9.9.9").status_code == 429
    assert "<dt>Failed sign-ins this hour</dt><dd>10</dd>" in client.get(f"/admin/users/{user['id']}").text

    response = act(client, user["id"], "unlock", "unlock", reason="owner on the phone")
    assert response.status_code == 302
    assert audit_rows(app, "user.unlocked")[0]["details"] == {"reason": "owner on the phone", "counters_cleared": 2}
    assert owner.login(ip="10.9.9.9").status_code == 302


def test_resetting_two_factor_turns_it_off_and_audits_the_reason(app, client, admin, user):
    enable_two_factor(app, user["id"])
    assert 'id="two-factor"' in client.get(f"/admin/users/{user['id']}").text
    response = act(client, user["id"], "two-factor/reset", "two_factor", reason="lost phone, identity checked")
    assert response.status_code == 302
    with app.app_context():
        assert not two_factor.has_two_factor(postgres.get_connection(), user["id"])
    assert audit_rows(app, "two_factor.reset")[0]["details"] == {"reason": "lost phone, identity checked"}
    assert 'id="two-factor"' not in client.get(f"/admin/users/{user['id']}").text


@pytest.mark.parametrize(
    ("path", "prefix", "fields"),
    [
        ("role", "role", {"role": "developer"}),
        ("disable", "disable", {}),
        ("enable", "enable", {}),
        ("unlock", "unlock", {}),
        ("two-factor/reset", "two_factor", {}),
    ],
)
@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_every_action_needs_a_reason(app, client, admin, user, path, prefix, fields, reason):
    response = act(client, user["id"], path, prefix, reason=reason, **fields)
    assert response.status_code == 400
    assert stored(app, user["id"]) == {"role": "user", "disabled_at": None}
    changes = sql(app, "SELECT action FROM audit_log WHERE action LIKE 'user.%%' OR action LIKE 'two_factor.reset'")
    assert changes == []


def test_an_unknown_role_is_refused(app, client, admin, user):
    response = act(client, user["id"], "role", "role", role="root", reason="why not")
    assert response.status_code == 400
    assert stored(app, user["id"])["role"] == "user"
