"""What a valid app registration looks like: one case per rule, each naming the field at fault."""

import pytest

from oauth.client_rules import (
    MAX_DESCRIPTION_LENGTH,
    MAX_HOMEPAGE_URL_LENGTH,
    MAX_NAME_LENGTH,
    MAX_REDIRECT_URI_LENGTH,
    MAX_REDIRECT_URIS,
    redirect_uri_problems,
    registration_problems,
)

VALID = {
    "name": "Acme Sync",
    "client_type": "confidential",
    "redirect_uris": ["https://acme.example.com/callback"],
    "scopes": ["read:profile"],
    "grant_types": ["authorization_code", "refresh_token"],
    "description": "Keeps Acme in sync.",
    "homepage_url": "https://acme.example.com",
}


def problems(**overrides) -> dict[str, list[str]]:
    return registration_problems(**{**VALID, **overrides})


def test_a_valid_registration_has_no_problems():
    assert problems() == {}


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_type": "public", "redirect_uris": ["com.example.acme:/callback"]},
        {"grant_types": ["client_credentials"], "redirect_uris": []},
        {"description": "", "homepage_url": ""},
        {"name": "x" * MAX_NAME_LENGTH},
        {"redirect_uris": [f"https://acme.example.com/{n}" for n in range(MAX_REDIRECT_URIS)]},
        {"homepage_url": "http://acme.example.com"},
    ],
    ids=[
        "public native app",
        "server to server app",
        "optional fields empty",
        "longest name",
        "most uris",
        "http home",
    ],
)
def test_registrations_within_every_rule_are_valid(overrides):
    assert problems(**overrides) == {}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "Give the app a name"),
        ({"name": "   "}, "name", "Give the app a name"),
        ({"name": "x" * (MAX_NAME_LENGTH + 1)}, "name", f"At most {MAX_NAME_LENGTH} characters"),
        ({"description": "x" * (MAX_DESCRIPTION_LENGTH + 1)}, "description", "At most"),
        ({"homepage_url": "https://a.example/" + "x" * MAX_HOMEPAGE_URL_LENGTH}, "homepage_url", "At most"),
        ({"homepage_url": "javascript:alert(1)"}, "homepage_url", "full http(s) address"),
        ({"homepage_url": "acme.example.com"}, "homepage_url", "full http(s) address"),
        ({"homepage_url": "https://"}, "homepage_url", "full http(s) address"),
        ({"client_type": "secret"}, "client_type", "Choose confidential or public"),
        ({"grant_types": ["authorization_code", "password"]}, "grant_types", "Unknown grant type password"),
        ({"client_type": "public", "grant_types": ["client_credentials"]}, "grant_types", "only confidential apps"),
        ({"grant_types": []}, "grant_types", "Choose at least one grant type"),
        ({"grant_types": ["refresh_token"]}, "grant_types", "choose it too"),
        (
            {"redirect_uris": [f"https://a.example/{n}" for n in range(MAX_REDIRECT_URIS + 1)]},
            "redirect_uris",
            f"At most {MAX_REDIRECT_URIS} redirect URIs",
        ),
        ({"redirect_uris": []}, "redirect_uris", "needs at least one redirect URI"),
        ({"redirect_uris": ["https://a.example/cb", "https://a.example/cb"]}, "redirect_uris", "only once"),
        ({"redirect_uris": ["http://acme.example.com/cb"]}, "redirect_uris", "use https"),
        ({"scopes": []}, "scopes", "Choose at least one scope"),
        ({"scopes": ["read:profile", "admin"]}, "scopes", "Unknown scope admin"),
    ],
    ids=[
        "name empty",
        "name blank",
        "name too long",
        "description too long",
        "homepage too long",
        "homepage not http",
        "homepage without scheme",
        "homepage without host",
        "client type unknown",
        "grant type unknown",
        "client credentials for a public app",
        "no grant type",
        "refresh without the code flow",
        "too many redirect uris",
        "code flow without redirect uri",
        "redirect uri repeated",
        "redirect uri refused",
        "no scope",
        "scope unknown",
    ],
)
def test_each_broken_rule_is_reported_against_its_field(overrides, field, message):
    found = problems(**overrides)
    assert list(found) == [field]
    assert any(message in text for text in found[field]), found


def test_every_problem_is_reported_at_once():
    found = problems(name="", client_type="other", grant_types=[], redirect_uris=[], scopes=[])
    assert set(found) == {"name", "client_type", "grant_types", "scopes"}


def test_only_the_first_redirect_uris_up_to_the_limit_are_examined():
    uris = [f"https://a.example/{n}" for n in range(MAX_REDIRECT_URIS)] + ["not a url"]
    assert problems(redirect_uris=uris)["redirect_uris"] == [f"At most {MAX_REDIRECT_URIS} redirect URIs."]


