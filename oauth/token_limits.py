"""Limits on the token endpoint: how fast a client gets tokens, and how many machine tokens it holds.

Two Lua functions (token_limits.lua) that the token store's scripts declare as a library, so that a limit
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
  scored by expiry (microseconds, so that two tokens of one
  millisecond keep their order); each new token prunes the expired ones,
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
from pathlib import Path

from stores import keys

# The default rate, in tokens per second, for a client whose row says nothing else (clients.token_rate).
DEFAULT_TOKEN_RATE = 10
# A client may take this many seconds' worth of tokens at once before the rate applies.
BURST_SECONDS = 2
# The default number of live client-credentials tokens per client.
DEFAULT_MACHINE_TOKEN_CAP = 100

# Both in the client's slot (stores/keys.py), beside the tokens the scripts write.
token_rate_key = keys.token_rate
machine_tokens_key = keys.machine_tokens


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


# The Lua functions behind both limits, which the token store's scripts declare as a library.
LIBRARY = Path(__file__).with_name("token_limits.lua")
