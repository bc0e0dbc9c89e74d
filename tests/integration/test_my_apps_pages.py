"""My apps a page at a time: newest first, next and previous links, a count, only my apps, bad links refused."""

import re
from html import unescape

import pytest

from api.rate_limit import counter_key, window_index
from portal.developer.my_apps import format_cursor
from stores import postgres
from stores.redis_client import get_redis
from tests.support.accounts import create_user

PAGE = 50
NAME = re.compile(r'<td data-label="Name"><a href="[^"]+">([^<]+)</a></td>')


def add_apps(app, owner_id: int, prefix: str, count: int, seconds_ago_start: int = 0, step: int = 2) -> list[str]:
    """`count` apps of `owner_id`, newest first in the returned order; every third shares its created_at with the next
    (apps registered in the same instant keep one order too)."""
    with app.app_context(), postgres.transaction(postgres.get_connection()) as cur:
        cur.execute(
            """INSERT INTO clients (client_id, owner_id, name, client_type, created_at)
               SELECT %(prefix)s || lpad(n::text, 4, '0'), %(owner)s, %(prefix)s || ' ' || lpad(n::text, 4, '0'),
                      'confidential', now() - (%(start)s + (n - n %% 3 %% 2) * %(step)s) * interval '1 second'
               FROM generate_series(0, %(count)s - 1) AS n""",
            {"prefix": prefix, "owner": owner_id, "count": count, "start": seconds_ago_start, "step": step},
        )
        cur.execute(
            "SELECT name FROM clients WHERE owner_id = %(owner)s ORDER BY created_at DESC, client_id DESC",
            {"owner": owner_id},
        )
        return [row["name"] for row in cur.fetchall()]


def names_on(page: str) -> list[str]:
    return NAME.findall(page)


def count_on(page: str) -> str:
    """The "Apps 1–50 of 120" line, its spaces as one."""
    return re.search(r"Apps [\d,]*\d–[\d,]*\d of [\d,]*\d", " ".join(page.split())).group(0)


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    return unescape(found.group(1)) if found else None


@pytest.fixture
def developer(auth):
    return auth.sign_in_as("dev@example.com")


@pytest.fixture
def my_names(app, developer):
    """120 apps of the signed-in developer, interleaved in time with 30 of another developer."""
    other = create_user(app, "other-dev@example.com")
    add_apps(app, other["id"], "Theirs", 30, seconds_ago_start=1, step=8)
    return add_apps(app, developer["id"], "Mine", 120)


def test_first_page_shows_the_newest_fifty_and_how_many_there_are(client, my_names):
    page = client.get("/developer/apps").text
    assert names_on(page) == my_names[:PAGE]
    assert count_on(page) == "Apps 1–50 of 120"
    assert link(page, "prev") is None and link(page, "next")
    # The links are a landmark of their own, each named by its text; the count is announced as a status.
    assert '<nav class="pager" aria-label="Pages">' in page and 'rel="next">Next page</a>' in page
    assert '<p class="result-count" role="status">Apps 1–50' in page


def test_next_links_walk_every_app_once_and_previous_links_walk_back(client, my_names):
    seen, pages, url = [], [], "/developer/apps"
    while url:
        page = client.get(url).text
        assert "Theirs" not in page
        seen += names_on(page)
        pages.append(page)
        url = link(page, "next")
    assert seen == my_names and len(pages) == 3
    assert count_on(pages[-1]) == "Apps 101–120 of 120"

    back = client.get(link(pages[-1], "prev")).text
    assert names_on(back) == my_names[PAGE : 2 * PAGE] and count_on(back) == "Apps 51–100 of 120"
    first = client.get(link(back, "prev")).text
    assert names_on(first) == my_names[:PAGE] and link(first, "prev") is None


def test_pages_neither_repeat_nor_skip_apps_registered_meanwhile(client, app, developer, my_names):
    first = client.get("/developer/apps").text
    newer = add_apps(app, developer["id"], "New", 3, seconds_ago_start=-60)[:3]  # newer than all
    second = client.get(link(first, "next")).text
    assert names_on(second) == my_names[PAGE : 2 * PAGE]
    assert count_on(second) == "Apps 54–103 of 123"
    back = client.get(link(second, "prev")).text
    assert names_on(back) == my_names[:PAGE] and count_on(back) == "Apps 4–53 of 123"
    # Fewer than a page is newer than that: the first page, the new apps on top.
    first = client.get(link(back, "prev")).text
    assert names_on(first) == (newer + my_names)[:PAGE] and link(first, "prev") is None


def test_usage_of_an_app_on_a_later_page_is_shown_there(client, app, my_names):
    with app.app_context():
        r = get_redis()
        client_id = f"Mine{119:04d}"  # the oldest: last page
        r.set(counter_key(client_id, window_index(r.time()[0])), 9)
    page = client.get(link(client.get(link(client.get("/developer/apps").text, "next")).text, "next")).text
    row = page[page.index("Mine 0119") :]
    assert "9 of 1000" in row


def test_another_developers_cursor_shows_only_my_apps(client, app, my_names):
    with app.app_context(), postgres.get_connection().cursor() as cur:
        cur.execute("SELECT created_at FROM clients WHERE client_id = 'Theirs0000'")
        created_at = cur.fetchone()["created_at"]
    page = client.get("/developer/apps", query_string={"after": format_cursor(created_at, "Theirs0000")}).text
    assert names_on(page) and all(name.startswith("Mine") for name in names_on(page))


def test_a_cursor_beyond_the_last_app_shows_the_first_page(client, my_names):
    page = client.get("/developer/apps?after=0.a")
    assert page.status_code == 200 and names_on(page.text) == my_names[:PAGE]


@pytest.mark.parametrize(
    "query",
    [
        "after=x",
        "after=",
        "after=12",
        "after=12.",
        "after=.Mine0001",
        "after=-5.Mine0001",
        "after=1e5.Mine0001",
        "after=999999999999999999.Mine0001",
        "after=5." + "a" * 101,
        "before=%C3%A9.Mine0001",
        "after=5.Mine0001&before=5.Mine0002",
    ],
)
def test_a_bad_page_link_is_a_400_not_an_error(client, developer, query):
    response = client.get("/developer/apps?" + query)
    assert response.status_code == 400
    assert "open My apps again" in unescape(response.text)


def test_a_page_link_with_a_nul_is_refused_before_it_is_read(client, developer):
    assert client.get("/developer/apps?after=5.%00").status_code == 400


def test_a_developer_with_a_page_of_apps_or_fewer_gets_no_page_links(client, app, developer):
    names = add_apps(app, developer["id"], "Mine", PAGE)
    page = client.get("/developer/apps").text
    assert names_on(page) == names and 'aria-label="Pages"' not in page
    assert count_on(page) == "Apps 1–50 of 50"
