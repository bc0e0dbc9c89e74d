"""Hosts an app registers: each must survive every encoding a redirect goes through, and be shown as it is."""

import pytest

from oauth.hostnames import MAX_HOST_LENGTH, host_problem, mixed_scripts, shown_host

LONGEST_LABEL = "a" * 63


@pytest.mark.parametrize(
    "host",
    [
        "app.example.com",
        "app.example.com.",
        f"{LONGEST_LABEL}.example",
        ".".join([LONGEST_LABEL] * 3) + "." + "b" * 61,  # 253 characters
        "münchen.example",
        "xn--mnchen-3ya.example",
        "日本語.jp",
        "127.0.0.1",
        "::1",
        "localhost",
    ],
    ids=["ascii", "trailing dot", "63-char label", "253 chars", "unicode", "punycode", "cjk", "ipv4", "ipv6", "local"],
)
def test_a_host_every_encoder_agrees_on_is_accepted(host):
    assert host_problem(host) is None


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("a..b", "empty label"),
        (".example.com", "empty label"),
        ("a" * 64 + ".example", "longer than 63"),
        ("ü" * 60 + ".example", "longer than 63"),  # 60 characters, but far more once encoded
        (".".join([LONGEST_LABEL] * 4), f"longer than {MAX_HOST_LENGTH}"),
        ("exa\uff0fmple.com", "not a valid domain name"),  # a full-width slash
        ("my_app.example.com", "not a valid domain name"),
        ("-app.example.com", "not a valid domain name"),
        ("xn--zz.example", "not a valid domain name"),
        ("x\u200dy.example", "not a valid domain name"),  # a joiner outside its context
        ("straße.example", "older IDNA encoders"),  # strasse.example to Werkzeug's Location header
        ("1.2.3.256", "no IPv4 address"),
    ],
    ids=[
        "double dot",
        "leading dot",
        "64-char label",
        "long once encoded",
        "over 253",
        "full-width slash",
        "underscore",
        "leading hyphen",
        "bad a-label",
        "joiner",
        "deviation character",
        "numeric tld",
    ],
)
def test_a_host_that_cannot_be_encoded_is_refused_with_its_reason(host, reason):
    assert reason in host_problem(host)


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        ("app.example.com", "app.example.com"),
        ("münchen.example", "münchen.example (xn--mnchen-3ya.example)"),
        ("MÜNCHEN.example", "münchen.example (xn--mnchen-3ya.example)"),
        ("\u0430pp.example.com", "\u0430pp.example.com (xn--pp-6kc.example.com)"),
        ("\uff41pp.example.com", "app.example.com"),  # full-width letters are the ASCII host they map to
        ("xn--pp-6kc.example.com", "xn--pp-6kc.example.com"),
    ],
    ids=["ascii", "unicode", "upper-case unicode", "cyrillic a", "full-width", "punycode as given"],
)
def test_a_non_ascii_host_is_shown_with_its_punycode_beside_it(host, shown):
    assert shown_host(host) == shown


def test_a_label_mixing_cyrillic_into_latin_is_named():
    assert mixed_scripts("\u0430pp.example.com") == ["CYRILLIC", "LATIN"]
    assert mixed_scripts("xn--pp-6kc.example.com") == ["CYRILLIC", "LATIN"]


@pytest.mark.parametrize("host", ["app.example.com", "münchen.example", "пример.рф", "ひらがなカタカナ漢字.jp"])
def test_a_host_in_one_alphabet_per_label_mixes_none(host):
    assert mixed_scripts(host) == []
