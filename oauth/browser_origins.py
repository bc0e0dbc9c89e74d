"""The web origins of public clients' redirect URIs, in Redis: what CORS lets read the token endpoint (web/cors.py).

A single-page app is a public client; the origin its redirect URIs live on is
the origin its scripts run on. Asking PostgreSQL on every cross-origin token
request would cost a query each, so the set is kept in Redis and rewritten
whenever a client is created, edited, suspended, resumed or deleted
(oauth/clients.py); checking an origin is one HMGET.

    {cors}origins   hash  origin -> how many active public clients registered a
                          redirect URI on it; `!built` once the whole set has been
                          written, `!generation` counting every change
    {cors}clients   hash  client_id -> the origins that client contributes

(The `{cors}` hash tag keeps both keys in one Redis Cluster slot, so each
script below touches one node.) The keys have no TTL: they mirror rows that
last. Should Redis lose them (a flush, a failover without persistence), the
next check finds no `!built` and rebuilds the set from PostgreSQL, once; the
rebuild is dropped if any change landed while it read, so a client suspended
meanwhile is never written back.
"""

from pathlib import Path

import redis

from stores.lua import LuaScript
from stores.postgres import Connection, get_connection
from stores.redis_client import get_redis
from web.cors import origin_of

ORIGINS_KEY = "{cors}origins"
CLIENTS_KEY = "{cors}clients"
BUILT = "!built"  # neither field name can be an origin
GENERATION = "!generation"

_HERE = Path(__file__).parent
_SET_CLIENT_ORIGINS = LuaScript(
    _HERE / "set_client_origins.lua",
    keys="origins clients",
    args="generation_field client_id *client_origins",
)
_REBUILD = LuaScript(
    _HERE / "rebuild_origins.lua",
    keys="origins clients",
    args="generation_field built_field generation *pairs",
)


def origins_of(client: dict) -> list[str]:
    """The origins a client opens to browsers: those of its redirect URIs, if it is an active public client."""
    if client["client_type"] != "public" or client["status"] != "active":
        return []
    return list(dict.fromkeys(filter(None, map(origin_of, client["redirect_uris"]))))


def publish(r: redis.Redis, client: dict) -> None:
    """Make the set reflect `client` as it now is (also right after it was suspended or resumed)."""
    _set_client_origins(r, client["client_id"], origins_of(client))


def forget(r: redis.Redis, client_id: str) -> None:
    """A deleted client's origins leave the set."""
    _set_client_origins(r, client_id, [])


def _set_client_origins(r: redis.Redis, client_id: str, origins: list[str]) -> None:
    _SET_CLIENT_ORIGINS(
        r,
        origins=ORIGINS_KEY,
        clients=CLIENTS_KEY,
        generation_field=GENERATION,
        client_id=client_id,
        client_origins=origins,
    )


def is_public_client_origin(origin: str) -> bool:
    """Whether an active public client registered a redirect URI on `origin` (web/cors.py asks)."""
    return is_listed(get_redis(), origin, get_connection)


def is_listed(r: redis.Redis, origin: str, connect) -> bool:
    """One HMGET; when the set was never built (or Redis lost it), rebuild it through `connect()` first."""
    count, built, generation = r.hmget(ORIGINS_KEY, [origin, BUILT, GENERATION])
    if built:
        return count is not None
    return origin in rebuild(connect(), r, generation or "")


def rebuild(conn: Connection, r: redis.Redis, generation: str) -> set[str]:
    """Write the whole set from PostgreSQL (unless a change landed since `generation`); return its origins."""
    with conn.cursor() as cur:
        cur.execute(
            """SELECT client_id, client_type, status, redirect_uris FROM clients
               WHERE client_type = 'public' AND status = 'active'"""
        )
        rows = cur.fetchall()
    pairs = [(row["client_id"], origins_of(row)) for row in rows]
    args = [item for client_id, origins in pairs if origins for item in (client_id, " ".join(origins))]
    _REBUILD(
        r,
        origins=ORIGINS_KEY,
        clients=CLIENTS_KEY,
        generation_field=GENERATION,
        built_field=BUILT,
        generation=generation,
        pairs=args,
    )
    return {origin for _, origins in pairs for origin in origins}
