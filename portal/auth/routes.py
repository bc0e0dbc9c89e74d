"""/signup, /login and POST /logout."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from accounts import address_limits
from accounts.login import sign_out
from accounts.sign_in import sign_in, sign_up
from portal.auth.context import app_asking, login_hint
from portal.auth.forms import LoginForm, SignupForm
from portal.auth.limits import over_limit
from portal.auth.redirects import safe_next
from portal.auth.signing_in import continue_sign_in
from stores.postgres import get_connection
from stores.redis_client import get_redis

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    destination = safe_next(form.next.data)
    # reauth: a signed-in person asked to prove it is still them (prompt=login, max_age, sensitive actions).
    reauth = current_user.is_authenticated and request.args.get("reauth") == "1"
    if current_user.is_authenticated and request.method == "GET" and not reauth:
        return redirect(destination)
    if reauth and not form.is_submitted():
        form.email.data = current_user.email
    elif not form.is_submitted():
        form.email.data = login_hint(form.next.data)  # the app's guess: the person may change it
    if not form.validate_on_submit():
        return _login_page(form, reauth)

    result = sign_in(get_connection(), get_redis(), form.email.data, form.password.data, _client_ip())
    if result.retry_after:
        return _throttled(result.retry_after)
    if result.disabled:
        form.password.errors.append("This account is disabled. Please contact the platform's administrators.")
        return _login_page(form, reauth), 403
    if result.link_sent:
        return render_template("auth/sign_in_link_sent.html")
    if result.user is None:
        form.password.errors.append("Wrong email or password.")
        return _login_page(form, reauth), 401
    return continue_sign_in(result.user, destination)  # or first the second factor, for those who have one


def _login_page(form: LoginForm, reauth: bool) -> str:
    return render_template("auth/login.html", form=form, reauth=reauth, app_name=app_asking(form.next.data))


def _client_ip() -> str:
    return request.remote_addr or ""


def _throttled(wait: int):
    minutes = max(1, round(wait / 60))
    page = render_template("auth/throttled.html", wait=wait, minutes=minutes)
    return page, 429, {"Retry-After": str(wait)}


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    form = SignupForm(next=request.args.get("next", ""))
    # Counted before the form is checked: the password check and the slow hash are what an address may not spend freely.
    refusal = over_limit(address_limits.SIGN_UP) if form.is_submitted() else None
    if refusal:
        return refusal
    if not form.validate_on_submit():
        return render_template("auth/signup.html", form=form)
    sign_up(get_connection(), get_redis(), form.email.data, form.password.data, form.name.data or "", _client_ip())
    # The same page for a new and a taken email (only the mail differs), and nobody is signed in by it.
    return render_template("auth/signup_sent.html", email=form.email.data, next=safe_next(form.next.data, default=""))


@bp.post("/logout")
@login_required
def logout():
    sign_out()
    flash("You are signed out.", "info")
    # "Use another account" on the consent page: sign in again, back to the same request.
    back_to = safe_next(request.form.get("next"), default="")
    return redirect(url_for("auth.login", next=back_to or None))
