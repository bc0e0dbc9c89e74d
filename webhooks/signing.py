"""The `Platform-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.

Keyed by the subscription's secret (its UTF-8 bytes). The timestamp is
inside what is signed, so a receiver that refuses signatures older than a
few minutes cannot be replayed an old delivery; a new one is made for every
attempt.
"""

import hashlib
import hmac

HEADER = "Platform-Signature"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The header's value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"
