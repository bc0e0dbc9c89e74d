-- Introspection's one round trip: the calling client as cached, the token if it is live, and its user's email.
-- Libraries: stores/keys.lua, client_cache.lua, token_store.lua.
-- KEYS: client (the caller's state hash), token (the at: or rt: key of the token asked about):
--       one slot, or a single Redis (oauth/introspection.py)
-- ARGV: max_age (of the cached client), refresh ('1' for a refresh token), family_revoked_stem,
--       grant_revoked_stem, client_state_stem, email_stem (all completed in the token's slot)
-- Reply: {{status, auth, version} (cached_client), the token's flat HGETALL or {} (live_token),
--         the cached email of the token's user or ''}
-- The token's markers, its client's state and its user's email are found
-- from its fields in its slot, as every token check does (oauth/lookup_token.lua).
local caller = cached_client(KEYS[1], tonumber(ARGV[1]))
local flat = live_token(KEYS[2], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
if not flat then return {caller, {}, ''} end
local user_id = to_table(flat).user_id or ''
local email = ''
if user_id ~= '' then email = redis.call('GET', slot_of(KEYS[2]) .. ARGV[6] .. user_id) or '' end
return {caller, flat, email}
