-- The key layout's one Lua function (stores/keys.py), a library of the scripts
-- that complete keys from a stem.

-- The hash tag `key` starts with ('{ab12}'), or '' for an untagged key: a stem
-- put behind it names a key in the slot of `key`.
local function slot_of(key)
  return string.match(key, '^{[^}]*}') or ''
end

-- Whether `key` names nothing: '' or a bare tag (stores/keys.py `no_key`), what
-- a caller passes in KEYS for a key the call has no use for, so that every key
-- stays in the slot of the others.
local function absent(key)
  return key == '' or key == slot_of(key)
end
