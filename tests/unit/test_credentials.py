"""Credentials: prefixed, 256 random bits, a checksum that catches typos without a lookup."""

import re

import pytest

from oauth import credentials
from stores import keys

PREFIXES = [
    credentials.CLIENT_SECRET_PREFIX,
    credentials.CODE_PREFIX,
    credentials.ACCESS_TOKEN_PREFIX,
    credentials.REFRESH_TOKEN_PREFIX,
]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_new_secret_has_its_prefix_a_base62_body_and_a_valid_checksum(prefix):
    secret = credentials.new_secret(prefix)
    assert re.fullmatch(re.escape(prefix) + "[0-9A-Za-z]{49}", secret)
    assert credentials.is_well_formed(secret, prefix)


def test_a_tagged_token_carries_its_tag_and_keeps_its_format():
    token = credentials.new_secret(credentials.ACCESS_TOKEN_PREFIX, "a1b2")
    assert credentials.tag_of(token, credentials.ACCESS_TOKEN_PREFIX) == "a1b2"
    assert len(token) == len(credentials.new_secret(credentials.ACCESS_TOKEN_PREFIX))
    assert credentials.is_well_formed(token, credentials.ACCESS_TOKEN_PREFIX)


def test_the_tag_a_token_carries_is_a_whole_slot_tag():
    """oauth/credentials.py may not import the stores: the two lengths are held equal here."""
    assert credentials.TAG_LENGTH == keys.TAG_LENGTH == len(keys.client_tag("pa_client_x"))


def test_new_secrets_differ():
    assert len({credentials.new_secret(credentials.ACCESS_TOKEN_PREFIX) for _ in range(100)}) == 100


def test_a_secret_is_not_well_formed_under_another_prefix():
    token = credentials.new_secret(credentials.ACCESS_TOKEN_PREFIX)
    assert not credentials.is_well_formed(token, credentials.REFRESH_TOKEN_PREFIX)


def test_a_mistyped_token_fails_its_checksum():
    token = credentials.new_secret(credentials.ACCESS_TOKEN_PREFIX)
    flipped = token[:-7] + ("A" if token[-7] != "A" else "B") + token[-6:]
    assert not credentials.is_well_formed(flipped, credentials.ACCESS_TOKEN_PREFIX)


@pytest.mark.parametrize(
    "token",
    [  # written by the earlier checksum code: the format may not drift under live tokens
        "paat_00000000000000000000000000000000000000000002czCLJ",
        "paat_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz0uSATs",
        "paat_Zq3Zq3Zq3Zq3Zq3Zq3Zq3Zq3Zq3Zq3Zq3Zq3Zq3Zq3x0d61ni",
    ],
)
def test_tokens_issued_earlier_keep_their_checksum(token):
    assert credentials.is_well_formed(token, credentials.ACCESS_TOKEN_PREFIX)
    assert not credentials.is_well_formed(token[:-1] + "0", credentials.ACCESS_TOKEN_PREFIX)


GOOD = "paat_00000000000000000000000000000000000000000002czCLJ"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "paat_",
        GOOD[:-1],
        GOOD + "0",
        GOOD.upper(),
        " " + GOOD[1:],
        GOOD[:10] + "-" + GOOD[11:],
        GOOD[:10] + "é" + GOOD[11:],
        "PAAT_" + GOOD[5:],
    ],
    ids=["empty", "prefix only", "one short", "one long", "upper-cased", "space", "dash", "non-ascii", "prefix case"],
)
def test_anything_not_shaped_like_a_token_is_not_well_formed(value):
    assert not credentials.is_well_formed(value, credentials.ACCESS_TOKEN_PREFIX)


def test_a_client_id_is_prefixed_and_carries_128_bits():
    client_id = credentials.new_client_id()
    assert re.fullmatch("pa_client_[0-9A-Za-z]{22}", client_id)


def test_the_stored_digest_is_sha256_hex_and_never_the_secret():
    secret = credentials.new_secret(credentials.CLIENT_SECRET_PREFIX)
    stored = credentials.digest(secret)
    assert re.fullmatch("[0-9a-f]{64}", stored) and secret not in stored
    assert credentials.digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


@pytest.mark.parametrize("prefix", PREFIXES)
def test_pages_show_a_secrets_type_and_first_six_characters_only(prefix):
    secret = credentials.new_secret(prefix)
    assert credentials.display_prefix(secret) == secret[: len(prefix) + 6] + "…"


def test_an_unprefixed_value_shows_six_characters():
    assert credentials.display_prefix("abcdefghijkl") == "abcdef…"
