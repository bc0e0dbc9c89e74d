"""The quickstart's Python side: each step with requests-oauthlib, filled in with the app's values.

Pure: strings of Python that a developer pastes in order into one program
(each step uses the names the ones before it made). The test suite runs
them, step by step, against a live server (tests/e2e/test_quickstart_live.py).
Every value from the app or the configuration enters as a literal made by
`literal`: a registered redirect URI may hold quotes, and must stay a string.
"""

from dataclasses import dataclass

from oauth.clients import Client
from oauth.scopes import format_scope


def literal(value: str) -> str:
    """A Python string literal equal to `value`: repr's escaping, in double quotes when no quote needs escaping."""
    if "'" in value or '"' in value:
        return repr(value)
    return '"' + repr(value)[1:-1] + '"'


@dataclass(frozen=True)
class Auth:
    """How the app proves itself at the token and revocation endpoints, in requests-oauthlib's terms."""

    fetch: str  # fetch_token's keyword: the secret (HTTP basic), or the client ID in the body
    refresh: str  # refresh_token's keyword
    revoke: str  # requests.post's keywords for the revocation call


def auth_for(client: Client) -> Auth:
    if client["client_type"] == "confidential":
        basic = "auth=(CLIENT_ID, CLIENT_SECRET)"
        return Auth("client_secret=CLIENT_SECRET", basic, basic)
    return Auth("include_client_id=True", "client_id=CLIENT_ID", "")


def settings(urls: dict[str, str], client: Client, redirect_uri: str) -> str:
    lines = ["import os", ""]
    if urls["issuer"].startswith("http://"):
        lines.append('os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"  # this server is plain http: development only')
    lines += [
        f"ISSUER = {literal(urls['issuer'])}",
        f"AUTHORIZE_URL = {literal(urls['authorization'])}",
        f"TOKEN_URL = {literal(urls['token'])}",
        f"REVOKE_URL = {literal(urls['revocation'])}",
        f"API_URL = {literal(urls['api'])}",
        f"CLIENT_ID = {literal(client['client_id'])}",
    ]
    if client["client_type"] == "confidential":
        lines.append('CLIENT_SECRET = os.environ["CLIENT_SECRET"]  # the secret you saved; never in the code')
    if redirect_uri:
        lines.append(f"REDIRECT_URI = {literal(redirect_uri)}")
    return "\n".join(lines)


def authorization(client: Client, with_nonce: bool) -> str:
    nonce = ["import secrets", ""] if with_nonce else []
    call = "session.authorization_url(AUTHORIZE_URL" + (", nonce=nonce)" if with_nonce else ")")
    return "\n".join(
        [
            *nonce,
            "from requests_oauthlib import OAuth2Session",
            "",
            f"SCOPES = {literal(format_scope(client['scopes']))}.split()",
            "# pkce: the session makes the verifier and sends its S256 challenge; it keeps state too.",
            'session = OAuth2Session(CLIENT_ID, redirect_uri=REDIRECT_URI, scope=SCOPES, pkce="S256")',
            *(["nonce = secrets.token_urlsafe(16)"] if with_nonce else []),
            f"authorization_url, state = {call}",
            "# Send the person's browser to authorization_url; keep `session` until they come back.",
        ]
    )


def exchange(auth: Auth) -> str:
    return "\n".join(
        [
            "from urllib.parse import parse_qs, urlsplit",
            "",
            "# callback_url: the whole URL the browser came back to (in Flask: request.url).",
            'if parse_qs(urlsplit(callback_url).query).get("iss") != [ISSUER]:  # RFC 9207',
            '    raise ValueError("This answer did not come from the expected server.")',
            f"token = session.fetch_token(TOKEN_URL, authorization_response=callback_url, {auth.fetch})",
            "# It checked state; token holds access_token, refresh_token, expires_in and scope.",
        ]
    )


def client_credentials(client: Client) -> str:
    return "\n".join(
        [
            "from oauthlib.oauth2 import BackendApplicationClient",
            "from requests_oauthlib import OAuth2Session",
            "",
            f"SCOPES = {literal(format_scope(client['scopes']))}.split()",
            "session = OAuth2Session(client=BackendApplicationClient(client_id=CLIENT_ID), scope=SCOPES)",
            "token = session.fetch_token(TOKEN_URL, client_secret=CLIENT_SECRET)",
        ]
    )


def call_api(auth: Auth, refreshes: bool, tail: str) -> str:
    if refreshes:
        on_401 = [
            "    if response.status_code == 401:  # expired or revoked: refresh once, then call again",
            f"        session.refresh_token(TOKEN_URL, {auth.refresh})",
            "        response = session.get(url)",
        ]
    else:
        on_401 = [
            "    if response.status_code == 401:  # expired or revoked: a new token, then call again",
            "        session.fetch_token(TOKEN_URL, client_secret=CLIENT_SECRET)",
            "        response = session.get(url)",
        ]
    return "\n".join(
        [
            "class TryLater(Exception):",
            '    """The app\'s calls are spent for now: they are back in `seconds`."""',
            "",
            "    def __init__(self, seconds):",
            '        super().__init__(f"try again in {seconds} seconds")',
            "        self.seconds = seconds",
            "",
            "",
            "def call_api(session, url):",
            "    response = session.get(url)",
            *on_401,
            "    if response.status_code == 429:  # the app's hourly calls are spent: wait, do not retry at once",
            '        raise TryLater(int(response.headers["Retry-After"]))',
            "    response.raise_for_status()",
            '    print("calls left in this window:", response.headers["RateLimit-Remaining"])',
            "    return response.json()",
            "",
            "",
            f"answer = call_api(session, API_URL + {literal(tail)})",
        ]
    )


def refresh(auth: Auth) -> str:
    return "\n".join(
        [
            f"token = session.refresh_token(TOKEN_URL, {auth.refresh})",
            '# Store token["refresh_token"] now: the one you sent is spent, and using it again',
            "# would end this authorization.",
        ]
    )


def revoke(auth: Auth, token_name: str) -> str:
    fields = [f'"token": token[{literal(token_name)}]', f'"token_type_hint": {literal(token_name)}']
    if not auth.revoke:
        fields.append('"client_id": CLIENT_ID')  # a public app names itself in the body
    keywords = f"{auth.revoke}, timeout=10" if auth.revoke else "timeout=10"
    return "\n".join(
        [
            "import requests",
            "",
            f"revoked = requests.post(REVOKE_URL, data={{{', '.join(fields)}}}, {keywords})",
            "revoked.raise_for_status()  # 200 even for a token already gone",
        ]
    )


def sign_in(urls: dict[str, str], client: Client) -> str:
    """The ID token that came with the tokens, checked against the JWKS; then who the person is."""
    return "\n".join(
        [
            "import jwt  # PyJWT, with cryptography installed",
            "",
            'id_token = token["id_token"]',
            f"jwks = jwt.PyJWKClient({literal(urls['jwks'])})",
            "key = jwks.get_signing_key_from_jwt(id_token)",
            "claims = jwt.decode(",
            f"    id_token, key, algorithms=[{literal(client['id_token_signed_response_alg'])}], "
            f"audience={literal(client['client_id'])}, issuer={literal(urls['issuer'])}",
            ")",
            'assert claims["nonce"] == nonce  # the one you sent',
            'person_id = claims["sub"]',
        ]
    )
