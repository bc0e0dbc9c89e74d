"""Two-factor sign-in for tests: turned on through the storage functions, codes computed with pyotp.

A code works once, so a test that signs the same person in twice within
one 30-second step needs the next step's code (accepted: ±1 step), and a
third time a recovery code: `next_code` hands out whichever the server
will take now.
"""

import time
from dataclasses import dataclass, field

from accounts import recovery_codes, totp, totp_crypto, totp_store
from stores import postgres

STEP_END_MARGIN = 2  # seconds


@dataclass
class Authenticator:
    """What the person's phone and drawer hold: the secret and the unused recovery codes."""

    user_id: int
    secret: str
    recovery_codes: list[str] = field(default_factory=list)


def encryption_key(app) -> bytes:
    return totp_crypto.derive_key(app.config["SECRET_KEY"])


def enable_two_factor(app, user_id: int) -> Authenticator:
    """Turn two-factor on for `user_id` as a confirmed set-up leaves it, without audit rows or pages.

    The set-up is recorded as confirmed a minute ago, which leaves every code
    of the window (the previous step's, this one's, the next one's) unused.
    """
    with app.app_context():
        conn = postgres.get_connection()
        pending = totp_store.get_or_create_pending(conn, encryption_key(app), user_id, fresh_seconds=0)
        with postgres.transaction(conn) as cur:
            assert totp_store.enable(cur, user_id, pending.nonce, totp.current_step() - 2)
            codes = recovery_codes.create_codes(cur, user_id)
    return Authenticator(user_id, pending.secret, codes)


def last_step(app, user_id: int) -> int:
    with app.app_context(), postgres.get_connection().cursor() as cur:
        cur.execute("SELECT last_step FROM user_totp WHERE user_id = %(user)s", {"user": user_id})
        return cur.fetchone()["last_step"]


def next_code(app, device: Authenticator) -> str:
    """A code the server accepts now: the earliest unused step within ±1, else a recovery code (spent here)."""
    now = totp.current_step()
    step = max(now, last_step(app, device.user_id) + 1)  # now rather than now - 1: a step boundary may pass
    if step <= now + totp.DRIFT_STEPS:
        return totp.code_at(device.secret, step)
    return device.recovery_codes.pop()


def code_for(secret: str, steps_from_now: int = 0) -> str:
    """The code of the step `steps_from_now` away from the current one.

    Never in the last seconds of a step: a code computed then could reach the
    server one step later, where "the step before" is two steps away.
    """
    left = totp.STEP_SECONDS - time.time() % totp.STEP_SECONDS
    if left < STEP_END_MARGIN:
        time.sleep(left)
    return totp.code_at(secret, totp.current_step() + steps_from_now)
