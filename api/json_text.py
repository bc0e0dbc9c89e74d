"""API bodies the app writes as JSON text itself (to cache or reuse them): in jsonify's shape."""

import json


def compact_json(document: dict) -> str:
    """`document` as compact JSON with sorted keys, as Flask's jsonify writes it."""
    return json.dumps(document, separators=(",", ":"), sort_keys=True)
