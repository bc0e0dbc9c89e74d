-- Delete an access token, only if it is that client's.
-- KEYS: access (the token's key)
-- ARGV: client_id
-- Reply: 1 if it was deleted, else 0
if redis.call('HGET', KEYS[1], 'client_id') ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
