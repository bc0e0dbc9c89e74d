-- The user's cached profile (api/profiles.py): a library of the API's check (api/check_token.lua).

-- The cached profile JSON at `key` ('' for a token without a user), or ''.
local function cached_profile(key)
  if key == '' then return '' end
  return redis.call('GET', key) or ''
end
