"""A developer's own redirect URI, written to break out of the quickstart's code.

The quickstart pastes the app's values into shell and Python that people copy
and run. Registration accepts quotes, backquotes, `$(...)` and parentheses in
a redirect URI's query, so each URI below registers; in the page it must stay
one value: no command runs, and every snippet gets the URI exactly.
"""

import ast
import os
import shutil
import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.portal import register_and_read
from tests.support.quickstart import steps_on_page

TOUCH = "touch${IFS}PWNED"  # no spaces: registration refuses them
HOSTILE_REDIRECT_URIS = {
    "python breakout": 'https://app.example.com/cb?x="+__import__("pathlib").Path("PWNED").touch()+"',
    "shell substitution": f'https://app.example.com/cb?a=$({TOUCH})&b=`{TOUCH}`&c="$({TOUCH})"',
    "single quotes": f"https://app.example.com/cb?x=';{TOUCH};'&y='\"'$({TOUCH})'\"'",
    "backslashes": f'https://app.example.com/cb?x=\\"+__import__("os").system("{TOUCH}")+"\\\\`{TOUCH}`\\',
}
EVERY_STEP = {"scopes": ["openid", "read:profile", "read:data"]}
EVERY_STEP["grant_types"] = ["authorization_code", "refresh_token", "client_credentials"]


@pytest.fixture(params=list(HOSTILE_REDIRECT_URIS.values()), ids=list(HOSTILE_REDIRECT_URIS))
def hostile(request, client, auth):
    """(redirect URI, the quickstart's steps) of an app registered with it through the real form."""
    auth.sign_in_as("mallory@example.com")
    uri = request.param
    client_id, _ = register_and_read(client, redirect_uris=uri, **EVERY_STEP)
    page = client.get(f"/developer/apps/{client_id}/quickstart")
    assert page.status_code == 200
    return uri, steps_on_page(page.text)


def assigned(tree: ast.Module, name: str) -> list[ast.expr]:
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    ]


def test_every_python_snippet_keeps_the_redirect_uri_one_string_literal(hostile):
    uri, steps = hostile
    snippets = [step["python"] for step in steps.values() if "python" in step]
    trees = [ast.parse(snippet) for snippet in snippets]  # each is valid Python as pasted
    values = [value for tree in trees for value in assigned(tree, "REDIRECT_URI")]
    assert len(values) == 1 and isinstance(values[0], ast.Constant)
    assert values[0].value == uri
    called = {ast.unparse(node.func) for tree in trees for node in ast.walk(tree) if isinstance(node, ast.Call)}
    assert not {name for name in called if "import" in name or "system" in name or "Path" in name}


def test_running_the_python_settings_runs_nothing_and_sends_the_uri_exactly(hostile, tmp_path, monkeypatch):
    uri, steps = hostile
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CLIENT_SECRET", "pacs_example")
    program: dict = {}
    for title in ("Your credentials", "Send the user to the authorization URL"):
        exec(steps[title]["python"], program)  # as pasted
    assert program["REDIRECT_URI"] == uri
    assert parse_qs(urlsplit(program["authorization_url"]).query)["redirect_uri"] == [uri]
    assert os.listdir(tmp_path) == []


def run_bash(script: str, cwd) -> str:
    if shutil.which("bash") is None or shutil.which("openssl") is None:
        pytest.skip("bash and openssl run the quickstart's shell steps")
    env = {"PATH": os.environ["PATH"], "CLIENT_SECRET": "pacs_example", "CODE": "code"}
    done = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_running_the_shell_steps_runs_nothing_and_sends_the_uri_exactly(hostile, tmp_path):
    uri, steps = hostile
    # curl replaced by a function that writes down its arguments: what the real one would send.
    record_curl = "curl() { printf '%s\\0' \"$@\" >> curl_arguments; }"
    script = "\n".join(
        [
            record_curl,
            steps["Your credentials"]["shell"],
            steps["Make a PKCE verifier and challenge (S256)"]["shell"],
            steps["Send the user to the authorization URL"]["shell"],
            steps["Exchange the code for tokens"]["shell"],
            "printf '%s' \"$REDIRECT_URI\" > redirect_uri",
        ]
    )
    authorization_url = run_bash(script, tmp_path).strip()
    assert (tmp_path / "redirect_uri").read_text() == uri
    assert parse_qs(urlsplit(authorization_url).query)["redirect_uri"] == [uri]
    assert "redirect_uri=" + uri in (tmp_path / "curl_arguments").read_text().split("\0")
    assert sorted(os.listdir(tmp_path)) == ["curl_arguments", "redirect_uri"]  # no PWNED


def test_every_shell_step_parses_with_no_command_substitution_from_the_app(hostile, tmp_path):
    uri, steps = hostile
    script = "\n".join(step["shell"] for step in steps.values())
    run_bash(f"set -n\n{script}", tmp_path)  # the whole script is valid bash as pasted
    assert uri not in script.replace(shell_quoted(uri), "")  # the URI appears only as one quoted word


def shell_quoted(value: str) -> str:
    return "'" + value.replace("'", "'\"'\"'") + "'"
