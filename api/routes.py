"""/api/v1/...: each view guarded by the scope it needs, acting only on the token's user."""

from typing import TypeVar

from flask import current_app, g, jsonify, request

from api import data, profiles
from api.errors import InvalidToken
from api.guard import current_token, require_oauth
from api.validation import TextField, read_object
from stores.postgres import get_connection
from stores.redis_client import get_redis
from web.cors import open_to_any_origin
from web.machine import MachineBlueprint

T = TypeVar("T")

# Any origin, as GitHub's REST API: the bearer token is the only credential (web/cors.py).
bp = open_to_any_origin(MachineBlueprint("api", __name__, url_prefix="/api/v1"))

NAME = TextField("name", 100)
TITLE = TextField("title", 200)


@bp.get("/me")
@require_oauth("read:profile", with_profile=True)
def get_me():
    token = current_token()
    # The guard's round trip brought the cached profile document; PostgreSQL only on a miss.
    document = token.profile or profiles.load_profile(get_connection(), get_redis(), token.client_id, token.user_id)
    return current_app.response_class(_of_live_user(document), mimetype="application/json")


@bp.patch("/me")
@require_oauth("write:profile")
def patch_me():
    body = read_object(request, (NAME,))
    profile = profiles.update_name(get_connection(), get_redis(), current_token().user_id, body["name"])
    return jsonify(_of_live_user(profile))


@bp.get("/data")
@require_oauth("read:data")
def get_data():
    return jsonify(items=data.list_items(get_connection(), current_token().user_id))


@bp.post("/data")
@require_oauth("write:data")
def post_data():
    body = read_object(request, (TITLE,))
    return jsonify(_of_live_user(data.create_item(get_connection(), current_token().user_id, body["title"]))), 201


@bp.get("/billing")
@require_oauth("read:billing")
def get_billing():
    return jsonify(data.get_billing(get_connection(), current_token().user_id))


def _of_live_user(row: T | None) -> T:
    # A token can outlive its user by minutes; the user's rows are gone then.
    if row is None:
        raise InvalidToken("The user this token was issued for no longer exists.")
    return row


@bp.after_request
def _api_headers(response):
    # Here rather than in the guard, so that every answer gets them, a 503 from
    # a store that failed after the call was counted included. API answers hold
    # users' data and quotas: no cache may keep them.
    quota = g.get("api_quota")
    if quota is not None:
        quota.add_headers(response.headers)
    response.headers["Cache-Control"] = "no-store"
    return response
