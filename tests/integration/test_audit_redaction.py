"""What an app's developer may see of its audit trail: never other people's emails or addresses."""

import audit
from accounts import users
from audit import Actor
from oauth import clients, grants
from stores.postgres import get_connection
from stores.redis_client import get_redis
from tests.support.oauth import register_client

END_USER_EMAIL = "someone@example.com"
END_USER_IP = "203.0.113.7"
ADMIN_EMAIL = "root@example.com"
ADMIN_IP = "198.51.100.4"


def test_a_developer_sees_who_acted_in_words_and_no_one_elses_email_or_address(app):
    with app.app_context():
        conn, r = get_connection(), get_redis()
        developer = users.create_user(conn, "dev@example.com", "correct horse", role="developer")
        end_user = users.create_user(conn, END_USER_EMAIL, "correct horse")
        admin = users.create_user(conn, ADMIN_EMAIL, "correct horse", role="admin")
        client, _ = clients.create_client(
            conn,
            r,
            Actor(developer["id"], ip_address="192.0.2.1"),
            owner_id=developer["id"],
            name="Redacted",
            client_type="confidential",
            redirect_uris=["https://app.example.com/cb"],
            scopes=["read:profile"],
            grant_types=["authorization_code"],
        )
        client_id = client["client_id"]
        grants.grant_scopes(
            conn, Actor(end_user["id"], ip_address=END_USER_IP), end_user["id"], client_id, ["read:profile"]
        )
        clients.set_suspended(conn, r, audit.CLI, client_id, True, "checking")
        clients.set_suspended(conn, r, Actor(admin["id"], ip_address=ADMIN_IP), client_id, False)
        rows = audit.list_audit(conn, client_id=client_id)

    seen = audit.as_seen_by_developer(rows, developer["id"])

    assert [(entry["action"], entry["actor"]) for entry in seen] == [
        ("app.resumed", "an administrator"),
        ("app.suspended", "an operator (command line)"),
        ("consent.granted", "a user"),
        ("app.created", "you"),
    ]
    assert all(set(entry) == {"id", "occurred_at", "action", "details", "actor", "user"} for entry in seen)
    assert [entry["user"] for entry in seen] == [None, None, end_user["id"], None]  # by ID, never by email
    private = (END_USER_EMAIL, END_USER_IP, ADMIN_EMAIL, ADMIN_IP)
    # The unredacted rows did carry them: the redaction is what keeps them out.
    assert all(value in repr(rows) for value in private)
    assert not any(value in repr(seen) for value in private)


def test_the_developers_pages_never_show_an_administrators_email_or_address(app, client, auth):
    auth.sign_in_as("dev@example.com", role="developer")  # the account, with a password to sign in with
    registered, _ = register_client(app, owner_email="dev@example.com")
    admin = auth.sign_in_as(ADMIN_EMAIL, role="admin")
    with app.app_context():
        acting_admin = Actor(admin["id"], ip_address=ADMIN_IP)
        clients.set_suspended(get_connection(), get_redis(), acting_admin, registered["client_id"], True, "checking")

    # The administrator's own page shows who did it, and from where.
    admin_page = client.get(f"/admin/apps/{registered['client_id']}").text
    assert ADMIN_EMAIL in admin_page and ADMIN_IP in admin_page

    auth.sign_in_as("dev@example.com")
    for path in (f"/developer/apps/{registered['client_id']}", f"/developer/apps/{registered['client_id']}/audit"):
        page = client.get(path).text
        assert "an administrator" in page
        assert ADMIN_EMAIL not in page and ADMIN_IP not in page
