"""Account mail in tests: the outbox folder every test app writes to, and a real SMTP server on loopback.

Mail waits in PostgreSQL for a worker (accounts.mail.queue); every reading
here first drains that queue through the app, by the code path the worker
runs, so a test needs no worker and never races its own mail.
"""

import asyncio
import atexit
import re
import shutil
import tempfile
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller

from accounts import mail
from accounts.mail import queue
from tests.support.stores import free_port
from tests.support.threads import BackgroundLoop
from worker import loop

# One folder for the whole run, outside the working tree (tests/support/apps.py gives it to every app).
OUTBOX = Path(tempfile.mkdtemp(prefix="test-outbox-"))
atexit.register(shutil.rmtree, OUTBOX, ignore_errors=True)

_URL = re.compile(r"https?://\S+")


def drain(app) -> None:
    """Send every queued mail now, with `app`'s settings (SMTP_URL or the outbox), retries included."""
    with app.app_context():
        assert mail.drain(timeout=30), "mail still pending after 30 s"


class Outbox:
    """The .eml files the app wrote (no SMTP_URL), oldest first."""

    def __init__(self, app, folder: Path = OUTBOX):
        self.app = app
        self.folder = folder

    def clear(self) -> None:
        drain(self.app)
        for path in self.folder.glob("*.eml"):
            path.unlink()

    def messages(self, to: str | None = None) -> list[EmailMessage]:
        drain(self.app)
        read = [_parse(path.read_bytes()) for path in sorted(self.folder.glob("*.eml"))]
        return [message for message in read if to is None or message["To"] == to]

    def last(self, to: str) -> EmailMessage:
        received = self.messages(to)
        assert received, f"no mail to {to}"
        return received[-1]


class MailWorker(BackgroundLoop):
    """The worker's mail thread (worker.loop), on `app`: for a live server, whose requests a test cannot drain."""

    def __init__(self, app, poll_seconds: float = 0.05):
        super().__init__(loop.work_until_stopped, app.extensions["postgres"], queue.job(app), poll_seconds, name="mail")


def wait_for_mail(to: str, since_ns: int = 0, timeout: float = 15.0, folder: Path = OUTBOX) -> EmailMessage:
    """The latest mail to `to` written after `since_ns` (time.time_ns()), waited for.

    For a live server's mail, whose delivery a test cannot join; the outbox
    names each file by the time it was written.
    """
    deadline = time.monotonic() + timeout
    while True:
        for path in sorted(folder.glob("*.eml"), reverse=True):
            message = _parse(path.read_bytes())
            if int(path.name.split("-", 1)[0]) >= since_ns and message["To"] == to:
                return message
        assert time.monotonic() < deadline, f"no mail to {to} within {timeout} s"
        time.sleep(0.05)


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


def link_in(message: EmailMessage, path: str) -> str:
    """The one link to `path` (a prefix such as "/password/reset/") in the mail; the same in both parts."""
    in_text = [url for url in _URL.findall(text_of(message)) if path in url]
    assert len(in_text) == 1, in_text
    assert f'href="{in_text[0]}"' in html_of(message), "the HTML part links elsewhere"
    return in_text[0]


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]


class SmtpServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives.

    `replies` are answers to DATA used up one per attempt before any is
    accepted (such as "451 4.3.0 Try again later"); `delay` makes every
    DATA slow, for tests that a page does not wait for the mail server.
    """

    def __init__(self):
        self.port = free_port()
        self.received: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.attempts = 0
        self.replies: list[str] = []
        self.delay = 0.0
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self):
        self._controller.start()
        return self

    def __exit__(self, *exc_info):
        self._controller.stop()

    def reset(self) -> None:
        self.received.clear()
        self.envelopes.clear()
        self.attempts = 0
        self.replies.clear()
        self.delay = 0.0

    async def handle_DATA(self, server, session, envelope) -> str:  # the hook aiosmtpd calls
        self.attempts += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.replies:
            return self.replies.pop(0)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.received.append(_parse(envelope.original_content or envelope.content))
        return "250 2.0.0 Message accepted"


def _parse(raw: bytes) -> EmailMessage:
    return message_from_bytes(raw, policy=policy.default)
