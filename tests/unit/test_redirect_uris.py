"""Redirect URI matching: exact, except the port of a public app's loopback redirect (RFC 8252 §7.3)."""

import pytest

from oauth.client_rules import redirect_uri_problems
from oauth.redirect_uris import host_of, is_registered

LOOPBACK = ["http://127.0.0.1/callback", "http://[::1]:8400/callback"]


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


TRAILING_HOSTS = ["http://[::1].evil.example/callback", "http://[::1]x:8080/callback", "http://[::1]]/callback"]


@pytest.mark.parametrize("uri", TRAILING_HOSTS)
def test_a_host_that_only_starts_with_the_ipv6_loopback_is_not_loopback(uri):
    assert redirect_uri_problems("http://[::1]:8080/callback", "public") == []  # the loopback itself
    (problem,) = redirect_uri_problems(uri, "public")
    assert "use https" in problem  # plain http, and not on a loopback host


@pytest.mark.parametrize("netloc", ["[::1]", "[::1]:", "[::1]:8080", "user@[::1]:8080", "127.0.0.1:", "127.0.0.1:80"])
def test_the_host_of_a_loopback_netloc_drops_user_info_and_port(netloc):
    assert host_of(netloc) in ("[::1]", "127.0.0.1")
