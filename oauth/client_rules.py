"""What a valid app registration looks like; shared by the portal forms and the CLI.

Each field has its rule, in the manner of WTForms' `validate_<field>`: it
returns the messages a person can act on (none: the field is valid).
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from oauth.hostnames import host_problem
from oauth.lookalikes import confusable_mix, skeleton
from oauth.redirect_uris import LOOPBACK_IP_LITERALS, host_of, parsed_url
from oauth.scopes import CATALOGUE

CLIENT_TYPES = ("confidential", "public")
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")
DEFAULT_GRANT_TYPES = ("authorization_code", "refresh_token")
# How an app's ID tokens may be signed (OIDC Registration §2, id_token_signed_response_alg): RS256 unless
# it opts in to ES256. Never "none" or an HMAC: oauth.signing_keys keeps a private key for each of these.
ID_TOKEN_SIGNING_ALGS = ("RS256", "ES256")
DEFAULT_ID_TOKEN_SIGNING_ALG = "RS256"
MAX_REDIRECT_URIS = 10
MAX_REDIRECT_URI_LENGTH = 2000
MAX_NAME_LENGTH = 80
MAX_DESCRIPTION_LENGTH = 500
MAX_HOMEPAGE_URL_LENGTH = 2000
LOOPBACK_HOSTS = ("localhost", *LOOPBACK_IP_LITERALS)
# RFC 8252 §7.1: a private-use scheme is a reverse domain name, e.g. com.example.app
PRIVATE_USE_SCHEME = re.compile(r"[a-z][a-z0-9+\-]*(\.[a-z0-9+\-]+)+")
# Words by which an app's name claims to speak for the platform (compared as skeletons, see oauth.lookalikes).
AUTHORITY_PHRASES = (
    "official",
    "verified",
    "verification",
    "verify your account",
    "security check",
    "security alert",
    "security team",
    "support team",
    "trust and safety",
    "trust & safety",
)


def redirect_uri_problems(uri: str, client_type: str) -> list[str]:
    """Why `uri` cannot be registered for a client of `client_type` (none: it can)."""
    if len(uri) > MAX_REDIRECT_URI_LENGTH:
        return [f"{uri[:60]}…: longer than {MAX_REDIRECT_URI_LENGTH} characters."]
    if any(ch.isspace() for ch in uri) or "*" in uri:
        return [f"{uri}: no spaces or wildcards; register each exact address."]
    parts = parsed_url(uri)
    if parts is None:
        return [f"{uri}: not a valid URL."]
    if parts.fragment or uri.endswith("#"):
        return [f"{uri}: must not contain a fragment (#)."]
    problem = parts.hostname and host_problem(parts.hostname)
    if problem:
        return [f"{uri}: the host {problem}."]
    scheme = parts.scheme.lower()
    if scheme == "https":
        return [] if parts.hostname else [f"{uri}: must name a host."]
    if scheme == "http":
        if parts.hostname and host_of(parts.netloc) in LOOPBACK_HOSTS:
            return []
        return [f"{uri}: use https; plain http is allowed only for localhost, 127.0.0.1 and [::1]."]
    if scheme and PRIVATE_USE_SCHEME.fullmatch(scheme):
        if client_type != "public":
            return [f"{uri}: private-use schemes are for public (mobile or desktop) apps only."]
        return []
    if not scheme:
        return [f"{uri}: must be an absolute URL, such as https://app.example.com/callback."]
    return [f"{uri}: use https, http on localhost, or a private-use scheme like com.example.app:/callback."]


@dataclass(frozen=True)
class Registration:
    """What a developer asks to register (or change an app to)."""

    name: str
    client_type: str
    redirect_uris: list[str]
    scopes: list[str]
    grant_types: list[str]
    description: str = ""
    homepage_url: str = ""
    # The name a developer's app may not claim; None when the platform's operator registers (the CLI).
    platform_name: str | None = None
    post_logout_redirect_uris: list[str] = field(default_factory=list)
    id_token_signed_response_alg: str = DEFAULT_ID_TOKEN_SIGNING_ALG


def registration_problems(
    *,
    name: str,
    client_type: str,
    redirect_uris: list[str],
    scopes: list[str],
    grant_types: list[str],
    description: str = "",
    homepage_url: str = "",
    platform_name: str | None = None,
    post_logout_redirect_uris: Sequence[str] = (),
    id_token_signed_response_alg: str = DEFAULT_ID_TOKEN_SIGNING_ALG,
) -> dict[str, list[str]]:
    """Every problem with a registration, keyed by field name (none: it is valid).

    With `platform_name`, a developer registers: the name may not imitate
    the platform. Without, the platform's operator does, and may.
    """
    registration = Registration(
        name,
        client_type,
        redirect_uris,
        scopes,
        grant_types,
        description,
        homepage_url,
        platform_name,
        list(post_logout_redirect_uris),
        id_token_signed_response_alg,
    )
    found = {field: rule(registration) for field, rule in FIELD_RULES.items()}
    return {field: messages for field, messages in found.items() if messages}


def validate_name(registration: Registration) -> list[str]:
    if not registration.name.strip():
        return ["Give the app a name."]
    if len(registration.name) > MAX_NAME_LENGTH:
        return [f"At most {MAX_NAME_LENGTH} characters."]
    if registration.platform_name is None:
        return []
    return imitation_problems(registration.name, registration.platform_name)


def imitation_problems(name: str, platform_name: str) -> list[str]:
    """Why `name` would pass for the platform itself or for something it vouches for (none: it would not).

    Compared as skeletons, so spacing, punctuation, case, full-width
    letters and digits for letters change nothing; look-alike letters of
    other alphabets are refused where a word mixes them in.
    """
    mixed = next((mix for mix in map(confusable_mix, name.split()) if mix), [])
    if mixed:
        alphabets = " and ".join(script.title() for script in mixed)
        return [f"A word mixes look-alike letters of different alphabets ({alphabets}): use one alphabet per word."]
    folded = skeleton(name)
    if skeleton(platform_name) in folded:
        return [f"Only {platform_name} itself may use its name: choose a name of your own."]
    claims = [phrase for phrase in AUTHORITY_PHRASES if skeleton(phrase) in folded]
    if claims:
        return [f"“{claims[0]}” claims that {platform_name} vouches for the app: leave it out."]
    return []


def name_rule(platform_name: str) -> str:
    """The naming rule in words, for the form's help text."""
    return (
        f"Shown to people when your app asks for access. It may not contain “{platform_name}” or words that "
        "claim to speak for it (official, verified, security check, support team…), however spelled or spaced."
    )


