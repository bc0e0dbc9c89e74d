-- Count one wrong password on the address's side (accounts/throttle.py): every account tried from it.
-- KEYS: address
-- ARGV: now, window (seconds)
-- Reply: failures of the address
return count(KEYS[1], ARGV[1], ARGV[2])
