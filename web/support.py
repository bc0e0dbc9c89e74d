"""The platform's support contact (SUPPORT_CONTACT): an email address or a web address.

Pages where the platform, not an app, stopped something (a suspended app, an
app at its user limit) name it, so that the person has someone to ask. Unset,
no contact is shown.
"""

import re
from typing import NamedTuple
from urllib.parse import urlsplit

# One address, nothing around it: no spaces, brackets or quotes that could carry a display name or a header.
_EMAIL = re.compile(r"[^@\s<>\"'(),;:]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


class SupportContact(NamedTuple):
    href: str  # a mailto: or http(s): link
    text: str  # as people read it


def support_contact(value: str | None) -> SupportContact | None:
    """The contact `value` names, or None when it is unset or neither an email address nor an http(s) URL."""
    value = (value or "").strip()
    if _EMAIL.fullmatch(value):
        return SupportContact(f"mailto:{value}", value)
    parts = urlsplit(value)
    if parts.scheme in ("https", "http") and parts.hostname and not re.search(r"\s", value):
        return SupportContact(value, value)
    return None
