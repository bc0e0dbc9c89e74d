"""What assistive technology relies on in every form: help and errors tied to their field, an error summary
linking to each field, the skip link, and the autocomplete tokens password managers read.

The pages are read as markup here; tests/e2e/test_accessibility_browser.py runs axe-core and a keyboard on them.
"""

import re
from html import unescape
from html.parser import HTMLParser

import pytest

from accounts.passwords import HINT
from tests.support.accounts import USER_EMAIL, create_user
from tests.support.portal import register_app

VOID_TAGS = {"input", "img", "br", "hr", "meta", "link"}


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside each element that has an id."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text_by_id: dict[str, str] = {}
        self._open: list[tuple[str, str]] = []  # elements with an id, not closed yet

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        self.tags.append((tag, attributes))
        if "id" in attributes and tag not in VOID_TAGS:
            self.text_by_id.setdefault(attributes["id"], "")
            self._open.append((tag, attributes["id"]))

    def handle_endtag(self, tag):
        if self._open and self._open[-1][0] == tag:
            self._open.pop()

    def handle_data(self, data):
        for _, element_id in self._open:
            self.text_by_id[element_id] += data


def parse(html: str) -> _Elements:
    elements = _Elements()
    elements.feed(html)
    return elements


def element(page: _Elements, **wanted) -> dict:
    """The attributes of the first element whose attributes include `wanted` (name with _ for -)."""
    wanted = {name.replace("_", "-"): value for name, value in wanted.items()}
    for _, attributes in page.tags:
        if all(attributes.get(name) == value for name, value in wanted.items()):
            return attributes
    raise AssertionError(f"no element with {wanted}")


def description_of(page: _Elements, attributes: dict) -> str:
    """What a screen reader reads after the field's name: the text of each element aria-describedby names."""
    ids = attributes.get("aria-describedby", "").split()
    assert all(i in page.text_by_id for i in ids), f"aria-describedby names a missing element: {ids}"
    return " ".join(" ".join(page.text_by_id[i].split()) for i in ids)


def summary_links(html: str) -> list[tuple[str, str]]:
    """(href, text) of each link in the error summary, which must come before the page's heading."""
    summary = html.split('class="error-summary"', 1)
    assert len(summary) == 2, "no error summary on the page"
    assert "<h1" not in summary[0].split("<main", 1)[1], "the error summary is not first in the main content"
    block = summary[1].split("</div>", 1)[0]
    return [
        (part.split('"', 1)[0], unescape(" ".join(part.split(">", 1)[1].split("</a>", 1)[0].split())))
        for part in block.split('<a href="')[1:]
    ]


def test_password_rules_are_read_with_the_password_field(client):
    page = parse(client.get("/signup").text)
    assert description_of(page, element(page, id="password")) == HINT


def test_sign_up_with_errors_starts_with_a_summary_linking_to_each_field_in_error(auth):
    html = auth.sign_up(email="not an email", confirm="something else").text
    links = summary_links(html)
    assert [href for href, _ in links] == ["#email", "#confirm"]
    parsed = parse(html)
    for href, text in links:
        field = element(parsed, id=href[1:])
        assert field.get("aria-invalid") == "true"
        errors = " ".join(parsed.text_by_id[f"{href[1:]}-errors"].split())
        assert errors in text, "the summary's words differ from the ones beside the field"
        assert errors in description_of(parsed, field)


def test_the_error_summary_is_announced_and_takes_focus(auth):
    html = auth.sign_up(email="not an email").text
    summary = element(parse(html), **{"class": "error-summary"})
    assert summary["role"] == "alert" and "autofocus" in summary and summary["tabindex"] == "-1"


def test_a_wrong_password_is_in_the_summary_and_tied_to_the_password_field(auth, app):
    create_user(app)
    html = auth.login(USER_EMAIL, "not it").text
    assert ("#password", "Password: Wrong email or password.") in summary_links(html)
    parsed = parse(html)
    assert "Wrong email or password." in description_of(parsed, element(parsed, id="password"))


def test_a_page_without_errors_has_no_summary_and_skips_to_its_main_content(client):
    html = client.get("/login").text
    assert "error-summary" not in html
    parsed = parse(html)
    first_link = next(attributes for tag, attributes in parsed.tags if tag == "a")
    assert first_link["href"] == "#main" and "Skip to main content" in html
    assert element(parsed, id="main")["tabindex"] == "-1"


def test_redirect_uri_rules_and_errors_are_read_with_the_field(client, auth):
    auth.sign_in_as("dev@example.com")
    html = register_app(client, redirect_uris="not a uri", scopes=[]).text
    parsed = parse(html)
    described = description_of(parsed, element(parsed, id="redirect_uris"))
    help_text = " ".join(parsed.text_by_id["redirect_uris-help"].split())
    errors = " ".join(parsed.text_by_id["redirect_uris-errors"].split())
    assert help_text and errors and described == f"{help_text} {errors}"
    # A group of checkboxes in error: the summary's link lands on the group, which names its errors.
    assert any(href == "#scopes" for href, _ in summary_links(html))
    group = element(parsed, id="scopes")
    assert "scopes-errors" in group["aria-describedby"].split()


@pytest.mark.parametrize(
    ("path", "field", "token"),
    [
        ("/login", "email", "username"),
        ("/login", "password", "current-password"),
        ("/signup", "email", "email"),
        ("/signup", "password", "new-password"),
        ("/signup", "confirm", "new-password"),
        ("/password/forgot", "email", "email"),
    ],
)
def test_password_managers_can_tell_each_sign_in_field(client, path, field, token):
    assert element(parse(client.get(path).text), id=field)["autocomplete"] == token


def test_signed_in_password_and_code_fields_say_what_they_hold(client, auth):
    auth.sign_in_as()
    change = parse(client.get("/account/password").text)
    assert element(change, id="current_password")["autocomplete"] == "current-password"
    assert element(change, id="new_password")["autocomplete"] == "new-password"
    setup = parse(client.get("/account/two-factor").text)
    assert element(setup, id="code")["autocomplete"] == "one-time-code"


def test_a_page_of_several_forms_summarises_the_one_in_error(client, admin, app):
    """The admin user page keeps its action forms in a mapping; the summary finds the one with the error."""
    other = create_user(app, "other@example.com")
    page = client.get(f"/admin/users/{other['id']}").text
    token = re.search(r'name="disable-csrf_token"[^>]*value="([^"]+)"', page).group(1)
    html = client.post(f"/admin/users/{other['id']}/disable", data={"disable-csrf_token": token}).text
    links = summary_links(html)
    assert [href for href, _ in links] == ["#disable-reason"]
    parsed = parse(html)
    assert "disable-reason-errors" in element(parsed, id="disable-reason")["aria-describedby"].split()


@pytest.mark.parametrize("path", ["/admin", "/admin/users"])
def test_a_bad_page_number_in_the_admin_lists_is_linked_to_its_message(client, admin, path):
    # The page number has no field of its own: the summary's link lands on its message instead.
    response = client.get(path, query_string={"page": "abc"})
    assert response.status_code == 400
    links = summary_links(response.text)
    assert links and all(href == "#page" for href, _ in links)
    assert element(parse(response.text), id="page")["tabindex"] == "-1"
