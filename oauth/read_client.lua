-- The client as the machine endpoints read it, when the request holds no token to read with it.
-- Libraries: client_cache.lua.
-- KEYS: client (its state hash, client:<client_id>)
-- ARGV: max_age (seconds a cached copy is trusted)
-- Reply: {status, auth, version} (cached_client)
return cached_client(KEYS[1], tonumber(ARGV[1]))
