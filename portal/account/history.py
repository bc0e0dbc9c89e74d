"""What happened to one person's account, from the audit log."""

from stores.postgres import Connection

SECURITY_ACTIONS = (
    "signin.succeeded",
    "signin.failed",
    "signup",
    "consent.granted",
    "consent.revoked",
    "two_factor.enabled",
    "two_factor.disabled",
    "two_factor.reset",
    "two_factor.recovery_codes_replaced",
    "two_factor.refused",
    "signup.email_taken",
    "signin.link_sent",
    "signin.link_used",
    "email.verified",
    "password.reset_requested",
    "password.reset",
    "password.changed",
    "password.change_failed",
    "password.set_by_operator",
)


def list_account_events(conn: Connection, user_id: int, limit: int = 50) -> list[dict]:
    """Recent sign-ins, consents and revocations concerning `user_id`, newest first."""
    with conn.cursor() as cur:
        cur.execute(
            """SELECT a.id, a.occurred_at, a.action, a.ip_address, a.client_id, a.details,
                      c.name AS client_name
               FROM audit_log a
               LEFT JOIN clients c ON c.client_id = a.client_id
               WHERE a.subject_user_id = %(user)s AND a.action = ANY(%(actions)s)
               ORDER BY a.id DESC
               LIMIT %(limit)s""",
            {"user": user_id, "actions": list(SECURITY_ACTIONS), "limit": limit},
        )
        return cur.fetchall()
