"""Random credentials: client ids, client secrets, codes and tokens.

Every secret carries 256 bits of randomness, a type prefix and a CRC32
checksum, like `pat_<43 base62 chars><6 base62 chars>`. Codes and tokens
spend the first TAG_LENGTH of the 43 characters on their client's slot tag
(stores/keys.py: where their keys live, read from the token alone) and
keep 39 random ones, 232 bits. The prefix makes a
leaked token recognisable to secret scanners and people alike; the checksum
lets us (and scanners) reject a mistyped or made-up token without a lookup.
Only SHA-256 digests are ever stored.
"""

import hashlib
import hmac
import re
import secrets
import string
import zlib

ALPHABET = string.digits + string.ascii_letters  # base62
RANDOM_LENGTH = 43  # 62**43 > 2**256
CHECKSUM_LENGTH = 6  # 62**6 > 2**32

CLIENT_ID_PREFIX = "pa_client_"
CLIENT_SECRET_PREFIX = "pacs_"
CODE_PREFIX = "pacd_"
ACCESS_TOKEN_PREFIX = "paat_"
REFRESH_TOKEN_PREFIX = "part_"

_BASE62_RUN = re.compile(f"[{ALPHABET}]+")
SECRET_LENGTH = RANDOM_LENGTH + CHECKSUM_LENGTH  # after the prefix
TAG_LENGTH = 4  # a client's slot tag (stores/keys.py), carried by its codes and tokens

SECRET_PREFIXES = (CLIENT_SECRET_PREFIX, CODE_PREFIX, ACCESS_TOKEN_PREFIX, REFRESH_TOKEN_PREFIX)


# Every two-digit base-62 numeral, in order. Every API call checks a checksum:
# three lookups in this table are much cheaper than six divisions.
_DIGIT_PAIRS = [high + low for high in ALPHABET for low in ALPHABET]
_PAIR = len(_DIGIT_PAIRS)  # 62**2


def _base62(number: int, width: int) -> str:
    """`number` (below 62**width) as `width` base-62 digits, most significant first."""
    # Two digits per division of the big number: half the divisions of one digit at a time.
    pairs = []
    for _ in range(width // 2):
        number, pair = divmod(number, _PAIR)
        pairs.append(_DIGIT_PAIRS[pair])
    head = ALPHABET[number] if width % 2 else ""
    return head + "".join(reversed(pairs))


def _checksum(body: str) -> str:
    """The CRC32 of `body` as CHECKSUM_LENGTH (6) base-62 digits, most significant first."""
    number = zlib.crc32(body.encode())
    return _DIGIT_PAIRS[number // _PAIR**2] + _DIGIT_PAIRS[number // _PAIR % _PAIR] + _DIGIT_PAIRS[number % _PAIR]


def new_secret(prefix: str, tag: str = "") -> str:
    """A fresh secret of the given type: prefix, `tag` (base62), random base62 to 43 characters, checksum."""
    length = RANDOM_LENGTH - len(tag)
    body = tag + _base62(_uniform_below(62**length), length)
    return f"{prefix}{body}{_checksum(body)}"


def _uniform_below(bound: int) -> int:
    """A random number below `bound` (< 2**256) from one read of the OS's random source.

    512 random bits reduced modulo `bound`: each value's probability differs
    from uniform by less than 2**-256, far below anything observable, where
    `secrets.randbelow` may read the source several times (it redraws 42 %
    of the time for a bound of 62**39).
    """
    return int.from_bytes(secrets.token_bytes(64), "big") % bound


def tag_of(value: str, prefix: str) -> str:
    """The slot tag a code or token carries after its `prefix` (stores/keys.py)."""
    return value[len(prefix) : len(prefix) + TAG_LENGTH]


def is_well_formed(value: str, prefix: str) -> bool:
    """True if `value` has the type prefix, the length, only base-62 characters and a matching checksum.

    Every secret, code and token a request presents passes here before any
    lookup, so nothing else ever sees a character outside the alphabet.
    """
    if not value.startswith(prefix) or len(value) != len(prefix) + SECRET_LENGTH:
        return False
    tail = value[len(prefix) :]
    if _BASE62_RUN.fullmatch(tail) is None:
        return False
    return equal(_checksum(tail[:RANDOM_LENGTH]), tail[RANDOM_LENGTH:])


def equal(presented: str, expected: str) -> bool:
    """Constant-time equality of two credential strings (secrets, digests, checksums).

    The one comparison every credential check uses. Both sides are ASCII by
    construction once is_well_formed has passed, but a presented value comes
    straight from a request: anything outside ASCII is simply unequal, where
    hmac.compare_digest would raise TypeError on such text.
    """
    if not (presented.isascii() and expected.isascii()):
        return False
    return hmac.compare_digest(presented.encode("ascii"), expected.encode("ascii"))


def new_client_id() -> str:
    """Public identifier; not a secret, so shorter (128 bits)."""
    return CLIENT_ID_PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(22))


def digest(value: str) -> str:
    """SHA-256 hex digest: what is stored in place of a secret."""
    return hashlib.sha256(value.encode()).hexdigest()


def display_prefix(value: str) -> str:
    """What pages may show of a secret once it is stored: its type and first characters."""
    prefix = next((p for p in SECRET_PREFIXES if value.startswith(p)), "")
    return value[: len(prefix) + 6] + "…"
