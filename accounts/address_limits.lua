-- Count one use in a fixed window (accounts/address_limits.py).
-- KEYS: counter
-- ARGV: window_seconds
-- Reply: {uses so far in this window, seconds left in it}
local uses = redis.call('INCR', KEYS[1])
if uses == 1 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return {uses, redis.call('TTL', KEYS[1])}
