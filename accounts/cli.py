"""`flask db init` and `flask users ...`: JSON on stdout, errors on stderr, exit != 0."""

import json
import sys

import click
from flask.cli import AppGroup

import audit
from accounts import password_changes, user_admin, users
from stores import migrations, postgres
from stores.redis_client import get_redis

db_cli = AppGroup("db", help="Database schema.")
users_cli = AppGroup("users", help="User accounts.")


def emit(payload: dict) -> None:
    click.echo(json.dumps(payload, default=str))


def fail(message: str) -> None:
    click.echo(json.dumps({"error": message}), err=True)
    sys.exit(1)


@db_cli.command("init")
def init_db() -> None:
    """Apply pending schema migrations in order (safe to run twice, and on two hosts at once)."""
    pool, conn = postgres.database().connect()
    try:
        applied = migrations.migrate(conn)
        version = migrations.current_version(conn)
    except migrations.MigrationError as error:
        fail(str(error))
    finally:
        postgres.database().release(pool, conn)
    emit({"status": "ok", "applied": applied, "version": version})


@users_cli.command("create")
@click.argument("email")
@click.option("--password", required=True, help="At least 10 characters.")
@click.option("--name", default="", help="Display name.")
@click.option("--role", type=click.Choice(users.ROLES), default="user", show_default=True)
def create_user(email: str, password: str, name: str, role: str) -> None:
    """Create a user account."""
    if "@" not in email:
        fail(f"not an email address: {email}")
    if not users.MIN_PASSWORD_LENGTH <= len(password) <= users.MAX_PASSWORD_LENGTH:
        fail(f"password must be {users.MIN_PASSWORD_LENGTH} to {users.MAX_PASSWORD_LENGTH} characters")
    try:
        user = users.create_user(postgres.get_connection(), email, password, name, role)
    except users.EmailTaken:
        fail(f"a user with email {email} already exists")
    emit(user)


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password", required=True, help="The password policy applies (at least 10 characters, not guessable).")
def set_password(email: str, password: str) -> None:
    """Set a user's password; every session of theirs ends and a worker mails them about it."""
    try:
        user, ended = password_changes.set_by_operator(postgres.get_connection(), get_redis(), email, password)
    except password_changes.NoSuchUser:
        fail(f"no user has email {email}")
    except password_changes.WeakPassword as refused:
        fail(str(refused))
    emit({"id": user["id"], "email": user["email"], "password_changed": True, "sessions_ended": ended})


@users_cli.command("set-role")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(users.ROLES))
@click.option("--reason", default="", help="Kept in the audit log.")
def set_role(email: str, role: str, reason: str) -> None:
    """Change a user's role; their sessions end, so the new role starts with a new sign-in."""
    conn = postgres.get_connection()
    user = user_or_fail(conn, email)
    try:
        changed = user_admin.set_role(conn, get_redis(), audit.CLI, user["id"], role, reason)
    except user_admin.Refused as refused:
        fail(str(refused))
    emit(changed)


@users_cli.command("enable")
@click.argument("email")
@click.option("--reason", default="", help="Kept in the audit log.")
def enable_user(email: str, reason: str) -> None:
    """Let a disabled user sign in again (their revoked tokens stay revoked)."""
    conn = postgres.get_connection()
    emit(user_admin.enable(conn, audit.CLI, user_or_fail(conn, email)["id"], reason))


@users_cli.command("unlock")
@click.argument("email")
@click.option("--reason", default="", help="Kept in the audit log.")
def unlock_user(email: str, reason: str) -> None:
    """Clear the sign-in throttling of an account: its failure counters from every address."""
    conn = postgres.get_connection()
    user = user_or_fail(conn, email)
    cleared = user_admin.unlock(conn, get_redis(), audit.CLI, user["id"], reason)
    emit({"id": user["id"], "email": user["email"], "unlocked": True, "counters_cleared": cleared})


def user_or_fail(conn: postgres.Connection, email: str) -> users.User:
    """The user with this email, or exit with an error."""
    user = users.get_user_by_email(conn, email)
    if user is None:
        fail(f"no user has email {email}")
    return user
