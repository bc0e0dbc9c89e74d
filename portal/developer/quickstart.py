"""The per-app quickstart: endpoints and copy-paste examples filled in with the app's details.

Pure: takes the issuer and the stored app, returns plain values for the template.
"""

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from oauth import metadata
from oauth.clients import Client
from oauth.scopes import format_scope

API_PROFILE_PATH = "/api/v1/me"
ENDPOINT_LABELS = {
    "metadata": "Metadata (RFC 8414)",
    "authorization": "Authorization",
    "token": "Token",
    "revocation": "Revocation",
    "introspection": "Introspection",
    "openid_configuration": "OpenID Connect discovery",
    "jwks": "ID-token keys (JWKS)",
    "userinfo": "Userinfo (OpenID Connect)",
    "end_session": "Sign-out (RP-initiated logout)",
    "documentation": "Documentation",
    "me": "API: the user's profile",
}
PLACEHOLDER_REDIRECT_URI = "https://app.example.com/callback"
# As base.html names the platform; the quickstart is pure, so it does not read the configuration.
PLATFORM_NAME = "Platform Accounts"


@dataclass(frozen=True)
class Step:
    title: str
    explanation: str
    code: str  # shell
    python: str = ""  # the same in Python, where a shell one-liner is not what most people want


def endpoint_urls(issuer: str) -> dict[str, str]:
    """Every URL a developer needs, taken from the metadata document itself."""
    document = metadata.document(issuer)
    return {
        "metadata": issuer + metadata.METADATA_PATH,
        "authorization": document["authorization_endpoint"],
        "token": document["token_endpoint"],
        "revocation": document["revocation_endpoint"],
        "introspection": document["introspection_endpoint"],
        "openid_configuration": issuer + metadata.OPENID_CONFIGURATION_PATH,
        "jwks": document["jwks_uri"],
        "userinfo": document["userinfo_endpoint"],
        "end_session": document["end_session_endpoint"],
        "issuer": document["issuer"],
        "documentation": document["service_documentation"],
        "me": issuer + API_PROFILE_PATH,
    }


def endpoints(issuer: str) -> list[tuple[str, str, bool]]:
    """(name, URL, whether a person reads it in a browser) of every endpoint: the docs page is a link."""
    urls = endpoint_urls(issuer)
    return [(label, urls[key], key == "documentation") for key, label in ENDPOINT_LABELS.items()]


def build_steps(issuer: str, client: Client) -> list[Step]:
    """The quickstart for `client`, step by step, each with code to copy."""
    urls = endpoint_urls(issuer)
    confidential = client["client_type"] == "confidential"
    credentials = f'CLIENT_ID="{client["client_id"]}"'
    if confidential:
        credentials += '\nCLIENT_SECRET="paste the secret you saved when it was shown"'
    keep = (
        "Keep the secret on your server only; never ship it inside an app."
        if confidential
        else "A public app has no secret: every sign-in is proven with PKCE instead."
    )
    steps = [Step("Your credentials", keep, credentials)]
    # How the app authenticates at the token endpoint: HTTP basic (RFC 6749 §2.3.1),
    # or only its id for a public app, which proves itself with PKCE instead.
    auth = '-u "$CLIENT_ID:$CLIENT_SECRET"' if confidential else '-d client_id="$CLIENT_ID"'
    if "authorization_code" in client["grant_types"]:
        steps += _authorization_code_steps(urls, client, auth)
    if "client_credentials" in client["grant_types"]:
        steps.append(
            Step(
                "Get a token for your own app (client credentials)",
                "Server to server: no user is involved, so the token acts for your app only.",
                _token_request(
                    auth,
                    urls["token"],
                    "-d grant_type=client_credentials",
                    f'-d scope="{format_scope(client["scopes"])}"',
                ),
            )
        )
    steps.append(
        Step(
            "Call the API",
            "Send the access token as a bearer token. /api/v1/me needs the read:profile scope.",
            f'curl -s -H "Authorization: Bearer $ACCESS_TOKEN" {urls["me"]}',
        )
    )
    return steps


def _token_request(auth: str, token_url: str, *params: str) -> str:
    """A curl call to the token endpoint, one form parameter per line."""
    lines = [f"curl -s {auth}"] + [f"  {param}" for param in params] + [f"  {token_url}"]
    return " \\\n".join(lines)


