"""Account mail: rendered from templates/mail/, queued in PostgreSQL with the change, sent by `flask worker`.

`send(cur, to, subject, template, **context)` renders `mail/<template>.txt`
and `mail/<template>.html` into one message (a plain-text part and an HTML
alternative, no images, no tracking) and queues it in the caller's
transaction (`queue`), so a change that rolls back mails nothing and a
page never waits on the mail server: the answer to "forgot password" takes
as long whether or not a mail goes out. A worker sends it through
`transport` (SMTP_URL, or the outbox folder in development), retrying
temporary failures. A mail that cannot be delivered is logged and recorded
in its row, never raised into a page: the person asks again.

queue          the mail_outbox table: queue, take with SKIP LOCKED, send, retry, give up
transport      SMTP, or an .eml file per message (and its links in the log) without SMTP_URL
queue_metrics  the queue's depth and oldest due mail, for /metrics
"""

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import Flask, current_app, render_template

from accounts.mail import queue
from accounts.mail.transport import SmtpTransport, host_of
from stores.postgres import get_connection

__all__ = ["SmtpTransport", "compose", "drain", "init_app", "send", "sender"]


def init_app(app: Flask) -> None:
    from accounts.mail import queue_metrics
    from observability.metrics import READ_AT_SCRAPE

    app.extensions.setdefault(READ_AT_SCRAPE, []).append(queue_metrics.COLLECTOR)


def send(cur, to: str, subject: str, template: str, **context) -> None:
    """Render `mail/<template>.txt|.html` with `context` and queue it for `to` in `cur`'s transaction."""
    message = compose(to, subject, template, **context)
    queue.enqueue(cur, message, queue.sealing_key(current_app.config["SECRET_KEY"]))


def compose(to: str, subject: str, template: str, **context) -> EmailMessage:
    """The message `send` would queue: From, To, Subject, a plain-text part and its HTML alternative."""
    config = current_app.config
    context = {"issuer": config["OAUTH_ISSUER"], "subject": subject, **context}
    message = EmailMessage()
    message["From"] = sender(config)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender(config).rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
    message.set_content(render_template(f"mail/{template}.txt", **context))
    message.add_alternative(render_template(f"mail/{template}.html", **context), subtype="html")
    return message


def sender(config: dict) -> str:
    """MAIL_FROM, or no-reply@ the issuer's host."""
    return config.get("MAIL_FROM") or f"no-reply@{host_of(config['OAUTH_ISSUER'])}"


def drain(timeout: float = 30.0) -> bool:
    """Send every pending mail from this process, as a worker would; False if some is still pending after `timeout`."""
    return queue.drain(get_connection(), queue.Courier.for_app(current_app._get_current_object()), timeout)
