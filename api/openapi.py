"""The HTTP interface described once, as an OpenAPI 3.1 document: served at /docs/openapi.json, rendered by /docs.

Every path, scope, lifetime and limit in it is the constant the code runs
on, so the description cannot drift from the server: a new scope appears in
the OAuth flows, a changed lifetime in the token response's example. The
protocol's endpoints (oauth.metadata paths) come from api.openapi_protocol,
the API's own calls from here. tests/integration/test_docs.py holds every
registered route under /oauth/, /api/ and /.well-known/ to appearing here.
"""

from dataclasses import dataclass

from flask import current_app, jsonify, request

from api import errors
from api import openapi_protocol as protocol
from api.openapi_parts import (
    RATE_LIMIT_HEADERS,
    RETRY_AFTER,
    UNAVAILABLE,
    WWW_AUTHENTICATE,
    error_response,
    guided_errors,
    json_body,
    json_response,
    ref,
)
from api.rate_limit import DEFAULT_LIMIT
from api.resource_metadata import RESOURCE_METADATA_PATH
from api.resource_metadata import document as resource_document
from api.routes import NAME, TITLE
from api.routes import bp as api_bp
from api.webhook_routes import EVENTS, URL
from oauth import metadata
from oauth.responses import issuer
from oauth.scopes import CATALOGUE
from web.cors import open_to_any_origin
from web.machine import MachineBlueprint
from webhooks.subscriptions import MAX_PER_PAIR

OPENAPI_PATH = metadata.DOCUMENTATION_PATH + "/openapi.json"
API_PREFIX = api_bp.url_prefix
# Each change an integrator would notice, newest first; the newest is the document's version.
CHANGELOG = (
    (
        "1.5.0",
        "2026-12-07",
        "Runs on Redis Cluster. Codes and tokens keep their length and checksum but name their app's "
        "storage slot in the four characters after the prefix; those issued before 1.5.0 are refused, "
        "so apps send people through authorization once more.",
    ),
    ("1.4.0", "2026-12-07", "This reference and /docs/openapi.json; the protected API's calls, errors and headers."),
    ("1.3.0", "2026-12-07", "Webhooks on /api/v1/webhooks (REST Hooks) and revocation notices."),
    (
        "1.2.0",
        "2026-12-07",
        "OpenID Connect: ID tokens, userinfo, JWKS, discovery and RP-initiated logout; "
        "RFC 9728 protected resource metadata and CORS for single-page apps.",
    ),
    ("1.1.0", "2026-12-03", "POST /oauth/leaked revokes reported tokens; the token endpoint's rate per app."),
    (
        "1.0.0",
        "2026-11-27",
        "OAuth 2.0: authorization code with PKCE, refresh rotation, client credentials, "
        "revocation, introspection, RFC 8414 metadata, the protected API with its hourly limit.",
    ),
)
# Any origin, as the other public documents: client generators and API explorers run in browsers too.
bp = open_to_any_origin(MachineBlueprint("openapi", __name__))


@dataclass(frozen=True)
class Settings:
    """The configured values the document states (settings.py), besides the issuer."""

    access_token_ttl: int
    rate_limit_window: int


def settings_of(config) -> Settings:
    return Settings(config["ACCESS_TOKEN_TTL"], config["RATE_LIMIT_WINDOW_SECONDS"])


