"""Where sign-in sends a person afterwards: only ever a path on this site."""

import pytest

from portal.auth.redirects import safe_next


@pytest.mark.parametrize(
    "target",
    ["/", "/developer/apps", "/oauth/authorize?client_id=x&scope=read%3Adata", "/account#top", "/a//b"],
)
def test_a_local_path_is_kept(target):
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "developer/apps",
        "https://evil.example/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example",
        "/\\/evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/ok\nLocation: https://evil.example",
        "/ok\r\n",
        "/ok\t",
        "/ok\x00",
        "/ok\x7f",
    ],
    ids=[
        "none",
        "empty",
        "relative",
        "absolute url",
        "scheme-relative",
        "three slashes",
        "backslash",
        "backslash then slash",
        "two backslashes",
        "javascript",
        "header injection",
        "crlf",
        "tab",
        "nul",
        "delete",
    ],
)
def test_anything_but_a_local_path_falls_back_to_the_default(target):
    assert safe_next(target, default="/home") == "/home"


def test_the_default_default_is_the_home_page():
    assert safe_next("https://evil.example/") == "/"
