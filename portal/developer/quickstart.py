"""The per-app quickstart: endpoints and the token lifecycle in curl and Python, filled in with the app's details.

Pure: takes the issuer, the platform's name and the stored app, returns
plain values for the template. Authorize with PKCE, exchange, call
(handling 401 and 429), refresh, revoke: the shell steps run in order as
one script, the Python steps (portal.developer.quickstart_python) as one
program, and the test suite runs both against a live server. Every value from the app or the
configuration enters the shell as one word quoted by `shlex.quote`: a
registered redirect URI may hold quotes, backquotes or `$(...)`.
"""

from dataclasses import dataclass
from shlex import quote as shell_word
from urllib.parse import quote, urlencode

from api.openapi import API_PREFIX, api_paths
from oauth import metadata
from oauth.clients import Client
from oauth.scopes import format_scope
from portal.developer import quickstart_python as python

# Reads one string field of a JSON answer; shown once, used by the later steps.
JSON_FIELD = r"""json_field() { sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p"; }  # or use jq"""
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
        "api": issuer + API_PREFIX,
        "me": issuer + API_PREFIX + "/me",
    }


def endpoints(issuer: str) -> list[tuple[str, str, bool]]:
    """(name, URL, whether a person reads it in a browser) of every endpoint: the docs page is a link."""
    urls = endpoint_urls(issuer)
    return [(label, urls[key], key == "documentation") for key, label in ENDPOINT_LABELS.items()]


def build_steps(issuer: str, platform_name: str, client: Client) -> list[Step]:
    """The quickstart for `client`, step by step, each with code to copy; `platform_name` as the pages name it."""
    urls = endpoint_urls(issuer)
    confidential = client["client_type"] == "confidential"
    redirect_uri = redirect_uri_of(client)
    credentials = f"CLIENT_ID={shell_word(client['client_id'])}"
    if has_code_flow(client):
        credentials += f"\nREDIRECT_URI={shell_word(redirect_uri)}"
    if confidential:
        credentials += (
            "\n# The secret you saved when it was shown: export CLIENT_SECRET=... (never in a script)"
            '\n: "${CLIENT_SECRET:?export the app secret as CLIENT_SECRET}"'
        )
    keep = (
        "Keep the secret on your server only; never ship it inside an app."
        if confidential
        else "A public app has no secret: every sign-in is proven with PKCE instead."
    )
    settings = python.settings(urls, client, redirect_uri if has_code_flow(client) else "")
    steps = [Step("Your credentials", keep, credentials + "\n" + JSON_FIELD, python=settings)]
    # How the app authenticates at the token endpoint: HTTP basic (RFC 6749 §2.3.1),
    # or only its id for a public app, which proves itself with PKCE instead.
    auth = '-u "$CLIENT_ID:$CLIENT_SECRET"' if confidential else '-d client_id="$CLIENT_ID"'
    if has_code_flow(client):
        steps += _authorization_code_steps(urls, client, auth, platform_name)
    elif "client_credentials" in client["grant_types"]:
        steps.append(_client_credentials_step(urls, client, auth))
    steps.append(_call_step(urls, client))
    if has_code_flow(client) and "refresh_token" in client["grant_types"]:
        steps.append(
            Step(
                "Refresh the access token",
                "Each refresh token works once: keep the new one from every answer. Presenting a spent one "
                "again signs the user out of your app.",
                _token_request(auth, urls["token"], "-d grant_type=refresh_token", '-d refresh_token="$REFRESH_TOKEN"')
                + _keep_tokens(),
                python=python.refresh(python.auth_for(client)),
            )
        )
    steps.append(_revoke_step(urls, client, auth))
    if has_code_flow(client) and "client_credentials" in client["grant_types"]:
        # Also a server-to-server token: last, so the lifecycle above keeps the person's token.
        steps.append(_client_credentials_step(urls, client, auth))
    return steps


def has_code_flow(client: Client) -> bool:
    return "authorization_code" in client["grant_types"]


