"""The quickstart's steps for each kind of app, and PKCE snippets that really make an S256 pair."""

import ast
import base64
import hashlib
import shutil
import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.developer import quickstart, quickstart_python

PLATFORM = "Platform Accounts"
PUBLIC_APP = {
    "client_id": "pa_client_abc",
    "client_type": "public",
    "redirect_uris": ["com.example.acme:/cb"],
    "scopes": ["read:data", "read:profile"],
    "grant_types": ["authorization_code", "refresh_token"],
    "id_token_signed_response_alg": "RS256",
}


def test_quickstart_for_a_public_app_authenticates_with_pkce_only():
    code = "\n".join(step.code for step in quickstart.build_steps("https://id.example.com", PLATFORM, PUBLIC_APP))
    assert "CLIENT_SECRET" not in code
    assert '-d client_id="$CLIENT_ID"' in code
    assert "scope=read%3Aprofile%20read%3Adata" in code
    assert "grant_type=client_credentials" not in code


def test_quickstart_for_a_server_to_server_app_shows_client_credentials():
    app = {
        "client_id": "pa_client_abc",
        "client_type": "confidential",
        "redirect_uris": [],
        "scopes": ["read:data"],
        "grant_types": ["client_credentials"],
    }
    code = "\n".join(step.code for step in quickstart.build_steps("https://id.example.com", PLATFORM, app))
    assert '-u "$CLIENT_ID:$CLIENT_SECRET"' in code
    assert "grant_type=client_credentials" in code and "-d scope=read:data" in code
    assert "code_challenge" not in code


def pkce_pair_is_valid(verifier: str, challenge: str) -> bool:
    digest = hashlib.sha256(verifier.encode()).digest()
    return 43 <= len(verifier) <= 128 and challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_quickstart_pkce_shell_commands_make_a_valid_s256_pair():
    step = next(s for s in quickstart.build_steps("https://id.example.com", PLATFORM, PUBLIC_APP) if "PKCE" in s.title)
    script = step.code + '\nprintf "%s %s" "$CODE_VERIFIER" "$CODE_CHALLENGE"'
    verifier, challenge = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    assert pkce_pair_is_valid(verifier, challenge)


