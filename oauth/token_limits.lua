-- The token endpoint's limits (oauth/token_limits.py), shared by the issuing scripts
-- (after stores/keys.lua).

-- Take one token slot from the bucket at `key` (absent: counts nothing) for `rate`
-- tokens per second with `burst` at once. Returns 0, or the microseconds to wait.
local function take_slot(key, rate, burst)
  if absent(key) then return 0 end
  local clock = redis.call('TIME')
  local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
  local interval = 1000000 / tonumber(rate)
  local tat = math.max(tonumber(redis.call('GET', key)) or now, now)
  local wait = tat + interval - tonumber(burst) * interval - now
  if wait > 0 then return math.ceil(wait) end
  local next_tat = math.floor(tat + interval)
  -- At rates past a million a second the bucket is full again within the microsecond: at least 1 ms.
  redis.call('SET', key, string.format('%d', next_tat), 'PX', math.max(1, math.ceil((next_tat - now) / 1000)))
  return 0
end

-- `at` joins the client's live client-credentials tokens (`key`, absent for none) for
-- `ttl` seconds; past `cap`, the ones nearest their expiry are revoked.
local function cap_machine_tokens(key, at, ttl, cap)
  if absent(key) then return end
  -- Scored in microseconds: two tokens of one millisecond would tie, and a tie goes by key name, not age.
  local clock = redis.call('TIME')
  local now_us = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now_us)
  redis.call('ZADD', key, now_us + tonumber(ttl) * 1000000, at)
  redis.call('PEXPIRE', key, tonumber(ttl) * 1000)
  local excess = redis.call('ZCARD', key) - tonumber(cap)
  if excess > 0 then
    local oldest = redis.call('ZPOPMIN', key, excess)
    for i = 1, #oldest, 2 do redis.call('DEL', oldest[i]) end
  end
end
