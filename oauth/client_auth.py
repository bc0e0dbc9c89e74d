"""Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3).

Three methods: `client_secret_basic` (HTTP Basic, RFC 6749 §2.3.1),
`client_secret_post` (client_id and client_secret in the body) and `none`
(public clients: client_id only, their proof is PKCE). A request may use
one method only, confidential clients must send their secret and public
clients must not have one to send.

The client is read from Redis (oauth/client_cache.py), not PostgreSQL: a
request costs PostgreSQL nothing unless the cached copy is missing.
"""

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote_plus

import redis

from oauth import client_cache, credentials, secret_use
from oauth.client_cache import Cached, MachineClient
from oauth.errors import InvalidClient, InvalidRequest
from stores.postgres import Connection


@dataclass(frozen=True)
class PresentedCredentials:
    client_id: str
    secret: str | None
    method: str  # client_secret_basic | client_secret_post | none

    @property
    def basic(self) -> bool:
        return self.method == "client_secret_basic"


def presented_credentials(params: Mapping[str, str], authorization: str | None) -> PresentedCredentials:
    """Which client the request claims to be and how it proves it; no lookups."""
    basic = _basic_credentials(authorization)
    if basic is not None:
        client_id, secret = basic
        if "client_secret" in params:
            raise InvalidRequest("Use one client authentication method: HTTP Basic or client_secret in the body.")
        if params.get("client_id", client_id) != client_id:
            raise InvalidRequest("The client_id in the body differs from the one in the Authorization header.")
        return PresentedCredentials(client_id, secret or None, "client_secret_basic")
    client_id = params.get("client_id")
    if not client_id:
        raise InvalidClient("Client authentication is required: send client_id (and client_secret if you have one).")
    secret = params.get("client_secret")
    return PresentedCredentials(client_id, secret, "client_secret_post" if secret else "none")


def authenticate(
    connect: Callable[[], Connection],
    r: redis.Redis,
    params: Mapping[str, str],
    authorization: str | None,
    *,
    allow_public: bool = True,
) -> MachineClient:
    """The authenticated, active client making this request, or InvalidClient."""
    presented = presented_credentials(params, authorization)
    return check(connect, r, presented, client_cache.read(r, presented.client_id), allow_public=allow_public)


def authenticate_from_copy(
    connect: Callable[[], Connection], r: redis.Redis, params: Mapping[str, str], authorization: str | None
) -> MachineClient:
    """As `authenticate`, from this worker's copy of the client when it has one: no round trip.

    Only for a request whose token script checks the copy's version before
    writing anything (token_store.ClientChanged): a changed client is then
    read afresh and the request authenticated again.
    """
    presented = presented_credentials(params, authorization)
    client = client_cache.local_copy(presented.client_id)
    if client is not None:
        try:
            return verify(client, presented)
        except InvalidClient:
            client_cache.drop_local(presented.client_id)  # a secret added since, say: ask Redis
    return authenticate(connect, r, params, authorization)


def check(
    connect: Callable[[], Connection],
    r: redis.Redis,
    presented: PresentedCredentials,
    cached: Cached,
    *,
    allow_public: bool = True,
) -> MachineClient:
    """The client of `cached` (as read from Redis, refilled from PostgreSQL on a miss) if `presented` proves it.

    `connect` gives a PostgreSQL connection, asked for only on a cache miss.
    """
    client = client_cache.resolve(connect, r, cached)
    if client is None:
        raise InvalidClient("Unknown client.", basic_attempted=presented.basic)
    return verify(client, presented, allow_public=allow_public)


def verify(client: MachineClient, presented: PresentedCredentials, *, allow_public: bool = True) -> MachineClient:
    """`client` if `presented` proves the request is its, and it is active; InvalidClient otherwise."""
    if client["client_type"] == "public":
        if presented.secret is not None:
            raise InvalidClient("Public clients have no secret: send only client_id.", basic_attempted=presented.basic)
        if not allow_public:
            raise InvalidClient("This endpoint is for confidential clients, which authenticate with a secret.")
    elif presented.secret is None:
        raise InvalidClient("This client must authenticate with its client secret.", basic_attempted=presented.basic)
    elif not _secret_matches(client, presented.secret):
        raise InvalidClient("Client authentication failed.", basic_attempted=presented.basic)
    # Checked after the secret, so that only the client itself learns it is suspended.
    if client["status"] != "active":
        raise InvalidClient("This client is suspended.", basic_attempted=presented.basic)
    return client


def _secret_matches(client: MachineClient, secret: str) -> bool:
    """True if `secret` is one of the client's secrets; its use is noted off the request path.

    A fast digest (SHA-256) suffices: secrets are 256 random bits, so there
    is nothing to brute-force. Every stored digest is compared, each in
    constant time, whichever matches.
    """
    if not credentials.is_well_formed(secret, credentials.CLIENT_SECRET_PREFIX):
        return False
    presented = credentials.digest(secret)
    match = None
    for secret_id, digest in client["secrets"]:
        if credentials.equal(digest, presented):
            match = secret_id
    if match is None:
        return False
    secret_use.note_use(client["client_id"], match)
    return True


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """(client_id, secret) from an HTTP Basic header, URL-decoded per RFC 6749 §2.3.1; None without one."""
    if not authorization:
        return None
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except ValueError:  # not base64 (binascii.Error), not ASCII to begin with, or not UTF-8
        raise InvalidClient("Malformed HTTP Basic credentials.", basic_attempted=True) from None
    client_id, colon, secret = decoded.partition(":")
    client_id, secret = unquote_plus(client_id), unquote_plus(secret)
    # A NUL is in no client ID or secret of ours (and PostgreSQL text cannot hold one).
    if not colon or not client_id or "\x00" in client_id + secret:
        raise InvalidClient("Malformed HTTP Basic credentials.", basic_attempted=True)
    return client_id, secret
