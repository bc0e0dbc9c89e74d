"""The token user's profile for GET /api/v1/me, cached in Redis so the hot path skips PostgreSQL.

`profile:<user_id>` holds {"id", "email", "name"} for PROFILE_TTL seconds
as the very JSON document the endpoint answers with, so a hit goes out as
it is, neither parsed nor serialised. The guard's Lua script reads it in
its single round trip when a view asks for it; on a miss the view loads
the row and caches it. The copy lives in the calling app's slot (the
script touches that slot alone: stores/keys.py), so a person has one copy
per app in use. PATCH /api/v1/me drops every copy after writing the row.
Anything else that changes a user's name or email must call
`forget_profile` too; the TTL bounds how stale an entry can get should
something forget (or race a concurrent miss).
"""

from pathlib import Path

import redis

from api import data
from oauth import grants
from stores import keys, spread
from stores.postgres import Connection
from web.json_text import compact_json

PROFILE_TTL = 60

# The Lua function that reads the cache (cached_profile), a library of the API guard's script.
LIBRARY = Path(__file__).with_name("profiles.lua")


profile_key = keys.profile


def document(profile: dict) -> str:
    """The profile as GET /api/v1/me sends it."""
    return compact_json(dict(profile))


def load_profile(conn: Connection, r: redis.Redis, client_id: str, user_id: int) -> str | None:
    """The profile document from PostgreSQL, cached for `client_id`'s next calls (None if the user is gone)."""
    profile = data.get_profile(conn, user_id)
    if profile is None:
        return None
    cached = document(profile)
    r.set(profile_key(client_id, user_id), cached, ex=PROFILE_TTL)
    return cached


def update_name(conn: Connection, r: redis.Redis, user_id: int, name: str) -> dict | None:
    """Change the user's name; the cached profile goes so that the next read sees it."""
    profile = data.update_profile_name(conn, user_id, name)
    forget_profile(conn, r, user_id)
    return profile


def forget_profile(conn: Connection, r: redis.Redis, user_id: int) -> None:
    """Drop the person's cached profile for every app they use."""
    apps = {grant["client_id"] for grant in grants.list_user_grants(conn, user_id)}
    spread.delete_many(r, [profile_key(client_id, user_id) for client_id in apps])
