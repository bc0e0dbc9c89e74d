"""Account mail through the worker's queue in PostgreSQL: real worker processes, a real SMTP server on loopback.

A sign-up queues its verification mail in the sign-up's transaction; a
worker (`flask --app app worker`, or its loop in a thread) sends it. The
mail survives a mail server that is down and a worker killed mid-send; a
change that rolls back queues nothing; once sent, no copy of its link is
left in the database.
"""

import json
import logging
import signal
import time

import psycopg2
import pytest

from accounts import sign_in
from accounts.mail import queue as mail_queue
from stores import postgres, redis_client
from tests.support.accounts import NEW_ACCOUNT, AuthActions
from tests.support.apps import make_app
from tests.support.lifecycle import confirm_email
from tests.support.mail import SmtpServer, drain, link_in, token_of
from tests.support.metrics import sample, scrape
from tests.support.webhooks import WorkerThread, worker_process

EMAIL = NEW_ACCOUNT["email"]


def sign_up(app) -> None:
    assert AuthActions(app.test_client(), app).sign_up().status_code == 200


def queued(app) -> list[dict]:
    """Every row of the mail queue, each column as text (what someone reading the database would see)."""
    with app.app_context(), postgres.transaction(postgres.get_connection()) as cur:
        cur.execute("SELECT row_to_json(m)::text AS row, status, attempts, last_error FROM mail_outbox m")
        return cur.fetchall()


def wait_until(condition, timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} not met within {timeout} s"
        time.sleep(0.02)


def mail_to(server: SmtpServer, email: str) -> list:
    return [message for message in server.received if message["To"] == email]


def stop(process) -> None:
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=15)
    assert json.loads(out.splitlines()[-1]) == {"worker": "stopped"}, out + err


def test_a_sign_up_queues_its_verification_mail_and_a_worker_process_sends_it(app, store_urls, smtp):
    sign_up(app)
    assert [row["status"] for row in queued(app)] == ["pending"]  # the page only wrote a row
    assert smtp.received == []

    worker = worker_process(store_urls, SMTP_URL=smtp.url)
    try:
        wait_until(lambda: mail_to(smtp, EMAIL), what="the verification mail at the SMTP server")
    finally:
        stop(worker)
    [message] = mail_to(smtp, EMAIL)
    assert message["Subject"] == "Confirm your email address"
    link = link_in(message, "/signup/verify/")
    assert confirm_email(app.test_client(), link).status_code == 302  # the link works
    assert queued(app) == []  # sent: the row went with it


def test_a_mail_server_down_then_up_gets_the_mail_on_a_retry(app, store_urls):
    server = SmtpServer()  # its port is chosen, nothing listens there yet
    sender = make_app(store_urls, SMTP_URL=server.url, MAIL_RETRY_DELAYS=(0.2,) * 50, WEBHOOK_POLL_SECONDS=0.02)
    sign_up(sender)
    with WorkerThread(sender):
        wait_until(lambda: any(row["attempts"] >= 1 for row in queued(sender)), what="a failed first attempt")
        [row] = queued(sender)
        assert row["status"] == "pending" and "ConnectionRefusedError" in row["last_error"]
        with server:
            wait_until(lambda: mail_to(server, EMAIL), what="the mail once the server is up")
    assert link_in(mail_to(server, EMAIL)[0], "/signup/verify/")
    assert queued(sender) == []


def test_a_worker_killed_while_sending_does_not_lose_the_mail(app, store_urls):
    sign_up(app)
    # A server of its own: the killed attempt's late answer can reach no other test.
    with SmtpServer() as smtp:
        smtp.delay = 5.0  # the first worker is held in the middle of DATA
        first = worker_process(store_urls, SMTP_URL=smtp.url)
        try:
            wait_until(lambda: smtp.attempts >= 1, what="the first worker's attempt")
        finally:
            first.kill()  # SIGKILL: no chance to finish or to clean up
            first.communicate(timeout=15)
        smtp.delay = 0.0
        second = worker_process(store_urls, SMTP_URL=smtp.url)
        try:
            wait_until(lambda: mail_to(smtp, EMAIL), what="the second worker's delivery")
        finally:
            stop(second)
        assert smtp.attempts == 2
    # At least once: had the killed attempt reached the server, it would be the same message.
    assert {message["Message-ID"] for message in mail_to(smtp, EMAIL)} == {mail_to(smtp, EMAIL)[0]["Message-ID"]}
    assert queued(app) == []


def test_a_sign_up_that_rolls_back_queues_no_mail(app):
    """The commit itself fails (a deferred check refuses it), after the mail was queued: nothing stays."""
    with app.app_context():
        conn = postgres.get_connection()
        with postgres.transaction(conn) as cur:
            cur.execute(
                """CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS
                   $$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$;
                   CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON users
                   DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_at_commit()"""
            )
        try:
            with pytest.raises(psycopg2.errors.RaiseException, match="refused at commit"):
                sign_in.sign_up(conn, redis_client.get_redis(), EMAIL, "long enough pw", "New", "192.0.2.1")
        finally:
            with postgres.transaction(conn) as cur:
                cur.execute("DROP TRIGGER refuse_at_commit ON users; DROP FUNCTION refuse_at_commit()")
    assert queued(app) == []
    sign_up(app)  # the same sign-up, committed this time, queues its mail
    assert len(queued(app)) == 1


