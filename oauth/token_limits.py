"""Limits on the token endpoint: how fast a client gets tokens, and how many machine tokens it holds.

Two Lua fragments that the token store's scripts include, so that a limit
is checked in the same atomic step, and the same round trip, as the write
it guards:

- `take_slot`: a client's token-issuing rate, by GCRA (the generic cell
  rate algorithm, a token bucket kept as one number). `tokrate:<client_id>`
  holds the theoretical arrival time (TAT, microseconds of the Redis clock)
  of the client's next token; a request may go ahead while TAT is less than
  BURST_SECONDS' worth of tokens ahead of now, and moves it one interval
  (1 / rate) on. One key per client, one GET and one SET per token, and the
  key expires as soon as the bucket is full again. A refused request moves
  nothing, and its reply says how long until a token would be given.
- `cap_machine_tokens`: a client's live client-credentials tokens, at most
  `cap` at once. `cctokens:<client_id>` is a sorted set of their `at:` keys
  scored by expiry (milliseconds); each new token prunes the expired ones,
  joins, and the ones nearest their expiry (the oldest) are revoked while
  the set is over the cap. A loop that asks for tokens without end holds
  at most `cap` of them.

Only requests that would issue tokens count against the rate: the slot is
taken inside the script that redeems the code, rotates the refresh token
or issues the client-credentials token, after the checks that can refuse
it. So a stranger who knows a public client's ID cannot spend that app's
rate with made-up codes, and a refused code or refresh token is not spent.
"""

import math

# The default rate, in tokens per second, for a client whose row says nothing else (clients.token_rate).
DEFAULT_TOKEN_RATE = 10
# A client may take this many seconds' worth of tokens at once before the rate applies.
BURST_SECONDS = 2
# The default number of live client-credentials tokens per client.
DEFAULT_MACHINE_TOKEN_CAP = 100

TOKEN_RATE_PREFIX = "tokrate:"
MACHINE_TOKENS_PREFIX = "cctokens:"


def token_rate_key(client_id: str) -> str:
    return TOKEN_RATE_PREFIX + client_id


def machine_tokens_key(client_id: str) -> str:
    return MACHINE_TOKENS_PREFIX + client_id


def burst(rate: int) -> int:
    """How many tokens a client of `rate` tokens per second may take at once."""
    return max(1, rate * BURST_SECONDS)


def retry_after_seconds(wait_us: int) -> int:
    """Retry-After for a refusal that said `wait_us` microseconds: whole seconds, at least one."""
    return max(1, math.ceil(wait_us / 1_000_000))


class TokenRateExceeded(Exception):
    """The client asked for tokens faster than its rate; it may try again after `retry_after` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


# Lua: take one token slot from the bucket at `key` ('' counts nothing) for `rate`
# tokens per second with `burst` at once. Returns 0, or the microseconds to wait.
TAKE_SLOT_LUA = """
local function take_slot(key, rate, burst)
  if key == '' then return 0 end
  local clock = redis.call('TIME')
  local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
  local interval = 1000000 / tonumber(rate)
  local tat = math.max(tonumber(redis.call('GET', key)) or now, now)
  local wait = tat + interval - tonumber(burst) * interval - now
  if wait > 0 then return math.ceil(wait) end
  local next_tat = math.floor(tat + interval)
  -- At rates past a million a second the bucket is full again within the microsecond: at least 1 ms.
  redis.call('SET', key, string.format('%d', next_tat), 'PX', math.max(1, math.ceil((next_tat - now) / 1000)))
  return 0
end
"""

# Lua: `at` joins the client's live client-credentials tokens (`key`) for `ttl` seconds;
# past `cap`, the ones nearest their expiry are revoked.
CAP_MACHINE_TOKENS_LUA = """
local function cap_machine_tokens(key, at, ttl, cap)
  if key == '' then return end
  local clock = redis.call('TIME')
  local now_ms = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now_ms)
  redis.call('ZADD', key, now_ms + tonumber(ttl) * 1000, at)
  redis.call('PEXPIRE', key, tonumber(ttl) * 1000)
  local excess = redis.call('ZCARD', key) - tonumber(cap)
  if excess > 0 then
    local oldest = redis.call('ZPOPMIN', key, excess)
    for i = 1, #oldest, 2 do redis.call('DEL', oldest[i]) end
  end
end
"""
