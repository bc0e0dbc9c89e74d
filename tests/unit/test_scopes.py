"""Scope strings (RFC 6749 §3.3) and the catalogue a person reads on the consent page."""

import pytest

from oauth.errors import InvalidScope
from oauth.scopes import ALL_SCOPES, CATALOGUE, describe, format_scope, parse_scope, requested_within, unknown_scopes


@pytest.mark.parametrize(
    ("value", "scopes"),
    [
        (None, []),
        ("", []),
        ("read:data", ["read:data"]),
        ("read:data read:profile", ["read:data", "read:profile"]),
        ("read:data  read:profile ", ["read:data", "read:profile"]),
        ("read:data read:data", ["read:data"]),
        ("b a b", ["b", "a"]),
    ],
    ids=["none", "empty", "one", "two in the order given", "extra spaces", "repeated", "repeats keep first place"],
)
def test_a_scope_string_splits_on_spaces_without_repeats(value, scopes):
    assert parse_scope(value) == scopes


def test_scopes_are_case_sensitive():
    assert unknown_scopes(parse_scope("READ:DATA")) == ["READ:DATA"]


def test_a_tab_is_not_a_scope_separator():
    assert parse_scope("read:data\tread:profile") == ["read:data\tread:profile"]


def test_the_canonical_form_is_in_catalogue_order_and_drops_unknown_names():
    assert format_scope(["read:billing", "read:profile", "nonsense", "read:profile"]) == "read:profile read:billing"


def test_every_scope_in_the_catalogue_is_described_in_words():
    assert ALL_SCOPES == tuple(CATALOGUE)
    assert all(scope.name == name and scope.description for name, scope in CATALOGUE.items())


def test_describe_gives_catalogue_entries_in_catalogue_order():
    assert [scope.name for scope in describe({"write:data", "read:profile", "nonsense"})] == [
        "read:profile",
        "write:data",
    ]


@pytest.mark.parametrize("name", ["write:profile", "write:data"])
def test_scopes_that_change_data_are_marked_for_the_consent_page(name):
    assert CATALOGUE[name].changes_data


def test_billing_is_marked_sensitive():
    assert CATALOGUE["read:billing"].sensitive


def test_a_request_within_what_is_allowed_comes_back_in_catalogue_order():
    assert requested_within("read:data read:profile", ALL_SCOPES, beyond="x") == ["read:profile", "read:data"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "Missing parameter: scope"),
        ("", "Missing parameter: scope"),
        ("   ", "Missing parameter: scope"),
        ("read:everything", "Unknown scope: read:everything."),
        ("read:profile admin other", "Unknown scope: admin other."),
        ("write:data", "Beyond: write:data."),
        ("read:profile write:data read:billing", "Beyond: write:data read:billing."),
    ],
    ids=["none", "empty", "blank", "unknown", "unknown ones listed", "beyond", "every one beyond listed"],
)
def test_a_request_outside_what_is_allowed_is_invalid_scope(value, message):
    with pytest.raises(InvalidScope, match=message) as caught:
        requested_within(value, ["read:profile", "read:data"], beyond="Beyond")
    assert caught.value.error == "invalid_scope" and caught.value.status == 400


def test_unknown_names_are_reported_before_names_beyond_the_allowed():
    with pytest.raises(InvalidScope, match="Unknown scope: nonsense"):
        requested_within("write:data nonsense", ["read:data"], beyond="Beyond")
