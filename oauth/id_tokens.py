"""OpenID Connect ID tokens (Core 1.0 §2, §3.1.3.6, §12.2): their claims, and the JWS that carries them.

The claims are built from plain values; PyJWT signs them (RS256, or ES256
for an app registered for it; the key's `kid` in the header) with a key
from oauth.signing_keys. Only the claims
about the sign-in are here: `profile` and `email` claims come from
userinfo (Core §5.4), so an ID token says no more than who signed in,
when, how, and for which app.

A refreshed ID token (§12.2) keeps `sub`, `aud`, `azp` and `auth_time` and
gets a new `iat`; it carries no `nonce`, which belonged to the
authorization request.
"""

import base64
import hashlib

import jwt

from oauth.signing_keys import ID_TOKEN_TTL, SigningKey
from oauth.token_store import SignIn


def claims(
    *,
    issuer: str,
    subject: str,
    client_id: str,
    sign_in: SignIn,
    access_token: str,
    now: int,
    nonce: str | None = None,
) -> dict:
    """The claims of an ID token issued at `now` beside `access_token`."""
    body = {
        "iss": issuer,
        "sub": subject,
        "aud": client_id,
        "azp": client_id,  # the one party it was issued to (Core §2)
        "exp": now + ID_TOKEN_TTL,
        "iat": now,
        "auth_time": sign_in.auth_time,
        "amr": list(sign_in.amr),
        "at_hash": at_hash(access_token),
    }
    if nonce is not None:
        body["nonce"] = nonce
    return body


def at_hash(access_token: str) -> str:
    """Core §3.1.3.6: base64url of the left half of the SHA-256 of the token (the hash of RS256 and ES256)."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def sign(key: SigningKey, body: dict) -> str:
    """The compact JWS of `body` under `key`, its `kid` in the header."""
    return jwt.encode(body, key.private_key, algorithm=key.alg, headers={"kid": key.kid})
