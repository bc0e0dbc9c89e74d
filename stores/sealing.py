"""Secrets that must be read back, sealed at rest: AES-256-GCM under a key derived from SECRET_KEY.

A password or token is stored as a digest; a TOTP secret or a signing
key's private half must be used again, so it is encrypted instead. Each
purpose derives its own key with HKDF-SHA256 from SECRET_KEY under an
info string naming that purpose, so no key ever serves two. Each seal
draws a fresh 96-bit nonce; the associated data names the row the secret
belongs to, so a ciphertext copied onto another row does not open there.

Changing SECRET_KEY makes every sealed secret unreadable (`Unreadable`).
"""

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96 bits, GCM's native nonce size


class Unreadable(Exception):
    """The sealed bytes do not open: another key, another row, or altered bytes."""


def derive_key(secret_key: str | bytes, purpose: bytes) -> bytes:
    """The AES key for one `purpose`, derived from the app's SECRET_KEY."""
    material = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose).derive(material)


def seal(key: bytes, plaintext: bytes, associated_data: bytes) -> tuple[bytes, bytes]:
    """(nonce, ciphertext) of `plaintext`, bound to `associated_data`."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce, AESGCM(key).encrypt(nonce, plaintext, associated_data)


def unseal(key: bytes, nonce: bytes, ciphertext: bytes, associated_data: bytes) -> bytes:
    """The plaintext sealed by `seal` with the same key and associated data; Unreadable if anything differs."""
    try:
        return AESGCM(key).decrypt(bytes(nonce), bytes(ciphertext), associated_data)
    except (InvalidTag, ValueError) as error:
        raise Unreadable("the sealed secret does not open") from error
