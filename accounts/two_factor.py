"""Two-factor sign-in: setting it up, checking a code, turning it off, an administrator's reset.

The views only translate HTTP; this module decides, throttles and writes
the audit rows. A code is either a 6-digit TOTP code (accounts.totp), good
once, or one of the ten recovery codes (accounts.recovery_codes), good once.

Wrong codes are throttled like wrong passwords, by accounts.throttle, on a
counter of their own per account ("second factor of <id>"): a right
password does not clear it (whoever knows the password would otherwise
get a fresh round of guesses each time), only a right code does.

TOTP secrets are sealed under a key derived from the app's SECRET_KEY
(accounts.totp_crypto), read from the Flask config here.
"""

import logging
from dataclasses import dataclass

import redis
from flask import current_app

import audit
from accounts import recovery_codes, throttle, totp, totp_crypto, totp_store, users
from audit import Actor
from stores.postgres import Connection, transaction

log = logging.getLogger(__name__)

# A set-up page left open longer than this gets a new secret when it is opened again.
PENDING_SETUP_SECONDS = 3600
# Methods a session records (RFC 8176): a password, then a one-time code.
SIGNED_IN_WITH_CODE = ["pwd", "otp"]
ENABLED_EXPRESSION = totp_store.ENABLED_EXPRESSION
TOTP, RECOVERY_CODE = "totp", "recovery_code"


@dataclass(frozen=True)
class CodeCheck:
    """The answer to one code: which kind was accepted, or how long to wait."""

    method: str | None = None  # TOTP or RECOVERY_CODE when accepted
    retry_after: int = 0  # seconds, when throttled


@dataclass(frozen=True)
class TurnOff:
    """The answer to a request to turn two-factor sign-in off."""

    done: bool = False
    wrong: str | None = None  # "password" or "code"
    retry_after: int = 0


def has_two_factor(conn: Connection, user_id: int) -> bool:
    """True when the user's sign-in asks for a code."""
    return totp_store.is_enabled(conn, user_id)


def setup_secret(conn: Connection, user_id: int) -> str | None:
    """The secret to show on the set-up page (kept server-side until confirmed); None when it is on already."""
    pending = totp_store.get_or_create_pending(conn, _key(), user_id, PENDING_SETUP_SECONDS)
    return pending.secret if pending else None


def confirm_setup(conn: Connection, actor: Actor, user_id: int, code: str) -> list[str] | None:
    """Turn two-factor on if `code` is the pending secret's; the new recovery codes, or None for a wrong code."""
    pending = totp_store.get_pending(conn, _key(), user_id)
    step = totp.matching_step(pending.secret, code.strip()) if pending else None
    if step is None:
        return None
    with transaction(conn) as cur:
        if not totp_store.enable(cur, user_id, pending.nonce, step):
            return None  # another tab confirmed or restarted the set-up meanwhile
        codes = recovery_codes.create_codes(cur, user_id)
        audit.record_as(cur, actor, "two_factor.enabled", subject_user_id=user_id)
    return codes


def check_code(conn: Connection, user_id: int, code: str) -> str | None:
    """Spend `code` (six digits: TOTP; else a recovery code) if it is good; its kind, or None. Not throttled."""
    code = code.strip()
    if totp.looks_like_code(code):
        return TOTP if _take_totp(conn, user_id, code) else None
    return RECOVERY_CODE if recovery_codes.take_code(conn, user_id, code) else None


def verify_code(conn: Connection, r: redis.Redis, user: users.User, code: str, ip: str) -> CodeCheck:
    """`check_code` behind the throttle: too many wrong codes from `ip` pause the tries."""
    account = _throttle_account(user)
    verdict = throttle.check(r, account, ip)
    if verdict.wait or verdict.needs_second_proof:
        # Past the account's ceiling, codes are tried only from addresses that passed this step before.
        return CodeCheck(retry_after=verdict.wait or throttle.ACCOUNT_WINDOW_SECONDS)
    method = check_code(conn, user["id"], code)
    if method is None:
        throttle.record_failure(r, account, ip)
        return CodeCheck()
    throttle.record_success(r, account, ip)
    return CodeCheck(method=method)


