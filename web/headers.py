"""Security headers: no-sniff, no referrer, https only under an https issuer; pages cannot be framed.

Pages get a Content-Security-Policy whose `form-action 'self'` keeps an
injected form from posting anywhere else, and whose `base-uri 'none'`
keeps an injected <base> from moving relative links and form targets.
Chrome applies form-action to every redirect that follows a form's
submission too, so a page whose form ends in a redirect away from here
(the consent page's Allow and Deny) names that one origin as well
(`allow_form_redirect`).
"""

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import Flask, g

STRICT_TRANSPORT_SECURITY = "max-age=31536000"  # a year; subdomains are not ours to decide
_FORM_TARGETS = "csp_form_targets"  # on flask.g: the sources this response's forms may lead to
# What a CSP source may be built from (CSP3 §2.3.1); anything else must not reach the header.
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")
_HOST = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*")


def content_security_policy(form_targets: Iterable[str] = ()) -> str:
    """The pages' policy; `form_targets` are sources beside 'self' that a form may lead to."""
    form_action = " ".join(["'self'", *form_targets])
    return f"default-src 'self'; form-action {form_action}; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"


def allow_form_redirect(url: str) -> None:
    """Let this response's forms end in a redirect to `url`'s origin (Chrome checks form-action there too)."""
    source = form_action_source(url)
    if source is not None:
        g.setdefault(_FORM_TARGETS, []).append(source)


def form_action_source(url: str) -> str | None:
    """`url`'s origin as a CSP source expression: `https://host[:port]`, or `scheme:` alone.

    An app's own scheme (`com.example.app:/cb`) has no host to name. Nor can
    CSP name an IPv6 literal, or a host that is not plain ASCII once
    IDNA-encoded, so those fall back to their scheme: wider, but only on a
    page whose one form is ours. None when nothing safe can be built.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not _SCHEME.fullmatch(scheme):
        return None
    if scheme not in ("http", "https"):
        return f"{scheme}:"
    host = _ascii_host(parts.hostname or "")
    if host is None:
        return f"{scheme}:"
    return f"{scheme}://{host}" + (f":{port}" if port is not None else "")


def _ascii_host(hostname: str) -> str | None:
    try:
        host = hostname.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    return host if _HOST.fullmatch(host) else None


def init_app(app: Flask) -> None:
    # Served over https (behind the TLS-terminating load balancer): browsers must
    # never try plain http again, where a network attacker could strip TLS off.
    https_only = app.config["OAUTH_ISSUER"].startswith("https://")

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if https_only:
            response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        if response.mimetype == "text/html":
            policy = content_security_policy(g.get(_FORM_TARGETS, ()))
            response.headers.setdefault("Content-Security-Policy", policy)
            response.headers.setdefault("X-Frame-Options", "DENY")
            # Pages show personal data and one-time secrets: keep them out of shared caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
