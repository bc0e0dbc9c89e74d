"""Security headers: every response is no-sniff and referrer-free; pages cannot be framed."""

from flask import Flask

CONTENT_SECURITY_POLICY = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"


def init_app(app: Flask) -> None:
    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            response.headers.setdefault("X-Frame-Options", "DENY")
            # Pages show personal data and one-time secrets: keep them out of shared caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
