"""What the token, revocation and introspection endpoints read of a client, cached in Redis.

PostgreSQL stays the source of truth; these endpoints read the client from
its state hash, `client:<client_id>` (oauth/token_store.py), which every
token check reads already:

    status        active|suspended|deleted: written at once by suspension,
                  resumption and deletion (oauth/clients.py)
    auth          the JSON of MachineClient without its status: type, grant
                  types, scopes, redirect URIs, limits, whether it is a
                  resource server, and its secrets' ids and SHA-256 digests
    auth_at       when `auth` was filled; a copy MAX_AGE seconds old is read
                  as missing, a backstop should an invalidation ever be lost
    auth_version  bumped by every change to the client

Every function of oauth/clients.py that changes a client or its secrets
calls `forget` after its PostgreSQL commit. The next request finds `auth`
missing and refills it from PostgreSQL (`resolve`). A refill that read the
row before that commit finds another `auth_version` and writes nothing
(fill_client.lua), so a stale row is never cached; a deleted client has no
row to refill from, and its `deleted` status stays.

One key per client, so a Redis Cluster keeps all of it in one slot.

A worker also keeps its own copy of each active client it read from a
cached hit (`local_copy`), with the `auth_version` it was read at: the
client_credentials and refresh grants authenticate from it and the token
script they run anyway checks that version first (client_unchanged in
oauth/token_store.lua), so their one round trip is the token's. A changed
client answers `stale` before anything is written, and the endpoint reads
it afresh and tries again (oauth/token_views.py).
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NotRequired, TypedDict

import redis

from oauth.token_store import CLIENT_STATE_TTL, client_state_key
from stores.lua import LuaScript
from stores.postgres import Connection

# How long a cached copy is trusted without a change having been seen.
MAX_AGE = 600

_HERE = Path(__file__).parent
# The Lua function that reads the cached client (cached_client), for the scripts that read it.
LIBRARY = _HERE / "client_cache.lua"
_READ = LuaScript(_HERE / "read_client.lua", keys="client", args="max_age", libraries=(LIBRARY,))
_FILL = LuaScript(_HERE / "fill_client.lua", keys="client", args="version auth status rate_limit ttl")

# How many clients a worker keeps its own copy of; past that it starts afresh.
LOCAL_COPIES = 10_000

# client_id -> (time.monotonic() when read, the client as read with its `version`)
_local: dict[str, tuple[float, "MachineClient"]] = {}

# What the endpoints need of a client, besides its status and secrets.
CACHED_COLUMNS = (
    "client_id",
    "client_type",
    "grant_types",
    "scopes",
    "redirect_uris",
    "is_resource_server",
    "rate_limit",
    "token_rate",
    "id_token_signed_response_alg",
)


class MachineClient(TypedDict):
    """A client as the token, revocation and introspection endpoints see it."""

    client_id: str
    client_type: str  # "confidential" or "public"
    grant_types: list[str]
    scopes: list[str]
    redirect_uris: list[str]
    is_resource_server: bool  # may introspect every client's tokens
    rate_limit: int
    token_rate: int
    id_token_signed_response_alg: str
    status: str  # "active", "suspended" or "deleted" (Redis's, which a suspension writes first)
    secrets: list[list]  # [id, SHA-256 hex digest] of each secret
    version: NotRequired[str]  # on a worker's own copy: the auth_version it was read at


@dataclass(frozen=True)
class Cached:
    """What one read of the client's state hash found (`auth` '' on a miss)."""

    client_id: str
    status: str
    auth: str
    version: str

    @classmethod
    def from_reply(cls, client_id: str, reply: list) -> "Cached":
        status, auth, version = reply
        return cls(client_id, status, auth, version)


def read(r: redis.Redis, client_id: str) -> Cached:
    """The client's cached state, in one round trip."""
    return Cached.from_reply(client_id, _READ(r, client=client_state_key(client_id), max_age=MAX_AGE))


def resolve(connect: Callable[[], Connection], r: redis.Redis, cached: Cached) -> MachineClient | None:
    """The client the cached state describes, refilled from PostgreSQL (`connect`) on a miss; None if there is none."""
    if cached.status == "deleted":
        return None
    if cached.auth:
        client = json.loads(cached.auth)
        client["status"] = cached.status
        _keep_local(client, cached.version)
        return client
    return refill(connect(), r, cached)


def local_copy(client_id: str) -> MachineClient | None:
    """This worker's copy of an active client, if it has one under MAX_AGE old; its `version` goes to the scripts."""
    kept = _local.get(client_id)
    if kept is None or time.monotonic() - kept[0] >= MAX_AGE:
        return None
    return kept[1]


def drop_local(client_id: str) -> None:
    _local.pop(client_id, None)


def _keep_local(client: MachineClient, version: str) -> None:
    if client["status"] != "active":
        drop_local(client["client_id"])
        return
    if len(_local) >= LOCAL_COPIES:
        _local.clear()
    _local[client["client_id"]] = (time.monotonic(), {**client, "version": version})


def refill(conn: Connection, r: redis.Redis, cached: Cached) -> MachineClient | None:
    """Load the client from PostgreSQL and cache it, unless it changed since `cached` was read."""
    return fill(r, cached, load(conn, cached.client_id))


def fill(r: redis.Redis, cached: Cached, client: MachineClient | None) -> MachineClient | None:
    """Cache `client` as loaded from PostgreSQL after `cached` was read; return it with the status Redis holds."""
    if client is None:
        return None
    status = _FILL(
        r,
        client=client_state_key(cached.client_id),
        version=cached.version,
        auth=json.dumps({**client, "status": ""}, separators=(",", ":")),  # Redis's own status is read
        status=client["status"],
        rate_limit=client["rate_limit"],
        ttl=CLIENT_STATE_TTL,
    )
    # Active only if both stores say so: Redis holds a suspension before PostgreSQL does.
    if status != "active":
        client["status"] = status or "suspended"
    return client


def load(conn: Connection, client_id: str) -> MachineClient | None:
    """The client and its secrets' digests from PostgreSQL, in one query; None if there is no such client."""
    columns = ", ".join(f"c.{column}" for column in CACHED_COLUMNS)
    with conn.cursor() as cur:
        cur.execute(
            f"""SELECT {columns}, c.status,
                       coalesce(json_agg(json_build_array(s.id, s.secret_digest) ORDER BY s.id)
                                FILTER (WHERE s.id IS NOT NULL), '[]') AS secrets
                FROM clients c LEFT JOIN client_secrets s ON s.client_id = c.client_id
                WHERE c.client_id = %(id)s GROUP BY c.client_id""",
            {"id": client_id},
        )
        row = cur.fetchone()
    return dict(row) if row else None


def forget(r: redis.Redis, client_id: str) -> None:
    """Drop the cached client after a change is committed: the next request reads PostgreSQL's row.

    Bumping the version too makes a refill that read the row before the
    commit write nothing (fill_client.lua).
    """
    key = client_state_key(client_id)
    pipe = r.pipeline(transaction=True)
    pipe.hincrby(key, "auth_version", 1)
    pipe.hdel(key, "auth", "auth_at")
    pipe.expire(key, CLIENT_STATE_TTL)
    pipe.execute()
