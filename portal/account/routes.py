"""/account/apps and /account/security: what can reach my data, where I am signed in, and what happened."""

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from accounts import session_interface, sessions, two_factor
from accounts.devices import describe
from oauth import grants
from portal.account.connected import ConnectedApp, get_connected_app, list_connected_apps
from portal.account.history import list_account_events
from portal.confirmation import confirmed
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
    return render_template("account/revoke.html", grant=grant)


@bp.post("/apps/<client_id>/revoke")
def revoke(client_id: str):
    _require_form()
    if not confirmed():
        return confirm_revoke(client_id)
    if grants.revoke(get_connection(), get_redis(), current_actor(), current_user.id, client_id):
        flash("Access revoked. The app can no longer reach your account.", "success")
    else:
        flash("That app had no access to revoke.", "info")
    return redirect(url_for("account.apps"))


@bp.get("/security")
def security():
    conn = get_connection()
    events = list_account_events(conn, current_user.id)
    return render_template(
        "account/security.html",
        events=events,
        sessions=_active_sessions(),
        two_factor_on=two_factor.has_two_factor(conn, current_user.id),
    )


@bp.route("/sessions/<digest>/end", methods=["GET", "POST"])
def end_session(digest: str):
    if digest == session.digest:
        abort(400, "To end this session, sign out.")
    if not confirmed():
        listed = next((entry for entry in _active_sessions() if entry["digest"] == digest), None)
        if listed is None:
            abort(404, "That session has ended already.")
        return render_template("account/end_session.html", entry=listed)
    _require_form()
    if sessions.end_user_session(get_redis(), current_user.id, digest):
        flash("That session is signed out.", "success")
    else:
        flash("That session had ended already.", "info")
    return redirect(url_for("account.security"))


@bp.route("/sessions/end-others", methods=["GET", "POST"])
def end_other_sessions():
    if not confirmed():
        others = [entry for entry in _active_sessions() if not entry["this_device"]]
        return render_template("account/end_other_sessions.html", others=others)
    _require_form()
    ended = sessions.end_all(get_redis(), current_user.id, keep=session.digest)
    flash(f"Signed out everywhere else ({ended} session{'s' if ended != 1 else ''}).", "success")
    return redirect(url_for("account.security"))


def _active_sessions() -> list[dict]:
    """The person's live sessions as the page lists them, this one first."""
    records = sessions.list_for_user(get_redis(), current_user.id, session_interface.lifetimes())
    listed = [
        {
            "digest": record.digest,
            "device": describe(record.user_agent),
            "ip": record.ip,
            "created": datetime.fromtimestamp(record.created, UTC),
            "last_seen": datetime.fromtimestamp(record.last_seen, UTC),
            "this_device": record.digest == session.digest,
        }
        for record in records
    ]
    return sorted(listed, key=lambda entry: not entry["this_device"])


def _require_form() -> None:
    if not FlaskForm().validate_on_submit():
        abort(400, "The form expired. Please try again.")


def _live_grant_or_404(client_id: str) -> ConnectedApp:
    grant = get_connected_app(get_connection(), get_redis(), current_user.id, client_id)
    if grant is None:
        abort(404, "You have not connected this app, or you revoked it already.")
    return grant
