"""RFC 6238 codes: the window of accepted steps, the code format, the provisioning URI."""

from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest

from accounts import totp

# RFC 6238 Appendix B: the SHA-1 test key "12345678901234567890" (base32 here) and its 8-digit vectors.
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
RFC_VECTORS = [(59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924"), (2000000000, "69279037")]
NOW = 1_700_000_015.0  # mid-step


@pytest.mark.parametrize(("at", "expected"), RFC_VECTORS)
def test_codes_follow_the_rfc_test_vectors_in_their_last_six_digits(at, expected):
    assert totp.code_at(RFC_SECRET, totp.current_step(at)) == expected[-6:]


def test_a_step_is_thirty_seconds():
    assert totp.current_step(0) == 0
    assert totp.current_step(29.9) == 0
    assert totp.current_step(30) == 1
    assert totp.current_step(NOW) == int(NOW) // 30


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_the_step_before_now_and_after_are_accepted_and_named(offset):
    secret = totp.new_secret()
    step = totp.current_step(NOW) + offset
    assert totp.matching_step(secret, totp.code_at(secret, step), NOW) == step


@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_codes_two_or_more_steps_away_are_refused(offset):
    # A fixed secret and time: a far step's code could equal one inside the window by chance, not these.
    code = totp.code_at(RFC_SECRET, totp.current_step(NOW) + offset)
    assert code not in {totp.code_at(RFC_SECRET, totp.current_step(NOW) + near) for near in (-1, 0, 1)}
    assert totp.matching_step(RFC_SECRET, code, NOW) is None


@pytest.mark.parametrize("code", ["", "12345", "1234567", "12 345", "abcdef", "١٢٣٤٥٦", "123456\n", "+12345"])
def test_anything_but_six_ascii_digits_is_no_code(code):
    secret = totp.new_secret()
    assert not totp.looks_like_code(code)
    assert totp.matching_step(secret, code, NOW) is None


def test_another_secrets_code_is_refused():
    mine, theirs = totp.new_secret(), totp.new_secret()
    assert totp.matching_step(mine, totp.code_at(theirs, totp.current_step(NOW)), NOW) is None


def test_secrets_are_160_random_bits_of_base32():
    secrets_made = {totp.new_secret() for _ in range(50)}
    assert len(secrets_made) == 50
    for secret in secrets_made:
        assert len(secret) == 32 and set(secret) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def test_pyotp_agrees_with_our_window():
    secret = totp.new_secret()
    code = totp.code_at(secret, totp.current_step(NOW))
    assert pyotp.TOTP(secret).verify(code, for_time=NOW)


def test_the_provisioning_uri_names_the_site_and_the_account():
    secret = totp.new_secret()
    uri = totp.provisioning_uri(secret, "ada@example.com")
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    assert parts.path == "/Platform%20Accounts:ada%40example.com"
    query = parse_qs(parts.query)
    assert query["secret"] == [secret] and query["issuer"] == ["Platform Accounts"]
    # The defaults every app assumes: SHA-1, 6 digits, 30 s (pyotp leaves them out of the URI).
    assert all(name not in query for name in ("algorithm", "digits", "period"))


def test_the_secret_is_shown_in_groups_of_four():
    assert totp.grouped("ABCDEFGHIJKLMNOP") == "ABCD EFGH IJKL MNOP"
    assert totp.grouped("ABCDEF") == "ABCD EF"
