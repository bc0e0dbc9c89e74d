-- When each grant was last used (api/usage.py): a library of the API's check (api/check_token.lua).

-- Note a use at `now` on the grant's key `key` ('' for a token without a grant);
-- true when it was recorded, and PostgreSQL should be written. The script is
-- atomic, so of many concurrent calls exactly one records the new minute.
local function note_use(key, now, flush_seconds, ttl)
  if key == '' then return false end
  local recorded = tonumber(redis.call('GET', key))
  if recorded and now - recorded < flush_seconds then return false end
  redis.call('SET', key, now, 'EX', ttl)
  return true
end
