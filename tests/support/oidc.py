"""OpenID Connect from the relying party's side: discovery, the JWKS, ID tokens checked with PyJWT.

    tokens = sign_in_with(http, client, secret, nonce="n-1")   # code + PKCE with openid profile email
    claims = verify_id_token(http, tokens["id_token"], client)  # signature against the JWKS, iss, aud, exp

Every check is made the way a relying party makes it, from the published
JWKS, never from the server's own key objects.
"""

import base64
import hashlib
from urllib.parse import parse_qs, urljoin, urlsplit

import jwt
import requests

from tests.support.oauth import authorize_and_get_code, exchange_code, form_fields

ISSUER = "http://localhost"
SCOPE = "openid profile email"
JWKS_PATH = "/.well-known/jwks.json"
END_SESSION_PATH = "/oauth/logout"
SIGNED_OUT_APP_PAGE = "https://app.example.com/signed-out"  # a post-logout redirect URI apps register in tests
REQUIRED_CLAIMS = ["iss", "sub", "aud", "exp", "iat", "auth_time", "at_hash"]


def sign_in_with(http, client: dict, secret: str | None, *, scope: str = SCOPE, **kwargs) -> dict:
    """Authorize (the person on `http` is signed in), consent and exchange: the token response's JSON."""
    code, verifier = authorize_and_get_code(http, client, scope=scope, **kwargs)
    response = exchange_code(http, client, secret, code, verifier)
    assert response.status_code == 200, response.text
    return response.get_json()


def published_jwks(http) -> dict:
    response = http.get(JWKS_PATH)
    assert response.status_code == 200, response.text
    return response.get_json()


def verify_id_token(
    http, id_token: str, client: dict, *, jwks: dict | None = None, issuer: str = ISSUER, alg: str = "RS256"
) -> dict:
    """The claims of `id_token` once PyJWT has checked its `alg` signature against the JWKS, iss, aud and exp."""
    header = jwt.get_unverified_header(id_token)
    assert header["alg"] == alg
    key = jwt.PyJWKSet.from_dict(jwks or published_jwks(http))[header["kid"]]
    return jwt.decode(
        id_token,
        key=key,
        algorithms=[alg],
        audience=client["client_id"],
        issuer=issuer,
        options={"require": REQUIRED_CLAIMS},
    )


def at_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6, worked out here independently of the server."""
    half = hashlib.sha256(access_token.encode()).digest()[:16]
    return base64.urlsafe_b64encode(half).decode().rstrip("=")


def kid_of(id_token: str) -> str:
    return jwt.get_unverified_header(id_token)["kid"]


def rotated_kids(rotation: dict) -> dict[str, str]:
    """`keys rotate`'s output as {alg: the kid that signs from now on}."""
    return {key["alg"]: key["kid"] for key in rotation["rotated"]}


def is_signed_in(http) -> bool:
    """Whether the browser `http` holds a live session (a signed-in page opens rather than sending to /login)."""
    return http.get("/account/security").status_code == 200


def end_session(http, method: str = "GET", **params):
    """An RP-initiated logout request as an app's page sends it: a link (GET) or a form (POST)."""
    if method == "GET":
        return http.get(END_SESSION_PATH, query_string=params)
    return http.post(END_SESSION_PATH, data=params)


def sign_in_and_allow(
    person: requests.Session, email: str, password: str, callback: str, authorization_url: str
) -> str:
    """Be the person over real HTTP: follow the URL, sign in, press Allow; the callback URL the browser is sent to."""
    response = person.get(authorization_url, allow_redirects=False, timeout=10)
    login_url = urljoin(authorization_url, response.headers["Location"])
    login_page = person.get(login_url, timeout=10)
    signed_in = person.post(
        urljoin(login_url, "/login"),
        data={**form_fields(login_page.text), "email": email, "password": password},
        allow_redirects=False,
        timeout=10,
    )
    consent_page = person.get(urljoin(login_url, signed_in.headers["Location"]), timeout=10)
    allowed = person.post(
        urljoin(authorization_url, urlsplit(authorization_url).path),
        data={**form_fields(consent_page.text), "decision": "allow"},
        allow_redirects=False,
        timeout=10,
    )
    assert allowed.headers["Location"].startswith(callback)
    return allowed.headers["Location"]


def callback_params(callback_url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(callback_url).query).items()}
