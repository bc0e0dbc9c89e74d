"""OAuth 2.0 Protected Resource Metadata (RFC 9728): how a client learns what the API needs.

`resource` is the issuer itself, not issuer + /api/v1: RFC 9728 §3.1 derives
the metadata's URL by inserting /.well-known/oauth-protected-resource between
the host and the resource's path, so the document the contract places at
/.well-known/oauth-protected-resource (no path after it) is the one for the
resource identifier with no path, and §3.3 has clients refuse a document
whose `resource` is not the identifier they derived the URL from. Every
bearer-token endpoint on this host (/api/v1/*) lies under it, which is what
clients that follow a 401's `resource_metadata` check (an origin and a path
prefix of the URL they called).
"""

from flask import jsonify

from oauth.metadata import DOCUMENTATION_PATH
from oauth.responses import issuer
from oauth.scopes import ALL_SCOPES
from web.cors import open_to_any_origin
from web.machine import MachineBlueprint

RESOURCE_METADATA_PATH = "/.well-known/oauth-protected-resource"

bp = open_to_any_origin(MachineBlueprint("resource_metadata", __name__))

# Every scope some API view requires, noted as `require_oauth` guards it: what `scopes_supported` lists.
GUARDED_SCOPES: set[str] = set()


def metadata_url(issuer: str) -> str:
    """Where the document is, as a 401's `resource_metadata` names it (RFC 9728 §5.1)."""
    return issuer + RESOURCE_METADATA_PATH


def document(issuer: str) -> dict:
    """The metadata document (RFC 9728 §2): true of the API as it is served."""
    return {
        "resource": issuer,
        "authorization_servers": [issuer],
        "scopes_supported": [scope for scope in ALL_SCOPES if scope in GUARDED_SCOPES],
        "bearer_methods_supported": ["header"],  # never the body or the query (api/guard.py)
        "resource_name": "Platform API",
        "resource_documentation": issuer + DOCUMENTATION_PATH,
    }


@bp.get(RESOURCE_METADATA_PATH)
def protected_resource_metadata():
    return jsonify(document(issuer())), 200, {"Cache-Control": "public, max-age=3600"}
