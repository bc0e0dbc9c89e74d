"""/signup, /login and POST /logout."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

import audit
from accounts import throttle, users
from accounts.login import User
from portal.auth.forms import LoginForm, SignupForm
from portal.auth.redirects import safe_next
from stores.postgres import get_connection, transaction
from stores.redis_client import get_redis

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    destination = safe_next(form.next.data)
    if current_user.is_authenticated and request.method == "GET":
        return redirect(destination)
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)

    r, ip, email = get_redis(), request.remote_addr or "", form.email.data
    wait = throttle.retry_after(r, email, ip)
    if wait:
        return _throttled(wait)
    conn = get_connection()
    user = users.authenticate(conn, email, form.password.data)
    if user is None:
        throttle.record_failure(r, email, ip)
        _audit_sign_in(conn, "signin.failed", None, ip, {"email": email[:254]})
        form.password.errors.append("Wrong email or password.")
        return render_template("auth/login.html", form=form), 401
    throttle.record_success(r, email)
    _audit_sign_in(conn, "signin.succeeded", user["id"], ip, {})
    login_user(User(user))
    return redirect(destination)


def _throttled(wait: int):
    minutes = max(1, round(wait / 60))
    page = render_template("auth/throttled.html", wait=wait, minutes=minutes)
    return page, 429, {"Retry-After": str(wait)}


def _audit_sign_in(conn, action: str, user_id: int | None, ip: str, details: dict) -> None:
    with transaction(conn) as cur:
        audit.record(cur, action, actor_id=user_id, subject_user_id=user_id, ip_address=ip, details=details)


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    form = SignupForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("auth/signup.html", form=form)
    conn = get_connection()
    try:
        user = users.create_user(conn, form.email.data, form.password.data, form.name.data or "")
    except users.EmailTaken:
        form.email.errors.append("An account with this email exists already. Sign in instead.")
        return render_template("auth/signup.html", form=form), 409
    with transaction(conn) as cur:
        audit.record(
            cur,
            "signup",
            actor_id=user["id"],
            subject_user_id=user["id"],
            ip_address=request.remote_addr or "",
        )
    login_user(User(user))
    flash("Welcome! Your account is ready.", "success")
    return redirect(safe_next(form.next.data))


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
