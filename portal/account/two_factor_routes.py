"""/account/two-factor: set up two-factor sign-in, get new recovery codes, turn it off.

Set-up shows a secret kept on the server (sealed, in `user_totp`) as base32
text and as a QR code drawn here as inline SVG (no script, no image URL:
the Content-Security-Policy allows neither from elsewhere), and takes
effect only once a code from the person's app confirms it. The recovery
codes are shown once, in the response to that POST, never in a flash.
"""

import segno
from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from accounts import sessions, totp, two_factor, users
from portal.auth.two_factor_forms import CodeForm, TurnOffForm
from portal.sudo import confirm_first, sudo_required
from stores.postgres import get_connection
from stores.redis_client import get_redis
from web.actors import current_actor

bp = Blueprint("account_two_factor", __name__, url_prefix="/account/two-factor")

WRONG_CODE = "That code is not right, or it was used already. Try the next one from your app."


@bp.before_request
@login_required
def _signed_in_only():
    """The person's own two-factor settings."""


@bp.get("")
def setup():
    if two_factor.has_two_factor(get_connection(), current_user.id):
        return _settings_page(CodeForm(), TurnOffForm())
    # The secret is as good as the second factor itself: show it only to someone who just proved who they are.
    return confirm_first() or _setup_page(CodeForm(), 200)


@bp.post("")
@sudo_required
def confirm():
    form = CodeForm()
    if not form.validate_on_submit():
        return _setup_page(form, 400)
    conn = get_connection()
    codes = two_factor.confirm_setup(conn, current_actor(), current_user.id, form.code.data)
    if codes is None:
        form.code.errors.append(WRONG_CODE)
        return _setup_page(form, 400)
    # Sessions signed in by password alone end; this one goes on under a new ID, as signed in with both.
    sessions.end_all(get_redis(), current_user.id, keep=session.digest)
    session.reauthenticated(two_factor.SIGNED_IN_WITH_CODE)
    return render_template("account/two_factor_recovery_codes.html", codes=codes, first_time=True)


@bp.post("/recovery-codes")
@sudo_required
def new_recovery_codes():
    form = CodeForm()
    if not form.validate_on_submit():
        return _settings_page(form, TurnOffForm()), 400
    check, codes = two_factor.replace_recovery_codes(
        get_connection(), get_redis(), current_actor(), _current_row(), form.code.data
    )
    if check.retry_after:
        return _throttled(check.retry_after)
    if not codes:
        form.code.errors.append(WRONG_CODE)
        return _settings_page(form, TurnOffForm()), 400
    return render_template("account/two_factor_recovery_codes.html", codes=codes, first_time=False)


@bp.post("/disable")
def disable():
    # No sudo_required: the form itself asks for the password and a code.
    form = TurnOffForm()
    if not form.validate_on_submit():
        return _settings_page(CodeForm(), form), 400
    outcome = two_factor.turn_off(
        get_connection(), get_redis(), current_actor(), _current_row(), form.password.data, form.code.data
    )
    if outcome.retry_after:
        return _throttled(outcome.retry_after)
    if not outcome.done:
        field = form.password if outcome.wrong == "password" else form.code
        field.errors.append("Wrong password." if outcome.wrong == "password" else WRONG_CODE)
        return _settings_page(CodeForm(), form), 400
    flash("Two-factor sign-in is off. Your password alone signs you in now.", "success")
    return redirect(url_for(".setup"))


def _setup_page(form: CodeForm, status: int):
    secret = two_factor.setup_secret(get_connection(), current_user.id)
    if secret is None:  # turned on meanwhile, in another tab
        return redirect(url_for(".setup"))
    uri = totp.provisioning_uri(secret, current_user.email)
    page = render_template(
        "account/two_factor_setup.html", form=form, secret=totp.grouped(secret), qr_code=_qr_svg(uri)
    )
    return page, status


def _settings_page(code_form: CodeForm, turn_off_form: TurnOffForm):
    left = two_factor.recovery_codes_left(get_connection(), current_user.id)
    return render_template(
        "account/two_factor.html", code_form=code_form, turn_off_form=turn_off_form, recovery_codes_left=left
    )


def _qr_svg(uri: str) -> Markup:
    """The otpauth:// URI as an inline <svg> QR code (segno writes only attributes, no style or script)."""
    code = segno.make(uri, error="m", micro=False)
    svg = code.svg_inline(scale=5, border=4, dark="#000", light="#fff", svgclass="qr-code", lineclass=None)
    return Markup(svg.replace("<svg ", '<svg role="img" aria-label="QR code of your two-factor secret" ', 1))


def _current_row() -> users.User:
    """The signed-in person's user row, as accounts functions take it."""
    return users.get_user(get_connection(), current_user.id)


def _throttled(wait: int):
    minutes = max(1, round(wait / 60))
    page = render_template("account/two_factor_throttled.html", wait=wait, minutes=minutes)
    return page, 429, {"Retry-After": str(wait)}
