-- The per-client rate limit (api/rate_limit.py): a library of the API's check (api/check_token.lua).

-- Count one call on the client's counter stem `counter_stem` (the window index
-- completes the key) against `limit` at time `now` (all numbers). Returns
-- allowed (bool) and the calls served in the window, this one included when
-- allowed. A refused call is taken back off the served counter and counted on the
-- window's refused counter instead: the refused path only, a served call costs
-- one INCR. The counters are kept `kept_windows` windows, so pages can chart past
-- ones. The window index is written with '%d': a bare number would go through
-- Lua's slower '%.14g', on every API call.
local function count_call(counter_stem, limit, now, window, kept_windows)
  local index = math.floor(now / window)
  local counter = counter_stem .. string.format('%d', index)
  local used = redis.call('INCR', counter)
  -- The expiry is set only when the counter is created, never refreshed.
  if used == 1 then redis.call('EXPIRE', counter, window * kept_windows) end
  if used > limit then
    redis.call('DECR', counter)  -- a refused call is not served
    local refused = counter .. ':refused'
    if redis.call('INCR', refused) == 1 then redis.call('EXPIRE', refused, window * kept_windows) end
    return false, used - 1
  end
  return true, used
end
