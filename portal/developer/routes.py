"""/developer/apps: register and manage my apps."""

from flask import Blueprint

bp = Blueprint("developer", __name__, url_prefix="/developer")
