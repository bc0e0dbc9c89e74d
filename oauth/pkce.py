"""Proof Key for Code Exchange (RFC 7636), S256 only.

`plain` would hand the verifier to anyone who sees the authorization
request, so it is refused (RFC 9700 §2.1.1).
"""

import base64
import hashlib
import hmac
import re

from oauth.errors import InvalidGrant, InvalidRequest

METHOD = "S256"
# Matched whole (fullmatch): `$` would also let a final newline through.
# RFC 7636 §4.2: BASE64URL(SHA256(verifier)), 43 characters; the grammar allows up to 128.
CHALLENGE_PATTERN = re.compile(r"[A-Za-z0-9_-]{43,128}")
# RFC 7636 §4.1: 43-128 unreserved characters.
VERIFIER_PATTERN = re.compile(r"[A-Za-z0-9._~-]{43,128}")


def check_challenge(challenge: str | None, method: str | None) -> str | None:
    """Validate the authorization request's PKCE parameters; return the challenge (None if absent)."""
    if challenge is None:
        if method is not None:
            raise InvalidRequest("code_challenge_method was sent without a code_challenge.")
        return None
    if method != METHOD:
        # A missing method means `plain` (RFC 7636 §4.3), which we do not support.
        raise InvalidRequest("code_challenge_method must be S256.")
    if not CHALLENGE_PATTERN.fullmatch(challenge):
        raise InvalidRequest("code_challenge must be 43 to 128 base64url characters.")
    return challenge


def s256(verifier: str) -> str:
    """The S256 challenge of `verifier` (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verify(challenge: str, verifier: str | None) -> None:
    """Check the token request's verifier against the code's challenge (RFC 7636 §4.6)."""
    if verifier is None:
        raise InvalidRequest("code_verifier is required: the authorization request used PKCE.")
    if not VERIFIER_PATTERN.fullmatch(verifier):
        raise InvalidRequest("code_verifier must be 43 to 128 unreserved characters.")
    if not hmac.compare_digest(s256(verifier), challenge):
        raise InvalidGrant("code_verifier does not match the code_challenge.")
