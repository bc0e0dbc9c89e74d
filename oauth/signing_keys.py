"""ID-token signing keys in PostgreSQL: made on first use, rotated by `flask keys rotate`, published as a JWKS.

Every host signs with the same key, so keys live in the database; the
private half is sealed (stores.sealing, AES-GCM under a key derived from
SECRET_KEY and bound to the key's `kid`) and never leaves this module in
any form but a signature. Keys come per algorithm: RSA for RS256, which
every app gets unless it registered otherwise, and EC P-256 for ES256, the
opt-in (`id_token_signed_response_alg`). One key per algorithm signs at a
time (its `retired_at` is NULL); `rotate` retires each and adds new ones
in one transaction, so every ID token from then on carries a new `kid`. A
retired key's public half stays in the JWKS for as long as an ID token it
signed can live (`PUBLISHED_AFTER_RETIREMENT`), then its row goes.

Opened private keys are kept per process by `kid` (a key's row never
changes), so signing costs one small query for the current `kid` and no
decryption; which key is current is always read from PostgreSQL, so a
rotation on one host is followed by every other at once.

A changed SECRET_KEY leaves the current private key sealed for good. The
key ring then rotates, as `keys rotate` would, instead of failing every
token request: the unreadable key is retired and a fresh one signs. Its
public half is stored in clear, so it stays in the JWKS as any retired
key does and the ID tokens it signed stay verifiable until they expire.
The replacement is logged once, at ERROR, by the process that makes it,
under the advisory lock and only if that key is still the current one, so
hosts that notice together replace it once. Hosts with different
SECRET_KEYs would replace each other's keys in turn, each time logged:
every host must share one SECRET_KEY (CSRF tokens and every other sealed
secret need that too).
"""

import logging
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from flask import Flask, current_app
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from psycopg2.extras import Json

from oauth.client_rules import DEFAULT_ID_TOKEN_SIGNING_ALG, ID_TOKEN_SIGNING_ALGS
from stores import sealing
from stores.postgres import Connection, transaction

log = logging.getLogger(__name__)

RSA_BITS = 2048  # RFC 7518 §3.3: 2048 or larger
ID_TOKEN_TTL = 3600  # how long an ID token is valid (its `exp`)
# A token signed by a worker that read the key just before it was retired
# is still valid for ID_TOKEN_TTL: the margin covers that moment.
PUBLISHED_AFTER_RETIREMENT = ID_TOKEN_TTL + 300
KEY_INFO = b"platform-oauth ID-token signing key encryption v1"
_CREATE_LOCK = 72708  # pg_advisory_xact_lock: two hosts never make two current keys at once
EXTENSION = "signing_keys"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    alg: str
    private_key: PrivateKeyTypes


