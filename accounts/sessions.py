"""Browser sessions kept in Redis: the cookie holds only a random ID, so a session can be ended for good.

Keys (the ID itself is never stored, only its SHA-256 digest):

- `sess:<digest>`: a hash, one per session:
  `data` (the Flask session as JSON: flask-login's user id, the CSRF token,
  flashes), `user_id` ("" while nobody is signed in), `created`,
  `last_seen`, `auth_time` (when a password or second factor was last
  entered, Unix seconds), `amr` (how: "pwd", "pwd otp"), `ip`, `user_agent`.
  Its TTL is the idle timeout, never past the absolute lifetime.
- `usersess:<user_id>`: a set of the digests of that user's sessions, so
  that "sign out everywhere", a password change and disabling an account
  can end them all. Digests whose hash has expired are pruned when read.

The session hash is found from the cookie alone, so it has a slot of its
own on a Redis Cluster, apart from the user's index: a change touching both
is two steps, each atomic, ordered so that a failure between them leaves
no live session outside the index (the index is written first and pruned
last; a digest there whose session is gone is only pruned when read). Not
covered: a request of the same session saving it back between the two
steps of its ending, which one MULTI did cover.

A session ends when it is deleted (sign-out, another session's "sign out
everywhere", a password change, disabling the user), after `idle_seconds`
without a request, or `lifetime_seconds` after it was created, whichever
comes first.
"""

import hashlib
import json
import secrets
import string
import time
from dataclasses import dataclass

import redis

from stores import spread

SESSION_PREFIX = "sess:"
USER_SESSIONS_PREFIX = "usersess:"
ID_BYTES = 32  # 256 bits
ID_LENGTH = 43  # token_urlsafe(32): 43 characters of base64url
# How often a session's `last_seen` (and so its idle timeout) is written: not on every request.
TOUCH_EVERY_SECONDS = 60
MAX_USER_AGENT = 300
_BASE64URL = frozenset(string.ascii_letters + string.digits + "-_")


@dataclass(frozen=True)
class Lifetimes:
    idle_seconds: int  # ended after this long without a request
    lifetime_seconds: int  # ended this long after it began, however active
    anonymous_seconds: int  # before sign-in: only a CSRF token and a flash or two to keep

    def ttl(self, record: "SessionRecord", now: int) -> int:
        """Seconds the record may live from `now`: the idle timeout, cut short by the absolute lifetime."""
        idle = self.idle_seconds if record.user_id else self.anonymous_seconds
        return min(idle, record.created + self.lifetime_seconds - now)


@dataclass
class SessionRecord:
    """One stored session, as the session interface and the security page see it."""

    digest: str
    data: dict
    user_id: int | None
    created: int
    last_seen: int
    auth_time: int | None
    amr: list[str]
    ip: str
    user_agent: str


def new_session_id() -> str:
    return secrets.token_urlsafe(ID_BYTES)


def digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def is_well_formed(session_id: str) -> bool:
    """True for what new_session_id makes: base64url text of the right length, nothing else reaches Redis."""
    return (
        len(session_id) == ID_LENGTH and session_id.isascii() and all(ch.isalnum() or ch in "-_" for ch in session_id)
    )


def session_key(session_digest: str) -> str:
    return SESSION_PREFIX + session_digest


def user_sessions_key(user_id: int) -> str:
    return f"{USER_SESSIONS_PREFIX}{user_id}"


def load(r: redis.Redis, session_digest: str, lifetimes: Lifetimes, now: int | None = None) -> SessionRecord | None:
    """The live session with this digest, or None (unknown, idle too long, or past its lifetime)."""
    now = int(time.time()) if now is None else now
    fields = r.hgetall(session_key(session_digest))
    record = _from_fields(session_digest, fields)
    if record is None or lifetimes.ttl(record, now) <= 0:
        return None
    return record


