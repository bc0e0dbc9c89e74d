"""Email verification: sign-up mails a link, the link proves the address, a signed-in person may ask again.

Sign-up answers the same page whether the email was new or taken; what
differs is only the mail: a verification link to a new address, "you
already have an account" to the owner of a taken one. An unverified
account can sign in, but cannot register apps, have its email vouched for
as verified, or become an administrator.
"""

import redis
from flask import current_app

import audit
from accounts import address_limits, links, mail, users
from stores.postgres import Connection, transaction


def mail_link(cur, r: redis.Redis, user: users.User) -> None:
    """Mail `user` a fresh verification link (24 hours, single use), queued in `cur`'s transaction."""
    links.send(cur, r, links.VERIFY_EMAIL, user, _version(user["email"]), "Confirm your email address", "verify_email")


def resend(conn: Connection, r: redis.Redis, user: users.User, ip: str) -> int:
    """A signed-in, unverified person asks for another link: 0 when sent, else seconds to wait."""
    wait = address_limits.hit(r, address_limits.RESEND_PER_ACCOUNT, f"user:{user['id']}")
    if wait:
        return wait
    with transaction(conn) as cur:
        audit.record(cur, "email.verification_sent", actor_id=user["id"], subject_user_id=user["id"], ip_address=ip)
        mail_link(cur, r, user)
    return 0


def mail_owner_of_taken_email(conn: Connection, r: redis.Redis, email: str, ip: str) -> None:
    """Someone signed up with an email that has an account: tell its owner, never the person at the form."""
    owner = users.get_user_by_email(conn, email)
    if owner is None:  # deleted in between: nothing to tell anyone
        return
    mailed = not address_limits.hit(r, address_limits.MAIL_PER_ACCOUNT, f"user:{owner['id']}")
    with transaction(conn) as cur:
        audit.record(cur, "signup.email_taken", subject_user_id=owner["id"], ip_address=ip, details={"mailed": mailed})
        if mailed:
            issuer = current_app.config["OAUTH_ISSUER"]
            mail.send(cur, owner["email"], "You already have an account", "account_exists", user=owner, issuer=issuer)


def pending(conn: Connection, r: redis.Redis, token: str) -> users.User | None:
    """The account a live verification link is for (the link stays unspent); None if the link is not live."""
    link = links.peek(r, links.VERIFY_EMAIL, token)
    user = users.get_user(conn, link.user_id) if link else None
    return user if user and _version(user["email"]) == link.version else None


def verify(conn: Connection, r: redis.Redis, token: str, ip: str) -> users.User | None:
    """Spend the link and mark its account's email verified; None if the link was not live."""
    link = links.take(r, links.VERIFY_EMAIL, token)
    if link is None:
        return None
    with transaction(conn) as cur:
        # The email the link was mailed to, or nothing: an address changed since proves nothing.
        user = users.mark_email_verified(cur, link.user_id, link.version)
        if user is not None:
            audit.record(cur, "email.verified", actor_id=user["id"], subject_user_id=user["id"], ip_address=ip)
    return user


def _version(email: str) -> str:
    """What a verification link is bound to: the address it was mailed to, exactly as the account has it."""
    return email