# One redirect URI ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "client_type"),
    [
        ("https://app.example.com/callback", "confidential"),
        ("https://app.example.com:8443/callback?source=oauth", "confidential"),
        ("http://localhost/callback", "confidential"),
        ("http://localhost:8080/callback", "public"),
        ("http://127.0.0.1:8080/callback", "public"),
        ("http://[::1]:8080/callback", "public"),
        ("http://[::1]/callback", "public"),
        ("HTTPS://app.example.com/callback", "confidential"),
        ("com.example.app:/callback", "public"),
        ("com.example.app:/oauth2redirect/example-provider", "public"),
    ],
)
def test_a_redirect_uri_that_may_be_registered_has_no_problem(uri, client_type):
    assert redirect_uri_problems(uri, client_type) == []


@pytest.mark.parametrize(
    ("uri", "client_type", "message"),
    [
        (
            "https://a.example/" + "x" * MAX_REDIRECT_URI_LENGTH,
            "confidential",
            f"longer than {MAX_REDIRECT_URI_LENGTH}",
        ),
        ("https://app.example.com/call back", "confidential", "no spaces or wildcards"),
        ("https://app.example.com/callback\n", "confidential", "no spaces or wildcards"),
        ("https://*.example.com/callback", "confidential", "no spaces or wildcards"),
        ("https://app.example.com:99999/callback", "confidential", "not a valid URL"),
        ("https://app.example.com:port/callback", "confidential", "not a valid URL"),
        ("https://app.example.com/callback#section", "confidential", "must not contain a fragment"),
        ("https://app.example.com/callback#", "confidential", "must not contain a fragment"),
        ("https:///callback", "confidential", "must name a host"),
        ("http://app.example.com/callback", "confidential", "use https"),
        ("http://localhost.evil.example/callback", "public", "use https"),
        ("http://[::1].evil.example/callback", "public", "use https"),
        ("com.example.app:/callback", "confidential", "for public (mobile or desktop) apps only"),
        ("/callback", "confidential", "must be an absolute URL"),
        ("app.example.com/callback", "confidential", "must be an absolute URL"),
        ("javascript:alert(1)", "public", "use https, http on localhost, or a private-use scheme"),
        ("myapp:/callback", "public", "use https, http on localhost, or a private-use scheme"),
        ("ftp://app.example.com/callback", "confidential", "use https, http on localhost"),
    ],
    ids=[
        "too long",
        "space",
        "newline",
        "wildcard",
        "port out of range",
        "port not a number",
        "fragment",
        "empty fragment",
        "no host",
        "plain http elsewhere than loopback",
        "a host that starts like localhost",
        "a host that starts like the ipv6 loopback",
        "private-use scheme for a confidential app",
        "relative path",
        "no scheme",
        "javascript",
        "private-use scheme not a reverse domain",
        "another scheme",
    ],
)
def test_a_redirect_uri_that_may_not_be_registered_says_why(uri, client_type, message):
    (problem,) = redirect_uri_problems(uri, client_type)
    assert message in problem


# Hosts (oauth/hostnames.py) and names that imitate the platform ----------------------------

PLATFORM = "Platform Accounts"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"homepage_url": "https://a..b"}, "homepage_url"),
        ({"homepage_url": "https://" + "a" * 64 + ".example"}, "homepage_url"),
        ({"homepage_url": "https://exa\uff0fmple.com"}, "homepage_url"),
        ({"redirect_uris": ["https://a..b/cb"]}, "redirect_uris"),
        ({"redirect_uris": ["https://" + "a" * 64 + ".example/cb"]}, "redirect_uris"),
        ({"redirect_uris": ["https://straße.example/cb"]}, "redirect_uris"),
        ({"client_type": "public", "redirect_uris": ["com.example.app://a..b/cb"]}, "redirect_uris"),
    ],
    ids=["homepage double dot", "homepage long label", "homepage full-width slash", "redirect double dot"]
    + ["redirect long label", "redirect deviation", "app scheme with a bad host"],
)
def test_a_host_no_redirect_could_be_built_for_is_refused(overrides, field):
    assert list(problems(**overrides)) == [field]


@pytest.mark.parametrize(
    "name",
    [
        "Platform Accounts Security Check",
        "platform-accounts helper",
        "P l a t f o r m  A c c o u n t s",
        "P1atform Acc0unts",
        "PIatform Accounts",  # a capital i for the l
        "\uff30latform Accounts",  # a full-width P
        "Official: verify your account",
        "Verify Your Account",
        "Billing Support Team",
        "Trust & Safety",
        "Pl\u0430tform Helper",  # a Cyrillic а in a Latin word
    ],
)
def test_a_developer_may_not_name_an_app_as_if_the_platform_vouched_for_it(name):
    found = problems(name=name, platform_name=PLATFORM)
    assert list(found) == ["name"]


@pytest.mark.parametrize("name", ["Acme Sync", "Café Sync", "Платёжный помощник", "日本語アプリ", "Account Sync"])
def test_ordinary_names_in_any_alphabet_pass(name):
    assert problems(name=name, platform_name=PLATFORM) == {}


def test_the_operator_may_give_an_app_the_platforms_name():
    assert problems(name="Platform Accounts Billing") == {}
