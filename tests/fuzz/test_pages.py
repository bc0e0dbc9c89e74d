"""Fuzzing the pages: every portal and admin form, every route and method, and odd session contents.

Form targets send the visitor's real CSRF token most of the time, so that
the generated fields reach the form's validation and the view behind it.
Anything a target may change (suspend, rate limit, settings) is done to the
world's sacrificial app, so that the protocol and API targets keep live apps.
"""

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import strategies as fs
from tests.fuzz.profiles import budget
from tests.fuzz.strategies import EMAILS, ODD_PATH_SEGMENTS, form_post, values
from tests.support.accounts import USER_PASSWORD, csrf_token


def _app_ids(world) -> st.SearchStrategy:
    return st.one_of(st.just(world.sacrificial["client_id"]), ODD_PATH_SEGMENTS)


# Sign-in and sign-up -------------------------------------------------------------------


@budget(0.1)  # every attempt with a known email hashes a password
@given(data=st.data())
def test_sign_in_and_sign_up_forms(fuzz_app, fuzzer, data):
    fuzz = fuzzer("sign-in, sign-up")
    path = data.draw(st.sampled_from(["/login", "/signup"]), label="path")
    http = fuzz_app.test_client()  # a fresh visitor: a sign-in that succeeds changes nobody else's session
    page = fuzz.send(http, "GET", path, query=data.draw(fs.query({"next": values("/developer/apps")}), label="query"))
    if page.status_code != 200:
        return  # a refused query (a NUL, say) has no form to post
    fields = {
        "email": values(st.sampled_from(EMAILS)),
        "password": values(USER_PASSWORD, "long enough pw"),
        "confirm": values("long enough pw"),
        "name": values("New"),
        "next": values("/developer/apps", "//evil.example", "/\\evil.example", "https://evil.example"),
    }
    content_type, body = form_post(data, csrf_token(page.text), fields)
    fuzz.send(http, "POST", path, body=body, content_type=content_type)


# Developer portal --------------------------------------------------------------------------

APP_FIELDS = {
    "name": values("Acme"),
    "description": values("Syncs."),
    "homepage_url": values("https://acme.example.com", "https://[::1", "http://[", "https://acme.example.com:99999"),
    "client_type": values("confidential", "public"),
    "redirect_uris": values("https://acme.example.com/cb", "http://[::1]:3000/cb", "com.example.app:/cb"),
    "scopes": values(st.sampled_from(fs.SCOPES)),
    "grant_types": values("authorization_code", "refresh_token", "client_credentials"),
    "submission_id": values("abc"),
    "confirm_name": values("Acme"),
    "confirm": values("yes", "no"),
}


@given(data=st.data())
def test_developer_portal_forms(world, visitors, fuzzer, data):
    fuzz = fuzzer("developer portal")
    visitor = visitors[data.draw(st.sampled_from(["developer"] * 4 + ["user", "anonymous"]), label="as")]
    app_id = data.draw(_app_ids(world), label="client_id")
    secret_id = data.draw(st.sampled_from(["1", "2", "0", "9" * 25]), label="secret id")
    path, method = data.draw(
        st.sampled_from(
            [
                ("/developer/apps/new", "POST"),
                ("/developer/apps/new", "GET"),
                (f"/developer/apps/{app_id}", "POST"),
                (f"/developer/apps/{app_id}", "GET"),
                (f"/developer/apps/{app_id}/secrets", "POST"),
                (f"/developer/apps/{app_id}/secrets/{secret_id}/delete", "GET"),
                (f"/developer/apps/{app_id}/secrets/{secret_id}/delete", "POST"),
                (f"/developer/apps/{app_id}/delete", "POST"),
                (f"/developer/apps/{app_id}/quickstart", "GET"),
                (f"/developer/apps/{app_id}/audit", "GET"),
                ("/developer/apps", "GET"),
            ]
        ),
        label="route",
    )
    if method == "GET":
        query = data.draw(fs.query({"before": values("1", "9" * 30, "-1")}), label="query")
        fuzz.send(visitor.http, method, path, query=query)
        return
    content_type, body = form_post(data, visitor.csrf, APP_FIELDS)
    fuzz.send(visitor.http, method, path, body=body, content_type=content_type)


