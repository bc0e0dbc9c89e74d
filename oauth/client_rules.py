"""What a valid app registration looks like; shared by the portal forms and the CLI.

Each check returns a list of messages a person can act on (empty: valid).
"""

import re
from urllib.parse import urlsplit

from oauth.redirect_uris import LOOPBACK_IP_LITERALS, host_of
from oauth.scopes import CATALOGUE

CLIENT_TYPES = ("confidential", "public")
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")
DEFAULT_GRANT_TYPES = ("authorization_code", "refresh_token")
MAX_REDIRECT_URIS = 10
MAX_REDIRECT_URI_LENGTH = 2000
MAX_NAME_LENGTH = 80
MAX_DESCRIPTION_LENGTH = 500
MAX_HOMEPAGE_URL_LENGTH = 2000
LOOPBACK_HOSTS = ("localhost", *LOOPBACK_IP_LITERALS)
# RFC 8252 §7.1: a private-use scheme is a reverse domain name, e.g. com.example.app
PRIVATE_USE_SCHEME = re.compile(r"^[a-z][a-z0-9+\-]*(\.[a-z0-9+\-]+)+$")


def redirect_uri_problems(uri: str, client_type: str) -> list[str]:
    """Why `uri` cannot be registered for a client of `client_type` (none: it can)."""
    if len(uri) > MAX_REDIRECT_URI_LENGTH:
        return [f"{uri[:60]}…: longer than {MAX_REDIRECT_URI_LENGTH} characters."]
    if any(ch.isspace() for ch in uri) or "*" in uri:
        return [f"{uri}: no spaces or wildcards; register each exact address."]
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return [f"{uri}: not a valid URL."]
    if parts.fragment or uri.endswith("#"):
        return [f"{uri}: must not contain a fragment (#)."]
    scheme = parts.scheme.lower()
    if scheme == "https":
        return [] if parts.hostname else [f"{uri}: must name a host."]
    if scheme == "http":
        if parts.hostname and host_of(parts.netloc) in LOOPBACK_HOSTS:
            return []
        return [f"{uri}: use https; plain http is allowed only for localhost, 127.0.0.1 and [::1]."]
    if scheme and PRIVATE_USE_SCHEME.match(scheme):
        if client_type != "public":
            return [f"{uri}: private-use schemes are for public (mobile or desktop) apps only."]
        return []
    if not scheme:
        return [f"{uri}: must be an absolute URL, such as https://app.example.com/callback."]
    return [f"{uri}: use https, http on localhost, or a private-use scheme like com.example.app:/callback."]


def registration_problems(
    *,
    name: str,
    client_type: str,
    redirect_uris: list[str],
    scopes: list[str],
    grant_types: list[str],
    description: str = "",
    homepage_url: str = "",
) -> dict[str, list[str]]:
    """Every problem with a registration, keyed by field name."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if not name.strip():
        add("name", "Give the app a name.")
    elif len(name) > MAX_NAME_LENGTH:
        add("name", f"At most {MAX_NAME_LENGTH} characters.")
    if len(description) > MAX_DESCRIPTION_LENGTH:
        add("description", f"At most {MAX_DESCRIPTION_LENGTH} characters.")
    if len(homepage_url) > MAX_HOMEPAGE_URL_LENGTH:
        add("homepage_url", f"At most {MAX_HOMEPAGE_URL_LENGTH} characters.")
    elif homepage_url:
        parts = urlsplit(homepage_url)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            add("homepage_url", "Enter a full http(s) address, such as https://example.com.")
    if client_type not in CLIENT_TYPES:
        add("client_type", "Choose confidential or public.")
    for grant in grant_types:
        if grant not in GRANT_TYPES:
            add("grant_types", f"Unknown grant type {grant}.")
    if "client_credentials" in grant_types and client_type == "public":
        add("grant_types", "Client credentials need a secret, so only confidential apps may use them.")
    if not grant_types:
        add("grant_types", "Choose at least one grant type.")
    if "refresh_token" in grant_types and "authorization_code" not in grant_types:
        add("grant_types", "Refresh tokens come from the authorization code flow: choose it too.")
    if len(redirect_uris) > MAX_REDIRECT_URIS:
        add("redirect_uris", f"At most {MAX_REDIRECT_URIS} redirect URIs.")
    if "authorization_code" in grant_types and not redirect_uris:
        add("redirect_uris", "The authorization code flow needs at least one redirect URI.")
    if len(set(redirect_uris)) != len(redirect_uris):
        add("redirect_uris", "Each redirect URI only once.")
    for uri in redirect_uris[:MAX_REDIRECT_URIS]:
        for message in redirect_uri_problems(uri, client_type):
            add("redirect_uris", message)
    if not scopes:
        add("scopes", "Choose at least one scope.")
    for scope in scopes:
        if scope not in CATALOGUE:
            add("scopes", f"Unknown scope {scope}.")
    return problems
