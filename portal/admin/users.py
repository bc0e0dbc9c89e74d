"""/admin/users: find accounts; change a role, disable or enable, unlock sign-in, reset two-factor.

A blueprint nested in the admin one, so the admin console's guard runs
first (administrators only, two-factor, a recent password for every
POST). Each action asks for a reason, which the audit log keeps, and
calls the same function as the command line.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

import audit
from accounts import throttle, two_factor, user_admin
from accounts.user_admin import ListedUser
from oauth import user_access
from portal.admin.users_forms import ReasonForm, UserSearchForm, action_forms
from stores.postgres import get_connection
from stores.redis_client import get_redis
from web.actors import current_actor

bp = Blueprint("users", __name__, url_prefix="/users")

MAX_USER_ID = 2**63 - 1  # bigint
RECENT_ACTIVITY = 20


def _user_or_404(user_id: int) -> ListedUser:
    user = user_admin.get_listed_user(get_connection(), user_id) if user_id <= MAX_USER_ID else None
    if user is None:
        abort(404, "There is no user with this id.")
    return user


@bp.get("")
def index():
    form = UserSearchForm(request.args)
    if not form.validate():
        return render_template("admin/users.html", form=form, users=[], page=1, more=False), 400
    page = form.page.data or 1
    found, more = user_admin.search_users(get_connection(), form.q.data or "", page)
    return render_template("admin/users.html", form=form, users=found, page=page, more=more)


@bp.get("/<int:user_id>")
def user_page(user_id: int):
    user = _user_or_404(user_id)
    return _render_user_page(user, action_forms(user["role"]))


def _render_user_page(user: ListedUser, forms: dict[str, ReasonForm]):
    conn = get_connection()
    return render_template(
        "admin/user.html",
        user=user,
        forms=forms,
        failures=throttle.account_failures(get_redis(), user["email"]),
        activity=audit.list_audit(conn, user_id=user["id"], limit=RECENT_ACTIVITY),
    )


def _submitted(user: ListedUser, action: str) -> tuple[ReasonForm, dict[str, ReasonForm]]:
    forms = action_forms(user["role"])
    return forms[action], forms


@bp.post("/<int:user_id>/role")
def change_role(user_id: int):
    user = _user_or_404(user_id)
    form, forms = _submitted(user, "role")
    if not form.validate_on_submit():
        return _render_user_page(user, forms), 400
    role = form.role.data
    try:
        user_admin.set_role(get_connection(), get_redis(), current_actor(), user_id, role, form.reason.data)
    except user_admin.Refused as refused:
        return _refuse(user, forms, form, str(refused))
    flash(f"The role of {user['email']} is now {role}; it applies from their next sign-in.", "success")
    return redirect(url_for(".user_page", user_id=user_id))


@bp.post("/<int:user_id>/disable")
def disable(user_id: int):
    user = _user_or_404(user_id)
    form, forms = _submitted(user, "disable")
    if not form.validate_on_submit():
        return _render_user_page(user, forms), 400
    try:
        done = user_access.disable_user(get_connection(), get_redis(), current_actor(), user_id, form.reason.data)
    except user_admin.Refused as refused:
        return _refuse(user, forms, form, str(refused))
    flash(
        f"{user['email']} is disabled: {done.sessions_ended} session(s) ended, "
        f"{done.grants_revoked} app(s) lost access and every token stopped.",
        "success",
    )
    return redirect(url_for(".user_page", user_id=user_id))


@bp.post("/<int:user_id>/enable")
def enable(user_id: int):
    user = _user_or_404(user_id)
    form, forms = _submitted(user, "enable")
    if not form.validate_on_submit():
        return _render_user_page(user, forms), 400
    user_admin.enable(get_connection(), current_actor(), user_id, form.reason.data)
    flash(f"{user['email']} may sign in again. Apps they had connected must be allowed again.", "success")
    return redirect(url_for(".user_page", user_id=user_id))


@bp.post("/<int:user_id>/unlock")
def unlock(user_id: int):
    user = _user_or_404(user_id)
    form, forms = _submitted(user, "unlock")
    if not form.validate_on_submit():
        return _render_user_page(user, forms), 400
    user_admin.unlock(get_connection(), get_redis(), current_actor(), user_id, form.reason.data)
    flash(f"Sign-in to {user['email']} is no longer held back by earlier failures.", "success")
    return redirect(url_for(".user_page", user_id=user_id))


@bp.post("/<int:user_id>/two-factor/reset")
def reset_two_factor(user_id: int):
    user = _user_or_404(user_id)
    form, forms = _submitted(user, "two_factor")
    if not form.validate_on_submit():
        return _render_user_page(user, forms), 400
    if two_factor.reset_two_factor(get_connection(), current_actor(), user_id, form.reason.data):
        flash(f"Two-factor sign-in of {user['email']} is off: they sign in with their password alone.", "success")
    else:
        flash(f"{user['email']} had no two-factor sign-in to reset.", "info")
    return redirect(url_for(".user_page", user_id=user_id))


def _refuse(user: ListedUser, forms: dict[str, ReasonForm], form: ReasonForm, message: str):
    """The user page again, the rule that refused the action beside its form: 409, nothing changed."""
    form.reason.errors.append(message)
    return _render_user_page(user, forms), 409
