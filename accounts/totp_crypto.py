"""TOTP secrets encrypted at rest: AES-256-GCM under a key derived from SECRET_KEY.

Unlike a password, a TOTP secret must be read back to compute codes, so it
cannot be hashed; it is sealed instead. The key is derived with HKDF-SHA256
from SECRET_KEY under an info string naming this one purpose, so it is
never the key that signs anything else. Each encryption draws a fresh
96-bit nonce, and the user's id is the associated data: a ciphertext
copied onto another person's row does not open there.

Changing SECRET_KEY makes every stored secret unreadable (`SecretUnreadable`);
the people concerned then sign in with a recovery code, or an administrator
resets their two-factor sign-in.
"""

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_INFO = b"platform-accounts two-factor TOTP secret encryption v1"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96 bits, GCM's native nonce size


class SecretUnreadable(Exception):
    """The stored secret does not decrypt: another key, another user's row, or altered bytes."""


def derive_key(secret_key: str | bytes) -> bytes:
    """The AES key for TOTP secrets, derived from the app's SECRET_KEY."""
    material = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=KEY_INFO).derive(material)


def encrypt(key: bytes, user_id: int, secret: str) -> tuple[bytes, bytes]:
    """(nonce, ciphertext) of `secret`, bound to `user_id`."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce, AESGCM(key).encrypt(nonce, secret.encode(), _associated_data(user_id))


def decrypt(key: bytes, user_id: int, nonce: bytes, ciphertext: bytes) -> str:
    """The secret sealed by `encrypt` for `user_id`; SecretUnreadable if anything differs."""
    try:
        return AESGCM(key).decrypt(bytes(nonce), bytes(ciphertext), _associated_data(user_id)).decode()
    except (InvalidTag, ValueError) as error:
        raise SecretUnreadable(f"the TOTP secret of user {user_id} does not decrypt") from error


def _associated_data(user_id: int) -> bytes:
    return f"user_totp:{user_id}".encode()
