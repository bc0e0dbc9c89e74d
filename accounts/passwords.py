"""The password policy (NIST SP 800-63B §5.1.1.2): long enough, not too long, and not guessable.

No composition rules (a digit, a capital, a symbol): they make passwords
harder to remember, not harder to guess. Instead a password must be 10 to
128 characters and survive zxcvbn, Dropbox's estimator, which knows the
common passwords, words, names, keyboard patterns, dates, repeats and
sequences from its own frequency lists, and which we also tell who the
person is (their email and name), so "alice2024alice" is refused for
alice@example.com. One function, `why_refused`, serves sign-up, reset,
change and `flask users set-password`.
"""

import re
import threading

from zxcvbn import zxcvbn

from accounts.users import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

# zxcvbn's score: 0 (too guessable) .. 4 (very unguessable). 3 is "safely
# unguessable: moderate protection from an offline slow-hash scenario"
# (at least 10^8 guesses).
MIN_SCORE = 3
# zxcvbn's matching grows quickly with length (~0.1 s at 64 characters, ~0.5 s
# at 128): it reads this much, which is plenty to judge a password by.
ESTIMATED_PREFIX = 64
# Words that say which site this is: a password made of them is guessable here.
SITE_WORDS = ("platform", "accounts", "oauth")
# Refused when at least this share of the password is the person's own name or email.
MAX_PERSONAL_SHARE = 0.5

ADVICE = "Try three or four unrelated words, or let your password manager make one."
# What the forms say under a new-password field.
HINT = f"At least {MIN_PASSWORD_LENGTH} characters and hard to guess: a few unrelated words work well."

# zxcvbn keeps the words of the person being checked in a module-level
# dictionary while it runs: two threads must not check at once.
_estimator = threading.Lock()


def why_refused(password: str, *, email: str = "", name: str = "") -> str | None:
    """None if `password` may be used by the person with this email and name; otherwise why not, and what to do."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters. {ADVICE}"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at most {MAX_PASSWORD_LENGTH} characters."
    estimate = _estimate(password[:ESTIMATED_PREFIX], personal_words(email, name))
    if _personal_share(estimate) >= MAX_PERSONAL_SHARE:
        return f"This password is mostly your name or email address, which others can guess. {ADVICE}"
    if estimate["score"] < MIN_SCORE:
        return " ".join(["This password is too easy to guess.", *_feedback(estimate), ADVICE])
    return None


def personal_words(email: str, name: str) -> list[str]:
    """What a guesser knows about the person: their email, its parts, their name and its words, and the site's."""
    local, _, domain = email.partition("@")
    words = [email, local, *re.split(r"[._+\-]", local), *domain.split(".")[:-1], name, *name.split(), *SITE_WORDS]
    return sorted({word.lower() for word in words if len(word) >= 3})


def _estimate(password: str, user_inputs: list[str]) -> dict:
    with _estimator:
        return zxcvbn(password, user_inputs=user_inputs, max_length=ESTIMATED_PREFIX)


def _personal_share(estimate: dict) -> float:
    """How much of the password zxcvbn matched to the person's own words."""
    password = estimate["password"]
    personal = sum(
        len(match["token"]) for match in estimate["sequence"] if match.get("dictionary_name") == "user_inputs"
    )
    return personal / len(password) if password else 0.0


def _feedback(estimate: dict) -> list[str]:
    """zxcvbn's own words on what makes it guessable, as full sentences."""
    feedback = estimate["feedback"]
    warning = feedback.get("warning") or ""
    return [text if text.endswith(".") else text + "." for text in [warning, *feedback.get("suggestions", [])] if text]
