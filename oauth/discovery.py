"""The documents under /.well-known/ that clients read to discover this server, and its ID-token keys."""

from flask import jsonify, request

from oauth import metadata, signing_keys
from oauth.responses import issuer
from stores.postgres import get_connection
from web.machine import MachineBlueprint

bp = MachineBlueprint("discovery", __name__, url_prefix=metadata.WELL_KNOWN)

# Relying parties fetch the JWKS again when an ID token names a kid they do
# not know, so a short cache costs nothing at a rotation.
JWKS_MAX_AGE = 300


@bp.get(metadata.SERVER_METADATA)
def server_metadata():
    return jsonify(metadata.document(issuer())), 200, {"Cache-Control": "public, max-age=3600"}


@bp.get(metadata.OPENID_CONFIGURATION)
def openid_configuration():
    return jsonify(metadata.openid_document(issuer())), 200, {"Cache-Control": "public, max-age=3600"}


@bp.get(metadata.JWKS)
def jwks():
    conn = get_connection()
    signing_keys.key_ring().current_keys(conn)  # made on first use: the JWKS never lacks a key that will sign
    response = jsonify(keys=signing_keys.published_keys(conn))
    response.headers["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE}"
    response.add_etag()
    return response.make_conditional(request)
