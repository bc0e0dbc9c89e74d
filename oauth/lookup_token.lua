-- A token's fields if it is live: its family and grant not revoked, its client active.
-- Libraries: stores/keys.lua, token_store.lua.
-- KEYS: token (its at: or rt: key)
-- ARGV: refresh ('1' when the token must be an active, not rotated, refresh token),
--       family_revoked_stem, grant_revoked_stem, client_state_stem (in the token's slot)
-- Reply: the token's flat HGETALL, or nil
return live_token(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
