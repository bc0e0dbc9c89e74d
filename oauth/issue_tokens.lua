-- Write an access token (and optionally a refresh token) into a family.
-- Libraries: stores/keys.lua, token_store.lua, token_limits.lua.
-- KEYS: client (its state), access, refresh, family_marker, grant_marker, rate (the token rate's
--       bucket; not counted here if absent), machine_tokens (not capped if absent): all in the
--       client's slot; a key the call has no use for is absent (the bare tag, never written)
-- ARGV: access_ttl, refresh_ttl, client_ttl, status and rate_limit (the client's row, should its
--       state be missing), family_end (refresh only), token_rate, burst, machine_token_cap,
--       client_version (client_unchanged), iat, access (the access token as stored: access_text), then
--       the refresh token's fields (name, value, ...; none without a refresh token)
-- Reply: {'ok'} | {'revoked'} | {'suspended'} | {'slow_down', microseconds to wait}
--        | {'stale'} (the client changed since the caller's copy: nothing written)
local client, at, rt, famrevoked, grantrevoked, rate, machine = unpack(KEYS)
if not client_unchanged(client, ARGV[10]) then return {'stale'} end
if redis.call('EXISTS', famrevoked, grantrevoked) > 0 then return {'revoked'} end
if keep_client(client, ARGV[4], ARGV[5], ARGV[3]) ~= 'active' then return {'suspended'} end
local wait = take_slot(rate, ARGV[7], ARGV[8])
if wait > 0 then return {'slow_down', wait} end
redis.call('SET', at, ARGV[12], 'EX', ARGV[1])
if not absent(rt) then
  redis.call('HSET', rt, unpack(ARGV, 13))
  redis.call('HSET', rt, 'status', 'active', 'exp', tonumber(ARGV[11]) + tonumber(ARGV[2]), 'fexp', ARGV[6])
  redis.call('EXPIRE', rt, ARGV[2])
end
cap_machine_tokens(machine, at, ARGV[1], ARGV[9])
return {'ok'}
