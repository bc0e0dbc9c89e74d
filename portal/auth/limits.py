"""Per-address limits on the account pages (accounts.address_limits), and the page that asks to wait."""

from flask import render_template, request

from accounts import address_limits
from stores.redis_client import get_redis


def client_ip() -> str:
    """The client's address (behind TRUSTED_PROXY_HOPS proxies, the one they forwarded)."""
    return request.remote_addr or ""


def over_limit(limit: address_limits.Limit):
    """Count this request against `limit` for the client's address: None to go on, else the 429 page."""
    wait = address_limits.hit(get_redis(), limit, client_ip())
    return too_many_requests(wait) if wait else None


def too_many_requests(wait: int):
    """The 429 page: what happened and when to come back, without blaming anyone."""
    minutes = max(1, round(wait / 60))
    page = render_template("auth/too_many_requests.html", wait=wait, minutes=minutes)
    return page, 429, {"Retry-After": str(wait)}
