"""/account/apps and /account/security: what can reach my data, and what happened."""

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")
