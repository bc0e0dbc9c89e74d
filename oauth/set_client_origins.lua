-- A client's origins replace those it contributed before (oauth/browser_origins.py).
-- KEYS: origins ({cors}origins), clients ({cors}clients)
-- ARGV: generation_field, client_id, then the origins it contributes (none: it contributes nothing)
-- Reply: nil
local previous = redis.call('HGET', KEYS[2], ARGV[2])
if previous then
  for origin in string.gmatch(previous, '%S+') do
    if redis.call('HINCRBY', KEYS[1], origin, -1) <= 0 then redis.call('HDEL', KEYS[1], origin) end
  end
end
if #ARGV > 2 then
  redis.call('HSET', KEYS[2], ARGV[2], table.concat(ARGV, ' ', 3))
  for i = 3, #ARGV do redis.call('HINCRBY', KEYS[1], ARGV[i], 1) end
else
  redis.call('HDEL', KEYS[2], ARGV[2])
end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