def test_the_python_authorization_step_sends_an_s256_challenge_for_the_apps_values():
    steps = {s.title: s for s in quickstart.build_steps("https://id.example.com", PLATFORM, PUBLIC_APP)}
    program: dict = {}
    for title in ("Your credentials", "Send the user to the authorization URL"):
        exec(steps[title].python, program)  # the snippets exactly as a developer pastes them
    query = parse_qs(urlsplit(program["authorization_url"]).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["client_id"] == ["pa_client_abc"] and query["redirect_uri"] == ["com.example.acme:/cb"]
    assert query["scope"] == ["read:profile read:data"]  # format_scope: the catalogue order


LIFECYCLE = [
    "Your credentials",
    "Make a PKCE verifier and challenge (S256)",
    "Send the user to the authorization URL",
    "Exchange the code for tokens",
    "Call the API, and handle 401 and 429",
    "Refresh the access token",
    "Revoke when you are done",
]


@pytest.mark.parametrize("client_type", ["public", "confidential"])
def test_the_code_flow_quickstart_covers_the_whole_lifecycle_in_both_languages(client_type):
    steps = quickstart.build_steps("https://id.example.com", PLATFORM, {**PUBLIC_APP, "client_type": client_type})
    assert [step.title for step in steps] == LIFECYCLE
    for step in steps[2:]:
        compile(step.python, step.title, "exec")  # pasted as is, it is valid Python
    assert 'case "$STATUS" in' in steps[4].code and "429)" in steps[4].code and "401)" in steps[4].code
    assert "Retry-After" in steps[4].python and "status_code == 401" in steps[4].python
    assert "token_type_hint=refresh_token" in steps[-1].code


def test_a_public_apps_python_names_itself_instead_of_a_secret():
    python = "\n".join(step.python for step in quickstart.build_steps("https://id.example.com", PLATFORM, PUBLIC_APP))
    assert "CLIENT_SECRET" not in python
    assert "include_client_id=True" in python and "refresh_token(TOKEN_URL, client_id=CLIENT_ID)" in python
    assert '"client_id": CLIENT_ID' in python  # in the revocation body
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in python  # https: no development switch


def test_a_server_to_server_app_revokes_its_access_token():
    app = {**PUBLIC_APP, "client_type": "confidential", "grant_types": ["client_credentials"], "redirect_uris": []}
    steps = quickstart.build_steps("http://127.0.0.1:5000", PLATFORM, app)
    assert [step.title for step in steps][-1] == "Revoke when you are done"
    assert 'token="$ACCESS_TOKEN"' in steps[-1].code and "BackendApplicationClient" in steps[1].python
    assert "OAUTHLIB_INSECURE_TRANSPORT" in steps[0].python


def test_an_app_with_openid_gets_a_nonce_and_a_sign_in_step():
    app = {**PUBLIC_APP, "scopes": ["openid", "email"]}
    steps = quickstart.build_steps("https://id.example.com", PLATFORM, app)
    code = "\n".join(step.code for step in steps)
    assert "NONCE=$(openssl rand -hex 16)" in code and "&nonce=$NONCE" in code
    (sign_in,) = [step for step in steps if step.title == "Sign in with Platform Accounts"]
    assert "https://id.example.com/.well-known/openid-configuration" in sign_in.code
    assert 'audience="pa_client_abc", issuer="https://id.example.com"' in sign_in.python
    compile(sign_in.python, "quickstart", "exec")  # pasted as is, it is valid Python


def test_the_sign_in_step_checks_the_algorithm_the_app_registered():
    for alg in ("RS256", "ES256"):
        app = {**PUBLIC_APP, "scopes": ["openid"], "id_token_signed_response_alg": alg}
        (sign_in,) = [
            step for step in quickstart.build_steps("https://id.example.com", PLATFORM, app) if "jwt" in step.python
        ]
        assert f'algorithms=["{alg}"]' in sign_in.python


def test_an_app_without_openid_gets_no_sign_in_step_or_nonce():
    steps = quickstart.build_steps("https://id.example.com", PLATFORM, PUBLIC_APP)
    assert not [step for step in steps if step.title.startswith("Sign in with")]
    assert "nonce" not in "\n".join(step.code + step.python for step in steps).lower()


def test_the_api_call_shown_is_one_the_apps_scopes_allow():
    only_data = {**PUBLIC_APP, "scopes": ["read:data"]}
    (call,) = [
        s for s in quickstart.build_steps("https://id.example.com", PLATFORM, only_data) if s.title.startswith("Call")
    ]
    assert "https://id.example.com/api/v1/data" in call.code and "needs the read:data scope" in call.explanation
    assert 'API_URL + "/data"' in call.python
    with_profile = [
        s for s in quickstart.build_steps("https://id.example.com", PLATFORM, PUBLIC_APP) if s.title.startswith("Call")
    ]
    assert "https://id.example.com/api/v1/me" in with_profile[0].code


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        'a"b',
        "a'b",
        "both ' and \"",
        "back\\slash\\",
        "new\nline\r\x00\x85",
        "é😀\u2028",
        '"+__import__("os")+"',
    ],
)
def test_a_python_literal_is_exactly_the_value_whatever_it_holds(value):
    assert ast.literal_eval(quickstart_python.literal(value)) == value


def test_the_sign_in_step_is_titled_with_the_platforms_name():
    app = {**PUBLIC_APP, "scopes": ["openid"]}
    titles = [step.title for step in quickstart.build_steps("https://id.example.com", "Acme Cloud", app)]
    assert "Sign in with Acme Cloud" in titles
