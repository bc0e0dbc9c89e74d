"""/signup/verify/<token>: the mailed link that proves an email address; /signup/verify: its status and "send again".

Opening the link shows a button; only pressing it spends the link. Mail
scanners that fetch every link in a message therefore cannot use it up,
and nobody verifies an address by following a link they did not mean to.
"""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from accounts import address_limits, users, verification
from portal.auth.limits import client_ip, over_limit, too_many_requests
from stores.postgres import get_connection
from stores.redis_client import get_redis

bp = Blueprint("verification", __name__)


@bp.get("/signup/verify/<token>")
def confirm(token: str):
    account = verification.pending(get_connection(), get_redis(), token)
    if account is None:
        return _link_not_live()
    return render_template("auth/verify_email.html", account=account, token=token, form=FlaskForm())


@bp.post("/signup/verify/<token>")
def verify(token: str):
    user = verification.verify(get_connection(), get_redis(), token, client_ip())
    if user is None:
        return _link_not_live()
    flash(f"Thank you: {user['email']} is verified.", "success")
    if current_user.is_authenticated and current_user.id == user["id"]:
        return redirect(url_for("developer.apps"))
    return redirect(url_for("auth.login"))


@bp.get("/signup/verify")
@login_required
def status():
    account = users.get_user(get_connection(), current_user.id)
    return render_template("auth/verify_status.html", account=account)


@bp.post("/signup/verify/resend")
@login_required
def resend():
    refusal = over_limit(address_limits.VERIFY_RESEND)
    if refusal:
        return refusal
    account = users.get_user(get_connection(), current_user.id)
    if account["email_verified"]:
        flash("Your email address is verified already.", "info")
        return redirect(url_for(".status"))
    wait = verification.resend(get_connection(), get_redis(), account, client_ip())
    if wait:
        return too_many_requests(wait)
    flash(f"We sent a new link to {account['email']}.", "success")
    return redirect(url_for(".status"))


def _link_not_live():
    return render_template("auth/link_not_live.html", purpose="verify"), 404
