-- The per-client rate limit (api/rate_limit.py): a library of the API's check (api/check_token.lua).

-- Count one call on the client's counter prefix `counter_prefix` (the window index
-- completes the key) against `limit` at time `now` (all numbers). Returns allowed
-- (bool) and the calls used in the window, this one included when allowed. The
-- window index is written with '%d': a bare number would go through Lua's slower
-- '%.14g', on every API call.
local function count_call(counter_prefix, limit, now, window)
  local counter = counter_prefix .. string.format('%d', math.floor(now / window))
  local used = redis.call('INCR', counter)
  -- The expiry is set only when the counter is created, never refreshed.
  if used == 1 then redis.call('EXPIRE', counter, window) end
  if used > limit then
    redis.call('DECR', counter)  -- a refused call is not counted
    return false, used - 1
  end
  return true, used
end
