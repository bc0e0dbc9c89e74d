"""The audit log: written for every portal action, read by admins (filtered, paged) and by developers."""

import re

import pytest

import audit
from stores import postgres
from tests.support.accounts import create_user
from tests.support.portal import VALID_APP, register_and_read, settings_of, submit


def audit_rows(app) -> list[dict]:
    with app.app_context():
        return list(reversed(audit.list_audit(postgres.get_connection(), limit=1000)))


def record_many(app, count: int, **fields) -> None:
    with app.app_context():
        conn = postgres.get_connection()
        with postgres.transaction(conn) as cur:
            for _ in range(count):
                audit.record(cur, "app.updated", **fields)


def entry_count(html: str) -> int:
    return len(re.findall(r'<tr class="entry">', html))


def test_every_portal_action_writes_its_audit_row(client, auth, app):
    developer = auth.sign_in_as("dev@example.com")
    client_id, _ = register_and_read(client)
    page = f"/developer/apps/{client_id}"
    submit(client, page, data=settings_of(name="Renamed"))
    submit(client, page, f"{page}/secrets")
    with app.app_context():
        from oauth import clients

        first_secret = clients.list_secrets(postgres.get_connection(), client_id)[0]
    submit(client, page, f"{page}/secrets/{first_secret['id']}/delete", data={"confirm": "yes"})

    admin = auth.sign_in_as("admin@example.com", role="admin")
    console = f"/admin/apps/{client_id}"
    submit(client, console, f"{console}/suspend", data={"reason": "Too many calls"})
    submit(client, console, f"{console}/resume")
    submit(client, console, f"{console}/rate-limit", data={"rate_limit": "50"})

    auth.sign_in_as("dev@example.com")
    submit(client, f"{page}/delete", data={"confirm_name": "Renamed"})

    rows = [row for row in audit_rows(app) if row["client_id"] == client_id]
    assert [row["action"] for row in rows] == [
        "app.created",
        "app.updated",
        "secret.created",
        "secret.deleted",
        "app.suspended",
        "app.resumed",
        "app.rate_limit_changed",
        "app.deleted",
    ]
    by_action = {row["action"]: row for row in rows}
    for action in ("app.created", "app.updated", "secret.created", "secret.deleted", "app.deleted"):
        assert by_action[action]["actor_id"] == developer["id"]
        assert by_action[action]["actor_label"] == "dev@example.com"
    for action in ("app.suspended", "app.resumed", "app.rate_limit_changed"):
        assert by_action[action]["actor_id"] == admin["id"]
    assert all(row["ip_address"] == "127.0.0.1" for row in rows)
    assert by_action["app.updated"]["details"] == {"fields": ["name"]}
    assert by_action["secret.deleted"]["details"] == {"prefix": first_secret["prefix"]}
    assert by_action["app.suspended"]["details"] == {"reason": "Too many calls"}
    assert by_action["app.rate_limit_changed"]["details"] == {"rate_limit": 50}
    assert by_action["app.deleted"]["details"] == {"name": "Renamed"}


def test_list_audit_filters_by_app_and_by_user_as_actor_or_subject(app):
    alice, bob = create_user(app, email="alice@example.com"), create_user(app, email="bob@example.com")
    record_many(app, 1, client_id="pa_client_a", actor_id=alice["id"])
    record_many(app, 1, client_id="pa_client_b", subject_user_id=alice["id"])
    record_many(app, 1, client_id="pa_client_a", actor_id=bob["id"])
    with app.app_context():
        conn = postgres.get_connection()
        of_a = audit.list_audit(conn, client_id="pa_client_a")
        of_alice = audit.list_audit(conn, user_id=alice["id"])
        both = audit.list_audit(conn, client_id="pa_client_a", user_id=alice["id"])
    assert [row["actor_id"] for row in of_a] == [bob["id"], alice["id"]]  # newest first
    assert {row["client_id"] for row in of_alice} == {"pa_client_a", "pa_client_b"}
    assert len(both) == 1 and both[0]["actor_email"] == "alice@example.com"


def test_pages_of_audit_cover_every_row_once(app):
    record_many(app, 120, client_id="pa_client_a")
    seen, before, pages = [], None, 0
    with app.app_context():
        while True:
            rows, before = audit.page_of_audit(postgres.get_connection(), before_id=before)
            seen += [row["id"] for row in rows]
            pages += 1
            if before is None:
                break
    assert pages == 3
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == 120


