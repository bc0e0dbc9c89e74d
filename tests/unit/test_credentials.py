"""Credentials: prefixed, 256 random bits, a checksum that catches typos without a lookup."""

import pytest

from oauth import credentials


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
