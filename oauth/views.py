"""HTTP endpoints of the protocol (thin: parse, call one function, respond)."""

from flask import Blueprint

bp = Blueprint("oauth", __name__)
