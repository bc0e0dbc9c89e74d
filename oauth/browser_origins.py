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

import redis

from stores.lua import LuaScript
from stores.postgres import Connection, get_connection
from stores.redis_client import get_redis
from web.cors import origin_of

ORIGINS_KEY = "{cors}origins"
CLIENTS_KEY = "{cors}clients"
BUILT = "!built"  # neither field name can be an origin
GENERATION = "!generation"

# KEYS: origins, clients. ARGV: client_id, then the origins it contributes (none: it contributes nothing).
_SET_CLIENT_ORIGINS = LuaScript(
    f"""
local previous = redis.call('HGET', KEYS[2], ARGV[1])
if previous then
  for origin in string.gmatch(previous, '%S+') do
    if redis.call('HINCRBY', KEYS[1], origin, -1) <= 0 then redis.call('HDEL', KEYS[1], origin) end
  end
end
if #ARGV > 1 then
  redis.call('HSET', KEYS[2], ARGV[1], table.concat(ARGV, ' ', 2))
  for i = 2, #ARGV do redis.call('HINCRBY', KEYS[1], ARGV[i], 1) end
else
  redis.call('HDEL', KEYS[2], ARGV[1])
end
redis.call('HINCRBY', KEYS[1], '{GENERATION}', 1)
"""
)

# KEYS: origins, clients. ARGV: the generation read before PostgreSQL was, then client_id, origins pairs.
# Returns 0, writing nothing, when a change landed since that generation was read.
_REBUILD = LuaScript(
    f"""
if (redis.call('HGET', KEYS[1], '{GENERATION}') or '') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
for i = 2, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  for origin in string.gmatch(ARGV[i + 1], '%S+') do redis.call('HINCRBY', KEYS[1], origin, 1) end
end
redis.call('HSET', KEYS[1], '{BUILT}', '1', '{GENERATION}', ARGV[1])
return 1
"""
)


def origins_of(client: dict) -> list[str]:
    """The origins a client opens to browsers: those of its redirect URIs, if it is an active public client."""
    if client["client_type"] != "public" or client["status"] != "active":
        return []
    return list(dict.fromkeys(filter(None, map(origin_of, client["redirect_uris"]))))


def publish(r: redis.Redis, client: dict) -> None:
    """Make the set reflect `client` as it now is (also right after it was suspended or resumed)."""
    _SET_CLIENT_ORIGINS(r, [ORIGINS_KEY, CLIENTS_KEY], [client["client_id"], *origins_of(client)])


def forget(r: redis.Redis, client_id: str) -> None:
    """A deleted client's origins leave the set."""
    _SET_CLIENT_ORIGINS(r, [ORIGINS_KEY, CLIENTS_KEY], [client_id])


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
    _REBUILD(r, [ORIGINS_KEY, CLIENTS_KEY], [generation, *args])
    return {origin for _, origins in pairs for origin in origins}
