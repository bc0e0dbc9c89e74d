"""Registered apps and their secrets (PostgreSQL), mirrored to Redis for the hot path.

PostgreSQL is the source of truth. Redis keeps, per client, the two facts
every API call needs: its status and its hourly rate limit (`client:<id>`),
what the token, revocation and introspection endpoints read of it
(oauth/client_cache.py), and the web origins a public client opens to
browsers (oauth/browser_origins.py). Suspending, resuming or deleting a
client rewrites that hash at once, so every token of the client stops (or
starts again) working without a scan over its tokens. Every change writes
an audit row in the same transaction and, once committed, drops the
client's cached copy (`_changed`): no caller can forget it.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import TypedDict

import redis

import audit
from audit import Actor
from oauth import browser_origins, client_cache, credentials, token_store
from oauth.client_rules import DEFAULT_ID_TOKEN_SIGNING_ALG
from oauth.token_limits import DEFAULT_TOKEN_RATE
from oauth.token_store import CLIENT_STATE_TTL, client_state_key
from stores import acknowledged
from stores.postgres import Connection, transaction
from stores.redis_client import get_redis

CLIENT_COLUMNS = """client_id, owner_id, name, description, homepage_url, client_type, redirect_uris,
    scopes, grant_types, is_resource_server, status, suspended_reason, rate_limit, created_at, updated_at,
    token_rate, verified_at, post_logout_redirect_uris, id_token_signed_response_alg"""
# Changing what the platform vouched for (the name and website people see) withdraws its verification.
VOUCHED_FIELDS = ("name", "homepage_url")


class Client(TypedDict):
    """A row of `clients` as CLIENT_COLUMNS selects it."""

    client_id: str
    owner_id: int
    name: str
    description: str
    homepage_url: str  # "" when none was given
    client_type: str  # "confidential" or "public"
    redirect_uris: list[str]
    scopes: list[str]
    grant_types: list[str]
    is_resource_server: bool  # may introspect every client's tokens
    status: str  # "active" or "suspended"
    suspended_reason: str
    rate_limit: int  # API calls per rate-limit window
    token_rate: int  # tokens per second from the token endpoint (oauth/token_limits.py)
    created_at: datetime
    updated_at: datetime
    verified_at: datetime | None  # when the platform vouched for the app (`clients verify`); None: unverified
    post_logout_redirect_uris: list[str]  # where RP-initiated logout may send the browser back (oauth/end_session.py)
    id_token_signed_response_alg: str  # "RS256" or "ES256": how its ID tokens are signed (oauth/signing_keys.py)


class AppLimitReached(Exception):
    """The developer has registered as many apps as one developer may."""

    def __init__(self, limit: int):
        super().__init__(f"You have {limit} apps, as many as one developer may register: delete one first.")
        self.limit = limit


class ListedClient(Client):
    """A client as list_clients shows it."""

    owner_email: str
    authorized_users: int  # users holding a live grant


_QUALIFIED_CLIENT_COLUMNS = ", ".join("c." + column.strip() for column in CLIENT_COLUMNS.split(","))

EDITABLE_FIELDS = (
    "name",
    "description",
    "homepage_url",
    "redirect_uris",
    "post_logout_redirect_uris",
    "scopes",
    "grant_types",
    "id_token_signed_response_alg",
)


def create_client(
    conn: Connection,
    r: redis.Redis,
    actor: Actor,
    *,
    owner_id: int,
    name: str,
    client_type: str,
    redirect_uris: list[str],
    scopes: list[str],
    grant_types: list[str],
    description: str = "",
    homepage_url: str = "",
    post_logout_redirect_uris: Sequence[str] = (),
    id_token_signed_response_alg: str = DEFAULT_ID_TOKEN_SIGNING_ALG,
    rate_limit: int = 1000,
    is_resource_server: bool = False,
    token_rate: int = DEFAULT_TOKEN_RATE,
    max_apps: int | None = None,
) -> tuple[Client, str | None]:
    """Register a client; return it and its first secret (None for public clients).

    The caller validates the fields (oauth.client_rules); the secret is
    returned once and only its digest is stored. With `max_apps`, an owner
    who has that many apps already gets AppLimitReached instead.
    """
    client_id = credentials.new_client_id()
    secret = credentials.new_secret(credentials.CLIENT_SECRET_PREFIX) if client_type == "confidential" else None
    with transaction(conn) as cur:
        if max_apps is not None:
            _check_app_count(cur, owner_id, max_apps)
        cur.execute(
            f"""INSERT INTO clients (client_id, owner_id, name, description, homepage_url, client_type,
                    redirect_uris, scopes, grant_types, is_resource_server, rate_limit, token_rate,
                    post_logout_redirect_uris, id_token_signed_response_alg)
                VALUES (%(client_id)s, %(owner_id)s, %(name)s, %(description)s, %(homepage_url)s,
                    %(client_type)s, %(redirect_uris)s, %(scopes)s, %(grant_types)s,
                    %(is_resource_server)s, %(rate_limit)s, %(token_rate)s, %(post_logout_redirect_uris)s,
                    %(id_token_signed_response_alg)s)
                RETURNING {CLIENT_COLUMNS}""",
            {
                "client_id": client_id,
                "owner_id": owner_id,
                "name": name.strip(),
                "description": description.strip(),
                "homepage_url": homepage_url.strip(),
                "client_type": client_type,
                "redirect_uris": list(redirect_uris),
                "scopes": list(scopes),
                "grant_types": list(grant_types),
                "is_resource_server": is_resource_server,
                "rate_limit": rate_limit,
                "token_rate": token_rate,
                "post_logout_redirect_uris": list(post_logout_redirect_uris),
                "id_token_signed_response_alg": id_token_signed_response_alg,
            },
        )
        client = cur.fetchone()
        if secret:
            _insert_secret(cur, client_id, secret)
        audit.record_as(cur, actor, "app.created", client_id=client_id, details={"name": client["name"]})
    publish_client_state(r, client)
    _changed(client_id, r)
    return client, secret


def _check_app_count(cur, owner_id: int, max_apps: int) -> None:
    """Raise AppLimitReached if the owner has `max_apps` apps; holds the owner's row so two forms cannot both pass."""
    cur.execute("SELECT id FROM users WHERE id = %(owner)s FOR UPDATE", {"owner": owner_id})
    cur.execute("SELECT count(*) AS n FROM clients WHERE owner_id = %(owner)s", {"owner": owner_id})
    if cur.fetchone()["n"] >= max_apps:
        raise AppLimitReached(max_apps)


