"""/docs and /docs/openapi.json: every endpoint served is in both, the document validates and tells the truth."""

import html
import json
import re

import pytest
from flask import Flask
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from api.rate_limit import DEFAULT_LIMIT
from oauth.scopes import ALL_SCOPES
from tests.support.api import user_with_token
from tests.support.apps import make_app
from tests.support.oauth import bearer, get_tokens, introspect, register_client, token_request
from tests.support.portal import register_and_read

DOCUMENTED_PREFIXES = ("/oauth/", "/api/", "/.well-known/")
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def served_routes(app: Flask) -> set[tuple[str, str]]:
    """(METHOD, OpenAPI path) of every route under the documented prefixes."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(DOCUMENTED_PREFIXES):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            found |= {(method, path) for method in rule.methods - IGNORED_METHODS}
    return found


def undocumented(app: Flask) -> list[str]:
    """Routes missing from the OpenAPI document or from the /docs reference."""
    client = app.test_client()
    document = client.get("/docs/openapi.json").get_json()
    page = html.unescape(client.get("/docs").text)
    missing = []
    for method, path in sorted(served_routes(app)):
        if method.lower() not in document["paths"].get(path, {}):
            missing.append(f"openapi: {method} {path}")
        if f"<code>{method} {path}</code>" not in page:
            missing.append(f"/docs: {method} {path}")
    return missing


def test_every_route_under_oauth_api_and_well_known_is_in_docs_and_openapi(app):
    assert len(served_routes(app)) >= 20
    assert undocumented(app) == []


def test_a_new_endpoint_without_docs_is_caught(store_urls):
    app = make_app(store_urls)

    @app.get("/api/v1/undocumented")
    def undocumented_call():
        return {}

    assert undocumented(app) == ["openapi: GET /api/v1/undocumented", "/docs: GET /api/v1/undocumented"]


def test_the_openapi_document_is_valid_openapi_3_1(client):
    document = client.get("/docs/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises on any breach of the OpenAPI 3.1 schema
    assert document["servers"] == [{"url": "http://localhost"}]


def test_the_openapi_document_is_served_like_discovery(client):
    response = client.get("/docs/openapi.json", headers={"Origin": "https://editor.example.org"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    again = client.get("/docs/openapi.json", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert client.get_cookie("session") is None


def test_a_wrong_method_on_the_openapi_document_is_a_json_error(client):
    response = client.post("/docs/openapi.json")
    assert response.status_code == 405 and response.is_json


def test_the_oauth_flows_offer_every_scope(client):
    flows = client.get("/docs/openapi.json").get_json()["components"]["securitySchemes"]["oauth2"]["flows"]
    assert set(flows["authorizationCode"]["scopes"]) == set(ALL_SCOPES)
    assert flows["authorizationCode"]["tokenUrl"] == "http://localhost/oauth/token"


def api_operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            scopes = [scheme["oauth2"] for scheme in operation.get("security", []) if "oauth2" in scheme]
            if path.startswith("/api/") and scopes:
                yield method, path, scopes[0][0]


def test_each_api_call_requires_the_scope_the_document_names(app, client):
    document = client.get("/docs/openapi.json").get_json()
    operations = list(api_operations(document))
    assert len(operations) == 8
    for index, (method, path, scope) in enumerate(operations):
        others = [s for s in ALL_SCOPES if s != scope]
        issued = user_with_token(app, f"scope{index}@example.com", others)
        url = path.replace("{webhook_id}", "9b2f0c6e-4f1d-4c55-9a55-2c1e0f1b7d10")
        response = client.open(url, method=method.upper(), headers=issued.headers, json={})
        assert response.status_code == 403, (method, path)
        assert f'scope="{scope}"' in response.headers["WWW-Authenticate"], (method, path)


def answer_schema(document: dict, path: str, method: str, status: int) -> OAS31Validator:
    content = document["paths"][path][method]["responses"][str(status)]["content"]["application/json"]
    # `#/components/...` resolves against the root: the components ride along with the schema.
    return OAS31Validator({**content["schema"], "components": document["components"]})


def test_real_answers_match_the_documented_schemas_and_headers(app, client):
    document = client.get("/docs/openapi.json").get_json()
    issued = user_with_token(app, "schemas@example.com", list(ALL_SCOPES))
    calls = [
        ("post", "/api/v1/data", 201, {"title": "First"}),
        ("get", "/api/v1/data", 200, None),
        ("get", "/api/v1/me", 200, None),
        ("patch", "/api/v1/me", 200, {"name": "Ada"}),
        ("get", "/api/v1/billing", 200, None),
        ("post", "/api/v1/webhooks", 201, {"url": "https://hooks.example.com/in", "events": ["item.created"]}),
        ("get", "/api/v1/webhooks", 200, None),
    ]
    for method, path, status, body in calls:
        response = client.open(path, method=method.upper(), headers=issued.headers, json=body)
        assert response.status_code == status, (method, path, response.text)
        answer_schema(document, path, method, status).validate(response.get_json())
        documented = document["paths"][path][method]["responses"][str(status)]["headers"]
        assert set(documented) <= set(response.headers.keys()), (method, path)
        example = document["paths"][path][method]["responses"][str(status)]["content"]["application/json"]
        answer_schema(document, path, method, status).validate(example["example"])


def test_a_wrong_answer_would_fail_the_schema_check(client):
    document = client.get("/docs/openapi.json").get_json()
    assert not answer_schema(document, "/api/v1/me", "get", 200).is_valid({"id": "7", "email": "a@example.com"})


def test_the_documented_error_examples_are_the_errors_served(app, client):
    document = client.get("/docs/openapi.json").get_json()
    response = client.get("/api/v1/me")
    documented = document["paths"]["/api/v1/me"]["get"]["responses"]["401"]
    assert response.status_code == 401 and "WWW-Authenticate" in documented["headers"]
    assert response.get_json()["error"] == documented["content"]["application/json"]["example"]["error"]


def test_the_default_rate_limit_stated_is_a_new_apps(app):
    client, _secret = register_client(app)  # no rate limit given: the default one
    assert client["rate_limit"] == DEFAULT_LIMIT
    assert f"{DEFAULT_LIMIT} per 60 minutes" in app.test_client().get("/docs").text


@pytest.fixture
def short_lived(store_urls):
    return make_app(store_urls, ACCESS_TOKEN_TTL=900, RATE_LIMIT_WINDOW_SECONDS=600, CLIENT_CREDENTIALS_TOKEN_CAP=7)


def test_lifetimes_and_windows_follow_the_configuration(short_lived):
    http = short_lived.test_client()
    page = http.get("/docs").text
    assert "<td>Access token</td><td>900 seconds" in page
    assert "1000 per 10 minutes" in page
    assert '<td>Live client-credentials tokens, per app</td><td data-label="How much">7</td>' in page
    document = http.get("/docs/openapi.json").get_json()
    token_example = document["paths"]["/oauth/token"]["post"]["responses"]["200"]["content"]["application/json"]
    assert token_example["example"]["expires_in"] == 900


def test_docs_explain_rate_limit_headers_errors_pages_and_changes(client):
    page = html.unescape(client.get("/docs").text)
    for header in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"):
        assert f"<td><code>{header}</code></td>" in page, header
    for error in ("invalid_grant", "slow_down", "insufficient_scope", "rate_limited", "consent_required"):
        assert f"<code>{error}</code></td>" in page, error
    assert 'id="changelog"' in page and "/docs/openapi.json" in page
    for account_page in ("/account/apps", "/account/security", "/developer/apps"):
        assert f"<code>{account_page}</code>" in page
    for scope in ALL_SCOPES:
        assert f"<code>{scope}</code>" in page


def test_the_home_page_and_the_docs_link_to_each_other(client):
    home = client.get("/").text
    assert 'href="/docs"' in home
    assert 'href="http://localhost/docs/openapi.json"' in client.get("/docs").text


def test_the_quickstart_links_to_the_docs(client, auth):
    auth.sign_in_as("dev@example.com")
    client_id, _secret = register_and_read(client)
    page = client.get(f"/developer/apps/{client_id}/quickstart").text
    assert '<a href="http://localhost/docs"><code>http://localhost/docs</code></a>' in page
    assert 'href="/docs"' in page


def test_the_429_shown_has_the_shape_the_api_serves(app, client):
    issued = user_with_token(app, "spent@example.com", ["read:profile"], rate_limit=1)
    client.get("/api/v1/me", headers=issued.headers)
    refused = client.get("/api/v1/me", headers=issued.headers)
    assert refused.status_code == 429
    page = html.unescape(client.get("/docs").text)
    shown = json.loads(page.split("RateLimit-Reset: 1312\n\n", 1)[1].split("</pre>", 1)[0])
    assert shown.keys() == refused.get_json().keys() and shown["error"] == refused.get_json()["error"]
    assert f"Retry-After: {shown['retry_after']}" in page


def test_real_protocol_answers_match_the_documented_schemas(app, client, auth):
    document = client.get("/docs/openapi.json").get_json()
    registered, secret = register_client(app)
    auth.sign_in_as()
    tokens = get_tokens(client, registered, secret, scope="openid profile email read:profile")
    answer_schema(document, "/oauth/token", "post", 200).validate(tokens)
    assert (
        tokens["expires_in"]
        == document["paths"]["/oauth/token"]["post"]["responses"]["200"]["content"]["application/json"]["example"][
            "expires_in"
        ]
    )
    details = introspect(client, registered, secret, tokens["access_token"])
    answer_schema(document, "/oauth/introspect", "post", 200).validate(details)
    claims = client.get("/oauth/userinfo", headers=bearer(tokens["access_token"])).get_json()
    answer_schema(document, "/oauth/userinfo", "get", 200).validate(claims)
    refused = token_request(client, registered, secret, grant_type="refresh_token", refresh_token="part_nope")
    assert refused.status_code == 400
    assert refused.get_json()["error"] in document["paths"]["/oauth/token"]["post"]["responses"]["400"]["description"]
    for path in ("/.well-known/jwks.json", "/.well-known/oauth-authorization-server"):
        answer_schema(document, path, "get", 200).validate(client.get(path).get_json())


@pytest.mark.parametrize(
    ("who", "paths"),
    [
        (None, ["/", "/login", "/signup", "/password/forgot", "/docs", "/no-such-page"]),
        ("user", ["/account/security", "/account/apps", "/account/password", "/developer/apps"]),
        ("admin", ["/admin", "/admin/users", "/admin/audit"]),
    ],
)
def test_every_page_links_to_the_docs_from_its_navigation(client, auth, who, paths):
    if who:
        auth.sign_in_as(role=who)
    for path in paths:
        nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', client.get(path).text, re.S)
        assert nav and 'href="/docs"' in nav.group(1), path
