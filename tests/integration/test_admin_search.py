"""The admin console's app list with a thousand apps: search, filters, sort by calls this hour, pages."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.admin.app_search import PAGE_SIZE
from stores import postgres
from tests.support.admin_console import seed_apps, set_calls_this_hour

APPS = 1000


@pytest.fixture
def seeded(app, admin) -> list[str]:
    return seed_apps(app, APPS)


def listed(html: str) -> list[str]:
    """Client IDs of the app rows of a list page, in order."""
    return re.findall(r'<tr class="app">.*?<code>([^<]+)</code>', html, re.S)


def next_link(html: str) -> str | None:
    match = re.search(r'href="([^"]+)" rel="next"', html)
    return match.group(1).replace("&amp;", "&") if match else None


def test_pages_cover_a_thousand_apps_once_each_newest_first(client, seeded):
    seen, url, pages = [], "/admin", 0
    while url:
        page = client.get(url)
        assert page.status_code == 200
        rows = listed(page.text)
        assert len(rows) == PAGE_SIZE
        seen += rows
        pages += 1
        url = next_link(page.text)
    assert pages == APPS // PAGE_SIZE
    assert seen == seeded  # every app once, in order


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("app 0042", ["pa_client_seed_0042"]),  # name, any case
        ("APP 004", [f"pa_client_seed_{n:04d}" for n in range(40, 50)]),
        ("client_seed_0999", ["pa_client_seed_0999"]),  # client ID
        ("OWNER3@EXAMPLE", None),  # owner email: every 10th app
    ],
)
def test_search_by_name_client_id_or_owner_email(client, seeded, q, expected):
    page = client.get("/admin", query_string={"q": q}).text
    if expected is None:
        expected = [client_id for n, client_id in enumerate(seeded) if n % 10 == 3][:PAGE_SIZE]
        assert "100 apps match" in page
    assert listed(page) == expected


@pytest.mark.parametrize(
    ("filters", "count", "rule"),
    [
        ({"status": "suspended"}, 100, lambda n: n % 10 == 0),
        ({"status": "active"}, 900, lambda n: n % 10 != 0),
        ({"verified": "yes"}, 250, lambda n: n % 4 == 0),
        ({"verified": "no"}, 750, lambda n: n % 4 != 0),
        ({"status": "active", "verified": "yes"}, 200, lambda n: n % 4 == 0 and n % 10 != 0),
        ({"status": "active", "q": "owner1@"}, 100, lambda n: n % 10 == 1),
    ],
)
def test_each_filter_keeps_only_its_apps_and_pages_keep_the_filters(client, seeded, filters, count, rule):
    first = client.get("/admin", query_string=filters).text
    assert f"{count:,} apps match" in first
    wanted = [client_id for n, client_id in enumerate(seeded) if rule(n)]
    assert listed(first) == wanted[:PAGE_SIZE]
    second_url = next_link(first)
    assert parse_qs(urlsplit(second_url).query) == {**{name: [value] for name, value in filters.items()}, "page": ["2"]}
    assert listed(client.get(second_url).text) == wanted[PAGE_SIZE : 2 * PAGE_SIZE]


def test_filters_show_in_the_form_they_came_from(client, seeded):
    page = client.get("/admin?status=suspended&verified=no&q=App").text
    assert '<option selected value="suspended">' in page and '<option selected value="no">' in page
    assert 'value="App"' in page


def test_sort_by_calls_this_hour_puts_the_busiest_first_across_the_whole_set(client, app, seeded):
    set_calls_this_hour(app, {"pa_client_seed_0500": 30, "pa_client_seed_0999": 20, "pa_client_seed_0001": 10})
    page = client.get("/admin?sort=calls").text
    rows = listed(page)
    assert rows[:3] == ["pa_client_seed_0500", "pa_client_seed_0999", "pa_client_seed_0001"]
    # Apps without a call follow, newest first.
    assert rows[3:6] == ["pa_client_seed_0000", "pa_client_seed_0002", "pa_client_seed_0003"]
    assert "30 of 1000" in page.split("pa_client_seed_0500", 1)[1].split("</tr>", 1)[0]
    # The sort combines with the filters and the pages keep it.
    suspended = listed(client.get("/admin?sort=calls&status=suspended").text)
    assert suspended[:2] == ["pa_client_seed_0500", "pa_client_seed_0000"]
    assert "sort=calls" in next_link(page)


def test_sort_by_name_ignores_case(client, app, seeded):
    with app.app_context(), postgres.transaction(postgres.get_connection()) as cur:
        cur.execute("UPDATE clients SET name = 'Zzz last' WHERE client_id = 'pa_client_seed_0777'")
    assert listed(client.get("/admin?sort=name").text)[:2] == ["pa_client_seed_0000", "pa_client_seed_0001"]
    last_page = listed(client.get("/admin?sort=name&page=20").text)
    assert last_page[-2:] == ["pa_client_seed_0999", "pa_client_seed_0777"]


def test_a_page_beyond_the_last_shows_the_last(client, seeded):
    page = client.get("/admin?page=5000")
    assert page.status_code == 200
    assert "Page 20 of 20" in page.text and listed(page.text) == seeded[-PAGE_SIZE:]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status=deleted", "Choose active or suspended."),
        ("verified=maybe", "Choose verified or not verified."),
        ("sort=client_id;DROP", "Choose newest, name or calls this hour."),
        ("page=-1", "No such page"),
        ("page=0", "No such page"),
        ("page=abc", "Not a valid integer value."),
        ("page=99999999999999999999999", "No such page"),
        ("q=" + "x" * 255, "Field cannot be longer than 254 characters."),
    ],
)
def test_bad_filters_are_refused_with_a_reason(client, admin, query, message):
    response = client.get("/admin?" + query)
    assert response.status_code == 400
    assert message in response.text


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("1%2", ["pa_meta_percent"]),  # unescaped, % would match "App 0102" and others
        ("0_1", ["pa_meta_underscore"]),  # unescaped, _ would match "App 0011" and others
        ("\\", ["pa_meta_backslash"]),
        ("'; DROP TABLE clients; --", []),
    ],
)
def test_search_text_is_matched_literally(client, app, seeded, q, expected):
    with app.app_context(), postgres.transaction(postgres.get_connection()) as cur:
        cur.execute(
            """INSERT INTO clients (client_id, owner_id, name, client_type)
               SELECT v.id, (SELECT min(id) FROM users), v.name, 'public'
               FROM (VALUES ('pa_meta_percent', 'Promo 1%2'), ('pa_meta_underscore', 'Build 0_1'),
                            ('pa_meta_backslash', 'Back\\slash')) AS v (id, name)"""
        )
    response = client.get("/admin", query_string={"q": q})
    assert response.status_code == 200
    assert listed(response.text) == expected
    assert "1,003 apps" in client.get("/admin").text  # and nothing was dropped


def test_the_audit_log_has_indexes_by_event_type_and_by_time(app):
    with app.app_context(), postgres.get_connection().cursor() as cur:
        cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'audit_log'")
        names = {row["indexname"] for row in cur.fetchall()}
    assert {"audit_log_action_id_idx", "audit_log_occurred_at_idx"} <= names
