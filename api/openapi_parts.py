"""Small builders of OpenAPI 3.1 objects, so that each operation in api.openapi reads as what it does.

Headers and request schemas are written inline rather than as `$ref`s: /docs
renders them from the same document and shows each field where it is used.
"""

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
HTML = "text/html"

RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": {
        "description": "The app's calls per window (its hourly limit).",
        "schema": {"type": "integer"},
    },
    "RateLimit-Remaining": {
        "description": "Calls left in this window, this one counted.",
        "schema": {"type": "integer"},
    },
    "RateLimit-Reset": {
        "description": "Seconds until the window ends and the whole limit is back.",
        "schema": {"type": "integer"},
    },
}
RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before calling again.", "schema": {"type": "integer"}},
}
WWW_AUTHENTICATE = {
    "WWW-Authenticate": {
        "description": 'The RFC 6750 challenge: Bearer realm="api", error="…", resource_metadata="…" '
        "(no error at all when the request had no token).",
        "schema": {"type": "string"},
    },
}
NO_STORE = {"Cache-Control": {"description": "no-store: never cache tokens.", "schema": {"type": "string"}}}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
}


def ref(schema: str) -> dict:
    return {"$ref": f"#/components/schemas/{schema}"}


def json_response(description: str, schema: dict, example, *, headers: dict | None = None) -> dict:
    """An answer with a JSON body and an example of it."""
    answer = {"description": description, "content": {JSON: {"schema": schema, "example": example}}}
    if headers:
        answer["headers"] = headers
    return answer


def error_response(description: str, error: str, *, headers: dict | None = None) -> dict:
    """An error answer: `{"error", "error_description"}` (RFC 6749 §5.2, RFC 6750 §3)."""
    example = {"error": error, "error_description": "What went wrong, in words."}
    return json_response(description, ref("Error"), example, headers=headers)


def html_response(description: str) -> dict:
    return {"description": description, "content": {HTML: {"schema": {"type": "string"}}}}


def redirect_response(description: str) -> dict:
    return {
        "description": description,
        "headers": {"Location": {"description": "Where the browser goes next.", "schema": {"type": "string"}}},
    }


def json_body(properties: dict, example: dict) -> dict:
    """A required JSON request body whose every property is required and no other is allowed."""
    schema = {"type": "object", "required": list(properties), "properties": properties, "additionalProperties": False}
    return {"required": True, "content": {JSON: {"schema": schema, "example": example}}}


def form_body(fields: dict[str, str], required: tuple[str, ...] = ()) -> dict:
    """A form-encoded body: {field: what it is}."""
    properties = {name: {"type": "string", "description": text} for name, text in fields.items()}
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return {"required": True, "content": {FORM: {"schema": schema}}}


def query_parameters(fields: dict[str, str], required: tuple[str, ...] = ()) -> list[dict]:
    """Query parameters: {name: what it is}."""
    return [
        {"name": name, "in": "query", "required": name in required, "description": text, "schema": {"type": "string"}}
        for name, text in fields.items()
    ]


def guided_errors(guide: tuple, headers_by_status: dict[int, dict]) -> dict:
    """Error answers by status from (error class, what it means, what to do) rows; the first code is the example."""
    by_status: dict[int, list] = {}
    for error, meaning, remedy in guide:
        by_status.setdefault(error.status, []).append(f"{error.error}: {meaning} {remedy}")
    return {
        str(status): error_response(
            "\n\n".join(lines), lines[0].partition(":")[0], headers=headers_by_status.get(status)
        )
        for status, lines in by_status.items()
    }


# A store that is down (web/errors.py), at any machine endpoint.
UNAVAILABLE = {
    "503": error_response(
        "temporarily_unavailable: a backing store is down. Retry after Retry-After seconds, then with a growing delay.",
        "temporarily_unavailable",
        headers=RETRY_AFTER,
    )
}
