"""The token, revocation and introspection endpoints: JSON for programs, never cached.

Single-page apps call the token and revocation endpoints from their own
origin (web/cors.py); introspection is for servers only.

Thin: parse the form, authenticate the client, call one function, respond.
The client is read from Redis (oauth/client_cache.py): PostgreSQL is asked
only on a cache miss or by a grant that needs it (a code's grant, an ID token).
Errors are raised as oauth.errors classes and rendered by oauth.responses.
"""

from flask import current_app, jsonify, request

from oauth import client_auth, client_cache, introspection, metadata, revocation, signing_keys, token_grants
from oauth.client_cache import MachineClient
from oauth.params import form_params
from oauth.responses import issuer, token_json
from oauth.token_store import ClientChanged
from observability import metrics
from stores.postgres import get_connection
from stores.redis_client import get_redis
from web.cors import for_public_clients
from web.machine import MachineBlueprint

bp = MachineBlueprint("tokens", __name__)
# Grants whose one token script checks the client's version first (oauth/client_cache.py), so a
# worker's own copy of the client may authenticate them: nothing is written should it be stale.
FROM_COPY_GRANTS = ("client_credentials", "refresh_token")


@bp.post(metadata.TOKEN_PATH)
@for_public_clients
def token():
    params = _form()
    if params.get("grant_type") not in FROM_COPY_GRANTS:
        return _tokens(params, _client(params))
    authorization = request.headers.get("Authorization")
    client = client_auth.authenticate_from_copy(get_connection, get_redis(), params, authorization)
    try:
        return _tokens(params, client)
    except ClientChanged:  # since this worker's copy was read: nothing was written, so read it afresh and retry
        client_cache.drop_local(client["client_id"])
        return _tokens(params, _client(params))


def _tokens(params: dict[str, str], client: MachineClient):
    config = current_app.config
    policy = token_grants.TokenPolicy(
        config["ACCESS_TOKEN_TTL"],
        config["REFRESH_FAMILY_LIFETIME_SECONDS"],
        config["CLIENT_CREDENTIALS_TOKEN_CAP"],
        issuer(),
        signing_keys.key_ring(),
    )
    tokens = token_grants.exchange(get_connection, get_redis(), client, params, policy)
    return token_json(tokens, params["grant_type"])  # one the server knows: it just ran it


@bp.post(metadata.REVOCATION_PATH)
@for_public_clients
def revoke():
    params = _form()
    revocation.revoke(get_redis(), _client(params), params)
    return jsonify({})


@bp.post(metadata.INTROSPECTION_PATH)
def introspect():
    params = _form()
    r = get_redis()
    presented = client_auth.presented_credentials(params, request.headers.get("Authorization"))
    found = introspection.read(r, presented.client_id, params.get("token"))  # the one round trip
    client = client_auth.check(get_connection, r, presented, found.caller, allow_public=False)
    if not found.caller.auth:
        # Refilled from PostgreSQL: the token's read may have missed the client's state too.
        found = introspection.read(r, presented.client_id, params.get("token"))
    answer = introspection.introspect(get_connection, r, client, params, found, issuer())
    metrics.INTROSPECTIONS.labels("active" if answer["active"] else "inactive").inc()
    return jsonify(answer)


def _form() -> dict[str, str]:
    return form_params(request.mimetype, request.form.to_dict(flat=False))


def _client(params: dict[str, str]) -> MachineClient:
    return client_auth.authenticate(get_connection, get_redis(), params, request.headers.get("Authorization"))
