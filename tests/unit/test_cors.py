"""The web origin of a redirect URI, spelled as a browser's Origin header spells it."""

import pytest

from web.cors import origin_of


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://spa.example.com/callback", "https://spa.example.com"),
        ("https://SPA.Example.COM/cb", "https://spa.example.com"),
        ("HTTPS://spa.example.com/cb", "https://spa.example.com"),
        ("https://spa.example.com:443/cb", "https://spa.example.com"),
        ("http://localhost:80/cb", "http://localhost"),
        ("https://spa.example.com:8443/cb?x=1#f", "https://spa.example.com:8443"),
        ("http://127.0.0.1:5173/cb", "http://127.0.0.1:5173"),
        ("http://[::1]:8080/cb", "http://[::1]:8080"),
        ("https://user:pw@spa.example.com/cb", "https://spa.example.com"),
        ("https://bücher.example/cb", "https://xn--bcher-kva.example"),
    ],
)
def test_origin_of_a_web_url(url, origin):
    assert origin_of(url) == origin


@pytest.mark.parametrize(
    "url",
    [
        "com.example.app:/callback",
        "null",
        "",
        "https://",
        "https://spa.example.com:99999/cb",
        "file:///tmp/x",
        "https://a b.example/cb",
        "https://a_b.example/cb",
    ],
)
def test_urls_without_a_web_origin(url):
    assert origin_of(url) is None
