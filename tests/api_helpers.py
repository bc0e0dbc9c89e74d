"""Users, apps, consent grants and access tokens for API tests, made through the real stores."""

from dataclasses import dataclass

import audit
from accounts import users
from oauth import clients, grants, token_store
from oauth.scopes import ALL_SCOPES, format_scope
from stores import postgres
from stores.redis_client import get_redis


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


def create_user(app, email: str = "user@example.com", name: str = "User") -> dict:
    with app.app_context():
        return users.create_user(postgres.get_connection(), email, "correct horse", name)


def create_app_client(app, owner_id: int, rate_limit: int = 1000, name: str = "Test app") -> dict:
    """A confidential client allowed every scope and grant type."""
    with app.app_context():
        client, _secret = clients.create_client(
            postgres.get_connection(),
            get_redis(),
            audit.CLI,
            owner_id=owner_id,
            name=name,
            client_type="confidential",
            redirect_uris=["https://app.example.com/callback"],
            scopes=list(ALL_SCOPES),
            grant_types=["authorization_code", "refresh_token", "client_credentials"],
            rate_limit=rate_limit,
        )
    return client


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


def user_with_token(app, email: str, scopes: list[str], rate_limit: int = 1000) -> Issued:
    """A fresh user who consented to `scopes` for a fresh app of their own."""
    user = create_user(app, email)
    client = create_app_client(app, user["id"], rate_limit=rate_limit)
    return issue_user_token(app, client, user["id"], scopes)
