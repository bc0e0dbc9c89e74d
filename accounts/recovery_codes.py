"""Recovery codes: ten single-use codes that stand in for the authenticator app when it is lost.

Each code is 80 random bits, shown once as four groups of five hex digits
("3f9a2-c41b0-77de1-0a6c5") and stored as its SHA-256 digest: with that much
entropy a fast hash is enough, and a leaked table gives nothing back. A code
is spent by one conditional UPDATE, so two racing uses cannot both succeed.
"""

import hashlib
import secrets

from stores.postgres import Connection

CODE_COUNT = 10
CODE_BYTES = 10  # 80 bits: 20 hex digits
GROUP = 5
_HEX = frozenset("0123456789abcdef")


def new_code() -> str:
    """One fresh recovery code, grouped for reading."""
    digits = secrets.token_hex(CODE_BYTES)
    return "-".join(digits[start : start + GROUP] for start in range(0, len(digits), GROUP))


def normalize(text: str) -> str | None:
    """The code's 20 hex digits (letter case, spaces and dashes ignored), or None if it cannot be one."""
    digits = "".join(text.split()).replace("-", "").lower()
    if len(digits) != CODE_BYTES * 2 or not set(digits) <= _HEX:
        return None
    return digits


def digest(text: str) -> str | None:
    """The stored form of a code as typed; None when it is not shaped like one."""
    digits = normalize(text)
    return hashlib.sha256(digits.encode()).hexdigest() if digits else None


def create_codes(cur, user_id: int) -> list[str]:
    """Replace the user's recovery codes with CODE_COUNT new ones, in the caller's transaction; the codes."""
    codes = [new_code() for _ in range(CODE_COUNT)]
    cur.execute("DELETE FROM recovery_codes WHERE user_id = %(user)s", {"user": user_id})
    for code in codes:
        cur.execute(
            "INSERT INTO recovery_codes (user_id, code_digest) VALUES (%(user)s, %(digest)s)",
            {"user": user_id, "digest": digest(code)},
        )
    return codes


def delete_codes(cur, user_id: int) -> None:
    cur.execute("DELETE FROM recovery_codes WHERE user_id = %(user)s", {"user": user_id})


def take_code(conn: Connection, user_id: int, text: str) -> bool:
    """Spend one of the user's unused codes; False if `text` is none of them (or was used)."""
    code_digest = digest(text)
    if code_digest is None:
        return False
    with conn.cursor() as cur:
        cur.execute(
            """UPDATE recovery_codes SET used_at = now()
               WHERE user_id = %(user)s AND code_digest = %(digest)s AND used_at IS NULL
               RETURNING id""",
            {"user": user_id, "digest": code_digest},
        )
        return cur.fetchone() is not None


def count_unused(conn: Connection, user_id: int) -> int:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT count(*) AS n FROM recovery_codes WHERE user_id = %(user)s AND used_at IS NULL", {"user": user_id}
        )
        return cur.fetchone()["n"]
