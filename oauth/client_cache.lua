-- The client as the machine endpoints read it (oauth/client_cache.py): a library
-- of the scripts that read it. None of them builds a key: each is given one.

-- {status, auth, version} of the client state hash at `key`: `auth` is the
-- cached JSON, or '' when it is missing or was filled `max_age` seconds ago
-- or more (the caller then refills it from PostgreSQL); `version` is what a
-- refill must find unchanged to write. Missing fields read as ''.
local function cached_client(key, max_age)
  local state = redis.call('HMGET', key, 'status', 'auth', 'auth_at', 'auth_version')
  local auth = state[2] or ''
  if auth ~= '' and (tonumber(state[3]) or 0) + max_age <= tonumber(redis.call('TIME')[1]) then
    auth = ''
  end
  return {state[1] or '', auth, state[4] or ''}
end
