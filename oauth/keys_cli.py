"""`flask keys rotate`: new ID-token signing keys, RS256 and ES256, that sign from now on (oauth/signing_keys.py)."""

from flask.cli import AppGroup

from accounts.cli import emit
from oauth import signing_keys
from stores.postgres import get_connection

keys_cli = AppGroup("keys", help="ID-token signing keys.")


@keys_cli.command("rotate")
def rotate() -> None:
    """Add a signing key per algorithm; old public keys stay in the JWKS until the ID tokens they signed expire."""
    conn = get_connection()
    rotated = signing_keys.key_ring().rotate(conn)
    emit({**rotated, "published": [jwk["kid"] for jwk in signing_keys.published_keys(conn)]})
