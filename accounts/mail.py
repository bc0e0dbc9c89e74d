"""Account mail: rendered from templates/mail/, then sent by SMTP or written to the outbox folder.

`send(to, subject, template, **context)` renders `mail/<template>.txt` and
`mail/<template>.html` into one message (a plain-text part and an HTML
alternative, no images, no tracking) and hands it to this process's
delivery threads, so a page never waits on the mail server: the answer to
"forgot password" takes as long whether or not a mail goes out. Callers
send after their database transaction has committed.

Where it goes:
- `SMTP_URL` set: `smtp://[user:pass@]host:port` or `smtps://` (TLS from the
  first byte), through the standard library's SMTP client, with timeouts.
  On `smtp://` with credentials, STARTTLS is required before they are sent.
  A temporary failure (a 4xx reply, a connection that fails or times out)
  is retried after `MAIL_RETRY_DELAYS`; a permanent one (5xx) is not.
- unset: each mail is written to `MAIL_OUTBOX` (default `instance/outbox/`)
  as an `.eml` file, and its links are logged, so development needs no mail
  server.

A mail that cannot be delivered is logged, never raised into a page: the
person asks again. Mail waiting in the threads when the process is ended
is lost (`flask worker` is where a durable queue would go).
"""

import logging
import os
import re
import secrets
import smtplib
import ssl
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app, render_template

log = logging.getLogger(__name__)

EXTENSION = "mail"
DEFAULT_RETRY_DELAYS = (2.0, 10.0, 30.0)  # seconds before each retry of a temporary failure
DEFAULT_TIMEOUT_SECONDS = 10.0  # connecting, and each read or write
DELIVERY_THREADS = 4
_LINK = re.compile(r"https?://\S+")


class PermanentFailure(Exception):
    """The server refused for good (a 5xx reply), or the configuration cannot work: no retry."""


class TemporaryFailure(Exception):
    """A 4xx reply, or the server could not be reached: worth trying again later."""


def send(to: str, subject: str, template: str, **context) -> None:
    """Render `mail/<template>.txt|.html` with `context` and send it to `to` (in the background)."""
    message = compose(to, subject, template, **context)
    _mailer().submit(message)


def compose(to: str, subject: str, template: str, **context) -> EmailMessage:
    """The message `send` would send: From, To, Subject, a plain-text part and its HTML alternative."""
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
    return config.get("MAIL_FROM") or f"no-reply@{_host_of(config['OAUTH_ISSUER'])}"


def drain(timeout: float = 30.0) -> bool:
    """Wait until the mail handed over so far has been delivered or given up; False if still going."""
    return _mailer().drain(timeout)


_creating = threading.Lock()


def _mailer() -> "Mailer":
    """The app's Mailer, made on first use from its configuration."""
    app = current_app._get_current_object()
    with _creating:
        if EXTENSION not in app.extensions:
            retry_delays = app.config.get("MAIL_RETRY_DELAYS", DEFAULT_RETRY_DELAYS)
            app.extensions[EXTENSION] = Mailer(_transport(app), retry_delays)
        return app.extensions[EXTENSION]


