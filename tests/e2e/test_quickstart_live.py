"""The quickstart's snippets, exactly as its page shows them, run against a live server.

The developer signs in and reads their app's quickstart over real HTTP; the
shell steps then run in one bash (real curl and openssl), the Python steps
in one namespace (real requests-oauthlib). Only the browser part is played
by the test: the person signs in and presses Allow through the real forms,
and the snippet's exchange gets the code they came back with.
"""

import os
import re
import shutil
import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.support import consent
from tests.support.accounts import create_user
from tests.support.oauth import OWNER_EMAIL, introspect, register_client
from tests.support.quickstart import steps_on_page

CALLBACK = "http://127.0.0.1:8765/callback"  # never served: the browser stops at the redirect
EMAIL, PASSWORD = "person@example.com", "person password"
OWNER_PASSWORD = "developer password"  # tests.support.oauth.register_client's owner


@pytest.fixture
def server(app, live_server, monkeypatch):
    create_user(app, EMAIL, PASSWORD, name="Person")
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)  # the Python snippet sets it itself
    return live_server


def lifecycle_app(app, rate_limit: int, scopes=("read:profile", "read:data")) -> tuple[dict, str]:
    """A confidential app for the code flow with refresh, and its secret; its API calls limited to `rate_limit`."""
    return register_client(
        app,
        redirect_uris=[CALLBACK],
        scopes=list(scopes),
        grant_types=["authorization_code", "refresh_token"],
        rate_limit=rate_limit,
    )


def shown_steps(base_url: str, client_id: str) -> dict[str, dict[str, str]]:
    """{title: {"shell": code, "python": code}} of the quickstart page the app's developer sees."""
    path = f"/developer/apps/{client_id}/quickstart"
    browser, back_to = consent.sign_in(f"{base_url}/login?next={path}", OWNER_EMAIL, OWNER_PASSWORD)
    return steps_on_page(browser.get(back_to, timeout=10).text)


def require_shell_tools() -> None:
    """Skip the test without bash, curl or openssl, or fail it when REQUIRE_SHELL_TOOLS=1 (CI)."""
    missing = [tool for tool in ("bash", "curl", "openssl") if shutil.which(tool) is None]
    if missing:
        reason = f"{', '.join(missing)} not installed: the quickstart's shell steps are run with them"
        if os.environ.get("REQUIRE_SHELL_TOOLS") == "1":
            pytest.fail(f"REQUIRE_SHELL_TOOLS=1 but {reason}")
        pytest.skip(reason)


def run_shell(script: str, cwd, **env: str) -> str:
    """`script` in bash, as a developer runs the steps in one shell; its output."""
    require_shell_tools()
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def token_is_active(app, caller, secret: str, token: str) -> bool:
    return introspect(app.test_client(), caller, secret, token)["active"]


