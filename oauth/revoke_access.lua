-- Delete an access token, only if it is that client's.
-- KEYS: access (the token's key)
-- ARGV: client_id
-- Reply: 1 if it was deleted, else 0
local text = redis.call('GET', KEYS[1])
if not text or string.match(text, '^[^\n]*') ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
