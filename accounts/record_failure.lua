-- Count one wrong password on the account's side (accounts/throttle.py): all its keys share the account's slot.
-- KEYS: pair (account and address), account (its counter), pair_index (the account's pair keys)
-- ARGV: now, pair_window, account_window (seconds)
-- Reply: failures of the pair
local pair = count(KEYS[1], ARGV[1], ARGV[2])
redis.call('INCR', KEYS[2])
if redis.call('TTL', KEYS[2]) < 0 then redis.call('EXPIRE', KEYS[2], ARGV[3]) end
redis.call('SADD', KEYS[3], KEYS[1])
redis.call('EXPIRE', KEYS[3], ARGV[2])
return pair
