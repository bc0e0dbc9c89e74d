"""TOTP secrets at rest: AES-GCM under a key derived from SECRET_KEY, bound to the user's row."""

import pytest

from accounts import totp, totp_crypto

KEY = totp_crypto.derive_key("the app's secret key")


def test_a_sealed_secret_opens_for_its_user():
    secret = totp.new_secret()
    nonce, ciphertext = totp_crypto.encrypt(KEY, 7, secret)
    assert totp_crypto.decrypt(KEY, 7, nonce, ciphertext) == secret


def test_the_ciphertext_holds_no_trace_of_the_secret():
    secret = totp.new_secret()
    nonce, ciphertext = totp_crypto.encrypt(KEY, 7, secret)
    assert secret.encode() not in ciphertext
    assert len(nonce) == 12
    assert len(ciphertext) == len(secret) + 16  # the text, and GCM's 128-bit tag


def test_each_encryption_draws_a_new_nonce():
    secret = totp.new_secret()
    sealed = [totp_crypto.encrypt(KEY, 7, secret) for _ in range(20)]
    assert len({nonce for nonce, _ in sealed}) == 20
    assert len({ciphertext for _, ciphertext in sealed}) == 20


def test_a_ciphertext_copied_to_another_users_row_does_not_open():
    nonce, ciphertext = totp_crypto.encrypt(KEY, 7, totp.new_secret())
    with pytest.raises(totp_crypto.SecretUnreadable):
        totp_crypto.decrypt(KEY, 8, nonce, ciphertext)


@pytest.mark.parametrize("position", [0, 5, -1])
def test_an_altered_byte_is_refused(position):
    nonce, ciphertext = totp_crypto.encrypt(KEY, 7, totp.new_secret())
    altered = bytearray(ciphertext)
    altered[position] ^= 0x01
    with pytest.raises(totp_crypto.SecretUnreadable):
        totp_crypto.decrypt(KEY, 7, nonce, bytes(altered))


def test_another_nonce_is_refused():
    nonce, ciphertext = totp_crypto.encrypt(KEY, 7, totp.new_secret())
    with pytest.raises(totp_crypto.SecretUnreadable):
        totp_crypto.decrypt(KEY, 7, bytes(12), ciphertext)


@pytest.mark.parametrize("nonce", [b"", b"short", bytes(100)])
def test_a_malformed_nonce_is_unreadable_not_an_error(nonce):
    _, ciphertext = totp_crypto.encrypt(KEY, 7, totp.new_secret())
    with pytest.raises(totp_crypto.SecretUnreadable):
        totp_crypto.decrypt(KEY, 7, nonce, ciphertext)


def test_another_secret_key_cannot_open_it():
    nonce, ciphertext = totp_crypto.encrypt(KEY, 7, totp.new_secret())
    with pytest.raises(totp_crypto.SecretUnreadable):
        totp_crypto.decrypt(totp_crypto.derive_key("a rotated secret key"), 7, nonce, ciphertext)


def test_the_key_is_derived_for_this_purpose_only():
    key = totp_crypto.derive_key("the app's secret key")
    assert key == KEY and len(key) == 32
    assert key != b"the app's secret key"[:32]
    assert totp_crypto.derive_key(b"the app's secret key") == key