def redirect_uri_of(client: Client) -> str:
    return client["redirect_uris"][0] if client["redirect_uris"] else PLACEHOLDER_REDIRECT_URI


def _token_request(auth: str, token_url: str, *params: str) -> str:
    """A curl call to the token endpoint, one form parameter per line, its answer kept in TOKENS."""
    lines = [f"TOKENS=$(curl -s {auth}"] + [f"  {param}" for param in params] + [f"  {shell_word(token_url)})"]
    return " \\\n".join(lines)


def _keep_tokens(with_refresh: bool = True) -> str:
    lines = ["", "ACCESS_TOKEN=$(printf '%s' \"$TOKENS\" | json_field access_token)"]
    if with_refresh:
        lines.append("REFRESH_TOKEN=$(printf '%s' \"$TOKENS\" | json_field refresh_token)")
    return "\n".join(lines)


def _client_credentials_step(urls: dict[str, str], client: Client, auth: str) -> Step:
    return Step(
        "Get a token for your own app (client credentials)",
        "Server to server: no user is involved, so the token acts for your app only.",
        _token_request(
            auth,
            urls["token"],
            "-d grant_type=client_credentials",
            "-d " + shell_word("scope=" + format_scope(client["scopes"])),
        )
        + _keep_tokens(with_refresh=False),
        python=python.client_credentials(client),
    )


def first_api_call(client: Client) -> tuple[str, str]:
    """(path, scope) of the first read call of the API the app's scopes allow; the profile when none does."""
    for path, item in api_paths().items():
        scope = item.get("get", {}).get("security", [{}])[0].get("oauth2", [""])[0]
        if scope in client["scopes"] and "{" not in path:
            return path, scope
    return API_PREFIX + "/me", "read:profile"


def _call_step(urls: dict[str, str], client: Client) -> Step:
    path, scope = first_api_call(client)
    refreshes = has_code_flow(client) and "refresh_token" in client["grant_types"]
    on_401 = "refresh it (next step) and call again once" if refreshes else "get a new one and call again once"
    return Step(
        "Call the API, and handle 401 and 429",
        f"Send the access token as a bearer token; {path} needs the {scope} scope. A 401 means the "
        "token expired or was revoked; a 429 means your app's hourly calls are spent until Retry-After "
        "seconds have passed (every answer's RateLimit-Remaining says how many are left)."
        + (
            ""
            if has_code_flow(client)
            else " The API's calls act on a person's data: your app's own token gets 403 user_token_required "
            "from them, and a person's token comes from the authorization code flow."
        ),
        "STATUS=$(curl -s -o answer.json -D headers.txt -w '%{http_code}' \\\n"
        f'  -H "Authorization: Bearer $ACCESS_TOKEN" {shell_word(urls["issuer"] + path)})\n'
        'case "$STATUS" in\n'
        f'  401) echo "The access token expired or was revoked: {on_401}." ;;\n'
        "  429) echo \"Calls spent: wait $(sed -n 's/^retry-after: *\\([0-9]*\\).*/\\1/ip' headers.txt) seconds.\" ;;\n"
        "  *) cat answer.json ;;\n"
        "esac",
        python=python.call_api(python.auth_for(client), refreshes, path.removeprefix(API_PREFIX)),
    )


def _revoke_step(urls: dict[str, str], client: Client, auth: str) -> Step:
    refreshes = has_code_flow(client) and "refresh_token" in client["grant_types"]
    token = "refresh_token" if refreshes else "access_token"
    variable = "$REFRESH_TOKEN" if refreshes else "$ACCESS_TOKEN"
    what = "the refresh token ends the access tokens issued with it too" if refreshes else "the token ends at once"
    return Step(
        "Revoke when you are done",
        f"When the person disconnects or signs out of your app, revoke: {what}. The answer is 200 "
        "even for a token already gone.",
        f"curl -s {auth} \\\n"
        f'  -d token="{variable}" -d token_type_hint={token} \\\n'
        f'  {shell_word(urls["revocation"])} -o /dev/null -w "%{{http_code}}\\n"',
        python=python.revoke(python.auth_for(client), token),
    )


