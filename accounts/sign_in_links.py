"""Sign-in by mailed link: the second proof asked for when an account is under attack.

Past the account's failure ceiling (accounts.throttle), the right password
from an address that never signed in to the account is not enough: it may
be the guess that finally hit. The account's owner is then mailed a link
(single use, 15 minutes, spent by a password change too); opening it from
any address proves they read the account's mail. The address that opens it
becomes one the account knows, so the owner's next sign-in from there, and
its second factor if they have one, go through as usual. Nobody is locked
out: the owner always has their mailbox.
"""

import redis

import audit
from accounts import links, throttle, users
from stores.postgres import Connection, transaction


def mail_link(conn: Connection, r: redis.Redis, user: users.User, ip: str) -> None:
    """The right password came from an address new to an account under attack: mail its owner a sign-in link."""
    version = users.get_password_version(conn, user["id"])
    with transaction(conn) as cur:
        audit.record(cur, "signin.link_sent", subject_user_id=user["id"], ip_address=ip)
        links.send(cur, r, links.SIGN_IN, user, version, "Your sign-in link", "sign_in_link", ip=ip)


def pending(conn: Connection, r: redis.Redis, token: str) -> users.User | None:
    """The account a live sign-in link is for, the link left unspent; None if it is not live."""
    return _account(conn, links.peek(r, links.SIGN_IN, token))


def use(conn: Connection, r: redis.Redis, token: str, ip: str) -> users.User | None:
    """Spend the link; its account, now knowing `ip`, or None if the link was not live or the account changed."""
    user = _account(conn, links.take(r, links.SIGN_IN, token))
    if user is None:
        return None
    throttle.record_success(r, user["email"], ip)  # this address is the owner's from now on
    with transaction(conn) as cur:
        audit.record(cur, "signin.link_used", actor_id=user["id"], subject_user_id=user["id"], ip_address=ip)
    return user


def _account(conn: Connection, link: links.Link | None) -> users.User | None:
    if link is None:
        return None
    user = users.get_user(conn, link.user_id)
    # A password changed since, or an account disabled since, spends the link.
    if user is None or user["disabled_at"] is not None:
        return None
    return user if users.get_password_version(conn, user["id"]) == link.version else None
