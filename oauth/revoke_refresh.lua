-- Revoke the family of a refresh token, live or spent, if it is that client's.
-- Libraries: stores/keys.lua, token_store.lua.
-- KEYS: refresh (the token's key), spent (its spent marker)
-- ARGV: client_id, marker_ttl, family_revoked_stem
-- Reply: 1 if the token was that client's (and is revoked now), else 0
local client_id, family
local flat = redis.call('HGETALL', KEYS[1])
if #flat > 0 then
  local t = to_table(flat)
  client_id, family = t.client_id, t.family
else
  local marker = redis.call('GET', KEYS[2])
  if not marker then return 0 end
  client_id, family = spent_parts(marker)
end
if client_id ~= ARGV[1] then return 0 end
if family == '' then
  redis.call('DEL', KEYS[1])
elseif family then
  revoke_family(slot_of(KEYS[1]) .. ARGV[3] .. family, ARGV[2])
end
return 1