def _transport(app: Flask):
    timeout = float(app.config.get("MAIL_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))
    if app.config.get("SMTP_URL"):
        return SmtpTransport.from_url(app.config["SMTP_URL"], timeout, _host_of(app.config["OAUTH_ISSUER"]))
    return OutboxTransport(Path(app.config.get("MAIL_OUTBOX") or Path(app.instance_path) / "outbox"))


def _host_of(url: str) -> str:
    return urlsplit(url).hostname or "localhost"


class Mailer:
    """Delivers messages on a few background threads, each with its retries; created anew after a fork."""

    def __init__(self, transport, retry_delays: Sequence[float]):
        self.transport = transport
        self.retry_delays = tuple(retry_delays)
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._pid = 0
        self._pending: set[Future] = set()

    def submit(self, message: EmailMessage) -> None:
        with self._lock:
            if self._executor is None or self._pid != os.getpid():
                # Threads do not survive a fork: a pool made before gunicorn forked is dead in the worker.
                self._executor, self._pid, self._pending = self._new_executor(), os.getpid(), set()
            future = self._executor.submit(self.deliver, message)
            self._pending.add(future)
        future.add_done_callback(self._forget)

    def deliver(self, message: EmailMessage) -> bool:
        """Deliver now, retrying temporary failures; True if delivered. Never raises."""
        for attempt, delay in enumerate((*self.retry_delays, None)):
            try:
                self.transport.deliver(message)
                return True
            except TemporaryFailure as error:
                if delay is None:
                    log.warning("mail to %s not delivered after %d tries: %s", message["To"], attempt + 1, error)
                    return False
                log.info("mail to %s: %s; trying again in %ss", message["To"], error, delay)
                time.sleep(delay)
            except PermanentFailure as error:
                log.warning("mail to %s refused, not retried: %s", message["To"], error)
                return False
            except Exception:  # a full disk, a bug: logged, and the page that asked was answered long ago
                log.exception("mail to %s failed", message["To"])
                return False
        return False

    def drain(self, timeout: float) -> bool:
        with self._lock:
            pending = set(self._pending)
        _done, not_done = wait(pending, timeout=timeout)
        return not not_done

    def _forget(self, future: Future) -> None:
        with self._lock:
            self._pending.discard(future)

    @staticmethod
    def _new_executor() -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=DELIVERY_THREADS, thread_name_prefix="mail")


@dataclass(frozen=True)
class SmtpTransport:
    """One SMTP connection per message (account mail is rare): TLS as the URL says, login if given."""

    host: str
    port: int
    implicit_tls: bool
    username: str
    password: str
    timeout: float
    local_hostname: str

    @classmethod
    def from_url(cls, url: str, timeout: float, local_hostname: str) -> "SmtpTransport":
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://[user:pass@]host:port or smtps://...")
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if parts.scheme == "smtps" else 25),
            implicit_tls=parts.scheme == "smtps",
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            timeout=timeout,
            local_hostname=local_hostname,
        )

    def deliver(self, message: EmailMessage) -> None:
        try:
            with self._connect() as smtp:
                self._secure_and_log_in(smtp)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            raise (TemporaryFailure if all(400 <= c < 500 for c in codes) else PermanentFailure)(str(error)) from error
        except smtplib.SMTPResponseException as error:
            raise (TemporaryFailure if 400 <= error.smtp_code < 500 else PermanentFailure)(str(error)) from error
        except (smtplib.SMTPNotSupportedError, ssl.SSLCertVerificationError) as error:
            raise PermanentFailure(str(error)) from error
        except (smtplib.SMTPException, OSError) as error:  # disconnected, refused, timed out, TLS broke
            raise TemporaryFailure(f"{type(error).__name__}: {error}") from error

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            return smtplib.SMTP_SSL(
                self.host,
                self.port,
                local_hostname=self.local_hostname,
                timeout=self.timeout,
                context=ssl.create_default_context(),
            )
        return smtplib.SMTP(self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout)

    def _secure_and_log_in(self, smtp: smtplib.SMTP) -> None:
        if not self.username:
            return
        if not self.implicit_tls:
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                # Never send the password in clear: a relay that needs one must offer TLS.
                raise PermanentFailure(f"{self.host} does not offer STARTTLS; the credentials are not sent")
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        smtp.login(self.username, self.password)


@dataclass(frozen=True)
class OutboxTransport:
    """Development without a mail server: each message becomes an .eml file, its links go to the log."""

    folder: Path

    def deliver(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{secrets.token_hex(4)}"
        partial = self.folder / f".{name}.partial"
        partial.write_bytes(bytes(message))
        partial.replace(self.folder / f"{name}.eml")  # readers never see half a message
        text = message.get_body(("plain",)).get_content()
        log.info(
            "mail to %s (%s) written to %s; links: %s",
            message["To"],
            message["Subject"],
            self.folder / f"{name}.eml",
            " ".join(_LINK.findall(text)) or "none",
        )
