"""Email verification: sign-up mails a link, the link proves the address, unverified accounts are limited."""

from accounts import links
from stores import postgres
from tests.support.accounts import NEW_ACCOUNT, create_user, csrf_token
from tests.support.lifecycle import confirm_email, resend_verification
from tests.support.mail import link_in, text_of, token_of
from tests.support.stores import keys_matching

NEW_EMAIL = NEW_ACCOUNT["email"]
NEW_PASSWORD = NEW_ACCOUNT["password"]


def verified(app, email: str) -> bool:
    with app.app_context(), postgres.get_connection().cursor() as cur:
        cur.execute("SELECT email_verified_at IS NOT NULL AS v FROM users WHERE email = %(e)s", {"e": email})
        return cur.fetchone()["v"]


def actions(app) -> list[str]:
    with app.app_context(), postgres.get_connection().cursor() as cur:
        cur.execute("SELECT action FROM audit_log ORDER BY id")
        return [row["action"] for row in cur.fetchall()]


def sign_up_and_get_link(auth, outbox) -> str:
    assert auth.sign_up().status_code == 200
    return link_in(outbox.last(NEW_EMAIL), links.VERIFY_EMAIL.path)


def test_sign_up_mails_a_verification_link_for_24_hours(auth, outbox, r):
    link = sign_up_and_get_link(auth, outbox)
    message = outbox.last(NEW_EMAIL)
    assert message["Subject"] == "Confirm your email address"
    assert "24 hours" in text_of(message)
    assert link.startswith("http://localhost/signup/verify/")
    ttl = r.ttl(links.key(links.VERIFY_EMAIL, token_of(link)))
    assert 24 * 3600 - 60 < ttl <= 24 * 3600
    assert r.get(links.key(links.VERIFY_EMAIL, token_of(link))) is not None
    assert token_of(link) not in str(keys_matching(r))  # only the digest is at rest


def test_opening_the_link_spends_nothing_until_the_button_is_pressed(app, client, auth, outbox):
    link = sign_up_and_get_link(auth, outbox)
    for _ in range(2):  # a mail scanner fetching the link does not use it up
        page = client.get(link)
        assert page.status_code == 200 and NEW_EMAIL in page.text
    assert not verified(app, NEW_EMAIL)
    response = confirm_email(client, link)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert verified(app, NEW_EMAIL)
    assert actions(app) == ["signup", "email.verified"]


def test_a_verification_link_works_once(app, client, auth, outbox):
    link = sign_up_and_get_link(auth, outbox)
    assert confirm_email(client, link).status_code == 302
    again = client.get(link)
    assert again.status_code == 404 and "no longer works" in again.text
    page = client.get("/login")
    assert client.post(link, data={"csrf_token": csrf_token(page.text)}).status_code == 404
    assert actions(app).count("email.verified") == 1


def test_an_expired_verification_link_does_nothing(app, client, auth, outbox, r):
    link = sign_up_and_get_link(auth, outbox)
    page = client.get(link)
    r.delete(links.key(links.VERIFY_EMAIL, token_of(link)))  # its 24 hours are over: Redis let it go
    assert client.post(link, data={"csrf_token": csrf_token(page.text)}).status_code == 404
    assert not verified(app, NEW_EMAIL)


def test_an_unverified_account_can_sign_in_but_not_register_apps(app, client, auth, outbox):
    link = sign_up_and_get_link(auth, outbox)
    assert auth.login(NEW_EMAIL, NEW_PASSWORD).status_code == 302
    refused = client.get("/developer/apps/new")
    assert refused.status_code == 403
    assert "Verify your email first" in refused.text and "To register apps" in refused.text
    assert 'action="/signup/verify/resend"' in refused.text
    page = client.get("/signup/verify")  # a page with a token: the POST is refused as well
    assert client.post("/developer/apps/new", data={"csrf_token": csrf_token(page.text)}).status_code == 403

    response = confirm_email(client, link)  # signed in as the owner: on to the developer portal
    assert response.headers["Location"] == "/developer/apps"
    assert client.get("/developer/apps/new").status_code == 200


def test_resend_mails_a_new_link_and_both_work_until_one_is_used(app, client, auth, outbox):
    first = sign_up_and_get_link(auth, outbox)
    auth.login(NEW_EMAIL, NEW_PASSWORD)
    assert "Send a new link" in client.get("/signup/verify").text
    response = resend_verification(client)
    assert response.status_code == 302
    assert "We sent a new link" in client.get(response.headers["Location"]).text
    second = link_in(outbox.last(NEW_EMAIL), links.VERIFY_EMAIL.path)
    assert second != first
    assert confirm_email(client, second).status_code == 302
    assert "Your email is verified" in client.get("/signup/verify").text
    assert "email.verification_sent" in actions(app)


def test_resend_is_throttled_per_account(client, auth, outbox):
    sign_up_and_get_link(auth, outbox)
    auth.login(NEW_EMAIL, NEW_PASSWORD)
    for _ in range(3):
        assert resend_verification(client).status_code == 302
    refused = resend_verification(client)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert "Please wait a little" in refused.text
    assert len(outbox.messages(NEW_EMAIL)) == 4  # the sign-up's and three more, no more


def test_a_verified_account_is_not_sent_another_link(app, client, auth, outbox):
    auth.sign_in_as()
    response = resend_verification(client)
    assert response.status_code == 302
    assert "verified already" in client.get(response.headers["Location"]).text
    assert outbox.messages() == []


def test_accounts_made_by_operators_and_before_verification_count_as_verified(app, runner):
    result = runner.invoke(args=["users", "create", "op@example.com", "--password", "long enough pw"])
    assert result.exit_code == 0, result.output
    assert verified(app, "op@example.com")
    create_user(app, email="old@example.com", verified=False)
    with app.app_context():
        conn = postgres.get_connection()
        with postgres.transaction(conn) as cur:  # as the table was before this column existed
            cur.execute("ALTER TABLE users DROP COLUMN email_verified_at")
        postgres.apply_schema(conn)
    assert verified(app, "old@example.com")  # existing accounts were filled in as verified...
    create_user(app, email="later@example.com", verified=False)
    assert not verified(app, "later@example.com")  # ...and the default went: new sign-ups are not


def test_the_user_row_says_whether_the_email_is_verified(app):
    from accounts import users

    create_user(app, email="a@example.com", verified=False)
    create_user(app, email="b@example.com")
    with app.app_context():
        conn = postgres.get_connection()
        assert users.get_user_by_email(conn, "a@example.com")["email_verified"] is False
        assert users.get_user_by_email(conn, "b@example.com")["email_verified"] is True