class KeyRing:
    """The signing keys as this process sees them: the sealing key, and each private key once opened."""

    def __init__(self, secret_key: str | bytes):
        self._sealing_key = sealing.derive_key(secret_key, KEY_INFO)
        self._opened: dict[str, SigningKey] = {}

    def current(self, conn: Connection, alg: str = DEFAULT_ID_TOKEN_SIGNING_ALG) -> SigningKey:
        """The key that signs with `alg` now, made on first use."""
        row = _current_row(conn, alg) or self._create_first(conn, alg)
        return self._opening(row) or self._replace_unreadable(conn, alg)

    def current_keys(self, conn: Connection) -> list[SigningKey]:
        """The key of every algorithm, each made on first use: what the JWKS must never lack."""
        return [self.current(conn, alg) for alg in ID_TOKEN_SIGNING_ALGS]

    def rotate(self, conn: Connection) -> dict:
        """Retire the current key of each algorithm and add one that signs from now on; forget keys no token needs."""
        with transaction(conn) as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%(lock)s)", {"lock": _CREATE_LOCK})
            rotated = [
                {"alg": alg, "retired": self._retire_current(cur, alg), "kid": self._insert(cur, alg)}
                for alg in ID_TOKEN_SIGNING_ALGS
            ]
            cur.execute(
                "DELETE FROM signing_keys WHERE retired_at < now() - make_interval(secs => %(keep)s) RETURNING kid",
                {"keep": PUBLISHED_AFTER_RETIREMENT},
            )
            dropped = [row["kid"] for row in cur.fetchall()]
        return {"rotated": rotated, "dropped": dropped}

    def _replace_unreadable(self, conn: Connection, alg: str) -> SigningKey:
        """A key that signs, made anew when this SECRET_KEY cannot open the current one (under the lock: once)."""
        with transaction(conn) as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%(lock)s)", {"lock": _CREATE_LOCK})
            row = _current_row_in(cur, alg)
            opened = row and self._opening(row)  # another process may have replaced it while we waited
            if opened:
                return opened
            self._retire_current(cur, alg)
            kid = self._insert(cur, alg)
        log.error(
            "ID-token signing key %s cannot be opened with this SECRET_KEY (was SECRET_KEY changed?): "
            "retired it and made key %s; ID tokens it signed stay verifiable until they expire",
            row and row["kid"],
            kid,
        )
        return self._opened[kid]

    @staticmethod
    def _retire_current(cur, alg: str) -> list[str]:
        cur.execute(
            """UPDATE signing_keys SET retired_at = now() WHERE alg = %(alg)s AND retired_at IS NULL
               RETURNING kid""",
            {"alg": alg},
        )
        return [row["kid"] for row in cur.fetchall()]

    def _create_first(self, conn: Connection, alg: str) -> dict:
        with transaction(conn) as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%(lock)s)", {"lock": _CREATE_LOCK})
            row = _current_row_in(cur, alg)  # another host may have made it while we waited
            if row is None:
                self._insert(cur, alg)
                row = _current_row_in(cur, alg)
        return row

    def _insert(self, cur, alg: str) -> str:
        """Make a new current key for `alg` in the caller's transaction; return its kid."""
        kid = secrets.token_urlsafe(12)
        private_key, public_jwk = _new_key_pair(alg)
        pem = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        nonce, ciphertext = sealing.seal(self._sealing_key, pem, _associated_data(kid))
        cur.execute(
            """INSERT INTO signing_keys (kid, alg, public_jwk, private_ciphertext, private_nonce)
               VALUES (%(kid)s, %(alg)s, %(jwk)s, %(ciphertext)s, %(nonce)s)""",
            {
                "kid": kid,
                "alg": alg,
                "jwk": Json({**public_jwk, "kid": kid, "alg": alg, "use": "sig"}),
                "ciphertext": ciphertext,
                "nonce": nonce,
            },
        )
        self._opened[kid] = SigningKey(kid, alg, private_key)
        return kid

    def _opening(self, row: dict) -> SigningKey | None:
        """The key of `row`, opened once per process; None when this SECRET_KEY cannot open it."""
        kid = row["kid"]
        if kid not in self._opened:
            try:
                pem = sealing.unseal(
                    self._sealing_key, row["private_nonce"], row["private_ciphertext"], _associated_data(kid)
                )
            except sealing.Unreadable:
                return None
            self._opened[kid] = SigningKey(kid, row["alg"], serialization.load_pem_private_key(pem, password=None))
        return self._opened[kid]


def _new_key_pair(alg: str) -> tuple[PrivateKeyTypes, dict]:
    """A fresh private key for `alg` and its public JWK (with `crv` for EC, RFC 7518 §6.2.1)."""
    if alg == "ES256":
        private_key = ec.generate_private_key(ec.SECP256R1())  # RFC 7518 §3.4: ES256 is P-256 with SHA-256
        return private_key, ECAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    return private_key, RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)


def published_keys(conn: Connection) -> list[dict]:
    """The public JWKs that verify any ID token still valid: the current keys and those retired recently."""
    with conn.cursor() as cur:
        cur.execute(
            """SELECT public_jwk FROM signing_keys
               WHERE retired_at IS NULL OR retired_at > now() - make_interval(secs => %(keep)s)
               ORDER BY created_at DESC, kid""",
            {"keep": PUBLISHED_AFTER_RETIREMENT},
        )
        return [row["public_jwk"] for row in cur.fetchall()]


def _current_row(conn: Connection, alg: str) -> dict | None:
    with conn.cursor() as cur:
        return _current_row_in(cur, alg)


def _current_row_in(cur, alg: str) -> dict | None:
    cur.execute(
        """SELECT kid, alg, private_ciphertext, private_nonce FROM signing_keys
           WHERE alg = %(alg)s AND retired_at IS NULL""",
        {"alg": alg},
    )
    return cur.fetchone()


def _associated_data(kid: str) -> bytes:
    return f"signing_keys:{kid}".encode()


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = KeyRing(app.config["SECRET_KEY"])


def key_ring() -> KeyRing:
    """This app's key ring."""
    return current_app.extensions[EXTENSION]