def validate_description(registration: Registration) -> list[str]:
    if len(registration.description) > MAX_DESCRIPTION_LENGTH:
        return [f"At most {MAX_DESCRIPTION_LENGTH} characters."]
    return []


def validate_homepage_url(registration: Registration) -> list[str]:
    url = registration.homepage_url
    if len(url) > MAX_HOMEPAGE_URL_LENGTH:
        return [f"At most {MAX_HOMEPAGE_URL_LENGTH} characters."]
    if not url:
        return []
    parts = parsed_url(url)
    if parts is None or parts.scheme not in ("https", "http") or not parts.hostname:
        return ["Enter a full http(s) address, such as https://example.com."]
    problem = host_problem(parts.hostname)
    return [f"The host {problem}."] if problem else []


def validate_client_type(registration: Registration) -> list[str]:
    return [] if registration.client_type in CLIENT_TYPES else ["Choose confidential or public."]


def validate_grant_types(registration: Registration) -> list[str]:
    grant_types = registration.grant_types
    problems = [f"Unknown grant type {grant}." for grant in grant_types if grant not in GRANT_TYPES]
    if "client_credentials" in grant_types and registration.client_type == "public":
        problems.append("Client credentials need a secret, so only confidential apps may use them.")
    if not grant_types:
        problems.append("Choose at least one grant type.")
    if "refresh_token" in grant_types and "authorization_code" not in grant_types:
        problems.append("Refresh tokens come from the authorization code flow: choose it too.")
    return problems


def validate_redirect_uris(registration: Registration) -> list[str]:
    uris = registration.redirect_uris
    problems = _uri_list_problems(uris, registration.client_type, "redirect URIs")
    if "authorization_code" in registration.grant_types and not uris:
        problems.insert(0, "The authorization code flow needs at least one redirect URI.")
    return problems


def validate_post_logout_redirect_uris(registration: Registration) -> list[str]:
    """Where RP-initiated logout may send people back: optional, held to the redirect URIs' rules."""
    return _uri_list_problems(registration.post_logout_redirect_uris, registration.client_type, "post-logout URIs")


def _uri_list_problems(uris: list[str], client_type: str, what: str) -> list[str]:
    problems = []
    if len(uris) > MAX_REDIRECT_URIS:
        problems.append(f"At most {MAX_REDIRECT_URIS} {what}.")
    if len(set(uris)) != len(uris):
        problems.append(f"Each of the {what} only once.")
    for uri in uris[:MAX_REDIRECT_URIS]:
        problems.extend(redirect_uri_problems(uri, client_type))
    return problems


def validate_id_token_signed_response_alg(registration: Registration) -> list[str]:
    if registration.id_token_signed_response_alg in ID_TOKEN_SIGNING_ALGS:
        return []
    return [f"ID tokens are signed with {' or '.join(ID_TOKEN_SIGNING_ALGS)}."]


def validate_scopes(registration: Registration) -> list[str]:
    problems = [] if registration.scopes else ["Choose at least one scope."]
    return problems + [f"Unknown scope {scope}." for scope in registration.scopes if scope not in CATALOGUE]


# One rule per field, in the order a form shows them.
FIELD_RULES: dict[str, Callable[[Registration], list[str]]] = {
    "name": validate_name,
    "description": validate_description,
    "homepage_url": validate_homepage_url,
    "client_type": validate_client_type,
    "grant_types": validate_grant_types,
    "redirect_uris": validate_redirect_uris,
    "post_logout_redirect_uris": validate_post_logout_redirect_uris,
    "scopes": validate_scopes,
    "id_token_signed_response_alg": validate_id_token_signed_response_alg,
}
