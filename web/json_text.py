"""JSON bodies the app writes as text itself (to cache them, or to skip Flask's JSON provider): in jsonify's shape."""

import json

from flask import Response


def compact_json(document: dict) -> str:
    """`document` as compact JSON with sorted keys, as Flask's jsonify writes it."""
    return json.dumps(document, separators=(",", ":"), sort_keys=True)


def json_response(document: dict) -> Response:
    """`document` as a 200 application/json response, for the machine endpoints' hot paths.

    jsonify gives the same body through the app's JSON provider, whose set-up
    costs more than the encoding of a token response.
    """
    return Response(compact_json(document), mimetype="application/json")
