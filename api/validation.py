"""JSON request bodies: parsed and checked field by field, each failure a clear InvalidBody."""

import json
import unicodedata
from dataclasses import dataclass

from flask import Request

from api.errors import InvalidBody
from oauth.errors import error_text

MAX_BODY_BYTES = 16 * 1024


@dataclass(frozen=True)
class TextField:
    """A required, non-empty string of at most `max_length` characters (after trimming spaces)."""

    name: str
    max_length: int


@dataclass(frozen=True)
class ChoiceListField:
    """A required, non-empty list of distinct strings, each one of `choices`."""

    name: str
    choices: tuple[str, ...]


def read_object(request: Request, fields: tuple[TextField | ChoiceListField, ...]) -> dict:
    """The request's JSON body as {field: value}; every field required, no other field allowed."""
    if not request.is_json:
        raise InvalidBody("Send a JSON body with 'Content-Type: application/json'.")
    # Read one byte past the limit, whatever Content-Length claimed (a chunked body has none).
    raw = request.stream.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidBody(f"The body is larger than {MAX_BODY_BYTES} bytes.")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidBody("The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise InvalidBody("The body must be a JSON object.")
    known = {field.name for field in fields}
    unknown = sorted(set(body) - known)
    if unknown:
        allowed = ", ".join(sorted(known))
        # The names are the caller's: kept to what an error_description may carry.
        raise InvalidBody(error_text(f"Unknown field(s): {', '.join(unknown)}. Allowed: {allowed}."))
    return {
        field.name: _choices(body, field) if isinstance(field, ChoiceListField) else _text(body, field)
        for field in fields
    }


def _choices(body: dict, field: ChoiceListField) -> list[str]:
    value = body.get(field.name)
    allowed = ", ".join(field.choices)
    if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
        raise InvalidBody(f"'{field.name}' must be a non-empty list of: {allowed}.", field=field.name)
    unknown = [item for item in value if item not in field.choices]
    if unknown:
        raise InvalidBody(error_text(f"'{field.name}' may list only: {allowed}."), field=field.name)
    return list(dict.fromkeys(value))


def _text(body: dict, field: TextField) -> str:
    if field.name not in body:
        raise InvalidBody(f"'{field.name}' is required.", field=field.name)
    value = body[field.name]
    if not isinstance(value, str):
        raise InvalidBody(f"'{field.name}' must be a string.", field=field.name)
    value = value.strip()
    if not value:
        raise InvalidBody(f"'{field.name}' must not be empty.", field=field.name)
    if len(value) > field.max_length:
        raise InvalidBody(f"'{field.name}' must be at most {field.max_length} characters.", field=field.name)
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
        # Control characters (NUL above all) and lone surrogates cannot be stored as text.
        raise InvalidBody(f"'{field.name}' must not contain control characters.", field=field.name)
    return value
