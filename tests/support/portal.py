"""Driving the developer portal and admin console through their real forms (CSRF tokens included)."""

import re

from audit import Actor
from oauth import clients
from stores import postgres
from tests.support.accounts import csrf_token

VALID_APP = {
    "name": "Acme Sync",
    "description": "Keeps Acme in sync with your data.",
    "homepage_url": "https://acme.example.com",
    "client_type": "confidential",
    "redirect_uris": "https://acme.example.com/callback",
    "scopes": ["read:profile", "read:data"],
    "grant_types": ["authorization_code", "refresh_token"],
}

TEST_ACTOR = Actor(label="test")
CREDENTIAL_PATTERN = r'<code id="{}">([^<]+)</code>'


def submit(client, page_url: str, action_url: str | None = None, data: dict | None = None, **kwargs):
    """Open `page_url`, take its CSRF token and POST `data` to `action_url` (default: the same page)."""
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    return client.post(action_url or page_url, data={**(data or {}), "csrf_token": csrf_token(page.text)}, **kwargs)


def register_app(client, **overrides):
    """POST the registration form; returns the response (the credentials page on success)."""
    return submit(client, "/developer/apps/new", data={**VALID_APP, **overrides})


def words(html: str) -> str:
    """The page with every run of whitespace as one space, to search for sentences."""
    return " ".join(html.split())


def credential(html: str, element_id: str) -> str | None:
    match = re.search(CREDENTIAL_PATTERN.format(element_id), html)
    return match.group(1) if match else None


def register_and_read(client, **overrides) -> tuple[str, str | None]:
    """Register an app; return its client ID and secret as the credentials page shows them."""
    response = register_app(client, **overrides)
    assert response.status_code == 200, response.text
    return credential(response.text, "client-id"), credential(response.text, "client-secret")


def settings_of(**overrides) -> dict:
    """The app page's settings form data for VALID_APP, with `overrides`."""
    data = {key: value for key, value in VALID_APP.items() if key != "client_type"}
    return {**data, **overrides}


def stored_client(app, client_id: str) -> dict | None:
    with app.app_context():
        return clients.get_client(postgres.get_connection(), client_id)


def audit_actions(app, client_id: str | None = None) -> list[str]:
    """Actions in the audit log, oldest first (of one app, or all)."""
    with app.app_context():
        conn = postgres.get_connection()
        with conn.cursor() as cur:
            cur.execute(
                """SELECT action FROM audit_log WHERE %(c)s::text IS NULL OR client_id = %(c)s ORDER BY id""",
                {"c": client_id},
            )
            return [row["action"] for row in cur.fetchall()]
