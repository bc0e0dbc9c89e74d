"""/login/two-factor: the second page of a sign-in, for people with two-factor on.

The password page parks who passed it in the anonymous session
(portal.auth.signing_in); this page takes a 6-digit code or a recovery code,
throttled and audited like passwords, and only then signs the person in.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from accounts import users
from accounts.sign_in import sign_in_second_step
from portal.auth.context import allow_continuing_to_app
from portal.auth.signing_in import PENDING_SECONDS, finish_sign_in, forget_pending, pending_sign_in
from portal.auth.two_factor_forms import CodeForm
from stores.postgres import get_connection
from stores.redis_client import get_redis

bp = Blueprint("auth_two_factor", __name__)


@bp.route("/login/two-factor", methods=["GET", "POST"])
def code():
    pending = pending_sign_in()
    if pending is None:
        return redirect(url_for("auth.login"))
    if pending.expired():
        forget_pending()
        flash(f"The second step waits {PENDING_SECONDS // 60} minutes at most. Please sign in again.", "info")
        return redirect(url_for("auth.login", next=pending.next_url or None))
    user = users.get_user(get_connection(), pending.user_id)
    if user is None:
        forget_pending()
        return redirect(url_for("auth.login"))

    form = CodeForm()
    allow_continuing_to_app(pending.next_url)  # the code's form may end at the app (CSP form-action)
    if not form.validate_on_submit():
        return render_template("auth/two_factor.html", form=form), 400 if form.is_submitted() else 200
    result = sign_in_second_step(get_connection(), get_redis(), user, form.code.data, request.remote_addr or "")
    if result.retry_after:
        return _throttled(form, result.retry_after)
    if result.disabled:
        forget_pending()
        flash("This account is disabled. Please contact the platform's administrators.", "error")
        return redirect(url_for("auth.login"))
    if result.user is None:
        form.code.errors.append("That code is not right, or it was used already. Try the next one from your app.")
        return render_template("auth/two_factor.html", form=form), 401
    return finish_sign_in(result.user, pending)


def _throttled(form: CodeForm, wait: int):
    minutes = max(1, round(wait / 60))
    page = render_template("auth/two_factor.html", form=form, wait=wait, minutes=minutes)
    return page, 429, {"Retry-After": str(wait)}
