"""The end-session endpoint (OpenID Connect RP-Initiated Logout 1.0): an app signs its person out here.

Apps send the request as a GET or a form POST from their own site, so no
CSRF token of ours can come with it. It therefore signs out at once only
when a valid `id_token_hint` names the person signed in here (a stranger's
page has no such token); a missing, invalid or expired-key hint, or one
naming someone else, gets a page that asks first, whose form is
CSRF-protected like every other. Where the browser goes afterwards is
decided in oauth.end_session: a registered post-logout URI with `state`,
or our own "you are signed out" page, never an unregistered address.
"""

from flask import Blueprint, current_app, redirect, render_template, request
from flask_login import current_user

from accounts import users
from accounts.login import sign_out
from oauth import end_session, metadata
from oauth.end_session import LogoutRequest
from oauth.responses import issuer
from stores.postgres import get_connection
from web.csrf import csrf
from web.headers import allow_form_redirect

bp = Blueprint("end_session", __name__)

CONFIRM_PATH = metadata.END_SESSION_PATH + "/confirm"


@bp.route(metadata.END_SESSION_PATH, methods=["GET", "POST"])
@csrf.exempt  # sent from the app's site: only a hint naming the signed-in person signs out without asking
def end_session_endpoint():
    logout = _read(request.args if request.method == "GET" else request.form)
    if current_user.is_authenticated and not logout.names(_signed_in_subject()):
        return _confirmation_page(logout)
    return _signed_out(logout)


@bp.post(CONFIRM_PATH)
def confirm():
    """The person answered "Sign out" on the confirmation page (CSRF checked before this runs)."""
    return _signed_out(_read(request.form))


def _read(params) -> LogoutRequest:
    return end_session.read(get_connection(), params.to_dict(flat=False), issuer())


def _signed_in_subject() -> str:
    return users.get_identity(get_connection(), current_user.id)["subject"]


def _confirmation_page(logout: LogoutRequest):
    if logout.return_to:
        allow_form_redirect(logout.return_to)  # the form's answer ends in a redirect there
    return render_template(
        "oauth/end_session_confirm.html",
        carried=logout.carried,
        platform_name=current_app.config["PLATFORM_NAME"],
    )


def _signed_out(logout: LogoutRequest):
    if current_user.is_authenticated:
        sign_out()
    if logout.return_to:
        return redirect(logout.return_to, 303 if request.method == "POST" else 302)
    return render_template("oauth/signed_out.html", platform_name=current_app.config["PLATFORM_NAME"])
