"""Cutting a person off at once: disabling an account ends its sessions and every app's access to it.

The command line (`users disable`) and the admin pages both call
`disable_user`. It lives here, above accounts, because it revokes grants,
which accounts may not know of.

Order matters: the account is marked disabled first, so from that moment
no sign-in succeeds and no session loads it; then its sessions are deleted
and its grants revoked, each grant's tokens in Redis before PostgreSQL
(grants.revoke). Should a step fail, running it again finishes the job:
every step is harmless to repeat.
"""

from dataclasses import dataclass

import redis

from accounts import sessions, user_admin, users
from audit import Actor
from oauth import grants
from stores.postgres import Connection


@dataclass(frozen=True)
class Disabled:
    user: users.User
    sessions_ended: int
    grants_revoked: int


def disable_user(conn: Connection, r: redis.Redis, actor: Actor, user_id: int, reason: str) -> Disabled | None:
    """Disable the account, end every session of it and revoke every grant and token (raises user_admin.Refused).

    None if there is no such user. Its tokens stop on their very next use;
    enabling the account later brings none of them back.
    """
    user = user_admin.mark_disabled(conn, actor, user_id, reason)
    if user is None:
        return None
    ended = sessions.end_all(r, user_id)
    revoked = grants.revoke_all_for_user(conn, r, actor, user_id)
    return Disabled(user=user, sessions_ended=ended, grants_revoked=revoked)
