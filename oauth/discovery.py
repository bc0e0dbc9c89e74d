"""The documents under /.well-known/ that clients read to discover this server."""

from flask import jsonify

from oauth import metadata
from oauth.responses import issuer
from web.machine import MachineBlueprint

bp = MachineBlueprint("discovery", __name__, url_prefix=metadata.WELL_KNOWN)


@bp.get(metadata.SERVER_METADATA)
def server_metadata():
    return jsonify(metadata.document(issuer())), 200, {"Cache-Control": "public, max-age=3600"}
