-- Functions the token scripts share (oauth/token_store.py declares this file,
-- after stores/keys.lua, before each of its scripts). A key they complete from
-- a token's fields is a stem put behind the token key's own tag (slot_of), so
-- it shares the token's slot.

-- An access token is one string, its fields in this order joined by newlines
-- (oauth/token_store.py ACCESS_FIELDS): a hash would cost a million live
-- tokens about 64 bytes each more.
local ACCESS_FIELDS = {'client_id', 'user_id', 'scope', 'grant_id', 'family', 'iat', 'exp', 'auth_time', 'amr'}

-- A stored access token's fields as a table.
local function parse_access(text)
  local t, i = {}, 1
  for value in string.gmatch(text .. '\n', '([^\n]*)\n') do
    if ACCESS_FIELDS[i] then t[ACCESS_FIELDS[i]] = value end
    i = i + 1
  end
  return t
end

-- The string an access token with the fields of table `t` is stored as.
local function access_text(t)
  local parts = {}
  for i, name in ipairs(ACCESS_FIELDS) do parts[i] = t[name] or '' end
  return table.concat(parts, '\n')
end

-- A hash's HGETALL reply as a table.
local function to_table(flat)
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end

-- Whether a token's family or grant is dead: one command for both markers.
local function is_revoked(family_marker, grant_marker)
  return redis.call('EXISTS', family_marker, grant_marker) > 0
end

-- The family is dead from now on; its members are left to expire.
local function revoke_family(family_marker, ttl)
  redis.call('SET', family_marker, '1', 'EX', ttl)
end

-- A spent refresh token's marker, "<client_id> <family> <user_id>", as its three parts.
local function spent_parts(marker)
  return string.match(marker, '^(%S+) (%S*) (%S*)$')
end

-- The client's state as every token reads it, kept alive (and refilled
-- from PostgreSQL's row should Redis have lost it) by every issue and
-- rotation, so it lasts as long as the client's newest token. Returns the
-- status. A status already there wins over the row: a suspension or
-- deletion written meanwhile is never undone by a request that read the
-- row just before.
local function keep_client(key, status, rate_limit, ttl)
  redis.call('HSETNX', key, 'status', status)
  redis.call('HSETNX', key, 'rate_limit', rate_limit)
  redis.call('EXPIRE', key, ttl)
  return redis.call('HGET', key, 'status')
end

-- A token's fields, flat (name, value, ...), if it is live: its family and grant
-- not revoked, its client active; with refresh '1' it must also be an active
-- (not rotated) refresh token. false otherwise. The stems name the markers and the
-- client's state in the token's slot.
local function live_token(key, refresh, family_revoked_stem, grant_revoked_stem, client_state_stem)
  local flat, t
  if refresh == '1' then
    flat = redis.call('HGETALL', key)
    if #flat == 0 then return false end
    t = to_table(flat)
    if t.status ~= 'active' then return false end
  else
    local text = redis.call('GET', key)
    if not text then return false end
    t, flat = parse_access(text), {}
    for _, name in ipairs(ACCESS_FIELDS) do
      if t[name] ~= '' or name == 'user_id' or name == 'grant_id' or name == 'family' then
        flat[#flat + 1] = name
        flat[#flat + 1] = t[name]
      end
    end
  end
  local slot = slot_of(key)
  if is_revoked(slot .. family_revoked_stem .. (t.family or ''), slot .. grant_revoked_stem .. (t.grant_id or '')) then
    return false
  end
  if redis.call('HGET', slot .. client_state_stem .. t.client_id, 'status') ~= 'active' then return false end
  return flat
end

-- Whether the client a worker authenticated from its own copy (read at
-- auth_version `version`) is unchanged since: every change bumps the
-- version (oauth/client_cache.py). '-' when the caller read it just now.
local function client_unchanged(key, version)
  return version == '-' or (redis.call('HGET', key, 'auth_version') or '') == version
end