def count_owned_clients(conn: Connection, owner_id: int) -> int:
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) AS n FROM clients WHERE owner_id = %(owner)s", {"owner": owner_id})
        return cur.fetchone()["n"]


def _insert_secret(cur, client_id: str, secret: str) -> dict:
    cur.execute(
        """INSERT INTO client_secrets (client_id, secret_digest, prefix)
           VALUES (%(client_id)s, %(digest)s, %(prefix)s)
           RETURNING id, prefix, created_at, last_used_at""",
        {
            "client_id": client_id,
            "digest": credentials.digest(secret),
            "prefix": credentials.display_prefix(secret),
        },
    )
    return cur.fetchone()


def get_client(conn: Connection, client_id: str) -> Client | None:
    with conn.cursor() as cur:
        cur.execute(f"SELECT {CLIENT_COLUMNS} FROM clients WHERE client_id = %(id)s", {"id": client_id})
        return cur.fetchone()


def get_owned_client(conn: Connection, client_id: str, owner_id: int) -> Client | None:
    """The client if `owner_id` owns it; another developer's app is simply not found."""
    with conn.cursor() as cur:
        cur.execute(
            f"SELECT {CLIENT_COLUMNS} FROM clients WHERE client_id = %(id)s AND owner_id = %(owner)s",
            {"id": client_id, "owner": owner_id},
        )
        return cur.fetchone()


# Users holding a live consent grant for client `c`.
_AUTHORIZED_USERS = "(SELECT count(*) FROM grants g WHERE g.client_id = c.client_id AND g.revoked_at IS NULL)"


def list_clients(conn: Connection, owner_id: int | None = None) -> list[ListedClient]:
    """Clients (of one owner, or all) with owner email and their count of authorized users."""
    with conn.cursor() as cur:
        cur.execute(
            f"""SELECT {_QUALIFIED_CLIENT_COLUMNS},
                       u.email AS owner_email,
                       {_AUTHORIZED_USERS} AS authorized_users
                FROM clients c JOIN users u ON u.id = c.owner_id
                WHERE %(owner)s::bigint IS NULL OR c.owner_id = %(owner)s
                ORDER BY c.created_at DESC, c.client_id""",
            {"owner": owner_id},
        )
        return cur.fetchall()


def count_authorized_users(conn: Connection, client_id: str) -> int:
    with conn.cursor() as cur:
        cur.execute(f"SELECT {_AUTHORIZED_USERS} AS n FROM clients c WHERE c.client_id = %(id)s", {"id": client_id})
        row = cur.fetchone()
    return row["n"] if row else 0


