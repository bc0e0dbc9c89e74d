"""Security headers: no-sniff, no referrer, https only under an https issuer; pages cannot be framed."""

from flask import Flask

CONTENT_SECURITY_POLICY = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
STRICT_TRANSPORT_SECURITY = "max-age=31536000"  # a year; subdomains are not ours to decide


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
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            response.headers.setdefault("X-Frame-Options", "DENY")
            # Pages show personal data and one-time secrets: keep them out of shared caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
