"""GET /metrics: Prometheus's text format, for the scraper only.

With METRICS_TOKEN set, only `Authorization: Bearer <METRICS_TOKEN>` opens
it (compared in constant time). Without it, only a client on this host:
the peer and the address ProxyFix settled on are both loopback and no proxy
header came along, since a reverse proxy on the same host would otherwise
make every visitor look local.
"""

import hmac
import ipaddress

from flask import Response, current_app, request

from observability import metrics
from web.errors import error_response
from web.machine import MachineBlueprint

bp = MachineBlueprint("metrics", __name__)
PATH = "/metrics"
_PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


@bp.get(PATH)
def metrics_text():
    token = current_app.config["METRICS_TOKEN"]
    if token and not _bearer_matches(request.headers.get("Authorization", ""), token):
        return error_response(
            401,
            "invalid_token",
            "Send the metrics token as a bearer token.",
            {"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    if not token and not _from_this_host(request.environ):
        return error_response(403, "access_denied", "Metrics are served to this host only (or set METRICS_TOKEN).")
    body, content_type = metrics.exposition(current_app.extensions.get(metrics.READ_AT_SCRAPE, ()))
    return Response(body, content_type=content_type)


@bp.after_request
def _never_cached(response):
    response.headers["Cache-Control"] = "no-store"  # refusals too: a cache must not keep either
    return response


def _bearer_matches(authorization: str, token: str) -> bool:
    scheme, _, presented = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())


def _from_this_host(environ: dict) -> bool:
    peer = environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR", environ.get("REMOTE_ADDR"))
    addresses = {peer, environ.get("REMOTE_ADDR")}
    return not any(environ.get(header) for header in _PROXY_HEADERS) and all(map(_is_loopback, addresses))


def _is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False