def test_the_shell_steps_run_the_whole_lifecycle(app, server, tmp_path):
    client, secret = lifecycle_app(app, rate_limit=1)
    steps = shown_steps(server.url, client["client_id"])
    credentials = steps["Your credentials"]["shell"]
    assert client["client_id"] in credentials
    before_browser = "\n".join(
        [credentials, steps["Make a PKCE verifier and challenge (S256)"]["shell"]]
        + [steps["Send the user to the authorization URL"]["shell"], 'printf "%s %s\\n" "$STATE" "$CODE_VERIFIER"']
    )
    authorization_url, pkce_line = run_shell(before_browser, tmp_path, CLIENT_SECRET=secret).splitlines()
    state, verifier = pkce_line.split()
    assert authorization_url.startswith(server.url + "/oauth/authorize?")

    callback = parse_qs(urlsplit(consent.sign_in_and_allow(authorization_url, EMAIL, PASSWORD)).query)
    assert callback["state"] == [state] and callback["iss"] == [server.url]

    call = steps["Call the API, and handle 401 and 429"]["shell"]
    lifecycle = "\n".join(
        [
            credentials,
            steps["Exchange the code for tokens"]["shell"],
            'echo "first: $ACCESS_TOKEN $REFRESH_TOKEN"',
            call,
            "echo",
            steps["Refresh the access token"]["shell"],
            'echo "refreshed: $ACCESS_TOKEN $REFRESH_TOKEN"',
            call,  # the app's limit is 1: the second call in this window is refused
            steps["Revoke when you are done"]["shell"],
            call,  # the revoked refresh token took the access token with it
        ]
    )
    out = run_shell(lifecycle, tmp_path, CLIENT_SECRET=secret, CODE=callback["code"][0], CODE_VERIFIER=verifier)
    lines = out.splitlines()
    first_access, first_refresh = lines[0].split()[1:]
    assert '"email":"person@example.com"' in lines[1].replace(" ", "")
    refreshed_access, refreshed_refresh = lines[2].split()[1:]
    assert refreshed_refresh != first_refresh and refreshed_access != first_access
    assert re.fullmatch(r"Calls spent: wait [1-9]\d* seconds\.", lines[3])
    assert lines[4] == "200"
    assert lines[5].startswith("The access token expired or was revoked: refresh it")
    assert not token_is_active(app, client, secret, refreshed_refresh)
    assert not token_is_active(app, client, secret, first_refresh)


def test_the_python_steps_run_the_whole_lifecycle(app, server, monkeypatch, tmp_path):
    client, secret = lifecycle_app(app, rate_limit=3, scopes=("openid", "read:profile", "read:data"))
    steps = shown_steps(server.url, client["client_id"])
    monkeypatch.setenv("CLIENT_SECRET", secret)
    program: dict = {}

    def run(title: str):
        exec(compile(steps[title]["python"], title, "exec"), program)  # the page's own code, as pasted

    run("Your credentials")
    assert program["ISSUER"] == server.url and program["REDIRECT_URI"] == CALLBACK
    run("Send the user to the authorization URL")
    program["callback_url"] = consent.sign_in_and_allow(program["authorization_url"], EMAIL, PASSWORD)
    run("Exchange the code for tokens")
    first = program["token"]
    assert first["token_type"] == "Bearer" and token_is_active(app, client, secret, first["access_token"])
    run("Sign in with Platform Accounts")  # the ID token checked against the JWKS, its nonce the one sent
    assert program["claims"]["nonce"] == program["nonce"] and program["person_id"]
    shown_shell = steps["Sign in with Platform Accounts"]["shell"]
    discovery, userinfo = run_shell(shown_shell, tmp_path, ACCESS_TOKEN=first["access_token"]).splitlines()
    assert f'"issuer":"{server.url}"' in discovery.replace(" ", "")
    assert f'"sub":"{program["person_id"]}"' in userinfo.replace(" ", "")

    run("Call the API, and handle 401 and 429")  # 1 of 3
    assert program["answer"]["email"] == EMAIL

    revoke_access = {"token": program["session"].token["access_token"]}
    requests.post(program["REVOKE_URL"], data=revoke_access, auth=(client["client_id"], secret), timeout=10)
    run("Call the API, and handle 401 and 429")  # 401: refreshed by itself, then 2 of 3
    assert program["answer"]["email"] == EMAIL
    assert program["session"].token["refresh_token"] != first["refresh_token"]

    run("Refresh the access token")
    with pytest.raises(Exception) as refused:
        for _call in range(3):  # the limit is 3 calls a window: a few more spend it, whatever userinfo counted
            run("Call the API, and handle 401 and 429")
    assert type(refused.value) is program["TryLater"]  # the class the snippet just defined
    assert 0 < refused.value.seconds <= 3600

    run("Revoke when you are done")
    assert program["revoked"].status_code == 200
    assert not token_is_active(app, client, secret, program["token"]["refresh_token"])
    assert not token_is_active(app, client, secret, program["token"]["access_token"])


