-- The whole origin set, written from PostgreSQL's rows (oauth/browser_origins.py).
-- KEYS: origins ({cors}origins), clients ({cors}clients)
-- ARGV: generation_field, built_field, generation (as read before PostgreSQL was),
--       then client_id, origins pairs (origins space-separated)
-- Reply: 1, or 0 (writing nothing) when a change landed since that generation was read
if (redis.call('HGET', KEYS[1], ARGV[1]) or '') ~= ARGV[3] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
for i = 4, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  for origin in string.gmatch(ARGV[i + 1], '%S+') do redis.call('HINCRBY', KEYS[1], origin, 1) end
end
redis.call('HSET', KEYS[1], ARGV[2], '1', ARGV[1], ARGV[3])
return 1
