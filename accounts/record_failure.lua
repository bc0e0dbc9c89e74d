-- Count one wrong password (accounts/throttle.py).
-- KEYS: pair (account and address), address, account (its counter), pair_index (the account's pair keys)
-- ARGV: now, pair_window, address_window, account_window (seconds)
-- Reply: {failures of the pair, failures of the address}
local function count(key, window)
  local failures = redis.call('HINCRBY', key, 'n', 1)
  redis.call('HSET', key, 'last', ARGV[1])
  if redis.call('TTL', key) < 0 then redis.call('EXPIRE', key, window) end
  return failures
end
local pair = count(KEYS[1], ARGV[2])
local address = count(KEYS[2], ARGV[3])
redis.call('INCR', KEYS[3])
if redis.call('TTL', KEYS[3]) < 0 then redis.call('EXPIRE', KEYS[3], ARGV[4]) end
redis.call('SADD', KEYS[4], KEYS[1])
redis.call('EXPIRE', KEYS[4], ARGV[2])
return {pair, address}
