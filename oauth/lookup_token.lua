-- A token's fields if it is live: its family and grant not revoked, its client active.
-- Libraries: token_store.lua.
-- KEYS: token (its at: or rt: key)
-- ARGV: refresh ('1' when the token must be an active, not rotated, refresh token),
--       family_revoked_prefix, grant_revoked_prefix, client_state_prefix
-- Reply: the token's flat HGETALL, or nil
return live_token(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
