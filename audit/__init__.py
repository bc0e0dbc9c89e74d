"""The audit trail: one row per thing someone did, written in the caller's transaction."""

import json
from dataclasses import dataclass
from datetime import datetime

from observability import logs, metrics
from stores.postgres import Connection

# Every action the trail records, with the words the audit pages show for it.
ACTION_LABELS = {
    "signin.succeeded": "Signed in",
    "signin.failed": "Sign-in failed",
    "signin.refused": "Sign-in refused",
    "signup": "Account created",
    "signup.email_taken": "Sign-up tried with this email",
    "email.verification_sent": "Verification link sent again",
    "email.verified": "Email verified",
    "password.reset_requested": "Password reset requested",
    "password.reset": "Password reset",
    "password.changed": "Password changed",
    "password.change_failed": "Password change refused",
    "password.set_by_operator": "Password set by an operator",
    "user.role_changed": "Role changed",
    "user.disabled": "Account disabled",
    "user.enabled": "Account enabled",
    "user.unlocked": "Sign-in unlocked",
    "two_factor.enabled": "Two-factor sign-in turned on",
    "two_factor.disabled": "Two-factor sign-in turned off",
    "two_factor.reset": "Two-factor sign-in reset",
    "two_factor.recovery_codes_replaced": "New recovery codes",
    "two_factor.refused": "Two-factor change refused",
    "app.created": "App registered",
    "app.updated": "Settings changed",
    "app.deleted": "App deleted",
    "secret.created": "Secret generated",
    "secret.deleted": "Secret deleted",
    "secret.leaked": "Secret reported leaked: replace it",
    "consent.granted": "Access allowed",
    "consent.revoked": "Access revoked",
    "notices.url_set": "Revocation notice URL set",
    "notices.url_removed": "Revocation notice URL removed",
    "notices.secret_rotated": "Revocation notice secret replaced",
    "webhook.redelivered": "Webhook delivery sent again",
    # Security events: the server caught a token being misused, or was told of a leak.
    "code.replayed": "Code used twice: its tokens revoked",
    "token.reused": "Spent refresh token reused: its family revoked",
    "token.leaked": "Leaked token revoked",
    "signin.locked": "Sign-in locked after failures",
    "signin.link_sent": "Sign-in link mailed: many failures on the account",
    "signin.link_used": "Signed in by a mailed link",
    "app.suspended": "App suspended",
    "app.resumed": "App resumed",
    "app.rate_limit_changed": "Rate limit changed",
    "app.token_rate_changed": "Token rate changed",
    "app.verified": "App verified by the platform",
    "app.unverified": "Verification withdrawn: name or website changed",
}
ACTIONS = tuple(ACTION_LABELS)
# The rows that say something may be wrong: pages mark them out.
SECURITY_ACTIONS = frozenset(
    action
    for action in (
        "code.replayed",
        "token.reused",
        "token.leaked",
        "secret.leaked",
        "signin.locked",
        "signin.link_sent",
        "app.suspended",
        "app.verified",
        "app.unverified",
        "user.disabled",
    )
    if action in ACTION_LABELS
)


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, or an operator at the command line."""

    id: int | None = None
    label: str = ""
    ip_address: str = ""


CLI = Actor(label="cli")
# The server acting by itself, on what a request showed it: who that was is
# unknown, so only the address it came from is kept.
TOKEN_ENDPOINT = "token endpoint"
LEAK_REPORT = "leak report"
TOKEN_IN_URL = "token in a URL"
_SERVER_IN_WORDS = {
    TOKEN_ENDPOINT: "the token endpoint",
    LEAK_REPORT: "a leak report",
    TOKEN_IN_URL: "a token seen in a URL",
}


def server_actor(label: str, ip_address: str = "") -> Actor:
    """The server as the actor of a security event it acted on (`label`: one of TOKEN_ENDPOINT, ...)."""
    if label not in _SERVER_IN_WORDS:
        raise ValueError(f"unknown server actor {label!r}")
    return Actor(label=label, ip_address=ip_address)


def record_as(cur, actor: Actor, action: str, **fields) -> None:
    """Append one audit row for `actor` (see `record`)."""
    record(cur, action, actor_id=actor.id, actor_label=actor.label, ip_address=actor.ip_address, **fields)


def record(
    cur,
    action: str,
    *,
    actor_id: int | None = None,
    actor_label: str = "",
    client_id: str | None = None,
    subject_user_id: int | None = None,
    ip_address: str = "",
    details: dict | None = None,
) -> None:
    """Append one audit row using cursor `cur`, inside the caller's transaction, and tell the operators."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    _count(action, details or {})
    if action in SECURITY_ACTIONS:
        _log_security_event(action, actor_id, actor_label, client_id, subject_user_id, ip_address)
    cur.execute(
        """INSERT INTO audit_log (action, actor_id, actor_label, client_id,
                                  subject_user_id, ip_address, details)
           VALUES (%(action)s, %(actor_id)s, %(actor_label)s, %(client_id)s,
                   %(subject_user_id)s, %(ip)s, %(details)s)""",
        {
            "action": action,
            "actor_id": actor_id,
            "actor_label": actor_label,
            "client_id": client_id,
            "subject_user_id": subject_user_id,
            "ip": ip_address,
            "details": json.dumps(details or {}),
        },
    )