def test_a_wrong_secret_makes_the_python_exchange_fail(app, server, monkeypatch):
    client, _secret = register_client(app, redirect_uris=[CALLBACK], scopes=["read:profile"])
    steps = shown_steps(server.url, client["client_id"])
    monkeypatch.setenv("CLIENT_SECRET", "pacs_not-the-secret")
    program: dict = {}
    for title in ("Your credentials", "Send the user to the authorization URL"):
        exec(steps[title]["python"], program)
    program["callback_url"] = consent.sign_in_and_allow(program["authorization_url"], EMAIL, PASSWORD)
    with pytest.raises(Exception, match="invalid_client"):
        exec(steps["Exchange the code for tokens"]["python"], program)


def test_a_server_to_server_apps_steps_run_in_both_languages(app, server, tmp_path, monkeypatch):
    client, secret = register_client(app, redirect_uris=[], scopes=["read:data"], grant_types=["client_credentials"])
    steps = shown_steps(server.url, client["client_id"])
    titles = ["Your credentials", "Get a token for your own app (client credentials)"]
    titles += ["Call the API, and handle 401 and 429", "Revoke when you are done"]
    assert list(steps) == titles
    script = "\n".join(
        [steps[title]["shell"] for title in titles[:3]] + ['echo "\n$ACCESS_TOKEN"', steps[titles[3]]["shell"]]
    )
    answer, access_token, revoked = run_shell(script, tmp_path, CLIENT_SECRET=secret).splitlines()
    assert '"error":"user_token_required"' in answer.replace(" ", "")  # what the step's text says to expect
    assert revoked == "200" and not token_is_active(app, client, secret, access_token)

    monkeypatch.setenv("CLIENT_SECRET", secret)
    program: dict = {}
    for title in titles[:2]:
        exec(steps[title]["python"], program)
    with pytest.raises(requests.HTTPError, match="403"):
        exec(steps[titles[2]]["python"], program)
    exec(steps[titles[3]]["python"], program)
    assert not token_is_active(app, client, secret, program["token"]["access_token"])


# Registration accepts quotes, backquotes and $(...) in a query: the snippets must send it as it is, and run nothing.
HOSTILE_CALLBACK = (
    CALLBACK + '?x="$(touch${IFS}PWNED)`touch${IFS}PWNED`\'"+__import__("pathlib").Path("PWNED").touch()+"'
)


def test_a_redirect_uri_full_of_quotes_is_exchanged_exactly_in_both_languages(app, server, tmp_path, monkeypatch):
    client, secret = register_client(app, redirect_uris=[HOSTILE_CALLBACK], scopes=["read:profile"])
    steps = shown_steps(server.url, client["client_id"])
    credentials, exchange = steps["Your credentials"], steps["Exchange the code for tokens"]
    before_browser = "\n".join(
        [credentials["shell"], steps["Make a PKCE verifier and challenge (S256)"]["shell"]]
        + [steps["Send the user to the authorization URL"]["shell"], 'printf "%s\\n" "$CODE_VERIFIER"']
    )
    authorization_url, verifier = run_shell(before_browser, tmp_path, CLIENT_SECRET=secret).splitlines()
    code = parse_qs(urlsplit(consent.sign_in_and_allow(authorization_url, EMAIL, PASSWORD)).query)["code"][0]
    exchanged = "\n".join([credentials["shell"], exchange["shell"], 'echo "$ACCESS_TOKEN"'])
    access_token = run_shell(exchanged, tmp_path, CLIENT_SECRET=secret, CODE=code, CODE_VERIFIER=verifier).strip()
    assert token_is_active(app, client, secret, access_token)  # the server got the registered URI exactly

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CLIENT_SECRET", secret)
    program: dict = {}
    for title in ("Your credentials", "Send the user to the authorization URL"):
        exec(steps[title]["python"], program)
    create_user(app, "second@example.com", PASSWORD)  # the first already allowed: no consent page again
    program["callback_url"] = consent.sign_in_and_allow(program["authorization_url"], "second@example.com", PASSWORD)
    exec(exchange["python"], program)
    assert token_is_active(app, client, secret, program["token"]["access_token"])
    assert os.listdir(tmp_path) == []  # no PWNED, from either language
