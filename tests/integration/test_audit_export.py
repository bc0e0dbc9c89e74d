"""The admin's audit log: filters by event, actor, app and days, and the CSV export of what they keep."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest

import audit
from portal.admin.audit_search import EXPORT_BATCH
from stores import postgres
from tests.support.accounts import AuthActions, create_user
from tests.support.apps import make_app

OTHER_APP = "pa_client_other"


def entry_count(html: str) -> int:
    return len(re.findall(r'<tr class="entry', html))


def record(app, action: str, count: int = 1, **fields) -> None:
    with app.app_context(), postgres.transaction(postgres.get_connection()) as cur:
        for _ in range(count):
            audit.record(cur, action, **fields)


def add_app(app, client_id: str, name: str) -> None:
    owner = create_user(app, email=f"owner-{client_id}@example.com", role="developer")
    with app.app_context(), postgres.transaction(postgres.get_connection()) as cur:
        cur.execute(
            """INSERT INTO clients (client_id, owner_id, name, client_type)
               VALUES (%(id)s, %(owner)s, %(name)s, 'public')""",
            {"id": client_id, "owner": owner["id"], "name": name},
        )


def add_bulk_rows(app, count: int) -> None:
    """`count` rows of one app, numbered 1 to `count` in their details in the order they are written."""
    with app.app_context(), postgres.transaction(postgres.get_connection()) as cur:
        cur.execute(
            """INSERT INTO audit_log (action, client_id, details)
               SELECT 'app.updated', 'pa_client_bulk', jsonb_build_object('n', n)
               FROM generate_series(1, %(n)s) AS n""",
            {"n": count},
        )


def exported(client, **filters) -> list[dict]:
    response = client.get("/admin/audit.csv", query_string=filters)
    assert response.status_code == 200, response.text
    assert response.mimetype == "text/csv"
    assert re.fullmatch(r'attachment; filename="audit-log-\d{8}T\d{6}Z\.csv"', response.headers["Content-Disposition"])
    return list(csv.DictReader(io.StringIO(response.text)))


def test_export_holds_exactly_the_filtered_rows(client, app, admin):
    add_app(app, "pa_client_acme", "Acme Sync")
    alice = create_user(app, email="alice@example.com", role="admin")
    record(app, "app.suspended", 3, client_id="pa_client_acme", actor_id=alice["id"], actor_label=alice["email"])
    record(app, "app.updated", 2, client_id="pa_client_acme", actor_id=alice["id"])
    record(app, "app.suspended", 4, client_id=OTHER_APP, actor_id=alice["id"])
    record(app, "app.suspended", 1, client_id="pa_client_acme", actor_id=admin["id"])

    rows = exported(client, action="app.suspended", client_id="acme sync", actor="ALICE@example.com")
    assert len(rows) == 3
    assert {(row["action"], row["what"], row["client_id"], row["app"], row["actor"]) for row in rows} == {
        ("app.suspended", "App suspended", "pa_client_acme", "Acme Sync", "alice@example.com")
    }
    ids = [int(row["id"]) for row in rows]
    assert ids == sorted(ids, reverse=True)  # newest first, as the page
    # The page shows the same rows and links to this export with the same filters.
    page = client.get("/admin/audit", query_string={"action": "app.suspended", "client_id": "acme sync"}).text
    assert entry_count(page) == 4
    assert 'href="/admin/audit.csv?action=app.suspended&amp;client_id=acme+sync"' in page


def test_export_is_streamed_in_batches_and_holds_every_row_once(client, app, admin):
    total = EXPORT_BATCH * 2 + 500
    add_bulk_rows(app, total)
    response = client.get("/admin/audit.csv?client_id=pa_client_bulk", buffered=False)
    assert response.is_streamed
    chunks = list(response.response)
    assert len(chunks) > 10  # sent as it is read, not as one body
    rows = list(csv.DictReader(io.StringIO("".join(chunk.decode() for chunk in chunks))))
    assert len(rows) == total
    assert [row["details"] for row in rows[:2]] == [f'{{"n": {total}}}', f'{{"n": {total - 1}}}']
    assert len({row["id"] for row in rows}) == total


def test_a_paused_download_holds_no_connection_and_still_ends_complete(app, store_urls):
    """A client that stops reading mid-export: with a pool of one, every other request is still served."""
    small = make_app(store_urls, DB_POOL_MAX=1)
    browser = small.test_client()
    AuthActions(browser, small).sign_in_as("admin@example.com", role="admin")
    total = EXPORT_BATCH * 2 + 500
    add_bulk_rows(small, total)
    response = browser.get("/admin/audit.csv?client_id=pa_client_bulk", buffered=False)
    chunks = iter(response.response)
    received = [next(chunks)]
    while sum(chunk.count(b"\n") for chunk in received) <= EXPORT_BATCH + 1:  # into the second batch
        received.append(next(chunks))
    others = [browser.get("/admin/audit?client_id=pa_client_bulk") for _ in range(5)]
    assert [page.status_code for page in others] == [200] * 5
    add_bulk_rows(small, 3)  # newer than the export's first row: not in it
    received.extend(chunks)
    response.close()
    rows = list(csv.DictReader(io.StringIO(b"".join(received).decode())))
    assert len(rows) == total and len({row["id"] for row in rows}) == total
    assert [row["details"] for row in (rows[0], rows[-1])] == [f'{{"n": {total}}}', '{"n": 1}']


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def test_date_range_keeps_whole_days_in_utc(client, app, admin):
    record(app, "app.updated", 4, client_id="pa_client_days")
    with app.app_context(), postgres.transaction(postgres.get_connection()) as cur:
        cur.execute("SELECT id FROM audit_log WHERE client_id = 'pa_client_days' ORDER BY id")
        ids = [row["id"] for row in cur.fetchall()]
        times = ["2026-03-01T23:59:59", "2026-03-02T00:00:00", "2026-03-03T23:59:59", "2026-03-04T00:00:00"]
        for row_id, when in zip(ids, times, strict=True):
            cur.execute("UPDATE audit_log SET occurred_at = %s WHERE id = %s", (at(when), row_id))
    filters = {"client_id": "pa_client_days", "since": "2026-03-02", "until": "2026-03-03"}
    rows = exported(client, **filters)
    assert [row["occurred_at"] for row in rows] == ["2026-03-03T23:59:59+00:00", "2026-03-02T00:00:00+00:00"]
    assert entry_count(client.get("/admin/audit", query_string=filters).text) == 2
    assert len(exported(client, client_id="pa_client_days", since="2026-03-04")) == 1
    assert len(exported(client, client_id="pa_client_days", until="2026-03-01")) == 1


def test_app_filter_takes_a_name_or_a_client_id_even_of_a_deleted_app(client, app, admin):
    add_app(app, "pa_client_acme", "Acme Sync")
    add_app(app, "pa_client_acme2", "ACME Reports")
    record(app, "app.updated", 2, client_id="pa_client_acme")
    record(app, "app.updated", 1, client_id="pa_client_acme2")
    record(app, "app.deleted", 1, client_id="pa_client_gone")
    assert len(exported(client, client_id="Acme")) == 3
    assert len(exported(client, client_id="pa_client_acme")) == 2
    assert [row["action"] for row in exported(client, client_id="pa_client_gone")] == ["app.deleted"]
    page = client.get("/admin/audit?client_id=Acme+Sync").text
    assert entry_count(page) == 2


def test_event_filter_lists_every_known_event(client, admin):
    page = client.get("/admin/audit").text
    select = page.split('<select id="action"', 1)[1].split("</select>", 1)[0]
    assert all(f'value="{action}"' in select for action in audit.ACTIONS)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=2026-02-30", "Not a valid date value."),
        ("until=yesterday", "Not a valid date value."),
        ("since=2026-03-05&until=2026-03-04", "The last day comes before the first."),
        ("until=9999-12-31", "Choose a day from 1970-01-01 to 2999-12-31."),
        ("since=0001-01-01", "Choose a day from 1970-01-01 to 2999-12-31."),
        ("action=app.exploded", "Choose an event from the list."),
        ("actor=" + "a" * 300, "Field cannot be longer than 254 characters."),
    ],
)
@pytest.mark.parametrize("path", ["/admin/audit", "/admin/audit.csv"])
def test_bad_filters_are_refused_with_a_reason(client, admin, path, query, message):
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert response.mimetype == "text/html" and message in response.text


@pytest.mark.parametrize("path", ["/admin/audit", "/admin/audit.csv"])
def test_unknown_actor_says_so(client, app, admin, path):
    record(app, "app.updated", 2)
    response = client.get(f"{path}?actor=nobody@example.com")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "No account has this email." in response.text and entry_count(response.text) == 0


def test_a_vague_app_filter_is_refused(client, app, admin, monkeypatch):
    monkeypatch.setattr("portal.admin.audit_search.MAX_MATCHED_APPS", 1)
    add_app(app, "pa_client_a1", "Acme One")
    add_app(app, "pa_client_a2", "Acme Two")
    assert "apps have this in their name: type more of it." in client.get("/admin/audit?client_id=acme").text


def test_a_filter_that_keeps_nothing_says_so_and_offers_no_download(client, app, admin):
    record(app, "app.updated", 2)
    page = client.get("/admin/audit?action=user.disabled").text
    assert entry_count(page) == 0 and "No entry matches these filters." in page
    assert "Download as CSV" not in page
