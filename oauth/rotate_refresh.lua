-- Rotate a refresh token: the old one is spent (only a small marker stays),
-- a new pair joins the family. Presenting a spent token again revokes the
-- whole family: one write, and its marker goes (it has done its work).
-- A narrowed access scope is checked against the token's own here, after the
-- reuse check (a spent token ends its family whatever else is wrong with the
-- request), and without a round trip to read the token first. So are the
-- family's absolute lifetime and the client's token rate.
-- Libraries: stores/keys.lua, token_store.lua, token_limits.lua.
-- KEYS: old (the presented refresh token), spent (its spent marker), client (its state),
--       access and refresh (the new pair), rate (the token rate's bucket) or absent (not counted):
--       all in one slot, the client's
-- ARGV: client_id (presenting), access_scope, iat, access_ttl, refresh_ttl, marker_ttl, status and
--       rate_limit (the client's row), narrowing ('1': the access token gets access_scope, which must
--       not be empty; '0': the refresh token's own scope), family_lifetime (for a token written before
--       families had an end), token_rate, burst, family_revoked_stem, grant_revoked_stem,
--       client_version (client_unchanged)
-- Reply: {'ok', scope, user_id, auth_time or '', amr or ''} | {'beyond_grant', the asked-for scopes the token lacks}
--        | {'reused', family, user_id} | {'slow_down', microseconds to wait} | {reason}
--        | {'stale'} (the client changed since the caller's copy: nothing written)
local SLOT = slot_of(KEYS[1])
local FAMILY_REVOKED, GRANT_REVOKED = SLOT .. ARGV[13], SLOT .. ARGV[14]
local function revoked(family, grant_id)
  return is_revoked(FAMILY_REVOKED .. (family or ''), GRANT_REVOKED .. (grant_id or ''))
end
local function lacking(asked, granted)
  local have = {}
  for name in string.gmatch(granted, '%S+') do have[name] = true end
  local missing = {}
  for name in string.gmatch(asked, '%S+') do
    if not have[name] then missing[#missing + 1] = name end
  end
  return table.concat(missing, ' ')
end
local function reused(client_id, family, user_id, marker)
  if client_id ~= ARGV[1] or revoked(family, '') then return {'invalid'} end
  if family ~= nil and family ~= '' then revoke_family(FAMILY_REVOKED .. family, ARGV[6]) end
  if marker then redis.call('DEL', marker) end
  return {'reused', family, user_id}
end
if not client_unchanged(KEYS[3], ARGV[15]) then return {'stale'} end
local flat = redis.call('HGETALL', KEYS[1])
if #flat == 0 then
  local marker = redis.call('GET', KEYS[2])
  if not marker then return {'invalid'} end
  local client_id, family, user_id = spent_parts(marker)
  return reused(client_id, family, user_id, KEYS[2])
end
local old = to_table(flat)
if old.client_id ~= ARGV[1] then return {'invalid'} end
-- A token rotated before spent markers existed stays behind as a whole hash.
if old.status ~= 'active' then return reused(old.client_id, old.family, old.user_id, nil) end
if revoked(old.family, old.grant_id) then return {'invalid'} end
local iat = tonumber(ARGV[3])
local family_end = tonumber(old.fexp) or iat + tonumber(ARGV[10])
if iat >= family_end then return {'expired'} end
local narrowing = ARGV[9] == '1'
if narrowing then
  local missing = lacking(ARGV[2], old.scope)
  if ARGV[2] == '' or missing ~= '' then return {'beyond_grant', missing} end
end
if keep_client(KEYS[3], ARGV[7], ARGV[8], ARGV[6]) ~= 'active' then return {'suspended'} end
local wait = take_slot(KEYS[6], ARGV[11], ARGV[12])
if wait > 0 then return {'slow_down', wait} end
local left = redis.call('PTTL', KEYS[1])
redis.call('DEL', KEYS[1])
if left > 0 then
  redis.call('SET', KEYS[2], old.client_id .. ' ' .. old.family .. ' ' .. old.user_id, 'PX', left)
end
local common = {'client_id', old.client_id, 'user_id', old.user_id, 'grant_id', old.grant_id,
                'family', old.family, 'iat', iat}
for _, name in ipairs({'auth_time', 'amr'}) do  -- the sign-in, kept for refreshed ID tokens
  if old[name] then common[#common + 1] = name; common[#common + 1] = old[name] end
end
local scope = narrowing and ARGV[2] or old.scope
local access = to_table(common)
access.scope, access.exp = scope, string.format('%d', iat + tonumber(ARGV[4]))
redis.call('SET', KEYS[4], access_text(access), 'EX', ARGV[4])
local refresh_ttl = math.min(tonumber(ARGV[5]), family_end - iat)
redis.call('HSET', KEYS[5], unpack(common))
redis.call('HSET', KEYS[5], 'scope', old.scope, 'exp', iat + refresh_ttl, 'status', 'active', 'fexp', family_end)
redis.call('EXPIRE', KEYS[5], refresh_ttl)
return {'ok', scope, old.user_id, old.auth_time or '', old.amr or ''}
