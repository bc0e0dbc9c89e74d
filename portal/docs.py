"""/docs: the integration guide and reference, rendered from the OpenAPI document the server serves.

The reference part walks api.openapi's document, so /docs and
/docs/openapi.json say the same; lifetimes and limits are the constants
the endpoints enforce.
"""

import json

from flask import Blueprint, current_app, render_template

from api import openapi, openapi_protocol
from api.errors import RateLimited
from api.openapi_parts import RATE_LIMIT_HEADERS, RETRY_AFTER
from api.rate_limit import DEFAULT_LIMIT, Quota
from api.resource_metadata import metadata_url
from oauth import metadata
from oauth.leaked import MAX_CREDENTIALS
from oauth.leaked_views import REPORTS_PER_ADDRESS
from oauth.responses import issuer
from oauth.scopes import CATALOGUE
from oauth.signing_keys import ID_TOKEN_TTL
from oauth.token_limits import BURST_SECONDS, DEFAULT_TOKEN_RATE
from oauth.token_store import CODE_TTL, REFRESH_TOKEN_TTL
from oauth.views import AUTHORIZATION_PER_ADDRESS

bp = Blueprint("docs", __name__)

METHODS = ("get", "post", "patch", "delete")
# A 429 as an app meets it: the default limit spent, 1312 seconds before the window ends.
EXAMPLE_QUOTA = Quota(DEFAULT_LIMIT, 0, 1312)


@bp.get(metadata.DOCUMENTATION_PATH)
def page():
    issuer_url = issuer()
    settings = openapi.settings_of(current_app.config)
    return render_template(
        "docs/index.html",
        issuer=issuer_url,
        endpoints=metadata.endpoints(issuer_url),
        metadata_url=issuer_url + metadata.METADATA_PATH,
        openid_configuration_url=issuer_url + metadata.OPENID_CONFIGURATION_PATH,
        resource_metadata_url=metadata_url(issuer_url),
        openapi_url=issuer_url + openapi.OPENAPI_PATH,
        scopes=CATALOGUE.values(),
        operations=operations(openapi.document(issuer_url, settings)),
        errors={
            "token": openapi_protocol.TOKEN_ERRORS,
            "authorization": openapi_protocol.AUTHORIZATION_ERRORS,
            "api": openapi.API_ERROR_GUIDE,
        },
        lifetimes=lifetimes(settings),
        limits=limits(settings),
        rate_limit_headers={**RATE_LIMIT_HEADERS, **RETRY_AFTER},
        changelog=openapi.CHANGELOG,
        pretty_json=pretty_json,
        rate_limited_quota=EXAMPLE_QUOTA,
        rate_limited=rate_limited_example(EXAMPLE_QUOTA),
        # Kept for the guide's prose, which states them in minutes and days.
        access_token_ttl=settings.access_token_ttl,
        refresh_token_ttl=REFRESH_TOKEN_TTL,
        code_ttl=CODE_TTL,
        id_token_ttl=ID_TOKEN_TTL,
        leaked_reports=REPORTS_PER_ADDRESS,
        leaked_batch=MAX_CREDENTIALS,
    )


def rate_limited_example(quota: Quota) -> dict:
    """The 429 the API answers for `quota`: its body (as api.errors renders it) and Retry-After."""
    refused = RateLimited(quota)
    body = {"error": refused.error, "error_description": refused.description, **refused.extra}
    return {"body": body, "retry_after": refused.retry_after}


def pretty_json(value) -> str:
    """An example as a reader wants it: indented, characters as they are."""
    return json.dumps(value, indent=2, ensure_ascii=False)


def operations(document: dict) -> list[dict]:
    """Each operation of the document in its order, with its method, path and fields as table rows."""
    return [
        {**operation, "method": method.upper(), "path": path, **field_rows(operation)}
        for path, item in document["paths"].items()
        for method in METHODS
        if (operation := item.get(method))
    ]


def field_rows(operation: dict) -> dict[str, list[tuple[str, str, bool]]]:
    """(name, meaning, required) of the operation's parameters and of its body's fields."""
    parameters = [(p["name"], p.get("description", ""), p["required"]) for p in operation.get("parameters", [])]
    body = []
    for content in operation.get("requestBody", {}).get("content", {}).values():
        schema = content["schema"]
        required = schema.get("required", [])
        for name, field in schema.get("properties", {}).items():
            body.append((name, field.get("description", _shape(field)), name in required))
    return {"parameter_rows": parameters, "body_rows": body}


def _shape(field: dict) -> str:
    """What a field without a description holds, from its schema."""
    if "maxLength" in field:
        return f"text, {field.get('minLength', 0)} to {field['maxLength']} characters"
    if field.get("type") == "array":
        choices = field.get("items", {}).get("enum")
        return "a list of " + (", ".join(choices) if choices else "strings")
    return field.get("type", "")


def lifetimes(settings: openapi.Settings) -> list[tuple[str, int]]:
    """(what, seconds) of everything that expires."""
    return [
        ("Access token", settings.access_token_ttl),
        ("Refresh token (rotates on every use)", REFRESH_TOKEN_TTL),
        ("Authorization code (single use)", CODE_TTL),
        ("ID token", ID_TOKEN_TTL),
    ]


def limits(settings: openapi.Settings) -> list[tuple[str, str, str]]:
    """(where, how much, what happens beyond it) for every limit a client can meet."""
    return [
        (
            "API calls, per app",
            f"{DEFAULT_LIMIT} per {settings.rate_limit_window // 60} minutes unless the app's page says otherwise",
            "429 rate_limited with Retry-After",
        ),
        (
            "Tokens issued, per app",
            f"{DEFAULT_TOKEN_RATE} per second by default, bursts of {BURST_SECONDS} seconds' worth",
            "429 slow_down with Retry-After",
        ),
        (
            "Live client-credentials tokens, per app",
            str(current_app.config["CLIENT_CREDENTIALS_TOKEN_CAP"]),
            "the oldest is revoked",
        ),
        (
            "Authorization requests, per address",
            f"{AUTHORIZATION_PER_ADDRESS.count} per {AUTHORIZATION_PER_ADDRESS.window_seconds} seconds",
            "429 page with Retry-After",
        ),
        (
            "Leaked-credential reports, per address",
            f"{REPORTS_PER_ADDRESS.count} per {REPORTS_PER_ADDRESS.window_seconds // 60} minutes",
            "429 too_many_requests with Retry-After",
        ),
    ]
