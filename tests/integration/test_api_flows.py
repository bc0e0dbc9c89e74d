"""The API end to end: apps made with the CLI, tokens from the real OAuth endpoints."""

import json

from tests.support.accounts import create_user
from tests.support.oauth import REDIRECT_URI, bearer, get_tokens, token_request

OWNER = "developer@example.com"


def create_client_on_command_line(runner, *extra: str) -> tuple[dict, str]:
    create_user(runner.app, email=OWNER, role="developer")
    options = ["--owner", OWNER, "--name", "CLI app", "--type", "confidential", "--redirect-uri", REDIRECT_URI]
    options += ["--scope", "read:profile", "--scope", "read:data"]
    options += ["--grant-type", "authorization_code", "--grant-type", "client_credentials"]
    result = runner.invoke(args=["clients", "create", *options, *extra])
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    return created, created["client_secret"]


def test_app_created_with_rate_limit_5_gets_429_on_its_sixth_call(client, runner, auth):
    limited, secret = create_client_on_command_line(runner, "--rate-limit", "5")
    auth.login(email=OWNER)
    tokens = get_tokens(client, limited, secret, scope="read:profile")
    statuses = [client.get("/api/v1/me", headers=bearer(tokens["access_token"])).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_suspend_and_resume_on_the_command_line(client, runner, auth):
    app_client, secret = create_client_on_command_line(runner)
    auth.login(email=OWNER)
    headers = bearer(get_tokens(client, app_client, secret, scope="read:profile")["access_token"])
    assert client.get("/api/v1/me", headers=headers).status_code == 200

    assert runner.invoke(args=["clients", "suspend", app_client["client_id"]]).exit_code == 0
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]

    assert runner.invoke(args=["clients", "resume", app_client["client_id"]]).exit_code == 0
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_client_credentials_token_from_the_token_endpoint_has_no_user(client, runner):
    app_client, secret = create_client_on_command_line(runner)
    response = token_request(client, app_client, secret, grant_type="client_credentials", scope="read:data")
    assert response.status_code == 200, response.text
    api = client.get("/api/v1/data", headers=bearer(response.json["access_token"]))
    assert api.status_code == 403
    assert api.json["error"] == "user_token_required"
