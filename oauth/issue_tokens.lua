-- Write an access token (and optionally a refresh token) into a family.
-- Libraries: stores/keys.lua, token_store.lua, token_limits.lua.
-- KEYS: client (its state), access, refresh, family_marker, grant_marker, rate (the token rate's
--       bucket; not counted here if absent), machine_tokens (not capped if absent): all in the
--       client's slot; a key the call has no use for is absent (the bare tag, never written)
-- ARGV: fields (json), access_ttl, refresh_ttl, client_ttl, status and rate_limit (the client's
--       row, should its state be missing), family_end (refresh only), token_rate, burst, machine_token_cap,
--       client_version (client_unchanged)
-- Reply: {'ok'} | {'revoked'} | {'suspended'} | {'slow_down', microseconds to wait}
--        | {'stale'} (the client changed since the caller's copy: nothing written)
local client, at, rt, famrevoked, grantrevoked, rate, machine = unpack(KEYS)
if not client_unchanged(client, ARGV[11]) then return {'stale'} end
if redis.call('EXISTS', famrevoked, grantrevoked) > 0 then return {'revoked'} end
if keep_client(client, ARGV[5], ARGV[6], ARGV[4]) ~= 'active' then return {'suspended'} end
local wait = take_slot(rate, ARGV[8], ARGV[9])
if wait > 0 then return {'slow_down', wait} end
local fields = cjson.decode(ARGV[1])
local flat = {}
for name, value in pairs(fields) do flat[#flat + 1] = name; flat[#flat + 1] = value end
redis.call('HSET', at, unpack(flat))
redis.call('EXPIRE', at, ARGV[2])
if not absent(rt) then
  redis.call('HSET', rt, unpack(flat))
  redis.call('HSET', rt, 'status', 'active', 'exp', fields.iat + tonumber(ARGV[3]), 'fexp', ARGV[7])
  redis.call('EXPIRE', rt, ARGV[3])
end
cap_machine_tokens(machine, at, ARGV[2], ARGV[10])
return {'ok'}
