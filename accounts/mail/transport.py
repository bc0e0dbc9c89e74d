"""Where a rendered message goes: an SMTP server (SMTP_URL), or, without one, the outbox folder.

- `SMTP_URL` set: `smtp://[user:pass@]host:port` or `smtps://` (TLS from the
  first byte), through the standard library's SMTP client, with timeouts.
  On `smtp://` with credentials, STARTTLS is required before they are sent.
  A reply or error worth trying again raises TemporaryFailure (a 4xx, a
  connection that fails or times out); a permanent one raises
  PermanentFailure (a 5xx, a relay that cannot work as configured).
- unset: each mail is written to `MAIL_OUTBOX` (default `instance/outbox/`)
  as an `.eml` file, and its links are logged, so development needs no mail
  server. This is the only place a mailed link is ever logged.
"""

import logging
import re
import secrets
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from flask import Flask

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 10.0  # connecting, and each read or write
_LINK = re.compile(r"https?://\S+")


class PermanentFailure(Exception):
    """The server refused for good (a 5xx reply), or the configuration cannot work: no retry."""


class TemporaryFailure(Exception):
    """A 4xx reply, or the server could not be reached: worth trying again later."""


class Transport(Protocol):
    def deliver(self, message: EmailMessage) -> None: ...


def transport_for(app: Flask) -> Transport:
    """SMTP when SMTP_URL is set, else the outbox folder."""
    timeout = float(app.config.get("MAIL_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))
    if app.config.get("SMTP_URL"):
        return SmtpTransport.from_url(app.config["SMTP_URL"], timeout, host_of(app.config["OAUTH_ISSUER"]))
    return OutboxTransport(Path(app.config.get("MAIL_OUTBOX") or Path(app.instance_path) / "outbox"))


def host_of(url: str) -> str:
    return urlsplit(url).hostname or "localhost"


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
        links = " ".join(_LINK.findall(text)) or "none"
        # Named by its file, never its recipient: logs hold no address (README, "Logs").
        log.info("mail written to %s (%s); links: %s", self.folder / f"{name}.eml", message["Subject"], links)
