"""What the fuzz suite sends: values, parameter sets, bodies and headers, odd and plausible alike.

Every value strategy mixes three kinds of input: text of every Unicode
category (control characters included), raw bytes that are not UTF-8, and
values close to valid ones (real client IDs, credentials with one flaw),
which reach the code behind the first check. Parameter sets repeat, drop and
invent names; bodies come in every content type and JSON of every shape.
"""

import base64
import functools
import json
import string
from urllib.parse import quote_from_bytes

from hypothesis import strategies as st

from oauth import credentials

# Every category but surrogates, which no client can send as UTF-8 (raw bytes cover that case).
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
CONTROL_TEXT = st.text(st.characters(codec="ascii", categories=("Cc",)) | st.sampled_from(" \t\r\n"), max_size=8)
HUGE_TEXT = st.sampled_from([1_000, 10_000, 100_000]).map(lambda n: "9" * n)
INVALID_UTF8 = st.sampled_from([b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xc0\xaf"])
RAW_BYTES = st.binary(max_size=40) | st.tuples(st.binary(max_size=8), INVALID_UTF8).map(b"".join)
BASE62 = string.digits + string.ascii_letters
SCOPES = ["read:profile", "write:profile", "read:data", "write:data", "read:billing", "webhooks", "openid", "email"]
CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1",
    "multipart/form-data; boundary=x",
    "multipart/form-data",
    "application/json",
    "application/json; charset=utf-16",
    "text/plain",
    "application/xml",
    "application/octet-stream",
    "",
    "x/\u00e9",
]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "PROPFIND", "BREW"]


@functools.cache  # built once: validating a strategy afresh for every example costs more than the request
def near_credential(prefix: str) -> st.SearchStrategy[str]:
    """Something shaped like a credential of this type, with one flaw (or none, by chance)."""
    body = st.text(st.sampled_from(BASE62), min_size=43, max_size=43)
    tail = st.text(st.sampled_from(BASE62), min_size=6, max_size=6) | ANY_TEXT.map(lambda t: (t * 6)[:6] or "éééééé")
    shaped = st.builds(lambda b, t: f"{prefix}{b}{t}", body, tail)
    fresh = st.builds(credentials.new_secret, st.just(prefix))
    flawed = st.builds(_with_flaw, fresh, st.integers(0, 60), ANY_TEXT)
    return shaped | fresh | flawed


def _with_flaw(secret: str, at: int, text: str) -> str:
    at %= len(secret)
    return secret[:at] + text + secret[at + 1 :]


@functools.cache
def any_credential() -> st.SearchStrategy[str]:
    prefixes = [credentials.CLIENT_SECRET_PREFIX, credentials.CODE_PREFIX, credentials.ACCESS_TOKEN_PREFIX]
    return st.one_of(*(near_credential(p) for p in [*prefixes, credentials.REFRESH_TOKEN_PREFIX]))


def values(*plausible: str | st.SearchStrategy) -> st.SearchStrategy[str | bytes]:
    """One parameter value: plausible ones (given) often, anything else too."""
    known = [p if isinstance(p, st.SearchStrategy) else st.just(p) for p in plausible]
    return st.one_of(*known, _odd_values()) if known else _odd_values()


@functools.cache
def _odd_values() -> st.SearchStrategy[str | bytes]:
    return st.one_of(ANY_TEXT, CONTROL_TEXT, HUGE_TEXT, RAW_BYTES, st.just(""), any_credential())


def per_world(build):
    """Build a target's strategies from the world once, not for every example (see near_credential)."""
    built = {}

    @functools.wraps(build)
    def cached(world):
        if id(world) not in built:
            built[id(world)] = build(world)
        return built[id(world)]

    return cached


def params(fields: dict[str, st.SearchStrategy]) -> st.SearchStrategy[list[tuple[str, str | bytes]]]:
    """A parameter list: each field missing, once or repeated; now and then a name nobody expects."""
    per_field = [
        st.lists(value, max_size=3).map(lambda vs, name=name: [(name, v) for v in vs]) for name, value in fields.items()
    ]
    extra = st.lists(st.tuples(ANY_TEXT | RAW_BYTES, values()), max_size=2)
    return st.tuples(*per_field, extra).map(lambda groups: [pair for group in groups for pair in group])


def encode(pairs: list[tuple[str | bytes, str | bytes]]) -> str:
    """Form-encode, with bytes sent as they are (so invalid UTF-8 arrives percent-encoded)."""
    return "&".join(f"{_quote(name)}={_quote(value)}" for name, value in pairs)


def _quote(value: str | bytes) -> str:
    raw = value if isinstance(value, bytes) else value.encode()
    return quote_from_bytes(raw, safe="")


JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**300, max_value=10**400)
    | st.floats(allow_nan=False, allow_infinity=False)
    | ANY_TEXT
    | HUGE_TEXT
)
JSON_VALUES = st.recursive(
    JSON_LEAVES, lambda children: st.lists(children, max_size=4) | st.dictionaries(ANY_TEXT, children, max_size=4)
)


def json_objects(fields: dict[str, st.SearchStrategy]) -> st.SearchStrategy:
    """A JSON object with the expected fields (any of them missing, any value of any shape), or any JSON value."""
    optional = {name: value.map(_jsonable) | JSON_VALUES for name, value in fields.items()}
    return st.fixed_dictionaries({}, optional=optional) | JSON_VALUES


def _jsonable(value):
    """Bytes as text, with lone surrogates for what is not UTF-8: still valid JSON (as \\udcff escapes)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    return value


def json_body(document) -> bytes:
    return json.dumps(document).encode()


BODY_TEXT = st.one_of(
    JSON_VALUES.map(json_body),
    st.binary(max_size=200),
    st.just(b"{" * 5000),
    st.just(b'{"a": NaN, "b": Infinity}'),
    st.just(b'{"name": 1' + b"0" * 5000 + b"}"),  # past Python's limit on digits in an int
    st.just(b'"\\ud800"'),
    st.just(b""),
)


@st.composite
def bodies(draw, form_fields: dict[str, st.SearchStrategy] | None = None) -> tuple[str, bytes]:
    """(content type, body): usually the form the endpoint expects, otherwise anything."""
    content_type = draw(st.sampled_from(CONTENT_TYPES))
    if form_fields is not None and draw(st.booleans()):
        return draw(st.sampled_from(CONTENT_TYPES[:2])), encode(draw(params(form_fields))).encode()
    return content_type, draw(BODY_TEXT)


def query(fields: dict[str, st.SearchStrategy]) -> st.SearchStrategy[str]:
    return params(fields).map(encode)


def basic_header(client_ids: st.SearchStrategy, secrets: st.SearchStrategy) -> st.SearchStrategy[str]:
    """An Authorization header: Basic with odd or plausible parts, another scheme, or garbage."""
    pair = st.builds(lambda i, s: f"{_quote(i)}:{_quote(s)}", client_ids, secrets)
    encoded = pair.map(lambda p: "Basic " + _b64(p.encode()))
    raw = st.builds(lambda b: "Basic " + _b64(b), RAW_BYTES)
    latin1 = st.text(st.characters(codec="latin-1", exclude_categories=("Cc",)), max_size=30)
    return st.one_of(encoded, raw, latin1.map(lambda t: "Basic " + t), latin1.map(lambda t: "Bearer " + t), latin1)


def basic_credentials(client_id: str, secret: str) -> str:
    """A well-formed Basic header (RFC 6749 §2.3.1: both parts form-encoded first)."""
    return "Basic " + _b64(f"{_quote(client_id)}:{_quote(secret)}".encode())


def bearer_header(tokens: st.SearchStrategy) -> st.SearchStrategy[str]:
    latin1 = st.text(st.characters(codec="latin-1", exclude_categories=("Cc",)), max_size=30)
    latin1_tokens = tokens.filter(_is_latin1)
    schemes = st.sampled_from(["Bearer ", "bearer ", "Bearer  ", "Basic ", "", "Bearer"])
    return st.builds(lambda s, t: s + t, schemes, latin1_tokens | latin1)


def _is_latin1(value) -> bool:
    return isinstance(value, str) and all(ord(ch) < 256 and ch not in "\r\n\x00" for ch in value)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


# Pages -------------------------------------------------------------------------------

ODD_PATH_SEGMENTS = st.one_of(
    st.sampled_from(["1", "0", "-1", "9" * 30, "pa_client_", "%00", "%ff", "..", "%2e%2e", "%2F", "a%20b", "é"]),
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="/?#%\x00"), min_size=1, max_size=20),
)
EMAILS = ["user@example.com", "admin@example.com", "new@example.com", "a@b", "@", "x" * 300 + "@example.com"]


def form_post(data, csrf: str, fields: dict) -> tuple[str, bytes]:
    """(content type, body) of a form post: the fields plus a CSRF token, or now and then anything.

    The token is the real one most of the time, else wrong, repeated or missing.
    """
    pairs = data.draw(params(fields), label="fields")
    tokens = st.just([csrf]) | st.just([csrf]) | st.lists(values(csrf), max_size=2)
    pairs += [("csrf_token", token) for token in data.draw(tokens, label="csrf_token")]
    if data.draw(st.integers(0, 9), label="odd body") == 0:
        return data.draw(bodies(), label="body")
    return data.draw(st.sampled_from(CONTENT_TYPES[:2]), label="content type"), encode(pairs).encode()