def update_client(conn: Connection, r: redis.Redis, actor: Actor, client_id: str, **fields) -> Client | None:
    """Change editable settings (name, description, homepage, redirect URIs of both kinds, scopes, grant types,
    the ID-token signing algorithm).

    A new name or homepage withdraws the platform's verification (audited):
    it vouched for what people saw, not for whatever the app is renamed to.
    """
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    if not fields:
        return get_client(conn, client_id)
    assignments = ", ".join(f"{name} = %({name})s" for name in fields)
    if set(fields) & set(VOUCHED_FIELDS):
        assignments += ", verified_at = NULL"
    with transaction(conn) as cur:
        cur.execute("SELECT verified_at FROM clients WHERE client_id = %(id)s FOR UPDATE", {"id": client_id})
        before = cur.fetchone()
        cur.execute(
            f"""UPDATE clients SET {assignments}, updated_at = now() WHERE client_id = %(client_id)s
                RETURNING {CLIENT_COLUMNS}""",
            {**fields, "client_id": client_id},
        )
        client = cur.fetchone()
        if client:
            audit.record_as(cur, actor, "app.updated", client_id=client_id, details={"fields": sorted(fields)})
            if before["verified_at"] and not client["verified_at"]:
                audit.record_as(cur, actor, "app.unverified", client_id=client_id, details={"fields": sorted(fields)})
    if client:
        browser_origins.publish(r, client)  # its redirect URIs may have moved to another origin
        _changed(client_id, r)
    return client


def delete_client(conn: Connection, r: redis.Redis, actor: Actor, client_id: str) -> bool:
    """Delete a client: its secrets and grants go with it, and every token dies at once."""
    with transaction(conn) as cur:
        cur.execute("SELECT id FROM grants WHERE client_id = %(id)s AND revoked_at IS NULL", {"id": client_id})
        grant_ids = [row["id"] for row in cur.fetchall()]
        cur.execute("DELETE FROM clients WHERE client_id = %(id)s RETURNING name", {"id": client_id})
        deleted = cur.fetchone()
        if deleted:
            audit.record_as(cur, actor, "app.deleted", client_id=client_id, details={"name": deleted["name"]})
    if deleted:
        set_client_status(r, client_id, "deleted")  # every token of the client fails from now on
        _changed(client_id, r)
        browser_origins.forget(r, client_id)
        for grant_id in grant_ids:
            token_store.revoke_grant(r, client_id, grant_id)
    return deleted is not None


# Secrets ------------------------------------------------------------------


def add_secret(conn: Connection, actor: Actor, client_id: str) -> tuple[dict, str]:
    """A new secret for a confidential client; earlier ones keep working until deleted."""
    secret = credentials.new_secret(credentials.CLIENT_SECRET_PREFIX)
    with transaction(conn) as cur:
        row = _insert_secret(cur, client_id, secret)
        audit.record_as(cur, actor, "secret.created", client_id=client_id, details={"prefix": row["prefix"]})
    _changed(client_id)
    return row, secret


def list_secrets(conn: Connection, client_id: str) -> list[dict]:
    with conn.cursor() as cur:
        cur.execute(
            """SELECT id, prefix, created_at, last_used_at, leaked_at FROM client_secrets
               WHERE client_id = %(id)s ORDER BY created_at, id""",
            {"id": client_id},
        )
        return cur.fetchall()


def flag_leaked_secrets(cur, digests: list[str]) -> list[dict]:
    """Mark the secrets with these digests as reported leaked; return the ones not marked before.

    The secret keeps working (deleting it would break the app at once): its
    developer sees the mark on the app page and replaces it.
    """
    if not digests:
        return []
    cur.execute(
        """UPDATE client_secrets SET leaked_at = now()
           WHERE secret_digest = ANY(%(digests)s) AND leaked_at IS NULL
           RETURNING client_id, prefix""",
        {"digests": digests},
    )
    return cur.fetchall()


def delete_secret(conn: Connection, actor: Actor, client_id: str, secret_id: int) -> bool:
    with transaction(conn) as cur:
        cur.execute(
            "DELETE FROM client_secrets WHERE id = %(sid)s AND client_id = %(cid)s RETURNING prefix",
            {"sid": secret_id, "cid": client_id},
        )
        row = cur.fetchone()
        if row:
            audit.record_as(cur, actor, "secret.deleted", client_id=client_id, details={"prefix": row["prefix"]})
    if row:
        _changed(client_id)
    return row is not None


# Operations: suspension and rate limit -------------------------------------


