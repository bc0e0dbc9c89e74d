"""Time-based one-time passwords (RFC 6238): the arithmetic, through pyotp, and nothing stored.

Codes are 6 digits, HMAC-SHA-1, one per 30-second time step, as every
authenticator app computes them by default. A code of the step before or
after the server's is accepted too (clocks drift, people type slowly);
`matching_step` says WHICH step matched, so that the caller can refuse a
step at or before the last one it accepted (RFC 6238 §5.2: a code works
once, even inside its window).
"""

import hmac
import time

import pyotp

STEP_SECONDS = 30
DIGITS = 6
# Steps either side of now that are accepted: ±1 (RFC 6238 §5.2 recommends at most one).
DRIFT_STEPS = 1
# 32 base32 characters: 160 bits, the key length RFC 4226 §4 recommends for HMAC-SHA-1.
SECRET_LENGTH = 32
ISSUER_NAME = "Platform Accounts"


def new_secret() -> str:
    """A fresh random secret, as base32 text (what authenticator apps read)."""
    return pyotp.random_base32(length=SECRET_LENGTH)


def current_step(now: float | None = None) -> int:
    """The RFC 6238 time step `now` falls in (Unix seconds / 30)."""
    return int((time.time() if now is None else now) // STEP_SECONDS)


def code_at(secret: str, step: int) -> str:
    """The code of `step` for `secret`."""
    return _otp(secret).generate_otp(step)


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step within ±DRIFT_STEPS of `now` whose code is `code`, or None.

    Every candidate is compared in constant time, and all of them always
    are, so the time taken says nothing about which one came close.
    """
    if not looks_like_code(code):
        return None
    here = current_step(now)
    matched = None
    for step in range(here - DRIFT_STEPS, here + DRIFT_STEPS + 1):
        if hmac.compare_digest(code_at(secret, step), code) and matched is None:
            matched = step
    return matched


def looks_like_code(text: str) -> bool:
    """True for exactly six ASCII digits."""
    return len(text) == DIGITS and text.isascii() and text.isdigit()


def provisioning_uri(secret: str, account_name: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code (Key Uri Format)."""
    return _otp(secret).provisioning_uri(name=account_name, issuer_name=ISSUER_NAME)


def grouped(secret: str, size: int = 4) -> str:
    """`secret` in groups of four characters, easier to read out and type."""
    return " ".join(secret[start : start + size] for start in range(0, len(secret), size))


def _otp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