# Telling the operators: metrics and the log stream ------------------------------

_SIGN_IN_OUTCOMES = {
    "signin.succeeded": "succeeded",
    "signin.link_used": "succeeded_by_link",
    "signin.failed": "failed",
    "signin.refused": "refused",
}
# Actions that end someone's access, by cause (what an operator would alert on differs by cause).
_REVOCATION_CAUSES = {
    "consent.revoked": "user",
    "app.deleted": "app_deleted",
    "app.suspended": "app_suspended",
    "user.disabled": "user_disabled",
    "token.leaked": "leaked",
    "token.reused": "refresh_reuse",
    "code.replayed": "code_replay",
}


def _count(action: str, details: dict) -> None:
    """The metrics of one audited action: counted here, once, rather than at each place that records it."""
    if action in _SIGN_IN_OUTCOMES:
        metrics.SIGN_INS.labels(_SIGN_IN_OUTCOMES[action]).inc()
    if action == "signin.failed" and details.get("step") == "second factor":
        metrics.SECOND_FACTOR_FAILURES.inc()
    if action == "signin.locked":
        metrics.LOCKOUTS.inc()
    if action in _REVOCATION_CAUSES:
        metrics.REVOCATIONS.labels(_REVOCATION_CAUSES[action]).inc()
    if action in SECURITY_ACTIONS:
        metrics.SECURITY_EVENTS.labels(action).inc()


def _log_security_event(action, actor_id, actor_label, client_id, subject_user_id, ip_address) -> None:
    """One line on the log stream: who and what by ID, never the details (they may hold emails)."""
    server_or_cli = actor_label in _SERVER_IN_WORDS or actor_label == CLI.label
    logs.security_event(
        {
            "action": action,
            "actor_id": actor_id,
            "actor": actor_label if server_or_cli else None,  # a person's label is their email
            "client_id": client_id,
            "subject_user_id": subject_user_id,
            "client_address": ip_address or None,
        }
    )


# Reading the trail ------------------------------------------------------------

AUDIT_PAGE_SIZE = 50