def set_suspended(
    conn: Connection, r: redis.Redis, actor: Actor, client_id: str, suspended: bool, reason: str = ""
) -> Client | None:
    """Suspend (or resume) a client. Its tokens stop (or resume) working at once."""
    status = "suspended" if suspended else "active"
    if suspended:
        # Redis first: should PostgreSQL fail now, the tokens are already off
        # (fail closed) and the operator sees the error and retries.
        set_client_status(r, client_id, "suspended")
    with transaction(conn) as cur:
        cur.execute(
            f"""UPDATE clients SET status = %(status)s, suspended_reason = %(reason)s, updated_at = now()
                WHERE client_id = %(id)s RETURNING {CLIENT_COLUMNS}""",
            {"status": status, "reason": reason.strip() if suspended else "", "id": client_id},
        )
        client = cur.fetchone()
        if client:
            action = "app.suspended" if suspended else "app.resumed"
            audit.record_as(cur, actor, action, client_id=client_id, details={"reason": reason} if suspended else {})
    if client:
        publish_client_state(r, client)
        _changed(client_id, r)
    return client


def verify_client(conn: Connection, actor: Actor, client_id: str) -> Client | None:
    """The platform vouches for the app: consent shows it as verified, and its user cap is lifted.

    Verifying a verified app changes nothing (and records nothing).
    """
    with transaction(conn) as cur:
        cur.execute(
            f"""UPDATE clients SET verified_at = now(), updated_at = now()
                WHERE client_id = %(id)s AND verified_at IS NULL RETURNING {CLIENT_COLUMNS}""",
            {"id": client_id},
        )
        client = cur.fetchone()
        if client:
            audit.record_as(cur, actor, "app.verified", client_id=client_id, details={"name": client["name"]})
    if client:
        _changed(client_id)
    return client or get_client(conn, client_id)


def set_rate_limit(conn: Connection, r: redis.Redis, actor: Actor, client_id: str, rate_limit: int) -> Client | None:
    """Change a client's hourly limit; it applies to the very next call."""
    if rate_limit < 1:
        raise ValueError("rate limit must be at least 1")
    with transaction(conn) as cur:
        cur.execute(
            f"""UPDATE clients SET rate_limit = %(limit)s, updated_at = now()
                WHERE client_id = %(id)s RETURNING {CLIENT_COLUMNS}""",
            {"limit": rate_limit, "id": client_id},
        )
        client = cur.fetchone()
        if client:
            audit.record_as(
                cur, actor, "app.rate_limit_changed", client_id=client_id, details={"rate_limit": rate_limit}
            )
    if client:
        publish_client_state(r, client)
        _changed(client_id, r)
    return client


def set_token_rate(conn: Connection, actor: Actor, client_id: str, token_rate: int) -> Client | None:
    """Change how many tokens per second the client may get; the token endpoint reads it with the client."""
    if token_rate < 1:
        raise ValueError("token rate must be at least 1")
    with transaction(conn) as cur:
        cur.execute(
            f"""UPDATE clients SET token_rate = %(rate)s, updated_at = now()
                WHERE client_id = %(id)s RETURNING {CLIENT_COLUMNS}""",
            {"rate": token_rate, "id": client_id},
        )
        client = cur.fetchone()
        if client:
            audit.record_as(
                cur, actor, "app.token_rate_changed", client_id=client_id, details={"token_rate": token_rate}
            )
    if client:
        _changed(client_id)
    return client


def set_client_status(r: redis.Redis, client_id: str, status: str) -> None:
    """Set the status every token of the client reads, in one atomic step.

    Deletion leaves a "deleted" tombstone rather than removing the state: a
    token request that read the client just before would otherwise recreate
    it (issuing fills in a missing status from the row it read) and its token
    would work for its whole lifetime.
    """
    _write_client_state(r, client_id, status=status)


def publish_client_state(r: redis.Redis, client: Client) -> None:
    """Write the client's status and limit, and the origins it opens to browsers, to Redis."""
    _write_client_state(r, client["client_id"], status=client["status"], rate_limit=client["rate_limit"])
    browser_origins.publish(r, client)


def _write_client_state(r: redis.Redis, client_id: str, **fields) -> None:
    """Write the client's state; a suspension or deletion is answered once a replica holds it too."""
    key = client_state_key(client_id)

    def queue(pipe: redis.client.Pipeline) -> None:
        pipe.hset(key, mapping=fields)
        pipe.expire(key, CLIENT_STATE_TTL)

    acknowledged.write(r, key, queue)


def _changed(client_id: str, r: redis.Redis | None = None) -> None:
    """After a committed change: the machine endpoints read the client from PostgreSQL again on their next request.

    The functions that are not given a Redis client use the app's.
    """
    client_cache.forget(r if r is not None else get_redis(), client_id)
