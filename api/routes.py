"""/api/v1/...: each view guarded by the scope it needs."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
