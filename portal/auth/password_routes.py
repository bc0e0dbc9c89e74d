"""/password/forgot, /password/reset/<token> and /account/password: a password reset by mail, and a change.

"Forgot password" answers the same page whether or not an account has the
email, and mails in the background, so neither the page nor its timing
tells. The reset page reads its link without spending it until the new
password passes the policy, then spends it, ends every session of the
account and signs the person in afresh (with their second factor, if on).
"""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from accounts import address_limits, password_changes, users
from portal.auth.limits import client_ip, over_limit, too_many_requests
from portal.auth.password_forms import ChangePasswordForm, ForgotPasswordForm, ResetPasswordForm
from portal.auth.redirects import safe_next
from portal.auth.signing_in import continue_sign_in
from stores.postgres import get_connection
from stores.redis_client import get_redis

bp = Blueprint("password", __name__)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot():
    form = ForgotPasswordForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("auth/forgot_password.html", form=form), 400 if form.is_submitted() else 200
    refusal = over_limit(address_limits.PASSWORD_FORGOT)
    if refusal:
        return refusal
    next_url = safe_next(form.next.data, default="")
    password_changes.request_reset(get_connection(), get_redis(), form.email.data, client_ip(), next_url)
    return render_template("auth/forgot_password_sent.html", email=form.email.data, next=next_url)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    account = password_changes.account_for_reset(get_connection(), get_redis(), token)
    if account is None:
        return _link_not_live()
    form = ResetPasswordForm(account)
    if not form.validate_on_submit():
        page = render_template("auth/reset_password.html", form=form, account=account)
        return page, 400 if form.is_submitted() else 200
    user = password_changes.reset(get_connection(), get_redis(), token, form.new_password.data, client_ip())
    if user is None:  # spent by a request that raced this one
        return _link_not_live()
    flash("Your password is changed, and every session of your account was signed out.", "success")
    return continue_sign_in(user, safe_next(request.args.get("next"), default=url_for("account.security")))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change():
    account = users.get_user(get_connection(), current_user.id)
    form = ChangePasswordForm(account)
    if not form.validate_on_submit():
        return _change_page(form, 400 if form.is_submitted() else 200)
    outcome = password_changes.change(
        get_connection(),
        get_redis(),
        account["id"],
        form.current_password.data,
        form.new_password.data,
        client_ip(),
        keep=session.digest,
    )
    if outcome.retry_after:
        return too_many_requests(outcome.retry_after)
    if not outcome.changed:
        form.current_password.errors.append("That is not your current password.")
        return _change_page(form, 401)
    # They just proved their password: a new session ID, so that a copy of this cookie dies with the old password.
    session.reauthenticated(["pwd"])
    flash("Your password is changed. Every other session of your account was signed out.", "success")
    return redirect(url_for("account.security"))


def _change_page(form: ChangePasswordForm, status: int):
    return render_template("auth/change_password.html", form=form), status


def _link_not_live():
    return render_template("auth/link_not_live.html", purpose="reset"), 404
