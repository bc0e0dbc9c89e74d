"""/admin: every app, suspension, verification, rate limits, the audit log (admins only).

Suspending, resuming and changing a limit call the same store functions as
the CLI, so they take effect on the very next API call.
"""

from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

import audit
from accounts import two_factor, users
from oauth import clients
from oauth.clients import Client
from portal import app_overview
from portal.admin import app_search, audit_csv, audit_search
from portal.admin import users as user_pages
from portal.admin.forms import AppSearchForm, AuditFilterForm, RateLimitForm, SuspendForm, TokenRateForm
from portal.sudo import confirm_first
from stores.postgres import database, get_connection
from stores.redis_client import get_redis
from web.actors import current_actor

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.register_blueprint(user_pages.bp)  # /admin/users, behind the guard below


@bp.before_request
@login_required
def _admins_only():
    """Signed-out visitors sign in first; signed-in people without the admin role get 403.

    With REQUIRE_ADMIN_2FA (the default) an administrator without two-factor
    sign-in is sent to set it up: a stolen password alone must not open the console.
    """
    if not current_user.is_admin:
        abort(403, "Only administrators may use the admin console.")
    if current_app.config["REQUIRE_ADMIN_2FA"] and not two_factor.has_two_factor(get_connection(), current_user.id):
        flash("The admin console opens only to administrators with two-factor sign-in: set it up first.", "warning")
        return redirect(url_for("account_two_factor.setup"))
    if request.method == "POST":
        return confirm_first()  # every admin action wants a recent password
    return None


def _app_or_404(client_id: str) -> Client:
    client = clients.get_client(get_connection(), client_id)
    if client is None:
        abort(404, "There is no app with this client ID.")
    return client


@bp.get("")
def index():
    form = AppSearchForm(request.args)
    if not form.validate():
        return render_template("admin/index.html", form=form, found=None), 400
    found = app_search.search_apps(get_connection(), get_redis(), form.app_query(), form.page.data or 1, _rate_window())
    return render_template("admin/index.html", form=form, found=found)


@bp.get("/apps/<client_id>")
def app_page(client_id: str):
    client = _app_or_404(client_id)
    return _render_app_page(client, SuspendForm(), RateLimitForm(data={"rate_limit": client["rate_limit"]}))


def _render_app_page(
    client: Client, suspend_form: SuspendForm, rate_form: RateLimitForm, token_rate_form: TokenRateForm | None = None
):
    conn = get_connection()
    return render_template(
        "admin/app.html",
        # Administrators see the whole activity: emails and addresses included.
        app=app_overview.get_app_overview(conn, get_redis(), client, _rate_window(), developer_id=None),
        owner=users.get_user(conn, client["owner_id"]),
        suspend_form=suspend_form,
        rate_form=rate_form,
        token_rate_form=token_rate_form or TokenRateForm(data={"token_rate": client["token_rate"]}),
        user_limit=current_app.config["UNVERIFIED_APP_USER_LIMIT"],
        platform_name=current_app.config["PLATFORM_NAME"],
    )


@bp.post("/apps/<client_id>/suspend")
def suspend(client_id: str):
    client = _app_or_404(client_id)
    form = SuspendForm()
    if not form.validate_on_submit():
        return _render_app_page(client, form, RateLimitForm(data={"rate_limit": client["rate_limit"]})), 400
    clients.set_suspended(get_connection(), get_redis(), current_actor(), client_id, True, form.reason.data)
    flash(f"{client['name']} is suspended: its tokens stopped working.", "success")
    return redirect(url_for(".app_page", client_id=client_id))


@bp.post("/apps/<client_id>/resume")
def resume(client_id: str):
    client = _app_or_404(client_id)
    clients.set_suspended(get_connection(), get_redis(), current_actor(), client_id, False)
    flash(f"{client['name']} is active again: its tokens work again.", "success")
    return redirect(url_for(".app_page", client_id=client_id))


@bp.post("/apps/<client_id>/verify")
def verify(client_id: str):
    client = _app_or_404(client_id)
    clients.verify_client(get_connection(), current_actor(), client_id)
    flash(f"{client['name']} is verified: its consent page says so, and any number of people may allow it.", "success")
    return redirect(url_for(".app_page", client_id=client_id))


@bp.post("/apps/<client_id>/rate-limit")
def rate_limit(client_id: str):
    client = _app_or_404(client_id)
    form = RateLimitForm()
    if not form.validate_on_submit():
        return _render_app_page(client, SuspendForm(), form), 400
    clients.set_rate_limit(get_connection(), get_redis(), current_actor(), client_id, form.rate_limit.data)
    flash(f"{client['name']} may now make {form.rate_limit.data:,} API calls per hour.", "success")
    return redirect(url_for(".app_page", client_id=client_id))


@bp.post("/apps/<client_id>/token-rate")
def token_rate(client_id: str):
    client = _app_or_404(client_id)
    form = TokenRateForm()
    if not form.validate_on_submit():
        rate_form = RateLimitForm(data={"rate_limit": client["rate_limit"]})
        return _render_app_page(client, SuspendForm(), rate_form, form), 400
    clients.set_token_rate(get_connection(), current_actor(), client_id, form.token_rate.data)
    flash(f"{client['name']} may now get {form.token_rate.data:,} tokens per second.", "success")
    return redirect(url_for(".app_page", client_id=client_id))


@bp.get("/audit")
def audit_log():
    form = AuditFilterForm(request.args)
    query, refusal = _audit_query(form)
    if query is None:
        return _audit_page(form, [], None, refusal)
    before_id = audit.parse_cursor(request.args.get("before"))
    entries, next_before = audit_search.page_of_entries(get_connection(), query, before_id)
    return _audit_page(form, entries, next_before)


@bp.get("/audit.csv")
def audit_export():
    """The filtered rows as a CSV download, streamed in batches: any number of rows, flat memory."""
    form = AuditFilterForm(request.args)
    query, refusal = _audit_query(form)
    if query is None:
        return _audit_page(form, [], None, refusal)
    chunks = audit_csv.csv_chunks(audit_search.iter_entries(database(), query))
    filename = f"audit-log-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.csv"
    return Response(
        # Outside the request's context: its connection goes back to the pool before the first byte is sent.
        chunks,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def _audit_query(form: AuditFilterForm) -> tuple[audit_search.AuditQuery | None, int]:
    """The form's filters resolved against the database, or None and the status of the page that says why.

    Invalid input is a 400; an email or app that matches nothing is a fine
    question with no answer (200), the reason beside its field either way.
    """
    if not form.validate():
        return None, 400
    since, until = form.time_range()
    try:
        query = audit_search.resolve(
            get_connection(),
            action=form.action.data or None,
            actor=(form.actor.data or "").strip() or None,
            user=form.user_id_or_email(),
            client_id=(form.client_id.data or "").strip() or None,
            since=since,
            until=until,
        )
    except audit_search.Unresolved as unresolved:
        form[unresolved.name].errors.append(str(unresolved))  # the form's fields bear the same names
        return None, 200
    return query, 200


def _audit_page(form: AuditFilterForm, entries: list[dict], next_before: int | None, status: int = 200):
    return render_template("admin/audit.html", form=form, entries=entries, next_before=next_before), status


def _rate_window() -> int:
    return current_app.config["RATE_LIMIT_WINDOW_SECONDS"]
