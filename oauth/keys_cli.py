"""`flask keys rotate`: a new ID-token signing key that signs from now on (oauth/signing_keys.py)."""

from flask.cli import AppGroup

from accounts.cli import emit
from oauth import signing_keys
from stores.postgres import get_connection

keys_cli = AppGroup("keys", help="ID-token signing keys.")


@keys_cli.command("rotate")
def rotate() -> None:
    """Add a signing key; the old public key stays in the JWKS until every ID token it signed has expired."""
    conn = get_connection()
    rotated = signing_keys.key_ring().rotate(conn)
    emit({**rotated, "published": [jwk["kid"] for jwk in signing_keys.published_keys(conn)]})
