"""Codes and tokens through the real endpoints, for any test that needs them.

    client, secret = register_client(app)                  # a confidential app, every scope
    auth.sign_in_as()                                      # someone to consent
    tokens = get_tokens(http, client, secret, scope="read:profile")
    http.get("/api/v1/me", headers=bearer(tokens["access_token"]))

`http` is a Flask test client (signed in through `auth` for anything that
passes the consent page). Nothing here touches the stores behind the
protocol's back, except `register_client`, which registers apps the way
the CLI does.
"""

import base64
import secrets
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote_plus, urlencode, urlsplit

import audit
from oauth import clients, pkce
from oauth.client_rules import DEFAULT_GRANT_TYPES, GRANT_TYPES
from oauth.scopes import ALL_SCOPES
from stores.postgres import get_connection
from stores.redis_client import get_redis
from tests.support.accounts import find_or_create_user

REDIRECT_URI = "https://app.example.com/callback"
OWNER_EMAIL = "developer@example.com"
STATE = "state-1234"


def register_client(app, *, owner_email: str = OWNER_EMAIL, **overrides) -> tuple[dict, str | None]:
    """Register an app (confidential, every scope and grant type unless overridden); return it and its secret.

    The owner is created on first use. Overrides are clients.create_client
    fields, e.g. client_type="public", scopes=["read:data"], is_resource_server=True.
    """
    client_type = overrides.get("client_type", "confidential")
    fields = {
        "name": "Example App",
        "client_type": client_type,
        "redirect_uris": [REDIRECT_URI],
        "scopes": list(ALL_SCOPES),
        "grant_types": list(GRANT_TYPES if client_type == "confidential" else DEFAULT_GRANT_TYPES),
        "description": "Keeps your items in sync.",
        "homepage_url": "https://app.example.com",
        **overrides,
    }
    owner = find_or_create_user(
        app, owner_email, password="developer password", name="Example Developer", role="developer"
    )
    with app.app_context():
        return clients.create_client(get_connection(), get_redis(), audit.CLI, owner_id=owner["id"], **fields)


def pkce_pair() -> tuple[str, str]:
    """A fresh (code_verifier, S256 code_challenge)."""
    verifier = secrets.token_urlsafe(48)
    return verifier, pkce.s256(verifier)


def basic_auth(client_id: str, secret: str) -> dict[str, str]:
    """An HTTP Basic header with both parts form-URL-encoded first (RFC 6749 §2.3.1)."""
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}"
    return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def authorize_params(client: dict, *, scope: str = "read:profile", code_challenge: str | None = None, **extra) -> dict:
    """Query parameters of an authorization request; `extra` adds or (with None) drops any."""
    params = {
        "response_type": "code",
        "client_id": client["client_id"],
        "redirect_uri": client["redirect_uris"][0],
        "scope": scope,
        "state": STATE,
    }
    if code_challenge:
        params.update(code_challenge=code_challenge, code_challenge_method="S256")
    params.update(extra)
    return {name: value for name, value in params.items() if value is not None}


def authorize_url(client: dict, **kwargs) -> str:
    return "/oauth/authorize?" + urlencode(authorize_params(client, **kwargs))


def redirect_params(response) -> dict[str, str]:
    """The query of a redirect's Location, one value per name."""
    query = parse_qs(urlsplit(response.headers["Location"]).query, keep_blank_values=True)
    return {name: values[0] for name, values in query.items()}


def form_fields(html: str) -> dict[str, str]:
    """name -> value of every hidden input on a page (on the consent page: its challenge and CSRF token)."""
    parser = _HiddenInputs()
    parser.feed(html)
    return parser.fields


def decide(http, consent_page_html: str, decision: str = "allow"):
    """Press Allow or Deny on a consent page; return the response (a redirect to the client)."""
    return http.post("/oauth/authorize", data={**form_fields(consent_page_html), "decision": decision})


def authorize_and_get_code(http, client: dict, *, use_pkce: bool = True, **kwargs) -> tuple[str, str | None]:
    """Run the signed-in person through authorization (and consent if asked); return (code, verifier)."""
    verifier, challenge = pkce_pair() if use_pkce else (None, None)
    response = http.get(authorize_url(client, code_challenge=challenge, **kwargs))
    if response.status_code == 200:
        response = decide(http, response.text)
    assert response.status_code in (302, 303), response.text
    params = redirect_params(response)
    assert "code" in params, params
    return params["code"], verifier


def token_request(http, client: dict, secret: str | None, **params):
    """POST /oauth/token authenticated as `client`: HTTP Basic with a secret, client_id alone without."""
    if secret is None:
        return http.post("/oauth/token", data={"client_id": client["client_id"], **params})
    return http.post("/oauth/token", data=params, headers=basic_auth(client["client_id"], secret))


def exchange_code(http, client: dict, secret: str | None, code: str, verifier: str | None, **extra):
    """Exchange a code at the token endpoint (redirect URI and verifier as they should be)."""
    params = {"grant_type": "authorization_code", "code": code, "redirect_uri": client["redirect_uris"][0]}
    if verifier:
        params["code_verifier"] = verifier
    params.update(extra)
    return token_request(http, client, secret, **{k: v for k, v in params.items() if v is not None})


def refresh(http, client: dict, secret: str | None, refresh_token: str, **extra):
    return token_request(http, client, secret, grant_type="refresh_token", refresh_token=refresh_token, **extra)


def get_tokens(http, client: dict, secret: str | None, **kwargs) -> dict:
    """Authorize (signed in), consent and exchange: the token response's JSON."""
    code, verifier = authorize_and_get_code(http, client, **kwargs)
    response = exchange_code(http, client, secret, code, verifier)
    assert response.status_code == 200, response.text
    return response.get_json()


def introspect(http, caller: dict, secret: str, token: str) -> dict:
    response = http.post("/oauth/introspect", data={"token": token}, headers=basic_auth(caller["client_id"], secret))
    assert response.status_code == 200, response.text
    return response.get_json()


def secret_works(http, client_id: str, secret: str) -> bool:
    """Whether the server accepts `secret` as the client's, asked the way a client proves itself.

    Introspection takes HTTP Basic from any active confidential client, whatever
    its grant types, and answers a wrong secret with 401; the token asked about
    is none of the client's, so nothing is issued (the secret's last use is
    noted). Any other answer, a 500 or 503 included, fails the test here
    rather than reading as "refused".
    """
    response = http.post("/oauth/introspect", data={"token": "not-a-token"}, headers=basic_auth(client_id, secret))
    assert response.status_code in (200, 401), response.status_code
    return response.status_code == 200 and response.get_json() == {"active": False}


def revoke(http, client: dict, secret: str | None, token: str):
    if secret is None:
        return http.post("/oauth/revoke", data={"token": token, "client_id": client["client_id"]})
    return http.post("/oauth/revoke", data={"token": token}, headers=basic_auth(client["client_id"], secret))


class _HiddenInputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden" and attributes.get("name"):
            self.fields[attributes["name"]] = attributes.get("value") or ""
