"""Fuzzing the protocol endpoints: authorization, token, revocation, introspection, leaked credentials.

Each example is one request whose every parameter may be missing, repeated,
plausible, almost valid or anything at all; the checks are harness.Fuzzer's.
Strategies are built once per world (strategies.per_world).
"""

from hypothesis import given
from hypothesis import strategies as st

from oauth import credentials
from tests.fuzz import strategies as fs
from tests.fuzz.profiles import budget
from tests.fuzz.strategies import per_world, values

PROMPTS = ["none", "login", "consent", "none login", "select_account"]
GRANT_TYPES = ["authorization_code", "refresh_token", "client_credentials", "password", "implicit"]
SCOPE_LISTS = st.lists(st.sampled_from(fs.SCOPES), max_size=4).map(" ".join)


def _client_ids(world) -> st.SearchStrategy:
    return values(st.sampled_from(world.client_ids), "pa_client_")


@per_world
def _authorization_requests(world) -> dict[str, st.SearchStrategy]:
    """GET: a query; POST: a body (the consent form's fields too)."""
    fields = {
        "response_type": values("code", "token", "code id_token"),
        "client_id": _client_ids(world),
        "redirect_uri": values(st.sampled_from(world.redirect_uris)),
        "scope": values(SCOPE_LISTS),
        "state": values("s"),
        "code_challenge": values("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "x" * 43),
        "code_challenge_method": values("S256", "plain"),
        "prompt": values(st.sampled_from(PROMPTS)),
        "max_age": values("0", "-1", "10" * 20),
        "nonce": values("n"),
        "login_hint": values("user@example.com"),
        "request": values("eyJ"),
        "request_uri": values("urn:x"),
        "response_mode": values("query", "fragment", "form_post"),
    }
    form = {**fields, "decision": values("allow", "deny"), "consent_challenge": values("x"), "csrf_token": values()}
    return {"query": fs.query(fields), "body": fs.bodies(form)}


@given(data=st.data())
def test_authorization_endpoint(world, visitors, fuzzer, data):
    fuzz = fuzzer("authorize")
    visitor = visitors[data.draw(st.sampled_from(["anonymous", "user"]), label="as")]
    requests = _authorization_requests(world)
    if data.draw(st.booleans(), label="GET"):
        response = fuzz.send(visitor.http, "GET", "/oauth/authorize", query=data.draw(requests["query"], label="query"))
    else:
        content_type, body = data.draw(requests["body"], label="body")
        response = fuzz.send(visitor.http, "POST", "/oauth/authorize", body=body, content_type=content_type)
    _check_redirect_back(world, response)


def _check_redirect_back(world, response) -> None:
    """A redirect to the app carries a code or an error (RFC 6749 §4.1.2), never nothing."""
    location = response.headers.get("Location", "")
    if response.status_code in (302, 303) and location.startswith(tuple(world.redirect_uris)):
        assert "code=" in location or "error=" in location, location


@per_world
def _client_auth(world) -> st.SearchStrategy[tuple[dict, dict]]:
    """(body fields, headers): client credentials in the body, in a Basic header, both, or neither.

    The real secrets come often, so that requests get past client authentication.
    """
    secrets = values(world.secret, world.resource_server_secret, fs.near_credential(credentials.CLIENT_SECRET_PREFIX))
    in_body = {"client_id": _client_ids(world), "client_secret": secrets}
    basic = fs.basic_header(_client_ids(world), secrets).map(lambda header: {"Authorization": header})
    real = st.sampled_from(
        [
            (world.confidential["client_id"], world.secret),
            (world.resource_server["client_id"], world.resource_server_secret),
        ]
    ).map(lambda pair: {"Authorization": fs.basic_credentials(*pair)})
    return st.one_of(
        st.tuples(st.just(in_body), st.just({})),
        st.tuples(st.just({}), basic | real),
        st.tuples(st.just(in_body), basic),
        st.tuples(st.just({}), st.just({})),
    )


@per_world
def _machine_requests(world) -> dict[str, st.SearchStrategy]:
    tokens = values(st.sampled_from(world.tokens), fs.any_credential())
    token_fields = {
        "grant_type": values(st.sampled_from(GRANT_TYPES)),
        "code": values(fs.near_credential(credentials.CODE_PREFIX)),
        "redirect_uri": values(st.sampled_from(world.redirect_uris)),
        "code_verifier": values("v" * 43, "v" * 129),
        "refresh_token": tokens,
        "scope": values(SCOPE_LISTS),
    }
    token_fields_for = {"token": tokens, "token_type_hint": values("access_token", "refresh_token")}
    return {"token": token_fields, "revoke": token_fields_for, "introspect": token_fields_for}


def _machine_request(world, visitors, fuzz, data, path: str) -> None:
    auth_fields, headers = data.draw(_client_auth(world), label="client auth")
    fields = {**_machine_requests(world)[fuzz.target], **auth_fields}
    method = data.draw(st.sampled_from(["POST"] * 6 + fs.METHODS), label="method")
    content_type, body = data.draw(fs.bodies(fields), label="body")
    visitor = visitors[data.draw(st.sampled_from(["anonymous", "user"]), label="as")]
    fuzz.send(visitor.http, method, path, body=body, content_type=content_type, headers=headers, machine=True)


@given(data=st.data())
def test_token_endpoint(world, visitors, fuzzer, data):
    _machine_request(world, visitors, fuzzer("token"), data, "/oauth/token")


@given(data=st.data())
def test_revocation_endpoint(world, visitors, fuzzer, data):
    _machine_request(world, visitors, fuzzer("revoke"), data, "/oauth/revoke")


@given(data=st.data())
def test_introspection_endpoint(world, visitors, fuzzer, data):
    _machine_request(world, visitors, fuzzer("introspect"), data, "/oauth/introspect")


# Never the world's own tokens: a reported token is revoked, and the other targets need them live.
LEAKED_LISTS = st.lists(fs.any_credential() | fs.JSON_LEAVES, max_size=120)
LEAKED_BODIES = st.one_of(
    st.tuples(st.just("application/json"), fs.json_objects({"credentials": LEAKED_LISTS}).map(fs.json_body)),
    st.tuples(st.just("application/json"), LEAKED_LISTS.map(lambda c: fs.json_body({"credentials": c}))),
    fs.bodies({"credentials": fs.any_credential()}),
)


@given(data=st.data())
def test_leaked_credentials_endpoint(visitors, fuzzer, data):
    fuzz = fuzzer("leaked")
    method = data.draw(st.sampled_from(["POST"] * 6 + fs.METHODS), label="method")
    content_type, body = data.draw(LEAKED_BODIES, label="body")
    visitor = visitors[data.draw(st.sampled_from(["anonymous", "user"]), label="as")]
    fuzz.send(visitor.http, method, "/oauth/leaked", body=body, content_type=content_type, machine=True)


DISCOVERY_PATHS = ["/.well-known/oauth-authorization-server", "/docs", "/healthz"]


@budget(0.25)
@given(data=st.data())
def test_discovery_and_documentation(visitors, fuzzer, data):
    fuzz = fuzzer("discovery")
    path = data.draw(st.sampled_from(DISCOVERY_PATHS), label="path")
    method = data.draw(st.sampled_from(fs.METHODS), label="method")
    query = data.draw(fs.query({"format": values()}), label="query")
    visitor = visitors[data.draw(st.sampled_from(["anonymous", "user"]), label="as")]
    fuzz.send(visitor.http, method, path, query=query, machine=path != "/docs")
