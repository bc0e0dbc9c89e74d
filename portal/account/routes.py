"""/account/apps and /account/security: what can reach my data, and what happened."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from oauth import grants
from portal.account.connected import ConnectedApp, get_connected_app, list_connected_apps
from portal.account.history import list_account_events
from stores.postgres import get_connection
from stores.redis_client import get_redis
from web.actors import current_actor

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.before_request
@login_required
def _signed_in_only():
    """Every page here is about the signed-in person's own account."""


@bp.get("/apps")
def apps():
    connected = list_connected_apps(get_connection(), get_redis(), current_user.id)
    return render_template("account/apps.html", connected=connected, form=FlaskForm())


@bp.get("/apps/<client_id>/revoke")
def confirm_revoke(client_id: str):
    grant = _live_grant_or_404(client_id)
    return render_template("account/revoke.html", grant=grant, form=FlaskForm())


@bp.post("/apps/<client_id>/revoke")
def revoke(client_id: str):
    if not FlaskForm().validate_on_submit():
        abort(400, "The form expired. Please try again.")
    if grants.revoke(get_connection(), get_redis(), current_actor(), current_user.id, client_id):
        flash("Access revoked. The app can no longer reach your account.", "success")
    else:
        flash("That app had no access to revoke.", "info")
    return redirect(url_for("account.apps"))


@bp.get("/security")
def security():
    events = list_account_events(get_connection(), current_user.id)
    return render_template("account/security.html", events=events)


def _live_grant_or_404(client_id: str) -> ConnectedApp:
    grant = get_connected_app(get_connection(), get_redis(), current_user.id, client_id)
    if grant is None:
        abort(404, "You have not connected this app, or you revoked it already.")
    return grant
