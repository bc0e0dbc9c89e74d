-- Shared by the sign-in throttle's scripts (accounts/throttle.py).
-- count(key, now, window): one more failure on a counter hash {n, last}; its
-- window starts with its first failure. Returns the failures so far.
local function count(key, now, window)
  local failures = redis.call('HINCRBY', key, 'n', 1)
  redis.call('HSET', key, 'last', now)
  if redis.call('TTL', key) < 0 then redis.call('EXPIRE', key, window) end
  return failures
end
