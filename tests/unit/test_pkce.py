"""PKCE (RFC 7636), S256 only: the challenge at authorization, the verifier at the token endpoint."""

import pytest

from oauth import pkce
from oauth.errors import InvalidGrant, InvalidRequest

# RFC 7636 Appendix B.
RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_s256_matches_the_rfc_example():
    assert pkce.s256(RFC_VERIFIER) == RFC_CHALLENGE


def test_an_s256_challenge_is_43_base64url_characters_without_padding():
    challenge = pkce.s256("~" * 128)
    assert len(challenge) == 43 and pkce.CHALLENGE_PATTERN.match(challenge)


@pytest.mark.parametrize(
    ("challenge", "method"),
    [(RFC_CHALLENGE, "S256"), ("A" * 128, "S256"), (None, None)],
    ids=["the rfc example", "longest the grammar allows", "no pkce at all"],
)
def test_a_well_formed_challenge_or_none_is_accepted(challenge, method):
    assert pkce.check_challenge(challenge, method) == challenge


@pytest.mark.parametrize(
    ("challenge", "method", "message"),
    [
        (None, "S256", "without a code_challenge"),
        (RFC_CHALLENGE, None, "must be S256"),  # absent means plain (§4.3)
        (RFC_CHALLENGE, "plain", "must be S256"),
        (RFC_CHALLENGE, "s256", "must be S256"),
        ("A" * 42, "S256", "43 to 128"),
        ("A" * 129, "S256", "43 to 128"),
        (RFC_CHALLENGE[:-1] + "=", "S256", "43 to 128"),
        (RFC_CHALLENGE[:-1] + "+", "S256", "43 to 128"),
        (RFC_CHALLENGE + "\n", "S256", "43 to 128"),
    ],
    ids=[
        "method without challenge",
        "challenge without method",
        "plain",
        "lower-case method",
        "too short",
        "too long",
        "padding",
        "not base64url",
        "trailing newline",
    ],
)
def test_a_bad_challenge_is_an_invalid_request(challenge, method, message):
    with pytest.raises(InvalidRequest, match=message):
        pkce.check_challenge(challenge, method)


@pytest.mark.parametrize("verifier", [RFC_VERIFIER, "a" * 43, "Z" * 128, "a-b.c_d~" * 6])
def test_the_verifier_of_the_challenge_passes(verifier):
    pkce.verify(pkce.s256(verifier), verifier)


@pytest.mark.parametrize(
    ("verifier", "error", "message"),
    [
        (None, InvalidRequest, "code_verifier is required"),
        ("a" * 42, InvalidRequest, "43 to 128 unreserved"),
        ("a" * 129, InvalidRequest, "43 to 128 unreserved"),
        ("a" * 42 + "/", InvalidRequest, "43 to 128 unreserved"),
        ("a" * 42 + "é", InvalidRequest, "43 to 128 unreserved"),
        (RFC_VERIFIER + "\n", InvalidRequest, "43 to 128 unreserved"),
        (RFC_CHALLENGE, InvalidGrant, "does not match"),  # the challenge itself, sent back
        (RFC_VERIFIER[:-1] + "l", InvalidGrant, "does not match"),
    ],
    ids=[
        "missing",
        "too short",
        "too long",
        "reserved character",
        "not ascii",
        "trailing newline",
        "the challenge",
        "one character off",
    ],
)
def test_a_missing_malformed_or_wrong_verifier_is_refused(verifier, error, message):
    with pytest.raises(error, match=message):
        pkce.verify(RFC_CHALLENGE, verifier)
