"""Single-use links mailed to people: email verification (24 hours), password reset (30 minutes), sign-in (15 minutes).

A link carries a random token (256 bits). Redis keeps only its SHA-256
digest, in a key that names the link's purpose, with the link's lifetime
as its TTL:

    link:verify:<digest>  JSON {"user_id", "version"}   24 h
    link:reset:<digest>   JSON {"user_id", "version"}   30 min
    link:signin:<digest>  JSON {"user_id", "version"}   15 min

The purpose is part of the key, so a token made for one purpose is simply
unknown to the other. `version` binds the link to the account as it was
when the link was made: its email for verification, `password_changed_at`
for a reset or a sign-in (users.get_password_version), so that any later
password change spends every such link made before it. The caller compares it when
it acts on the link.

`take` is one GETDEL: two requests racing with the same link cannot both
win. `peek` reads without spending, for the page that shows the form.
"""

import hashlib
import json
import secrets
import string
from dataclasses import dataclass

import redis
from flask import current_app

from accounts import mail

KEY_PREFIX = "link:"
TOKEN_BYTES = 32  # 256 bits
TOKEN_LENGTH = 43  # token_urlsafe(32): 43 characters of base64url
_BASE64URL = frozenset(string.ascii_letters + string.digits + "-_")


@dataclass(frozen=True)
class Purpose:
    name: str
    ttl_seconds: int
    path: str  # the page the link opens, ending where the token goes


VERIFY_EMAIL = Purpose("verify", 24 * 3600, "/signup/verify/")
RESET_PASSWORD = Purpose("reset", 30 * 60, "/password/reset/")
SIGN_IN = Purpose("signin", 15 * 60, "/login/link/")


@dataclass(frozen=True)
class Link:
    """What a live link was made for."""

    user_id: int
    version: str


def issue(r: redis.Redis, purpose: Purpose, user_id: int, version: str) -> str:
    """Make a link for `user_id`; return its token (the only copy: it goes into the mail)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    value = json.dumps({"user_id": user_id, "version": version})
    r.set(key(purpose, token), value, ex=purpose.ttl_seconds)
    return token


def send(
    cur,
    r: redis.Redis,
    purpose: Purpose,
    user: dict,
    version: str,
    subject: str,
    template: str,
    query: str = "",
    **context,
) -> None:
    """Make a link for `user` and queue its mail in `cur`'s transaction; the template gets `link` and `minutes`.

    A transaction that rolls back leaves a link in Redis that nobody holds
    the token of: it expires unused.
    """
    token = issue(r, purpose, user["id"], version)
    link = url(current_app.config["OAUTH_ISSUER"], purpose, token) + (f"?{query}" if query else "")
    minutes = purpose.ttl_seconds // 60
    mail.send(cur, user["email"], subject, template, user=user, link=link, minutes=minutes, **context)


def url(issuer: str, purpose: Purpose, token: str) -> str:
    """The link as mailed: the issuer's address, the purpose's page, the token."""
    return f"{issuer}{purpose.path}{token}"


def peek(r: redis.Redis, purpose: Purpose, token: str) -> Link | None:
    """The live link with this token, left in place; None if unknown, used, expired or malformed."""
    if not is_well_formed(token):
        return None
    return _parse(r.get(key(purpose, token)))


def take(r: redis.Redis, purpose: Purpose, token: str) -> Link | None:
    """Spend the link with this token and return it; None if it was not live (so never twice)."""
    if not is_well_formed(token):
        return None
    return _parse(r.getdel(key(purpose, token)))


def is_well_formed(token: str) -> bool:
    """True for what `issue` makes: nothing else reaches Redis."""
    return len(token) == TOKEN_LENGTH and all(ch in _BASE64URL for ch in token)


def key(purpose: Purpose, token: str) -> str:
    """The Redis key of a link: its purpose and the digest of its token."""
    return f"{KEY_PREFIX}{purpose.name}:{hashlib.sha256(token.encode()).hexdigest()}"


def _parse(value: str | None) -> Link | None:
    if value is None:
        return None
    fields = json.loads(value)
    return Link(user_id=int(fields["user_id"]), version=str(fields["version"]))
