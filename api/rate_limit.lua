-- The per-client rate limit (api/rate_limit.py): a library of the API's check (api/check_token.lua).

-- Count one call of `client_id` on its counter prefix `counter_prefix` (the window
-- index completes the key) against `limit` at time `now` (all numbers). Returns
-- allowed (bool) and the calls served in the window, this one included when
-- allowed. A refused call is taken back off the served counter and counted on the
-- window's refused counter instead, and on the window's ranking of refused clients
-- (a sorted set under `ranking_prefix`, read by /metrics): the refused path only, a
-- served call costs one INCR. The counters are kept `kept_windows` windows, so pages
-- can chart past ones; the ranking until the end of the next window. The window
-- index is written with '%d': a bare number would go through Lua's slower '%.14g',
-- on every API call.
local function count_call(counter_prefix, client_id, limit, now, window, kept_windows, ranking_prefix)
  local index = math.floor(now / window)
  local counter = counter_prefix .. string.format('%d', index)
  local used = redis.call('INCR', counter)
  -- The expiry is set only when the counter is created, never refreshed.
  if used == 1 then redis.call('EXPIRE', counter, window * kept_windows) end
  if used > limit then
    redis.call('DECR', counter)  -- a refused call is not served
    local refused = counter .. ':refused'
    if redis.call('INCR', refused) == 1 then redis.call('EXPIRE', refused, window * kept_windows) end
    local ranking = ranking_prefix .. string.format('%d', index)
    if redis.call('ZINCRBY', ranking, 1, client_id) == '1' then
      redis.call('EXPIREAT', ranking, (index + 2) * window)
    end
    return false, used - 1
  end
  return true, used
end