def turn_off(conn: Connection, r: redis.Redis, actor: Actor, user: users.User, password: str, code: str) -> TurnOff:
    """Turn two-factor off, given the password and a current code (or a recovery code)."""
    ip = actor.ip_address
    wait = throttle.retry_after(r, user["email"], ip)
    if wait:
        return TurnOff(retry_after=wait)
    if not users.password_matches(users.get_sign_in_record(conn, user["email"]), password):
        throttle.record_failure(r, user["email"], ip)
        _refused(conn, actor, user["id"], "turn off", "password")
        return TurnOff(wrong="password")
    check = verify_code(conn, r, user, code, ip)
    if check.retry_after:
        return TurnOff(retry_after=check.retry_after)
    if check.method is None:
        _refused(conn, actor, user["id"], "turn off", "code")
        return TurnOff(wrong="code")
    with transaction(conn) as cur:
        _remove(cur, user["id"])
        audit.record_as(cur, actor, "two_factor.disabled", subject_user_id=user["id"], details={"with": check.method})
    return TurnOff(done=True)


def replace_recovery_codes(
    conn: Connection, r: redis.Redis, actor: Actor, user: users.User, code: str
) -> tuple[CodeCheck, list[str]]:
    """Ten new recovery codes in place of the old ones, given a current code; (the check, the codes or [])."""
    check = verify_code(conn, r, user, code, actor.ip_address)
    if check.method is None:
        if not check.retry_after:
            _refused(conn, actor, user["id"], "new recovery codes", "code")
        return check, []
    with transaction(conn) as cur:
        codes = recovery_codes.create_codes(cur, user["id"])
        audit.record_as(cur, actor, "two_factor.recovery_codes_replaced", subject_user_id=user["id"])
    return check, codes


def unlock_codes(r: redis.Redis, user: users.User) -> int:
    """Clear the wrong-code counters of `user` (with `users unlock` and the admin's unlock); how many there were."""
    return throttle.unlock(r, _throttle_account(user))


def recovery_codes_left(conn: Connection, user_id: int) -> int:
    return recovery_codes.count_unused(conn, user_id)


def reset_two_factor(conn: Connection, actor: Actor, user_id: int, reason: str) -> bool:
    """An administrator turns someone's two-factor off (lost phone and codes); False if it was not on."""
    with transaction(conn) as cur:
        if not _remove(cur, user_id):
            return False
        audit.record_as(cur, actor, "two_factor.reset", subject_user_id=user_id, details={"reason": reason})
    return True


def _take_totp(conn: Connection, user_id: int, code: str) -> bool:
    try:
        secret = totp_store.get_secret(conn, _key(), user_id)
    except totp_crypto.SecretUnreadable:
        # SECRET_KEY changed: recovery codes still work, and an administrator can reset two-factor.
        log.warning("the TOTP secret of user %s does not decrypt under the current SECRET_KEY", user_id)
        return False
    step = totp.matching_step(secret, code) if secret else None
    return step is not None and totp_store.take_step(conn, user_id, step)


def _remove(cur, user_id: int) -> bool:
    """Remove the secret and the recovery codes; True if two-factor was on."""
    recovery_codes.delete_codes(cur, user_id)
    return totp_store.delete(cur, user_id)


def _refused(conn: Connection, actor: Actor, user_id: int, during: str, wrong: str) -> None:
    with transaction(conn) as cur:
        audit.record_as(
            cur, actor, "two_factor.refused", subject_user_id=user_id, details={"during": during, "wrong": wrong}
        )


def _throttle_account(user: users.User) -> str:
    return f"second factor of {user['id']}"


def _key() -> bytes:
    return totp_crypto.derive_key(current_app.config["SECRET_KEY"])
