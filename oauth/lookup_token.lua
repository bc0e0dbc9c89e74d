-- A token's fields if it is live: its family and grant not revoked, its client active.
-- Libraries: token_store.lua.
-- KEYS: token (its at: or rt: key)
-- ARGV: refresh ('1' when the token must be an active, not rotated, refresh token),
--       family_revoked_prefix, grant_revoked_prefix, client_state_prefix
-- Reply: the token's flat HGETALL, or nil
local flat = redis.call('HGETALL', KEYS[1])
if #flat == 0 then return false end
local t = to_table(flat)
if ARGV[1] == '1' and t.status ~= 'active' then return false end
if is_revoked(ARGV[2] .. (t.family or ''), ARGV[3] .. (t.grant_id or '')) then return false end
if redis.call('HGET', ARGV[4] .. t.client_id, 'status') ~= 'active' then return false end
return flat
