"""Account mail through a real SMTP server on loopback (aiosmtpd), and the outbox folder without one."""

import logging
import time

from accounts import mail
from stores import postgres
from tests.support.accounts import create_user, csrf_token
from tests.support.apps import make_app
from tests.support.mail import drain, html_of, link_in, text_of
from tests.support.stores import free_port

USER = {"id": 1, "email": "alice@example.com", "name": "Alice"}


def send_reset_mail(app, to: str = "alice@example.com") -> None:
    with app.app_context(), postgres.transaction(postgres.get_connection()) as cur:
        user = {**USER, "email": to}
        mail.send(cur, to, "Reset your password", "password_reset", user=user, link="http://x/l", minutes=30)


def ask_for_reset(app, email: str):
    client = app.test_client()
    page = client.get("/password/forgot")
    return client.post("/password/forgot", data={"email": email, "csrf_token": csrf_token(page.text)})


def test_a_reset_mail_reaches_the_smtp_server_with_both_parts_and_its_link(smtp_app, smtp):
    create_user(smtp_app, email="alice@example.com", name="Alice")
    assert ask_for_reset(smtp_app, "alice@example.com").status_code == 200
    drain(smtp_app)

    [message] = smtp.received
    assert smtp.envelopes == [("no-reply@localhost", ["alice@example.com"])]
    assert message["From"] == "no-reply@localhost" and message["To"] == "alice@example.com"
    assert message["Subject"] == "Reset your password"
    assert message["Message-ID"] and message["Date"] and message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    assert "Hello Alice" in text_of(message) and "Hello Alice" in html_of(message)
    link = link_in(message, "/password/reset/")
    assert link.startswith("http://localhost/password/reset/")
    assert smtp_app.test_client().get(link).status_code == 200  # the link opens the reset form


def test_mail_carries_no_tracking(smtp_app, smtp):
    send_reset_mail(smtp_app)
    drain(smtp_app)
    html = html_of(smtp.received[0])
    assert "<img" not in html and "<script" not in html and "url(" not in html
    # Every link goes straight to a page of the issuer (or to the link given), never through a redirector.
    for href in html.split('href="')[1:]:
        assert href.startswith(("http://x/l", "http://localhost/"))


def test_a_temporary_refusal_is_retried_and_the_mail_arrives(smtp_app, smtp):
    smtp.replies = ["451 4.3.0 Try again later"]
    send_reset_mail(smtp_app)
    drain(smtp_app)
    assert smtp.attempts == 2
    assert len(smtp.received) == 1


def test_a_permanent_refusal_is_not_retried(smtp_app, smtp, caplog):
    smtp.replies = ["550 5.1.1 No such mailbox", "250 would have been accepted"]
    with caplog.at_level(logging.WARNING, logger="accounts.mail"):
        send_reset_mail(smtp_app)
        drain(smtp_app)
    assert smtp.attempts == 1
    assert smtp.received == []
    assert "refused, not retried" in caplog.text and "550" in caplog.text


def test_repeated_temporary_refusals_give_up_after_the_last_retry(smtp_app, smtp, caplog):
    smtp.replies = ["421 4.3.2 Busy"] * 5
    with caplog.at_level(logging.WARNING, logger="accounts.mail"):
        send_reset_mail(smtp_app)
        drain(smtp_app)
    assert smtp.attempts == 3  # the first try and MAIL_RETRY_DELAYS' two retries
    assert smtp.received == []
    assert "not delivered after 3 tries" in caplog.text


def test_a_server_that_cannot_be_reached_is_retried_then_given_up(app, store_urls, caplog):
    nowhere = make_app(store_urls, SMTP_URL=f"smtp://127.0.0.1:{free_port()}", MAIL_RETRY_DELAYS=(0.01, 0.01))
    with caplog.at_level(logging.INFO, logger="accounts.mail"):
        send_reset_mail(nowhere)
        drain(nowhere)
    assert caplog.text.count("trying again") == 2
    assert "not delivered after 3 tries" in caplog.text


def test_credentials_are_never_sent_without_starttls(app, store_urls, smtp, caplog):
    # The loopback server offers no STARTTLS: the password must not cross in clear.
    url = f"smtp://mailer:secret@127.0.0.1:{smtp.port}"
    with_login = make_app(store_urls, SMTP_URL=url, MAIL_RETRY_DELAYS=(0.01,))
    with caplog.at_level(logging.WARNING, logger="accounts.mail"):
        send_reset_mail(with_login)
        drain(with_login)
    assert smtp.attempts == 0 and smtp.received == []
    assert "does not offer STARTTLS" in caplog.text


def test_without_smtp_url_mail_goes_to_the_outbox_and_its_link_to_the_log(app, outbox, caplog):
    with caplog.at_level(logging.INFO, logger="accounts.mail"):
        create_user(app, email="alice@example.com")
        assert ask_for_reset(app, "alice@example.com").status_code == 200
        drain(app)
    [message] = outbox.messages("alice@example.com")
    link = link_in(message, "/password/reset/")
    [line] = [record.getMessage() for record in caplog.records if "links:" in record.getMessage()]
    assert link in line  # development: the link is in the log, no mail server needed
    assert "alice@example.com" not in caplog.text  # but never the address (README, "Logs")
    assert list(outbox.folder.glob(".*.partial")) == []  # written whole, then renamed


def test_a_page_does_not_wait_for_the_mail_server(smtp_app, smtp):
    create_user(smtp_app, email="alice@example.com")
    smtp.delay = 1.5
    started = time.monotonic()
    assert ask_for_reset(smtp_app, "alice@example.com").status_code == 200
    assert time.monotonic() - started < 1.0
    drain(smtp_app)
    assert len(smtp.received) == 1
