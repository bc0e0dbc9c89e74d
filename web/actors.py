"""Who is acting in a browser request, for the audit trail."""

from flask import request
from flask_login import current_user

from audit import Actor


def current_actor() -> Actor:
    """The signed-in person making this request, with the address it came from."""
    return Actor(id=current_user.id, label=current_user.email, ip_address=request.remote_addr or "")
