"""/developer/apps: register and manage my apps.

Every lookup goes through clients.get_owned_client, so another developer's
app (admins' included) is a 404 here; operators use /admin. A new secret is
rendered once, in the response to the POST that made it, never in a flash
message or the session (the session cookie is signed, not encrypted).
"""

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

import audit
from accounts import users
from oauth import clients
from oauth.clients import Client
from portal import app_overview
from portal.confirmation import confirmed
from portal.developer import my_apps, quickstart, submissions
from portal.developer.forms import AppSettingsForm, DeleteAppForm, RegisterAppForm, RevocationNoticeForm
from portal.sudo import sudo_required
from stores.postgres import get_connection
from stores.redis_client import get_redis
from web.actors import current_actor
from webhooks import deliveries, revocation_notices, subscriptions

bp = Blueprint("developer", __name__, url_prefix="/developer")


@bp.before_request
@login_required
def _signed_in_only():
    """Any signed-in person may register apps (as on GitHub); the rest sign in first."""


def _owned_app(client_id: str) -> Client:
    client = clients.get_owned_client(get_connection(), client_id, current_user.id)
    if client is None:
        abort(404, "You have no app with this client ID.")
    return client


def _shown_once(template: str, **context):
    """A page carrying a fresh secret: never stored by the browser or a proxy."""
    response = make_response(render_template(template, **context))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/apps")
def apps():
    try:
        position = my_apps.parse_position(request.args)
    except ValueError:
        abort(400, "This page link is not one of My apps': open My apps again and turn the pages from there.")
    page = my_apps.page_of_apps(get_connection(), get_redis(), current_user.id, _rate_window(), position)
    return render_template("developer/apps.html", page=page)


@bp.route("/apps/new", methods=["GET", "POST"])
def new_app():
    account = users.get_user(get_connection(), current_user.id)
    if not account["email_verified"]:
        # Apps are registered by people whose address is theirs: a developer can be reached about their app.
        return render_template("auth/verify_status.html", account=account, needed_for="register apps"), 403
    form = RegisterAppForm.blank()
    max_apps = current_app.config["APPS_PER_DEVELOPER"]
    if clients.count_owned_clients(get_connection(), current_user.id) >= max_apps:
        return _app_limit_page(form, clients.AppLimitReached(max_apps))
    if not form.validate_on_submit():
        return render_template("developer/new.html", form=form), 400 if form.is_submitted() else 200
    if not submissions.claim(get_redis(), current_user.id, form.submission_id.data):
        flash(
            "That form was sent already and the app is registered; its secret was shown once. "
            "If you did not copy it, open the app and generate a new secret.",
            "warning",
        )
        return redirect(url_for("developer.apps"))
    try:
        client, secret = clients.create_client(
            get_connection(),
            get_redis(),
            current_actor(),
            owner_id=current_user.id,
            client_type=form.client_type.data,
            max_apps=max_apps,  # checked again as the app is stored: two forms sent at once cannot both pass
            **form.settings(),
        )
    except clients.AppLimitReached as refused:
        return _app_limit_page(form, refused)
    return _shown_once("developer/credentials.html", app=client, secret=secret, registered=True)


def _app_limit_page(form: RegisterAppForm, refused: clients.AppLimitReached):
    """The form with the reason it cannot be sent; 403 for a POST, a plain page for a GET."""
    page = render_template("developer/new.html", form=form, app_limit=str(refused))
    return page, 403 if request.method == "POST" else 200


@bp.get("/apps/<client_id>")
def app_page(client_id: str):
    client = _owned_app(client_id)
    return _render_app_page(client, AppSettingsForm.for_client(client))


@bp.post("/apps/<client_id>")
def update_app(client_id: str):
    client = _owned_app(client_id)
    form = AppSettingsForm.for_client(client)
    if not form.validate_on_submit():
        return _render_app_page(client, form), 400
    changes = form.changes_to(client)
    if changes:
        clients.update_client(get_connection(), get_redis(), current_actor(), client_id, **changes)
        flash("Settings saved.", "success")
    else:
        flash("Nothing changed.", "info")
    return redirect(url_for(".app_page", client_id=client_id))


def _render_app_page(client: Client, form: AppSettingsForm, notice_form: RevocationNoticeForm | None = None):
    conn = get_connection()
    overview = app_overview.get_app_overview(conn, get_redis(), client, _rate_window(), developer_id=current_user.id)
    notices = revocation_notices.get_endpoint(conn, client["client_id"])
    return render_template(
        "developer/app.html",
        app=overview,
        form=form,
        notices=notices,
        notice_form=notice_form or RevocationNoticeForm(data={"notice_url": notices["url"] if notices else ""}),
        deliveries=deliveries.list_recent_for_app(conn, client["client_id"]),
        user_limit=current_app.config["UNVERIFIED_APP_USER_LIMIT"],
        platform_name=current_app.config["PLATFORM_NAME"],
    )


