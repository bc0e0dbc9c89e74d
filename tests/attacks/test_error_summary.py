"""The error summary repeats error messages first in the page: what an attacker typed must stay text there too."""

import pytest

from tests.support.portal import register_app

MARKUP = '"><script>alert(1)</script><a href="javascript:alert(2)">x</a>'


def summary_of(html: str) -> str:
    parts = html.split('class="error-summary"', 1)
    assert len(parts) == 2, "no error summary on the page"
    return parts[1].split("</div>", 1)[0]


@pytest.mark.parametrize("field", ["redirect_uris", "homepage_url", "post_logout_redirect_uris"])
def test_markup_echoed_in_an_error_is_escaped_in_the_summary(client, auth, field):
    auth.sign_in_as("dev@example.com")
    response = register_app(client, **{field: MARKUP})
    assert response.status_code == 400
    summary = summary_of(response.text)
    assert f'href="#{field}"' in summary
    assert "<script" not in summary and 'href="javascript:' not in summary
    assert "<script>alert(1)</script>" not in response.text


def test_the_summary_links_only_to_the_pages_own_fields(client, auth):
    """Links go to field ids the server chose, never to anything taken from the request."""
    auth.sign_in_as("dev@example.com")
    summary = summary_of(register_app(client, name=MARKUP * 10, redirect_uris=MARKUP).text)
    hrefs = [part.split('"', 1)[0] for part in summary.split('href="')[1:]]
    assert hrefs and all(href.startswith("#") and href[1:].replace("_", "").isalnum() for href in hrefs)