def test_last_full_page_has_no_next_page(app):
    record_many(app, 50)
    with app.app_context():
        rows, before = audit.page_of_audit(postgres.get_connection())
    assert len(rows) == 50 and before is None


# The admin's audit log page ---------------------------------------------------------


def test_admin_audit_log_shows_50_entries_a_page_and_links_to_older_ones(client, app, admin):
    record_many(app, 60, client_id="pa_client_a")
    first = client.get("/admin/audit")
    assert first.status_code == 200 and entry_count(first.text) == 50
    older = re.search(r'href="(/admin/audit\?before=\d+)">Older entries', first.text).group(1)
    second = client.get(older).text
    assert entry_count(second) == 11  # and the admin's own sign-in
    assert "Older entries" not in second and "Newest" in second


def test_admin_audit_log_filters_by_app(client, app, admin):
    record_many(app, 3, client_id="pa_client_a")
    record_many(app, 2, client_id="pa_client_b")
    page = client.get("/admin/audit?client_id=pa_client_b").text
    assert entry_count(page) == 2
    assert "pa_client_a" not in page


@pytest.mark.parametrize("by", ["email", "id"])
def test_admin_audit_log_filters_by_user_email_or_id(client, app, admin, by):
    alice = create_user(app, email="alice@example.com")
    record_many(app, 2, actor_id=alice["id"], client_id="pa_client_a")
    record_many(app, 1, subject_user_id=alice["id"], client_id="pa_client_b")
    record_many(app, 4, client_id="pa_client_c")
    value = "Alice@Example.com" if by == "email" else str(alice["id"])
    page = client.get("/admin/audit", query_string={"user": value}).text
    assert entry_count(page) == 3
    assert "pa_client_c" not in page


def test_filters_survive_paging(client, app, admin):
    record_many(app, 55, client_id="pa_client_a")
    record_many(app, 5, client_id="pa_client_b")
    first = client.get("/admin/audit?client_id=pa_client_a").text
    older = re.search(r'href="(/admin/audit\?[^"]+)">Older entries', first).group(1).replace("&amp;", "&")
    assert "client_id=pa_client_a" in older
    assert entry_count(client.get(older).text) == 5


def test_unknown_email_filter_says_so(client, app, admin):
    record_many(app, 2)
    page = client.get("/admin/audit?user=nobody@example.com").text
    assert "No account has this email." in page
    assert entry_count(page) == 0


@pytest.mark.parametrize("before", ["abc", "99999999999999999999", "-3"])
def test_a_bad_page_cursor_shows_the_newest_entries(client, app, admin, before):
    record_many(app, 3, client_id="pa_client_a")
    response = client.get(f"/admin/audit?client_id=pa_client_a&before={before}")
    assert response.status_code == 200 and entry_count(response.text) == 3


def test_an_overlong_filter_is_refused(client, admin):
    response = client.get("/admin/audit", query_string={"user": "x" * 300})
    assert response.status_code == 400
    assert "Field cannot be longer than 254 characters." in response.text


def test_admin_sees_who_did_what_from_where(client, app, auth, admin):
    auth.sign_in_as("dev@example.com")
    client_id, _ = register_and_read(client)
    auth.sign_in_as("admin@example.com")
    page = client.get(f"/admin/audit?client_id={client_id}").text
    row = page.split('<tr class="entry">', 1)[1].split("</tr>", 1)[0]
    assert "App registered" in row and "dev@example.com" in row and "127.0.0.1" in row
    assert VALID_APP["name"] in row


# The developer's view ----------------------------------------------------------------


def test_developer_activity_page_is_paged_and_shows_only_that_app(client, app, auth):
    auth.sign_in_as("dev@example.com")
    client_id, _ = register_and_read(client)
    record_many(app, 55, client_id=client_id)
    record_many(app, 5, client_id="pa_client_other")
    first = client.get(f"/developer/apps/{client_id}/audit").text
    assert entry_count(first) == 50
    older = re.search(r'href="([^"]+before=\d+)">Older entries', first).group(1)
    assert entry_count(client.get(older).text) == 6  # 55 updates and the registration