# Admin console ---------------------------------------------------------------------------

RATE_LIMITS = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.just("1" + "0" * 309),
    st.sampled_from(["١٢", "1_000", "1e3", "0x10", " 10 ", "+5", "10.5", "NaN", "inf"]),
)


@given(data=st.data())
def test_admin_console(world, visitors, fuzzer, data):
    fuzz = fuzzer("admin console")
    visitor = visitors[data.draw(st.sampled_from(["admin"] * 4 + ["developer", "anonymous"]), label="as")]
    app_id = data.draw(_app_ids(world), label="client_id")
    actions = ["suspend", "resume", "rate-limit", "token-rate", "page", "audit", "export", "index"]
    action = data.draw(st.sampled_from(actions), label="action")
    if action in ("page", "audit", "export", "index"):
        path = {
            "page": f"/admin/apps/{app_id}",
            "audit": "/admin/audit",
            "export": "/admin/audit.csv",
            "index": "/admin",
        }[action]
        fields = {
            "client_id": values(world.sacrificial["client_id"], "App"),
            "user": values("1", "user@example.com", "9" * 30),
            "before": values("1", "9" * 30, "-1", "1.5"),
            "action": values("app.suspended", "signup", "nope"),
            "actor": values("user@example.com"),
            "since": values("2026-01-01", "2026-02-30", "9999-12-31"),
            "until": values("2026-01-02", "0001-01-01"),
            "q": values("App", "%", "_"),
            "status": values("active", "suspended", "gone"),
            "verified": values("yes", "no"),
            "sort": values("name", "calls"),
            "page": values("1", "2", "-1", "9" * 30),
        }
        fuzz.send(visitor.http, "GET", path, query=data.draw(fs.query(fields), label="query"))
        return
    fields = {"reason": values("Abuse"), "rate_limit": values(RATE_LIMITS), "token_rate": values(RATE_LIMITS)}
    content_type, body = form_post(data, visitor.csrf, fields)
    fuzz.send(visitor.http, "POST", f"/admin/apps/{app_id}/{action}", body=body, content_type=content_type)


# Never the ids of the world's own visitors: an admin target must not disable or demote them.
ODD_USER_IDS = st.sampled_from(["0", "-1", "9" * 18, "9" * 19, "9" * 40, "1.5", "x", "%00", "\u0661"])
USER_ACTIONS = ["disable", "enable", "role", "two-factor/reset", "unlock"]


@given(data=st.data())
def test_admin_users(world, visitors, fuzzer, data):
    fuzz = fuzzer("admin users")
    visitor = visitors[data.draw(st.sampled_from(["admin"] * 4 + ["developer", "anonymous"]), label="as")]
    user_id = data.draw(st.just(str(world.sacrificial_user_id)) | ODD_USER_IDS, label="user id")
    action = data.draw(st.sampled_from(["index", "page", *USER_ACTIONS]), label="action")
    if action == "index":
        query = data.draw(fs.query({"q": values("sacrificial", "@", "%"), "page": values(RATE_LIMITS)}), label="query")
        fuzz.send(visitor.http, "GET", "/admin/users", query=query)
        return
    if action == "page":
        fuzz.send(visitor.http, "GET", f"/admin/users/{user_id}")
        return
    fields = {"reason": values("Abuse"), "role": values("user", "developer", "admin", "root")}
    content_type, body = form_post(data, visitor.csrf, fields)
    fuzz.send(visitor.http, "POST", f"/admin/users/{user_id}/{action}", body=body, content_type=content_type)


# Account pages ---------------------------------------------------------------------------