def list_audit(
    conn: Connection,
    *,
    client_id: str | None = None,
    user_id: int | None = None,
    before_id: int | None = None,
    limit: int = AUDIT_PAGE_SIZE,
    client_ids: list[str] | None = None,
    action: str | None = None,
    actor_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict]:
    """Audit rows newest first, optionally of one app (or any of `client_ids`), one user (as actor or
    subject), one action, one actor, and occurred in [since, until).

    Keyset pagination: pass the smallest id of the previous page as
    `before_id`; unlike OFFSET it stays fast and stable while rows arrive.
    """
    with conn.cursor() as cur:
        cur.execute(
            """SELECT a.id, a.occurred_at, a.action, a.actor_id, a.actor_label, a.client_id,
                      a.subject_user_id, a.ip_address, a.details,
                      actor.email AS actor_email, subject.email AS subject_email, c.name AS client_name
               FROM audit_log a
               LEFT JOIN users actor ON actor.id = a.actor_id
               LEFT JOIN users subject ON subject.id = a.subject_user_id
               LEFT JOIN clients c ON c.client_id = a.client_id
               WHERE (%(client_id)s::text IS NULL OR a.client_id = %(client_id)s)
                 AND (%(client_ids)s::text[] IS NULL OR a.client_id = ANY(%(client_ids)s))
                 AND (%(user_id)s::bigint IS NULL OR a.actor_id = %(user_id)s OR a.subject_user_id = %(user_id)s)
                 AND (%(action)s::text IS NULL OR a.action = %(action)s)
                 AND (%(actor_id)s::bigint IS NULL OR a.actor_id = %(actor_id)s)
                 AND (%(since)s::timestamptz IS NULL OR a.occurred_at >= %(since)s)
                 AND (%(until)s::timestamptz IS NULL OR a.occurred_at < %(until)s)
                 AND (%(before_id)s::bigint IS NULL OR a.id < %(before_id)s)
               ORDER BY a.id DESC
               LIMIT %(limit)s""",
            {
                "client_id": client_id,
                "client_ids": client_ids,
                "user_id": user_id,
                "action": action,
                "actor_id": actor_id,
                "since": since,
                "until": until,
                "before_id": before_id,
                "limit": limit,
            },
        )
        return cur.fetchall()


def page_of_audit(conn: Connection, *, page_size: int = AUDIT_PAGE_SIZE, **filters) -> tuple[list[dict], int | None]:
    """One page of `list_audit` (same filters) and the `before_id` of the next page (None on the last one)."""
    rows = list_audit(conn, limit=page_size + 1, **filters)
    if len(rows) <= page_size:
        return rows, None
    page = rows[:page_size]
    return page, page[-1]["id"]


def page_for_developer(conn: Connection, developer_id: int, *, page_size: int = AUDIT_PAGE_SIZE, **filters):
    """`page_of_audit` as the developer `developer_id` may see it (`as_seen_by_developer`)."""
    rows, next_before = page_of_audit(conn, page_size=page_size, **filters)
    return as_seen_by_developer(rows, developer_id), next_before


def as_seen_by_developer(entries: list[dict], developer_id: int) -> list[dict]:
    """An app's audit rows as its developer may see them: what happened and when, and who in words.

    Other people's emails and IP addresses never leave this function: users
    who consented are "a user", operators and administrators are named by
    their role only, and the user a row is about is shown by ID alone (the
    `id` that GET /api/v1/me gives the app), so that a developer can tell
    which of their users a security event touched.
    """
    return [
        {
            "id": entry["id"],
            "occurred_at": entry["occurred_at"],
            "action": entry["action"],
            "details": entry["details"],
            "actor": _actor_in_words(entry, developer_id),
            "user": entry["subject_user_id"],
        }
        for entry in entries
    ]


def _actor_in_words(entry: dict, developer_id: int) -> str:
    if entry["actor_id"] == developer_id:
        return "you"
    if entry["action"].startswith("consent."):
        return "a user"
    if entry["actor_id"] is None and entry["actor_label"] in _SERVER_IN_WORDS:
        return _SERVER_IN_WORDS[entry["actor_label"]]
    if entry["actor_label"] == CLI.label:
        return "an operator (command line)"
    return "an administrator"


def parse_cursor(value: str | None) -> int | None:
    """A `before_id` taken from a query string: None unless it is a plausible row id."""
    if value and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None
