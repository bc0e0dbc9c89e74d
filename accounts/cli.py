"""`flask db init` and `flask users create`: JSON on stdout, errors on stderr, exit != 0."""

import json
import sys

import click
from flask.cli import AppGroup

from accounts import users
from stores import postgres

db_cli = AppGroup("db", help="Database schema.")
users_cli = AppGroup("users", help="User accounts.")


def emit(payload: dict) -> None:
    click.echo(json.dumps(payload, default=str))


def fail(message: str) -> None:
    click.echo(json.dumps({"error": message}), err=True)
    sys.exit(1)


@db_cli.command("init")
def init_db() -> None:
    """Apply schema.sql (safe to run twice)."""
    pool, conn = postgres.database().connect()
    try:
        postgres.apply_schema(conn)
    finally:
        postgres.database().release(pool, conn)
    emit({"status": "ok", "schema": str(postgres.SCHEMA_PATH.name)})


@users_cli.command("create")
@click.argument("email")
@click.option("--password", required=True, help="At least 8 characters.")
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
