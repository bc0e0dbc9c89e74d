"""Redirect URI matching: exact, except the port of a public app's loopback redirect (RFC 8252 §7.3)."""

import pytest

from oauth.client_rules import redirect_uri_problems
from oauth.redirect_uris import host_of, is_registered

LOOPBACK = ["http://127.0.0.1/callback", "http://[::1]:8400/callback"]
REGISTERED = ["https://app.example.com/callback"]


@pytest.mark.parametrize(
    "uri",
    [
        "http://127.0.0.1/callback",
        "http://127.0.0.1:51234/callback",
        "http://[::1]:1/callback",
        "http://[::1]/callback",
    ],
)
def test_a_public_apps_loopback_redirect_may_use_any_port(uri):
    assert is_registered(uri, LOOPBACK, "public")


@pytest.mark.parametrize(
    "uri",
    [
        "http://127.0.0.1:51234/callback/",  # path differs
        "http://127.0.0.1:51234/Callback",
        "http://127.0.0.1:51234/callback?x=1",
        "https://127.0.0.1:51234/callback",  # scheme differs
        "http://localhost:51234/callback",  # a name, not the loopback literal (RFC 8252 §8.3)
        "http://127.0.0.2:51234/callback",
        "http://evil@127.0.0.1:51234/callback",
        "http://127.0.0.1:51234@evil.example/callback",
        "http://127.0.0.1:notaport/callback",
        "http://127.0.0.1.evil.example/callback",
        "http://[::1].evil.example:8400/callback",  # more host after the IPv6 literal
        "http://[::1]x:8400/callback",
        "http://[::1]]:8400/callback",
    ],
)
def test_anything_else_about_a_loopback_redirect_must_match_exactly(uri):
    assert not is_registered(uri, LOOPBACK, "public")


def test_confidential_apps_get_no_port_leniency():
    assert not is_registered("http://127.0.0.1:51234/callback", LOOPBACK, "confidential")
    assert is_registered("http://127.0.0.1/callback", LOOPBACK, "confidential")


@pytest.mark.parametrize(
    "uri",
    [
        "https://app.example.com/callback/",
        "https://APP.example.com/callback",
        "https://app.example.com/Callback",
        "https://app.example.com/callback?next=/",
        "https://app.example.com/callback#",
        "https://app.example.com:443/callback",
        "https://app.example.com/callback/../callback",
        "http://app.example.com/callback",
        "https://app.example.com.evil.example/callback",
        "",
    ],
)
@pytest.mark.parametrize("client_type", ["confidential", "public"])
def test_other_redirect_uris_are_compared_as_exact_strings(uri, client_type):
    assert not is_registered(uri, REGISTERED, client_type)
    assert is_registered(REGISTERED[0], REGISTERED, client_type)


TRAILING_HOSTS = ["http://[::1].evil.example/callback", "http://[::1]x:8080/callback", "http://[::1]]/callback"]


@pytest.mark.parametrize("uri", TRAILING_HOSTS)
def test_a_host_that_only_starts_with_the_ipv6_loopback_is_not_loopback(uri):
    assert redirect_uri_problems("http://[::1]:8080/callback", "public") == []  # the loopback itself
    (problem,) = redirect_uri_problems(uri, "public")
    assert "use https" in problem  # plain http, and not on a loopback host


@pytest.mark.parametrize("netloc", ["[::1]", "[::1]:", "[::1]:8080", "user@[::1]:8080", "127.0.0.1:", "127.0.0.1:80"])
def test_the_host_of_a_loopback_netloc_drops_user_info_and_port(netloc):
    assert host_of(netloc) in ("[::1]", "127.0.0.1")


@pytest.mark.parametrize(
    ("netloc", "host"),
    [
        ("App.Example.com", "app.example.com"),
        ("app.example.com:8443", "app.example.com"),
        ("a:b@app.example.com", "app.example.com"),
        ("[::1].evil.example", "[::1].evil.example"),
        ("[::1]:x", "[::1]:x"),
    ],
)
def test_the_host_of_a_netloc_is_lower_cased_and_keeps_anything_after_an_ipv6_literal_but_a_port(netloc, host):
    assert host_of(netloc) == host