def save(r: redis.Redis, record: SessionRecord, lifetimes: Lifetimes, now: int | None = None) -> None:
    """Write the whole record, index it under its user and reset its idle timeout."""
    now = int(time.time()) if now is None else now
    record.last_seen = now
    ttl = lifetimes.ttl(record, now)
    key = session_key(record.digest)
    if record.user_id:  # indexed first: "sign out everywhere" must find every session that exists
        index = user_sessions_key(record.user_id)
        pipe = r.pipeline(transaction=True)
        pipe.sadd(index, record.digest)
        pipe.expire(index, lifetimes.lifetime_seconds)
        pipe.execute()
    pipe = r.pipeline(transaction=True)
    pipe.delete(key)  # a field dropped from the record (no user any more) must not linger
    pipe.hset(key, mapping=_to_fields(record))
    pipe.expire(key, max(ttl, 1))
    pipe.execute()


def touch(r: redis.Redis, record: SessionRecord, lifetimes: Lifetimes, now: int | None = None) -> None:
    """Note a request on an unchanged session, at most once a minute: last seen, and the idle timeout restarts."""
    now = int(time.time()) if now is None else now
    if now - record.last_seen < TOUCH_EVERY_SECONDS:
        return
    record.last_seen = now
    key = session_key(record.digest)
    pipe = r.pipeline(transaction=True)
    pipe.hset(key, "last_seen", now)
    pipe.expire(key, max(lifetimes.ttl(record, now), 1))
    pipe.execute()


def end(r: redis.Redis, session_digest: str, user_id: int | None = None) -> None:
    """End one session at once (then drop it from its user's index)."""
    r.delete(session_key(session_digest))
    if user_id:
        r.srem(user_sessions_key(user_id), session_digest)


def end_user_session(r: redis.Redis, user_id: int, session_digest: str) -> bool:
    """End one of `user_id`'s sessions; False if it is not theirs (or already over)."""
    if not r.sismember(user_sessions_key(user_id), session_digest):
        return False
    end(r, session_digest, user_id)
    return True


def end_all(r: redis.Redis, user_id: int, keep: str | None = None) -> int:
    """End every session of `user_id` except the one whose digest is `keep`; how many were ended."""
    index = user_sessions_key(user_id)
    doomed = [d for d in r.smembers(index) if d != keep]
    if not doomed:
        return 0
    ended = spread.delete_many(r, [session_key(d) for d in doomed])
    r.srem(index, *doomed)  # only once they are gone: a failure before leaves them indexed, to end again
    return ended


def list_for_user(r: redis.Redis, user_id: int, lifetimes: Lifetimes) -> list[SessionRecord]:
    """The user's live sessions, most recently seen first; index entries of ended sessions are pruned."""
    index = user_sessions_key(user_id)
    digests = sorted(r.smembers(index))
    if not digests:
        return []
    pipe = r.pipeline(transaction=False)
    for session_digest in digests:
        pipe.hgetall(session_key(session_digest))
    now = int(time.time())
    live, gone = [], []
    for session_digest, fields in zip(digests, pipe.execute(), strict=True):
        record = _from_fields(session_digest, fields)
        if record is None or record.user_id != user_id or lifetimes.ttl(record, now) <= 0:
            gone.append(session_digest)
        else:
            live.append(record)
    if gone:
        r.srem(index, *gone)
    return sorted(live, key=lambda record: record.last_seen, reverse=True)


def _to_fields(record: SessionRecord) -> dict[str, str | int]:
    return {
        "data": json.dumps(record.data, separators=(",", ":")),
        "user_id": record.user_id or "",
        "created": record.created,
        "last_seen": record.last_seen,
        "auth_time": record.auth_time or "",
        "amr": " ".join(record.amr),
        "ip": record.ip,
        "user_agent": record.user_agent[:MAX_USER_AGENT],
    }


def _from_fields(session_digest: str, fields: dict[str, str]) -> SessionRecord | None:
    """The record in `fields`, or None when there is none or it is not the shape `save` writes."""
    if not fields:
        return None
    try:
        data = json.loads(fields["data"])
        record = SessionRecord(
            digest=session_digest,
            data=data,
            user_id=int(fields["user_id"]) if fields["user_id"] else None,
            created=int(fields["created"]),
            last_seen=int(fields["last_seen"]),
            auth_time=int(fields["auth_time"]) if fields["auth_time"] else None,
            amr=fields["amr"].split(),
            ip=fields["ip"],
            user_agent=fields["user_agent"],
        )
    except (KeyError, ValueError):
        return None
    return record if isinstance(data, dict) else None