@bp.post("/apps/<client_id>/secrets")
@sudo_required
def new_secret(client_id: str):
    client = _owned_app(client_id)
    if client["client_type"] != "confidential":
        abort(400, "Public apps have no secret: they prove themselves with PKCE.")
    _, secret = clients.add_secret(get_connection(), current_actor(), client_id)
    return _shown_once("developer/credentials.html", app=client, secret=secret, registered=False)


@bp.route("/apps/<client_id>/secrets/<int:secret_id>/delete", methods=["GET", "POST"])
@sudo_required
def delete_secret(client_id: str, secret_id: int):
    client = _owned_app(client_id)
    conn = get_connection()
    live = clients.list_secrets(conn, client_id)
    secret = next((row for row in live if row["id"] == secret_id), None)
    if secret is None:
        abort(404, "This app has no such secret.")
    # A guard against locking oneself out, not a security check: rotation is
    # "generate the new one, switch over, then delete the old one".
    only_one = len(live) == 1
    if not confirmed() or only_one:
        return render_template("developer/delete_secret.html", app=client, secret=secret, only_one=only_one)
    clients.delete_secret(conn, current_actor(), client_id, secret_id)
    flash("Secret deleted. It stops working now.", "success")
    return redirect(url_for(".app_page", client_id=client_id, _anchor="secrets"))


@bp.route("/apps/<client_id>/delete", methods=["GET", "POST"])
@sudo_required
def delete_app(client_id: str):
    client = _owned_app(client_id)
    form = DeleteAppForm(client["name"])
    if not form.validate_on_submit():
        return render_template("developer/delete.html", app=client, form=form), 400 if form.is_submitted() else 200
    clients.delete_client(get_connection(), get_redis(), current_actor(), client_id)
    flash(f"{client['name']} is deleted; every token and grant it had was revoked.", "success")
    return redirect(url_for(".apps"))


@bp.post("/apps/<client_id>/revocation-notices")
@sudo_required
def set_revocation_notices(client_id: str):
    client = _owned_app(client_id)
    form = RevocationNoticeForm()
    if not form.validate_on_submit():
        return _render_app_page(client, AppSettingsForm.for_client(client, formdata=None), form), 400
    if not form.url():
        if revocation_notices.remove(get_connection(), current_actor(), client_id):
            flash("Revocation notices stopped: nothing more is sent to the URL.", "success")
        return redirect(url_for(".app_page", client_id=client_id, _anchor="revocation-notices"))
    _, secret = revocation_notices.set_url(get_connection(), _sealing_key(), current_actor(), client_id, form.url())
    if secret:
        return _shown_once("developer/notice_secret.html", app=client, secret=secret, first=True)
    flash("Revocation notices go to the new URL, signed with the same secret.", "success")
    return redirect(url_for(".app_page", client_id=client_id, _anchor="revocation-notices"))


@bp.route("/apps/<client_id>/revocation-notices/secret", methods=["GET", "POST"])
@sudo_required
def new_notice_secret(client_id: str):
    client = _owned_app(client_id)
    if not confirmed():  # the old signing secret stops at once: the receiver must be ready for the new one
        if revocation_notices.get_endpoint(get_connection(), client_id) is None:
            abort(404, "This app has no revocation notice URL: set one first.")
        return render_template("developer/replace_notice_secret.html", app=client)
    secret = revocation_notices.replace_secret(get_connection(), _sealing_key(), current_actor(), client_id)
    if secret is None:
        abort(404, "This app has no revocation notice URL: set one first.")
    return _shown_once("developer/notice_secret.html", app=client, secret=secret, first=False)


@bp.post("/apps/<client_id>/deliveries/<int:delivery_id>/redeliver")
def redeliver(client_id: str, delivery_id: int):
    _owned_app(client_id)
    try:
        if not deliveries.redeliver(get_connection(), current_actor(), client_id, delivery_id):
            abort(404, "This app has no such delivery.")
        flash("The delivery is queued and goes out again in a moment.", "success")
    except deliveries.NotRedeliverable as refused:
        flash(str(refused), "error")
    return redirect(url_for(".app_page", client_id=client_id, _anchor="deliveries"))


def _sealing_key() -> bytes:
    return subscriptions.sealing_key(current_app.config["SECRET_KEY"])


@bp.get("/apps/<client_id>/quickstart")
def quickstart_page(client_id: str):
    client = _owned_app(client_id)
    issuer = current_app.config["OAUTH_ISSUER"]
    return render_template(
        "developer/quickstart.html",
        app=client,
        endpoints=quickstart.endpoints(issuer),
        steps=quickstart.build_steps(issuer, current_app.config["PLATFORM_NAME"], client),
    )


@bp.get("/apps/<client_id>/audit")
def app_audit(client_id: str):
    client = _owned_app(client_id)
    entries, next_before = audit.page_for_developer(
        get_connection(), current_user.id, client_id=client_id, before_id=audit.parse_cursor(request.args.get("before"))
    )
    return render_template("developer/audit.html", app=client, entries=entries, next_before=next_before)


def _rate_window() -> int:
    return current_app.config["RATE_LIMIT_WINDOW_SECONDS"]
