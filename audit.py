"""The audit trail: one row per thing someone did, written in the caller's transaction."""

import json
from dataclasses import dataclass

ACTIONS = (
    "signin.succeeded",
    "signin.failed",
    "signup",
    "app.created",
    "app.updated",
    "app.deleted",
    "secret.created",
    "secret.deleted",
    "consent.granted",
    "consent.revoked",
    "app.suspended",
    "app.resumed",
    "app.rate_limit_changed",
)


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, or an operator at the command line."""

    id: int | None = None
    label: str = ""
    ip_address: str = ""


CLI = Actor(label="cli")


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
    """Append one audit row using cursor `cur`, inside the caller's transaction."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
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
