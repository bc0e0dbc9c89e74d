"""Users, apps, consent grants and access tokens for API tests, made through the real stores."""

from dataclasses import dataclass

import audit
from oauth import grants, token_store
from oauth.scopes import format_scope
from stores import postgres
from stores.redis_client import get_redis
from tests.support.accounts import create_user
from tests.support.oauth import register_client


@dataclass(frozen=True)
class Issued:
    access_token: str
    client_id: str
    user_id: int | None
    grant_id: int | None
    refresh_token: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def issue_user_token(app, client: dict, user_id: int, scopes: list[str], access_ttl: int = 3600) -> Issued:
    """What the authorization code flow ends with: a consent grant and an access token under it."""
    with app.app_context():
        grant = grants.grant_scopes(postgres.get_connection(), audit.CLI, user_id, client["client_id"], scopes)
        tokens = token_store.issue(
            get_redis(),
            client=client,
            user_id=user_id,
            scope=format_scope(scopes),
            access_ttl=access_ttl,
            grant_id=grant["id"],
            family=token_store.new_family(),
            with_refresh=True,
        )
    return Issued(tokens.access_token, client["client_id"], user_id, grant["id"], tokens.refresh_token)


def issue_client_token(app, client: dict, scopes: list[str]) -> Issued:
    """A client-credentials token: the app acting for itself, no user behind it."""
    with app.app_context():
        tokens = token_store.issue(
            get_redis(), client=client, user_id=None, scope=format_scope(scopes), access_ttl=3600
        )
    return Issued(tokens.access_token, client["client_id"], None, None)


def withdraw_consent(app, user_id: int, client_id: str) -> None:
    """The person revokes the app's access, as from their connected-apps page: the grant and its tokens end."""
    with app.app_context():
        grants.revoke(postgres.get_connection(), get_redis(), audit.Actor(id=user_id), user_id, client_id)


def token_is_live(app, tokens: Issued) -> bool:
    """Whether the access token would still be accepted (not revoked, its app not suspended or deleted)."""
    with app.app_context():
        return token_store.lookup_access_token(get_redis(), tokens.access_token) is not None


def user_with_token(app, email: str, scopes: list[str], rate_limit: int = 1000) -> Issued:
    """A fresh user who consented to `scopes` for a fresh app of their own."""
    user = create_user(app, email)
    client, _secret = register_client(app, owner_email=email, rate_limit=rate_limit)
    return issue_user_token(app, client, user["id"], scopes)


def app_with_token(app, scopes: list[str]) -> Issued:
    """A fresh app with a client-credentials token of its own."""
    client, _secret = register_client(app)
    return issue_client_token(app, client, scopes)


def last_used_in_postgres(app, grant_id: int):
    """The grant's last use as PostgreSQL holds it (None until the first write)."""
    with app.app_context():
        with postgres.get_connection().cursor() as cur:
            cur.execute("SELECT last_used_at FROM grants WHERE id = %(id)s", {"id": grant_id})
            return cur.fetchone()["last_used_at"]