def document(issuer_url: str, settings: Settings) -> dict:
    """The OpenAPI 3.1 document for the server at `issuer_url`."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Platform Accounts: OAuth 2.0, OpenID Connect and the Platform API",
            "version": CHANGELOG[0][0],
            "description": (
                f"Every endpoint a program calls. The guide with the flows explained: {issuer_url}"
                f"{metadata.DOCUMENTATION_PATH}"
            ),
        },
        "servers": [{"url": issuer_url}],
        "tags": [
            {"name": "OAuth 2.0", "description": "Authorization, tokens, revocation, introspection."},
            {"name": "OpenID Connect", "description": "Userinfo and sign-out."},
            {"name": "Discovery", "description": "Metadata documents and signing keys."},
            {
                "name": "API",
                "description": f"The protected API under {API_PREFIX}, bearer tokens only. Each app may make "
                f"{DEFAULT_LIMIT} calls (unless its page says otherwise) per {settings.rate_limit_window} seconds; "
                "every answer carries RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset.",
            },
            {"name": "Webhooks", "description": "Subscriptions to a person's events (REST Hooks)."},
        ],
        "paths": {
            **protocol.paths(issuer_url, settings.access_token_ttl),
            RESOURCE_METADATA_PATH: {"get": _resource_metadata()},
            **api_paths(),
        },
        "components": {
            "securitySchemes": security_schemes(issuer_url),
            "schemas": {**protocol.SCHEMAS, **API_SCHEMAS},
        },
    }


def security_schemes(issuer_url: str) -> dict:
    """OAuth 2.0 as the API takes it, and the ways a client authenticates at the token endpoint."""
    scopes = {scope.name: scope.description for scope in CATALOGUE.values()}
    token_url = issuer_url + metadata.TOKEN_PATH
    return {
        "oauth2": {
            "type": "oauth2",
            "description": "A bearer access token in the Authorization header (RFC 6750 §2.1), never in the URL.",
            "flows": {
                "authorizationCode": {
                    "authorizationUrl": issuer_url + metadata.AUTHORIZATION_PATH,
                    "tokenUrl": token_url,
                    "refreshUrl": token_url,
                    "scopes": scopes,
                },
                "clientCredentials": {"tokenUrl": token_url, "scopes": scopes},
            },
        },
        "client_secret_basic": {
            "type": "http",
            "scheme": "basic",
            "description": "client_id and client_secret, each form-URL-encoded first (RFC 6749 §2.3.1).",
        },
    }


def _resource_metadata() -> dict:
    return {
        "tags": ["Discovery"],
        "summary": "Protected resource metadata (RFC 9728)",
        "description": "What the API needs: its resource identifier, where to get tokens, the scopes. "
        "Every 401 of the API names this document in WWW-Authenticate's resource_metadata.",
        "operationId": "getProtectedResourceMetadata",
        "responses": {
            "200": json_response(
                "The document; Cache-Control: public, max-age=3600.",
                {"type": "object"},
                resource_document("https://id.example.com"),
            )
        },
    }


# The protected API ---------------------------------------------------------------


PROFILE_EXAMPLE = {"id": 7, "email": "ada@example.com", "name": "Ada Lovelace"}
ITEM_EXAMPLE = {"id": 42, "title": "First", "created_at": "2026-12-07T13:04:02Z"}
WEBHOOK_EXAMPLE = {
    "id": "9b2f0c6e-4f1d-4c55-9a55-2c1e0f1b7d10",
    "url": "https://app.example.com/hooks",
    "events": list(EVENTS.choices),
    "created_at": "2026-12-07T13:04:02Z",
    "disabled": False,
    "disabled_reason": None,
}
API_SCHEMAS = {
    "Profile": {
        "type": "object",
        "required": ["id", "email", "name"],
        "properties": {"id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": ["string", "null"]}},
    },
    "Item": {
        "type": "object",
        "required": ["id", "title", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "Billing": {
        "type": "object",
        "required": ["plan", "invoices"],
        "properties": {
            "plan": {"type": "string"},
            "invoices": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "amount_cents": {"type": "integer"},
                        "currency": {"type": "string"},
                        "status": {"type": "string"},
                        "issued_at": {"type": "string", "format": "date-time"},
                    },
                },
            },
        },
    },
    "Webhook": {
        "type": "object",
        "required": ["id", "url", "events", "created_at"],
        "properties": {
            "id": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
            "events": {"type": "array", "items": {"type": "string", "enum": list(EVENTS.choices)}},
            "created_at": {"type": "string", "format": "date-time"},
            "disabled": {"type": "boolean"},
            "disabled_reason": {"type": ["string", "null"]},
            "secret": {"type": "string", "description": "Only in the 201 answer: sign-check key, shown once."},
        },
    },
}


# What each call's success answer holds.
SUCCESS = {
    "getMe": "The profile: id, email and name (null until the person gives one).",
    "updateMe": "The updated profile; webhook subscribers get profile.updated.",
    "listItems": "The user's items.",
    "createItem": "The new item; webhook subscribers get item.created.",
    "getBilling": "The plan (free without a subscription) and the invoices, newest first.",
    "listWebhooks": "This app's subscriptions for the user; a disabled one says why.",
    "createWebhook": "The new subscription and its secret, shown this once: keep it to check signatures.",
    "deleteWebhook": "Ended: no more deliveries. No body.",
}


def api_paths() -> dict:
    """/api/v1/*: each call with its scope, body, answer and errors."""
    me, data, hooks = (API_PREFIX + tail for tail in ("/me", "/data", "/webhooks"))
    return {
        me: {
            "get": api_call("getMe", "read:profile", "The token's user", 200, ref("Profile"), PROFILE_EXAMPLE),
            "patch": api_call(
                "updateMe",
                "write:profile",
                "Change the user's name",
                200,
                ref("Profile"),
                {**PROFILE_EXAMPLE, "name": "Ada King"},
                body=json_body({NAME.name: _text(NAME)}, {NAME.name: "Ada King"}),
            ),
        },
        data: {
            "get": api_call(
                "listItems",
                "read:data",
                "The user's items",
                200,
                {"type": "object", "properties": {"items": {"type": "array", "items": ref("Item")}}},
                {"items": [ITEM_EXAMPLE]},
            ),
            "post": api_call(
                "createItem",
                "write:data",
                "Create an item",
                201,
                ref("Item"),
                ITEM_EXAMPLE,
                body=json_body({TITLE.name: _text(TITLE)}, {TITLE.name: "First"}),
            ),
        },
        API_PREFIX + "/billing": {
            "get": api_call(
                "getBilling",
                "read:billing",
                "The user's plan and invoices, newest first",
                200,
                ref("Billing"),
                {
                    "plan": "pro",
                    "invoices": [
                        {
                            "id": 3,
                            "amount_cents": 1200,
                            "currency": "EUR",
                            "status": "paid",
                            "issued_at": "2026-12-01T00:00:00Z",
                        }
                    ],
                },
            )
        },
        hooks: _webhook_collection(),
        hooks + "/{webhook_id}": {"delete": _delete_webhook()},
    }


def _text(field) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": field.max_length}


def api_call(
    operation_id: str,
    scope: str,
    summary: str,
    status: int,
    schema: dict,
    example,
    *,
    body: dict | None = None,
    tag: str = "API",
    extra: dict | None = None,
) -> dict:
    """An API operation guarded by `scope`, with every answer the guard can give."""
    operation = {
        "tags": [tag],
        "summary": summary,
        "operationId": operation_id,
        "description": "Acts on the token's user only; a client-credentials token gets 403 user_token_required.",
        "security": [{"oauth2": [scope]}],
        "responses": {
            str(status): json_response(SUCCESS[operation_id], schema, example, headers=RATE_LIMIT_HEADERS)
            if example is not None
            else {"description": SUCCESS[operation_id], "headers": RATE_LIMIT_HEADERS},
            **(extra or {}),
            **API_ERRORS,
        },
    }
    if body:
        operation["requestBody"] = body
    return operation


def _webhook_collection() -> dict:
    url_and_events = {
        URL.name: {**_text(URL), "format": "uri", "description": "https only; never a private address"},
        EVENTS.name: {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"type": "string", "enum": list(EVENTS.choices)},
        },
    }
    listed = {"type": "object", "properties": {"webhooks": {"type": "array", "items": ref("Webhook")}}}
    return {
        "get": api_call(
            "listWebhooks",
            "webhooks",
            "This app's subscriptions for the token's user",
            200,
            listed,
            {"webhooks": [WEBHOOK_EXAMPLE]},
            tag="Webhooks",
        ),
        "post": api_call(
            "createWebhook",
            "webhooks",
            "Subscribe a URL to the user's events",
            201,
            ref("Webhook"),
            {**WEBHOOK_EXAMPLE, "secret": "pawhs_3kq…"},
            tag="Webhooks",
            body=json_body(url_and_events, {"url": WEBHOOK_EXAMPLE["url"], "events": ["item.created"]}),
            extra={
                "200": json_response(
                    "The same URL again: the same subscription, its secret not shown twice.",
                    ref("Webhook"),
                    WEBHOOK_EXAMPLE,
                ),
                "409": error_response(
                    f"too_many_webhooks: the app holds {MAX_PER_PAIR} for this user already. Delete one first.",
                    "too_many_webhooks",
                ),
            },
        ),
    }


def _delete_webhook() -> dict:
    operation = api_call(
        "deleteWebhook",
        "webhooks",
        "End a subscription",
        204,
        {},
        None,
        tag="Webhooks",
        extra={"404": error_response("not_found: no such subscription of this app and user.", "not_found")},
    )
    operation["parameters"] = [{"name": "webhook_id", "in": "path", "required": True, "schema": {"type": "string"}}]
    return operation


# What the guard in front of every call answers (api/errors.py): what it means, what to do.
API_ERROR_GUIDE = (
    (
        errors.InvalidRequest,
        "The token came in the URL or a form body (it is revoked then), or the Authorization header is malformed.",
        "Send 'Authorization: Bearer <token>' only.",
    ),
    (
        errors.InvalidBody,
        "The JSON body is missing or malformed, or a field breaks its rules (the body's `field` names it).",
        "Fix the body; do not retry it as is.",
    ),
    (
        errors.InvalidToken,
        "No token, or one unknown, expired or revoked, or of a suspended app.",
        "Refresh the access token once; if that fails too, send the person through authorization again.",
    ),
    (
        errors.InsufficientScope,
        "The token lacks the scope this call needs: the challenge's `scope` (and the body's) names it.",
        "Ask the person again with that scope added.",
    ),
    (
        errors.UserRequired,
        "A client-credentials token on a call about a person's data.",
        "Use a token from the authorization code flow.",
    ),
    (
        errors.RateLimited,
        "The app's calls for this window are spent.",
        "Wait Retry-After seconds: the whole limit comes back then.",
    ),
)
API_ERRORS = {
    **guided_errors(
        API_ERROR_GUIDE,
        {401: WWW_AUTHENTICATE, 403: WWW_AUTHENTICATE, 429: {**RETRY_AFTER, **RATE_LIMIT_HEADERS}},
    ),
    **UNAVAILABLE,
}


# Served -----------------------------------------------------------------------


@bp.get(OPENAPI_PATH)
def openapi_json():
    response = jsonify(served_document())
    response.headers["Cache-Control"] = "public, max-age=3600"  # as the discovery documents
    response.add_etag()
    return response.make_conditional(request)


def served_document() -> dict:
    return document(issuer(), settings_of(current_app.config))
