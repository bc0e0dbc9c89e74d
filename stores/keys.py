"""The Redis key layout: which keys share a hash slot, and why.

Every key that shares a slot with others is named here, and the modules
that own the data build those keys through these functions. The same names serve one Redis and a Redis
Cluster: a cluster puts a key in the slot of the text between its first
`{` and the next `}` (its hash tag), and a script or a MULTI may only touch
keys of one slot. So the keys that one operation touches carry one tag.

Client slot, `{<client tag>}`: four hex characters of SHA-256(client_id).
    Everything a token operation touches: the client's state (status, rate
    limit, the cached client authentication), its access and refresh tokens,
    spent refresh markers, codes, family and grant revocation markers, the
    API's per-window call counters, a grant's last use, the profile and
    email copies the token checks read, the token endpoint's limits and a
    secret's last use. Codes and tokens carry their client's tag after their
    type prefix (oauth/credentials.py), so the bearer token alone names the
    slot: the protected call, a code exchange, a refresh rotation and a
    revocation are each one script on one shard, one round trip.
    What a hot client costs: all of one app's tokens and counters sit on one
    shard; the app's calls are bounded by that shard's speed (its counter is
    one key anyway) and its tokens' memory by that shard's memory. Apps
    spread over the 16,384 slots by their tags (65,536 of them), so a
    cluster's load follows the apps, not one key.
    Some keys a script can only complete itself: a window's counter needs
    the server clock, a family's marker needs the token's own fields. Such
    a script is given the key's stem, which carries the tag, so the key it
    builds is in the slot of its KEYS.

User slot, `{u<digest>}`: a sign-in throttle's account counter and its
    index of pairs, tagged by the digest of the email tried (unknown
    addresses are throttled too), so its script and MULTIs stay in one slot.
    A browser session (`sess:`) and a person's index of sessions
    (`usersess:`) are untagged: a session is found from its cookie alone.
    Saving and ending one are two atomic steps, the index written first and
    pruned last, so a live session is never missing from the index that
    "sign out everywhere" reads (accounts/sessions.py).

Untagged keys live in a slot of their own and are read or written alone
(a consent challenge, an emailed link, a sign-in code, an address's
counter, a form's single-use claim, a window's ranking of refused clients).
`{cors}` holds the platform's browser origins: one slot, read on every
cross-origin request and rebuilt as one script.

Operations that span apps or people (revoking a person's every grant,
the connected-apps page, the usage figures of a developer's apps) are
per-slot steps, each atomic on its own and safe to repeat: stores/spread.py
runs them as one pipeline whose commands go to their own shards.
"""

import hashlib
from pathlib import Path

TAG_LENGTH = 4  # hex characters: 65,536 tags over a cluster's 16,384 slots

# The Lua function slot_of(key): the hash tag that starts `key`, for scripts
# that complete a stem in the slot of their KEYS[1].
LIBRARY = Path(__file__).with_name("keys.lua")

# Names within a client's slot. A script given one of these as a stem puts
# its KEYS[1]'s tag in front (slot_of) and an id behind.
CLIENT_STATE = "client:"
ACCESS_TOKEN = "at:"
REFRESH_TOKEN = "rt:"
SPENT_REFRESH = "rx:"
CODE = "code:"
FAMILY_REVOKED = "fr:"
GRANT_REVOKED = "gr:"
CALL_COUNTER = "rl:"
LAST_USED = "gu:"
PROFILE = "profile:"
EMAIL = "email:"


def client_tag(client_id: str) -> str:
    """The tag of `client_id`'s slot (carried by its codes and tokens)."""
    return hashlib.sha256(client_id.encode()).hexdigest()[:TAG_LENGTH]


def slot(tag: str) -> str:
    """The hash tag that puts a key in the slot of `tag`."""
    return f"{{{tag}}}"


def tag_of_key(key: str) -> str:
    """The hash tag a key starts with ('' for none): keys with equal tags share a slot."""
    return key[: key.find("}") + 1] if key.startswith("{") else ""


def user_slot(account_digest: str) -> str:
    """The hash tag of a sign-in throttle's account keys: the digest of the email tried."""
    return f"{{u{account_digest}}}"


# --- A client's slot, from its id --------------------------------------------


def client_state(client_id: str) -> str:
    """A client's state hash: status, rate_limit, the cached client authentication."""
    return _of_client(client_id, CLIENT_STATE + client_id)


def family_revoked(client_id: str, family: str) -> str:
    return _of_client(client_id, FAMILY_REVOKED + family)


def grant_revoked(client_id: str, grant_id: int | str) -> str:
    return _of_client(client_id, f"{GRANT_REVOKED}{grant_id}")


def call_counter_stem(client_id: str) -> str:
    """A client's API call counter but for its window index, which the script reads from the clock."""
    return _of_client(client_id, f"{CALL_COUNTER}{client_id}:")


def last_used(client_id: str, grant_id: int | str) -> str:
    """A grant's last API use (api/usage.py)."""
    return _of_client(client_id, f"{LAST_USED}{grant_id}")


def profile(client_id: str, user_id: int | str) -> str:
    """A person's profile as cached for the API calls of `client_id`'s slot (api/profiles.py)."""
    return _of_client(client_id, f"{PROFILE}{user_id}")


def token_rate(client_id: str) -> str:
    return _of_client(client_id, f"tokrate:{client_id}")


def machine_tokens(client_id: str) -> str:
    return _of_client(client_id, f"cctokens:{client_id}")


def secret_used(client_id: str, secret_id: int) -> str:
    return _of_client(client_id, f"secretused:{client_id}:{secret_id}")


def no_key(tag: str) -> str:
    """A name in the slot of `tag` that is never written: what a script is given for a key it has no use for."""
    return slot(tag)


def _of_client(client_id: str, name: str) -> str:
    return slot(client_tag(client_id)) + name


# --- A client's slot, from the tag a code or token carries --------------------


def access_token(tag: str, digest: str) -> str:
    return slot(tag) + ACCESS_TOKEN + digest


def refresh_token(tag: str, digest: str) -> str:
    return slot(tag) + REFRESH_TOKEN + digest


def spent_refresh(tag: str, digest: str) -> str:
    return slot(tag) + SPENT_REFRESH + digest


def code(tag: str, digest: str) -> str:
    return slot(tag) + CODE + digest


def user_email(token_key: str, user_id: int | str) -> str:
    """A person's email as introspection of the token at `token_key` reads it, in that token's slot."""
    return f"{tag_of_key(token_key)}{EMAIL}{user_id}"
