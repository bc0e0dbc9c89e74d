-- Cache the client as PostgreSQL's row says, unless it changed since the miss was read.
-- KEYS: client (its state hash, client:<client_id>)
-- ARGV: version (auth_version as the miss read it, '' for none), auth (the JSON to cache),
--       status, rate_limit (the row's), ttl
-- Reply: the status the hash holds now ('' for none)
-- Every change to a client bumps auth_version after its PostgreSQL commit
-- (oauth/client_cache.py forget): a refill whose row was read before that
-- commit finds another version and writes nothing, so a stale row is never
-- cached. A status already there wins over the row's, as in keep_client:
-- a suspension or deletion tombstone is never undone by a refill.
local key = KEYS[1]
if (redis.call('HGET', key, 'auth_version') or '') ~= ARGV[1] then
  return redis.call('HGET', key, 'status') or ''
end
redis.call('HSETNX', key, 'status', ARGV[3])
redis.call('HSETNX', key, 'rate_limit', ARGV[4])
redis.call('HSET', key, 'auth', ARGV[2], 'auth_at', redis.call('TIME')[1])
redis.call('EXPIRE', key, ARGV[5])
return redis.call('HGET', key, 'status')
