-- Take a code exactly once. A second attempt revokes what the first produced.
-- Libraries: stores/keys.lua, token_store.lua, token_limits.lua.
-- KEYS: code, rate (the token rate's bucket, in the code's slot) or absent (not counted)
-- ARGV: family (the new family's id), marker_ttl, token_rate, burst, family_revoked_stem
-- Reply: {'ok', code json} | {'invalid'} | {'slow_down', microseconds to wait}
--        | {'replayed', client_id, user_id, family, '1' the first time it is replayed or '0'}
-- (a code refused for the rate is not spent)
local flat = redis.call('HGETALL', KEYS[1])
if #flat == 0 then return {'invalid'} end
local code = to_table(flat)
if code.state ~= 'issued' then
  if code.family and code.family ~= '' then revoke_family(slot_of(KEYS[1]) .. ARGV[5] .. code.family, ARGV[2]) end
  redis.call('HSET', KEYS[1], 'state', 'replayed')
  local first = code.state == 'redeemed' and '1' or '0'
  return {'replayed', code.client_id, code.user_id, code.family or '', first}
end
local wait = take_slot(KEYS[2], ARGV[3], ARGV[4])
if wait > 0 then return {'slow_down', wait} end
redis.call('HSET', KEYS[1], 'state', 'redeemed', 'family', ARGV[1])
return {'ok', cjson.encode(code)}
