"""Consent challenges: the request a consent page showed, kept in Redis until the person answers it.

The consent form carries only a challenge ID and the decision, as ORY
Hydra's does, so nothing the browser sends can change what Allow approves:
the scopes, the redirect URI and the PKCE challenge come from here. A
challenge answers once, within CHALLENGE_TTL, and only to the person and
the browser session it was shown to, so a form copied into another session
(or another account) opens nothing.

    consent:<digest of the ID>  string  JSON: user_id, session (the session's
                                        digest), params (the request); 10 minutes
"""

import json
import secrets
import string
from dataclasses import dataclass

import redis

from oauth import credentials

KEY_PREFIX = "consent:"
CHALLENGE_TTL = 600  # as long as a code lives: enough to read the page, not to keep it for later
ID_BYTES = 32  # 256 bits
ID_LENGTH = 43  # token_urlsafe(32)
_BASE64URL = frozenset(string.ascii_letters + string.digits + "-_")


@dataclass(frozen=True)
class ConsentChallenge:
    """What a consent page was shown for: whom, in which session, and the request itself."""

    user_id: int
    session_digest: str
    params: dict[str, str]  # the authorization request, one value per name


def create_challenge(r: redis.Redis, challenge: ConsentChallenge) -> str:
    """Store `challenge` for CHALLENGE_TTL seconds; return its ID for the form."""
    challenge_id = secrets.token_urlsafe(ID_BYTES)
    record = {"user_id": challenge.user_id, "session": challenge.session_digest, "params": challenge.params}
    r.set(key(challenge_id), json.dumps(record), ex=CHALLENGE_TTL)
    return challenge_id


def take_challenge(
    r: redis.Redis, challenge_id: str, *, user_id: int, session_digest: str | None
) -> dict[str, str] | None:
    """The request shown, if the challenge is live and was shown to this person in this session; else None.

    Taken whatever the answer (GETDEL): a challenge presented from the wrong
    session is spent, so it cannot be tried again from the right one by
    whoever copied it.
    """
    if not is_well_formed(challenge_id) or not session_digest:
        return None
    stored = r.getdel(key(challenge_id))
    if stored is None:
        return None
    record = json.loads(stored)
    if record["user_id"] != user_id or not credentials.equal(session_digest, record["session"]):
        return None
    return record["params"]


def get_params(r: redis.Redis, challenge_id: str) -> dict[str, str] | None:
    """The request of a live challenge without taking it: where to resume after signing in again."""
    if not is_well_formed(challenge_id):
        return None
    stored = r.get(key(challenge_id))
    return json.loads(stored)["params"] if stored is not None else None


def is_well_formed(challenge_id: str) -> bool:
    """Checked before any lookup, so Redis never sees a made-up key of any length."""
    return len(challenge_id) == ID_LENGTH and set(challenge_id) <= _BASE64URL


def key(challenge_id: str) -> str:
    return KEY_PREFIX + credentials.digest(challenge_id)
