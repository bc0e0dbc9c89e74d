"""TOTP secrets encrypted at rest (stores.sealing): AES-256-GCM under a key derived from SECRET_KEY.

Unlike a password, a TOTP secret must be read back to compute codes, so it
cannot be hashed; it is sealed instead, under a key of its own purpose.
The user's id is the associated data: a ciphertext copied onto another
person's row does not open there.

Changing SECRET_KEY makes every stored secret unreadable (`SecretUnreadable`);
the people concerned then sign in with a recovery code, or an administrator
resets their two-factor sign-in.
"""

from stores import sealing

KEY_INFO = b"platform-accounts two-factor TOTP secret encryption v1"


class SecretUnreadable(Exception):
    """The stored secret does not decrypt: another key, another user's row, or altered bytes."""


def derive_key(secret_key: str | bytes) -> bytes:
    """The AES key for TOTP secrets, derived from the app's SECRET_KEY."""
    return sealing.derive_key(secret_key, KEY_INFO)


def encrypt(key: bytes, user_id: int, secret: str) -> tuple[bytes, bytes]:
    """(nonce, ciphertext) of `secret`, bound to `user_id`."""
    return sealing.seal(key, secret.encode(), _associated_data(user_id))


def decrypt(key: bytes, user_id: int, nonce: bytes, ciphertext: bytes) -> str:
    """The secret sealed by `encrypt` for `user_id`; SecretUnreadable if anything differs."""
    try:
        return sealing.unseal(key, nonce, ciphertext, _associated_data(user_id)).decode()
    except sealing.Unreadable as error:
        raise SecretUnreadable(f"the TOTP secret of user {user_id} does not decrypt") from error


def _associated_data(user_id: int) -> bytes:
    return f"user_totp:{user_id}".encode()
