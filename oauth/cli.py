"""`flask clients ...`: register, suspend, resume and verify apps; and `flask users disable`, which revokes grants.

JSON on stdout; errors as JSON on stderr with exit code 1. These commands
are the platform operator's: an app registered here is held to every rule
but two that bind developers in the portal, the apps-per-developer cap and
the ban on names that claim the platform's authority (the platform may
register its own apps under its own name).
"""

import click
from flask.cli import AppGroup

import audit
from accounts import user_admin, users
from accounts.cli import emit, fail, user_or_fail, users_cli
from oauth import clients, user_access
from oauth.client_rules import (
    CLIENT_TYPES,
    DEFAULT_GRANT_TYPES,
    DEFAULT_ID_TOKEN_SIGNING_ALG,
    GRANT_TYPES,
    ID_TOKEN_SIGNING_ALGS,
    registration_problems,
)
from stores.postgres import get_connection
from stores.redis_client import get_redis

clients_cli = AppGroup("clients", help="Registered apps (OAuth clients).")


@clients_cli.command("create")
@click.option("--owner", "owner_email", required=True, help="Email of the developer who owns the app.")
@click.option("--name", required=True)
@click.option("--type", "client_type", required=True, type=click.Choice(CLIENT_TYPES))
@click.option("--redirect-uri", "redirect_uris", multiple=True, help="Repeat for each exact redirect URI.")
@click.option(
    "--post-logout-redirect-uri",
    "post_logout_redirect_uris",
    multiple=True,
    help="Repeat for each exact URI that RP-initiated logout may send people back to.",
)
@click.option("--scope", "scopes", multiple=True, required=True, help="Repeat for each allowed scope.")
@click.option(
    "--grant-type",
    "grant_types",
    multiple=True,
    type=click.Choice(GRANT_TYPES),
    help=f"Repeat for each grant type [default: {' '.join(DEFAULT_GRANT_TYPES)}].",
)
@click.option(
    "--id-token-signed-response-alg",
    default=DEFAULT_ID_TOKEN_SIGNING_ALG,
    show_default=True,
    help=f"How the app's ID tokens are signed: {' or '.join(ID_TOKEN_SIGNING_ALGS)}.",
)
@click.option("--rate-limit", type=click.IntRange(min=1), default=1000, show_default=True, help="API calls per hour.")
@click.option("--resource-server", is_flag=True, help="May introspect every client's tokens.")
@click.option("--description", default="")
@click.option("--homepage-url", default="")
def create_client(
    owner_email: str,
    name: str,
    client_type: str,
    redirect_uris: tuple[str, ...],
    post_logout_redirect_uris: tuple[str, ...],
    scopes: tuple[str, ...],
    grant_types: tuple[str, ...],
    id_token_signed_response_alg: str,
    rate_limit: int,
    resource_server: bool,
    description: str,
    homepage_url: str,
) -> None:
    """Register an app; prints its client_id and (once) its client_secret."""
    conn = get_connection()
    owner = users.get_user_by_email(conn, owner_email)
    if owner is None:
        fail(f"no user with email {owner_email}")
    registration = {
        "name": name,
        "client_type": client_type,
        "redirect_uris": list(redirect_uris),
        "post_logout_redirect_uris": list(post_logout_redirect_uris),
        "scopes": list(scopes),
        "grant_types": list(grant_types or DEFAULT_GRANT_TYPES),
        "id_token_signed_response_alg": id_token_signed_response_alg,
        "description": description,
        "homepage_url": homepage_url,
    }
    problems = registration_problems(**registration)
    if problems:
        fail("; ".join(message for messages in problems.values() for message in messages))
    client, secret = clients.create_client(
        conn,
        get_redis(),
        audit.CLI,
        owner_id=owner["id"],
        rate_limit=rate_limit,
        is_resource_server=resource_server,
        **registration,
    )
    emit({"client_id": client["client_id"], "client_secret": secret, **client, "owner_email": owner["email"]})


@clients_cli.command("suspend")
@click.argument("client_id")
@click.option("--reason", default="", help="Shown to operators in the admin pages.")
def suspend_client(client_id: str, reason: str) -> None:
    """Suspend an app: every token of it stops working at once."""
    _set_suspended(client_id, True, reason)


@clients_cli.command("resume")
@click.argument("client_id")
def resume_client(client_id: str) -> None:
    """Resume a suspended app: its unexpired tokens work again."""
    _set_suspended(client_id, False, "")


@clients_cli.command("verify")
@click.argument("client_id")
def verify_client(client_id: str) -> None:
    """The platform vouches for the app: consent shows it as verified and its user cap is lifted."""
    client = clients.verify_client(get_connection(), audit.CLI, client_id)
    if client is None:
        fail(f"no client with client_id {client_id}")
    emit(client)


def _set_suspended(client_id: str, suspended: bool, reason: str) -> None:
    client = clients.set_suspended(get_connection(), get_redis(), audit.CLI, client_id, suspended, reason)
    if client is None:
        fail(f"no client with client_id {client_id}")
    emit(client)


# `users disable` joins the accounts' `users` group from here: it revokes grants, which accounts may not import.
@users_cli.command("disable")
@click.argument("email")
@click.option("--reason", default="", help="Kept in the audit log.")
def disable_user(email: str, reason: str) -> None:
    """Disable a user: sign-in refused, every session ended, every grant and token of theirs revoked."""
    conn = get_connection()
    try:
        disabled = user_access.disable_user(conn, get_redis(), audit.CLI, user_or_fail(conn, email)["id"], reason)
    except user_admin.Refused as refused:
        fail(str(refused))
    emit({**disabled.user, "sessions_ended": disabled.sessions_ended, "grants_revoked": disabled.grants_revoked})
