"""A subscription's URL: checked when the app subscribes, and taken apart for each delivery."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from webhooks.addresses import RefusedAddress, Unresolvable, checked_address

MAX_URL_LENGTH = 2048


class InvalidUrl(ValueError):
    """The URL cannot be a webhook's: the message says why, in words fit for the app's developer."""


@dataclass(frozen=True)
class Target:
    """Where one delivery goes: scheme, host name (as the Host header and TLS name), port, path with query."""

    scheme: str
    host: str
    port: int
    path: str


def parse(url: str, allow_private: bool) -> Target:
    """The URL's parts; InvalidUrl unless it is an absolute https URL (http too with `allow_private`)."""
    if not isinstance(url, str) or len(url) > MAX_URL_LENGTH:
        raise InvalidUrl(f"url must be a string of at most {MAX_URL_LENGTH} characters.")
    if any(ch.isspace() or ord(ch) < 0x21 or ord(ch) > 0x7E for ch in url):
        raise InvalidUrl("url must be ASCII without spaces (percent-encode the path, punycode the host).")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidUrl("url is not a valid URL.") from None
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise InvalidUrl("url must start with https://.")
    if not parts.hostname:
        raise InvalidUrl("url must name a host.")
    if parts.username is not None or parts.password is not None:
        raise InvalidUrl("url must not carry a user name or password.")
    if parts.fragment:
        raise InvalidUrl("url must not have a #fragment.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path)


def check_subscription_url(url: str, allow_private: bool) -> str:
    """The URL if an app may subscribe it, else InvalidUrl.

    Its host must not be, or resolve to, an address webhooks may not reach.
    A name that does not resolve now is accepted (its DNS may not be live
    yet): every delivery checks again before it connects.
    """
    target = parse(url, allow_private)
    try:
        checked_address(target.host, target.port, allow_private)
    except Unresolvable:
        pass
    except RefusedAddress:
        raise InvalidUrl("url must reach a public address on the internet.") from None
    return url