def test_the_link_is_sealed_while_queued_and_gone_once_sent(app, outbox):
    sign_up(app)
    [waiting] = queued(app)
    drain(app)
    token = token_of(link_in(outbox.last(EMAIL), "/signup/verify/"))
    assert token not in waiting["row"] and EMAIL in waiting["row"]  # sealed: the recipient shows, the link does not
    assert queued(app) == []


def test_a_mail_given_up_keeps_why_and_loses_its_body(smtp_app, smtp):
    smtp.replies = ["550 5.1.1 No such mailbox"]
    sign_up(smtp_app)
    drain(smtp_app)
    [row] = queued(smtp_app)
    assert row["status"] == "failed" and row["attempts"] == 1
    assert "550" in row["last_error"] and "No such mailbox" in row["last_error"]
    assert json.loads(row["row"])["message_ciphertext"] is None


def test_the_queue_depth_and_the_oldest_wait_are_on_metrics(app, outbox):
    sign_up(app)
    with app.app_context(), postgres.transaction(postgres.get_connection()) as cur:
        cur.execute("UPDATE mail_outbox SET next_attempt_at = now() - interval '90 seconds'")
    text = scrape(app.test_client())
    assert sample(text, "oauth_mail_pending") == 1
    assert 90 <= sample(text, "oauth_mail_oldest_due_seconds") < 120
    sent_before = sample(text, "oauth_mail_attempts_total", outcome="sent")
    drain(app)
    text = scrape(app.test_client())
    assert sample(text, "oauth_mail_pending") == 0 and sample(text, "oauth_mail_oldest_due_seconds") == 0
    assert sample(text, "oauth_mail_attempts_total", outcome="sent") == sent_before + 1


def test_retries_and_giving_up_log_no_address_even_when_the_server_quotes_it(smtp_app, smtp, caplog):
    caplog.set_level(logging.INFO)
    smtp.replies = [f"451 4.3.0 <{EMAIL}> greylisted", f"550 5.1.1 <{EMAIL}>: no such mailbox"]
    sign_up(smtp_app)
    drain(smtp_app)
    ours = "\n".join(record.getMessage() for record in caplog.records if record.name.startswith("accounts.mail"))
    assert "trying again" in ours and "refused, not retried" in ours and "550" in ours
    assert EMAIL not in ours
    [row] = queued(smtp_app)
    assert row["status"] == "failed" and EMAIL not in row["last_error"] and "<recipient>" in row["last_error"]


class BrokenTransport:
    """A transport that fails in a way nobody planned for, its error and that error's cause quoting the address."""

    def deliver(self, message) -> None:
        try:
            raise OSError(f"cannot route {message['To']}")
        except OSError as cause:
            raise RuntimeError(f"relay bug for <{str(message['To']).upper()}>") from cause


def test_an_unexpected_failure_logs_the_mail_id_and_where_but_no_address(app, capfd, caplog):
    caplog.set_level(logging.INFO)
    sign_up(app)
    [waiting] = queued(app)
    mail_id = json.loads(waiting["row"])["id"]
    courier = mail_queue.Courier(BrokenTransport(), mail_queue.sealing_key(app.config["SECRET_KEY"]), (60.0,))
    with app.app_context():
        assert mail_queue.send_next(postgres.get_connection(), courier)
    logged = caplog.text + capfd.readouterr().err  # tracebacks included, as a handler would write them
    assert f"mail {mail_id} failed: RuntimeError: relay bug for <<recipient>>" in logged
    assert "test_mail_queue.py:" in logged  # where it failed, for the bug report
    assert EMAIL not in logged.lower() and "cannot route" not in logged
    [row] = queued(app)
    assert row["status"] == "pending" and row["attempts"] == 1 and EMAIL not in row["last_error"].lower()


def test_the_housekeeping_deletes_mail_given_up_a_week_ago_and_nothing_else(smtp_app, smtp):
    smtp.replies = ["550 5.1.1 No such mailbox"] * 2
    sign_up(smtp_app)
    AuthActions(smtp_app.test_client(), smtp_app).sign_up(email="second@example.com")
    drain(smtp_app)  # both given up
    sign_up(smtp_app)  # a taken email: its owner's mail waits, pending
    with smtp_app.app_context():
        conn = postgres.get_connection()
        with postgres.transaction(conn) as cur:
            cur.execute(
                "UPDATE mail_outbox SET finished_at = now() - interval '8 days'"
                " WHERE status = 'failed' AND recipient = %(email)s",
                {"email": EMAIL},
            )
        assert mail_queue.sweep(conn) == 1
    left = sorted((json.loads(row["row"])["recipient"], row["status"]) for row in queued(smtp_app))
    assert left == [(EMAIL, "pending"), ("second@example.com", "failed")]
