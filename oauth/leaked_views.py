"""POST /oauth/leaked, and the check that revokes any token seen in a URL (oauth/leaked.py decides).

A machine endpoint: JSON in and out, no session, no CSRF, no client
authentication. Each address may report REPORTS_PER_ADDRESS times an hour;
the count is taken before the body is read.
"""

from flask import jsonify, request

import audit
from accounts import address_limits
from oauth import leaked, metadata
from stores.postgres import get_connection
from stores.redis_client import get_redis
from web.errors import error_response
from web.machine import MachineBlueprint

bp = MachineBlueprint("leaked", __name__)

# A scanner reporting a batch of 100 at a time, once a minute, stays under it.
REPORTS_PER_ADDRESS = address_limits.Limit("leaked", 60, 3600)


@bp.post(metadata.LEAKED_CREDENTIALS_PATH)
def report_leaked():
    address = request.remote_addr or ""
    wait = address_limits.hit(get_redis(), REPORTS_PER_ADDRESS, address)
    if wait:
        description = f"Too many reports from this address; try again in {wait} s."
        return error_response(429, "too_many_requests", description, {"Retry-After": str(wait)})
    reported = leaked.read_report(request.get_json(silent=True))
    actor = audit.server_actor(audit.LEAK_REPORT, address)
    revoked = leaked.revoke_reported(get_connection(), get_redis(), reported, actor)
    return jsonify(revoked=revoked), 202


def revoke_tokens_in_url() -> None:
    """Before any route: a token in the query string is revoked at once, whatever the path."""
    query_string = request.environ.get("QUERY_STRING")
    tokens = leaked.tokens_in_query(query_string) if query_string else []
    if tokens:  # the stores only now: most query strings hold none
        actor = audit.server_actor(audit.TOKEN_IN_URL, request.remote_addr or "")
        leaked.revoke_tokens(get_connection(), get_redis(), tokens, actor)