def authorization_url(authorize_endpoint: str, client: Client, redirect_uri: str) -> str:
    """The URL to send a user to, with shell variables for state and the PKCE challenge."""
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client["client_id"],
            "redirect_uri": redirect_uri,
            "scope": format_scope(client["scopes"]),
        },
        quote_via=quote,
    )
    url = f"{authorize_endpoint}?{query}&state=$STATE&code_challenge=$CODE_CHALLENGE&code_challenge_method=S256"
    return url + ("&nonce=$NONCE" if signs_in(client) else "")


def signs_in(client: Client) -> bool:
    """Whether the app asks who the person is (OpenID Connect): scope `openid` and the code flow."""
    return "openid" in client["scopes"] and "authorization_code" in client["grant_types"]


def _authorization_code_steps(urls: dict[str, str], client: Client, auth: str) -> list[Step]:
    redirect_uri = client["redirect_uris"][0] if client["redirect_uris"] else PLACEHOLDER_REDIRECT_URI
    steps = [
        Step(
            "Make a PKCE verifier and challenge (S256)",
            "A fresh random verifier for every sign-in: send its SHA-256 challenge now, the verifier later. "
            "Only S256 is accepted.",
            "CODE_VERIFIER=$(openssl rand -base64 60 | tr -d '\\n=+/' | cut -c1-64)\n"
            "CODE_CHALLENGE=$(printf '%s' \"$CODE_VERIFIER\" | openssl dgst -sha256 -binary \\\n"
            "  | openssl base64 -A | tr '+/' '-_' | tr -d '=')\n"
            "STATE=$(openssl rand -hex 16)" + ("\nNONCE=$(openssl rand -hex 16)" if signs_in(client) else ""),
            python=(
                "import base64, hashlib, secrets\n\n"
                "code_verifier = secrets.token_urlsafe(64)\n"
                "digest = hashlib.sha256(code_verifier.encode()).digest()\n"
                'code_challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()\n'
                "state = secrets.token_urlsafe(16)"
                + ("\nnonce = secrets.token_urlsafe(16)" if signs_in(client) else "")
            ),
        ),
        Step(
            "Send the user to the authorization URL",
            f"Once the user allows access, the browser comes back to {redirect_uri} with code, state and iss. "
            "Check that state is the one you sent and iss is this server before using the code.",
            f'echo "{authorization_url(urls["authorization"], client, redirect_uri)}"',
        ),
        Step(
            "Exchange the code for tokens",
            "Within 10 minutes, and only once. The answer holds access_token, refresh_token and expires_in.",
            _token_request(
                auth,
                urls["token"],
                "-d grant_type=authorization_code",
                '-d code="$CODE"',
                f'--data-urlencode redirect_uri="{redirect_uri}"',
                '-d code_verifier="$CODE_VERIFIER"',
            ),
        ),
    ]
    if signs_in(client):
        steps.append(_sign_in_step(urls, client))
    if "refresh_token" in client["grant_types"]:
        steps.append(
            Step(
                "Refresh the access token",
                "Each refresh token works once: keep the new one from every answer. Presenting a spent one "
                "again signs the user out of your app.",
                _token_request(auth, urls["token"], "-d grant_type=refresh_token", '-d refresh_token="$REFRESH_TOKEN"'),
            )
        )
    return steps


def _sign_in_step(urls: dict[str, str], client: Client) -> Step:
    """Sign in with the platform: the ID token that came with the tokens, checked, then who the person is."""
    return Step(
        f"Sign in with {PLATFORM_NAME}",
        "With openid in the scope and a nonce in the authorization URL, the token response also holds an "
        "id_token. Any OpenID Connect library sets itself up from the discovery URL below; by hand, check the "
        "ID token's signature against the JWKS and its iss, aud, exp and nonce, then key your accounts on sub "
        "(stable and opaque, never the email). Name and email come from userinfo (scopes profile and email). "
        "To sign the person out here too, send them to the end-session endpoint with id_token_hint and a "
        "post-logout redirect URI registered in your app's settings.",
        f'curl -s {urls["openid_configuration"]}\ncurl -s -H "Authorization: Bearer $ACCESS_TOKEN" {urls["userinfo"]}',
        python=(
            "import jwt  # PyJWT, with cryptography installed\n\n"
            f'jwks = jwt.PyJWKClient("{urls["jwks"]}")\n'
            "key = jwks.get_signing_key_from_jwt(id_token)\n"
            "claims = jwt.decode(\n"
            f'    id_token, key, algorithms=["{client["id_token_signed_response_alg"]}"], '
            f'audience="{client["client_id"]}", issuer="{urls["issuer"]}"\n'
            ")\n"
            'assert claims["nonce"] == nonce  # the one you sent\n'
            'person_id = claims["sub"]'
        ),
    )
