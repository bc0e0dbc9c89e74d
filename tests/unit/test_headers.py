"""The pages' Content-Security-Policy, and the form-action source a redirect URI becomes."""

import pytest

from web.headers import content_security_policy, form_action_source


def directives(policy: str) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in policy.split("; ")}


def test_forms_post_only_here_and_no_base_may_move_them():
    policy = directives(content_security_policy())
    assert policy["form-action"] == "'self'"
    assert policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["default-src"] == "'self'"


def test_a_form_target_is_added_beside_self():
    assert directives(content_security_policy(["https://app.example.com"]))["form-action"] == (
        "'self' https://app.example.com"
    )


@pytest.mark.parametrize(
    "url, source",
    [
        ("https://app.example.com/callback?x=1#f", "https://app.example.com"),
        ("https://APP.Example.com/cb", "https://app.example.com"),
        ("https://app.example.com:8443/cb", "https://app.example.com:8443"),
        ("http://127.0.0.1:8765/callback", "http://127.0.0.1:8765"),
        ("https://user:pw@app.example.com/cb", "https://app.example.com"),
        ("com.example.app:/oauth/callback", "com.example.app:"),
        ("http://[::1]:8765/callback", "http:"),  # CSP cannot name an IPv6 literal
        ("https://bücher.example/cb", "https://xn--bcher-kva.example"),
        ("https://a..b/cb", "https:"),
        ("https://" + "a" * 64 + ".example/cb", "https:"),
    ],
)
def test_a_redirect_uri_becomes_its_origin(url, source):
    assert form_action_source(url) == source


@pytest.mark.parametrize(
    "url",
    [
        "https://a.example;script-src *",
        "https://a.example/cb 'unsafe-inline'",
        "https://a.example,evil/cb",
        "https://a.example\t/cb",
    ],
)
def test_nothing_in_a_redirect_uri_can_add_a_directive(url):
    source = form_action_source(url)
    assert source is not None
    assert not set(source) & set(";,' \t")


@pytest.mark.parametrize("url", ["https://[x/cb", "https://a.example:99999/cb", "1ab:/cb", ";:/cb", "/relative"])
def test_what_cannot_be_read_gives_no_source(url):
    assert form_action_source(url) is None
