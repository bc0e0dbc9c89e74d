"""What the sign-in pages say about where the person is going: the app that sent them, if any."""

from urllib.parse import parse_qs, urlsplit

from oauth import clients, metadata
from stores.postgres import get_connection


def app_asking(next_url: str | None) -> str | None:
    """The name of the active app whose authorization request `next_url` is, or None for any other page."""
    if not next_url:
        return None
    parts = urlsplit(next_url)
    if parts.path != metadata.AUTHORIZATION_PATH:
        return None
    client_ids = parse_qs(parts.query).get("client_id", [])
    if len(client_ids) != 1 or len(client_ids[0]) > MAX_CLIENT_ID_LENGTH:
        return None
    client = clients.get_client(get_connection(), client_ids[0])
    return client["name"] if client and client["status"] == "active" else None


MAX_CLIENT_ID_LENGTH = 100  # ours are far shorter; a longer one is no client at all
