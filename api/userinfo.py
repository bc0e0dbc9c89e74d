"""OpenID Connect userinfo (Core §5.3): who the access token's user is, told by the scopes they granted.

The token is checked as every API call checks it (api/guard.py: one Redis
round trip, the app's call quota counted); errors are the API's, with the
same `WWW-Authenticate: Bearer` challenges. It comes in the Authorization
header, with GET or POST, or (RFC 6750 §2.2, which Core §5.3.1 allows) as
`access_token` in a form-encoded POST body; never in the URL, and never two
ways at once (RFC 6750 §2).

A single-page app may call it from the origin of a redirect URI it
registered (web.cors.for_public_clients), as it calls the token endpoint.

Claims (Core §5.4): `sub` always; `name`, `preferred_username` and
`updated_at` with scope `profile`; `email` and `email_verified` (a JSON
boolean) with scope `email`. A claim with no value is left out (§5.3.2).
"""

from flask import jsonify, request

from accounts import users
from api import errors
from api.errors import ApiError, InvalidRequest, InvalidToken
from api.guard import FORM_MIMETYPE, authenticate, bearer_token, permit
from oauth import metadata
from stores.postgres import get_connection
from web.cors import for_public_clients
from web.machine import MachineBlueprint

bp = MachineBlueprint("userinfo", __name__)

SCOPE = "openid"


@bp.route(metadata.USERINFO_PATH, methods=["GET", "POST"])
@for_public_clients  # a single-page app reads who signed in from its own origin
def userinfo():
    try:
        access = authenticate(_presented_token())
        permit(access, SCOPE, needs_user=True)
        identity = users.get_identity(get_connection(), access.user_id)
        if identity is None:
            raise InvalidToken("The user this token was issued for no longer exists.")
    except ApiError as error:
        return _no_store(errors.render(error))
    return _no_store(jsonify(claims(identity, access.scopes)))


def claims(identity: users.Identity, scopes: frozenset[str]) -> dict:
    """The userinfo claims `scopes` let the app see."""
    answer: dict = {"sub": identity["subject"]}
    if "profile" in scopes:
        if identity["name"]:
            # No usernames here: the name a person gave is the one they go by.
            answer.update(name=identity["name"], preferred_username=identity["name"])
        answer["updated_at"] = identity["updated_at"]
    if "email" in scopes:
        answer.update(email=identity["email"], email_verified=identity["email_verified"])
    return answer


def _presented_token() -> str:
    """The bearer token from the header, or from a form body; raise the RFC 6750 error otherwise."""
    if "access_token" in request.args:
        raise InvalidRequest(
            "Send the access token in the Authorization header, never in the URL: "
            "a token sent in a URL is revoked at once."
        )
    in_body = request.method == "POST" and request.mimetype == FORM_MIMETYPE and "access_token" in request.form
    header = request.headers.get("Authorization")
    if not in_body:
        return bearer_token(header)
    body_tokens = request.form.getlist("access_token")
    if header or len(body_tokens) != 1:
        raise InvalidRequest("Send exactly one access token, in one way only.")
    return bearer_token(f"Bearer {body_tokens[0]}")


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"  # a person's details: no cache may keep them
    return response