def authorization_url(authorize_endpoint: str, client: Client, redirect_uri: str) -> str:
    """The shell words of the URL to send a user to: the app's part quoted, then the variables for state and PKCE."""
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client["client_id"],
            "redirect_uri": redirect_uri,
            "scope": format_scope(client["scopes"]),
        },
        quote_via=quote,
    )
    variables = "&state=$STATE&code_challenge=$CODE_CHALLENGE&code_challenge_method=S256"
    variables += "&nonce=$NONCE" if signs_in(client) else ""
    return shell_word(f"{authorize_endpoint}?{query}") + f'"{variables}"'


def signs_in(client: Client) -> bool:
    """Whether the app asks who the person is (OpenID Connect): scope `openid` and the code flow."""
    return "openid" in client["scopes"] and "authorization_code" in client["grant_types"]


def _authorization_code_steps(urls: dict[str, str], client: Client, auth: str, platform_name: str) -> list[Step]:
    redirect_uri = redirect_uri_of(client)
    steps = [
        Step(
            "Make a PKCE verifier and challenge (S256)",
            "A fresh random verifier for every sign-in: send its SHA-256 challenge now, the verifier later. "
            "Only S256 is accepted. In Python, requests-oauthlib makes the pair itself (next step).",
            "CODE_VERIFIER=$(openssl rand -base64 60 | tr -d '\\n=+/' | cut -c1-64)\n"
            "CODE_CHALLENGE=$(printf '%s' \"$CODE_VERIFIER\" | openssl dgst -sha256 -binary \\\n"
            "  | openssl base64 -A | tr '+/' '-_' | tr -d '=')\n"
            "STATE=$(openssl rand -hex 16)" + ("\nNONCE=$(openssl rand -hex 16)" if signs_in(client) else ""),
        ),
        Step(
            "Send the user to the authorization URL",
            f"Once the user allows access, the browser comes back to {redirect_uri} with code, state and iss. "
            "Check that state is the one you sent and iss is this server before using the code.",
            f"echo {authorization_url(urls['authorization'], client, redirect_uri)}",
            python=python.authorization(client, signs_in(client)),
        ),
        Step(
            "Exchange the code for tokens",
            "Within 10 minutes, and only once: set CODE to the code the browser brought back. The answer holds "
            "access_token, refresh_token and expires_in.",
            _token_request(
                auth,
                urls["token"],
                "-d grant_type=authorization_code",
                '-d code="$CODE"',
                '--data-urlencode "redirect_uri=$REDIRECT_URI"',
                '-d code_verifier="$CODE_VERIFIER"',
            )
            + _keep_tokens("refresh_token" in client["grant_types"]),
            python=python.exchange(python.auth_for(client)),
        ),
    ]
    if signs_in(client):
        steps.append(_sign_in_step(urls, client, platform_name))
    return steps


def _sign_in_step(urls: dict[str, str], client: Client, platform_name: str) -> Step:
    """Sign in with the platform: the ID token that came with the tokens, checked, then who the person is."""
    return Step(
        f"Sign in with {platform_name}",
        "With openid in the scope and a nonce in the authorization URL, the token response also holds an "
        "id_token. Any OpenID Connect library sets itself up from the discovery URL below; by hand, check the "
        "ID token's signature against the JWKS and its iss, aud, exp and nonce, then key your accounts on sub "
        "(stable and opaque, never the email). Name and email come from userinfo (scopes profile and email). "
        "To sign the person out here too, send them to the end-session endpoint with id_token_hint and a "
        "post-logout redirect URI registered in your app's settings.",
        f"curl -s {shell_word(urls['openid_configuration'])}\n"
        f'curl -s -H "Authorization: Bearer $ACCESS_TOKEN" {shell_word(urls["userinfo"])}',
        python=python.sign_in(urls, client),
    )