@budget(0.5)
@given(data=st.data())
def test_account_pages(world, visitors, fuzzer, data):
    fuzz = fuzzer("account pages")
    visitor = visitors[data.draw(st.sampled_from(["user"] * 3 + ["anonymous"]), label="as")]
    app_id = data.draw(_app_ids(world), label="client_id")
    digest = data.draw(ODD_PATH_SEGMENTS | st.just("0" * 64), label="digest")
    path, method = data.draw(
        st.sampled_from(
            [
                (f"/account/apps/{app_id}/revoke", "GET"),
                (f"/account/apps/{app_id}/revoke", "POST"),
                ("/account/apps", "GET"),
                ("/account/security", "GET"),
                (f"/account/sessions/{digest}/end", "GET"),
                (f"/account/sessions/{digest}/end", "POST"),
                ("/account/sessions/end-others", "GET"),
                ("/account/sessions/end-others", "POST"),
            ]
        ),
        label="route",
    )
    content_type, body = form_post(data, visitor.csrf, {"decision": values("revoke"), "confirm": values("yes", "no")})
    fuzz.send(visitor.http, method, path, body=body if method == "POST" else None, content_type=content_type)


# Every route, every method ------------------------------------------------------------------


@given(data=st.data())
def test_every_route_and_method(fuzz_app, world, visitors, fuzzer, data):
    """Any route the app has (today's and tomorrow's), with odd path values, any method, any visitor.

    Only the signed-out visitor sends its real CSRF token here: a generated
    form must not sign the shared visitors out, or make the admin undo the world.
    """
    fuzz = fuzzer("every route")
    rule = data.draw(st.sampled_from(sorted(fuzz_app.url_map.iter_rules(), key=lambda r: r.rule)), label="rule")
    path = _fill(rule.rule, data)
    visitor = visitors[data.draw(st.sampled_from(["anonymous", "user", "developer", "admin"]), label="as")]
    method = data.draw(st.sampled_from(sorted(rule.methods)) | st.sampled_from(fs.METHODS), label="method")
    query = data.draw(fs.query({"next": values("/"), "before": values("1")}), label="query")
    if visitor.role == "anonymous":
        content_type, body = form_post(data, visitor.csrf, {"email": values(), "name": values()})
    else:
        content_type, body = data.draw(fs.bodies({"csrf_token": values()}), label="body")
    machine = rule.rule.startswith(("/oauth/token", "/oauth/revoke", "/oauth/introspect", "/api/"))
    fuzz.send(visitor.http, method, path, query=query, body=body, content_type=content_type, machine=machine)


def _fill(rule: str, data) -> str:
    """A concrete path for a URL rule: each <variable> replaced by a generated segment."""
    parts = rule.replace(">", "<").split("<")
    segment = ODD_PATH_SEGMENTS | st.just("1")
    return "".join(data.draw(segment, label=part) if index % 2 else part for index, part in enumerate(parts))


# Session contents ---------------------------------------------------------------------------

SESSION_KEYS = ["_user_id", "_fresh", "_id", "_remember", "_remember_seconds", "csrf_token", "_flashes", "next"]
SESSION_VALUES = fs.JSON_VALUES | st.sampled_from(["1", "2", "set", "clear", True, [["success", "Saved."]]])


@given(data=st.data())
def test_session_contents(fuzz_app, fuzzer, data):
    """A session holding values of any shape (a leaked SECRET_KEY, an older release): pages still answer."""
    fuzz = fuzzer("session contents")
    http = fuzz_app.test_client()
    contents = data.draw(st.dictionaries(st.sampled_from(SESSION_KEYS) | fs.ANY_TEXT, SESSION_VALUES), label="session")
    with http.session_transaction() as session:
        session.update(contents)
    path = data.draw(st.sampled_from(["/", "/login", "/developer/apps", "/admin", "/account/security", "/nope"]))
    method = data.draw(st.sampled_from(["GET", "GET", "POST", "OPTIONS"]), label="method")
    token = contents.get("csrf_token")
    body = fs.encode([("csrf_token", token)]).encode() if isinstance(token, str) else None
    fuzz.send(http, method, path, body=body, content_type=fs.CONTENT_TYPES[0])
