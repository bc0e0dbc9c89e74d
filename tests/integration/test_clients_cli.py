"""`flask clients create|suspend|resume` (JSON out, JSON errors, exit codes) and the demo app."""

import json

import pytest

from demo import DEMO_EMAIL, DEMO_REDIRECT_URI, ensure_demo_data
from oauth import clients
from oauth.scopes import ALL_SCOPES
from stores.postgres import get_connection
from stores.redis_client import get_redis
from tests.support.accounts import create_user
from tests.support.oauth import secret_works, token_request

OWNER = "dev@example.com"


@pytest.fixture
def owner(app):
    return create_user(app, OWNER, name="Dev", role="developer")


def create(runner, *extra: str, client_type: str = "confidential"):
    args = ["clients", "create", "--owner", OWNER, "--name", "Sync", "--type", client_type]
    return runner.invoke(args=[*args, *extra])


def created(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def audit_actions(app, client_id: str) -> list[tuple[str, str]]:
    with app.app_context(), get_connection().cursor() as cur:
        cur.execute("SELECT action, actor_label FROM audit_log WHERE client_id = %(id)s ORDER BY id", {"id": client_id})
        return [(row["action"], row["actor_label"]) for row in cur.fetchall()]


def test_create_confidential_prints_the_client_and_its_secret_once(app, client, runner, owner):
    result = create(
        runner,
        "--redirect-uri",
        "https://sync.example.com/cb",
        "--redirect-uri",
        "http://127.0.0.1:9000/cb",
        "--scope",
        "read:data",
        "--scope",
        "write:data",
    )
    body = created(result)
    assert body["client_id"].startswith("pa_client_")
    assert body["client_secret"].startswith("pacs_")
    assert body["client_type"] == "confidential"
    assert body["redirect_uris"] == ["https://sync.example.com/cb", "http://127.0.0.1:9000/cb"]
    assert body["scopes"] == ["read:data", "write:data"]
    assert body["grant_types"] == ["authorization_code", "refresh_token"]
    assert body["rate_limit"] == 1000 and body["is_resource_server"] is False
    assert body["owner_email"] == OWNER
    assert secret_works(client, body["client_id"], body["client_secret"])
    assert audit_actions(app, body["client_id"]) == [("app.created", "cli")]


def test_create_public_client_has_no_secret(runner, owner):
    body = created(
        create(runner, "--redirect-uri", "com.example.sync:/cb", "--scope", "read:data", client_type="public")
    )
    assert body["client_secret"] is None


def test_create_with_grant_types_rate_limit_and_resource_server(client, app, runner, owner):
    body = created(
        create(
            runner,
            "--scope",
            "read:data",
            "--grant-type",
            "client_credentials",
            "--rate-limit",
            "50",
            "--resource-server",
        )
    )
    assert body["grant_types"] == ["client_credentials"]
    assert body["rate_limit"] == 50 and body["is_resource_server"] is True
    response = token_request(client, body, body["client_secret"], grant_type="client_credentials")
    assert response.get_json()["scope"] == "read:data"


def test_create_with_post_logout_redirect_uris(runner, owner):
    bye = ["https://a.example/signed-out", "https://a.example/bye"]
    body = created(
        create(
            runner,
            *("--redirect-uri", "https://a.example/cb", "--scope", "openid"),
            *("--post-logout-redirect-uri", bye[0], "--post-logout-redirect-uri", bye[1]),
        )
    )
    assert body["post_logout_redirect_uris"] == bye


@pytest.mark.parametrize(
    "extra, client_type, words",
    [
        (["--redirect-uri", "http://evil.example/cb", "--scope", "read:data"], "confidential", "https"),
        (["--redirect-uri", "https://a.example/*", "--scope", "read:data"], "confidential", "wildcard"),
        (["--redirect-uri", "https://a.example/cb", "--scope", "admin"], "confidential", "Unknown scope"),
        (["--scope", "read:data"], "confidential", "redirect URI"),
        (
            [
                "--redirect-uri",
                "https://a.example/cb",
                "--scope",
                "openid",
                "--post-logout-redirect-uri",
                "http://e.x/",
            ],
            "confidential",
            "https",
        ),
        (
            ["--redirect-uri", "https://a.example/cb", "--scope", "read:data", "--grant-type", "client_credentials"],
            "public",
            "confidential",
        ),
    ],
)
def test_invalid_registrations_fail_with_json_on_stderr(runner, owner, extra, client_type, words):
    result = create(runner, *extra, client_type=client_type)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert words in json.loads(result.stderr)["error"]


def test_unknown_owner_fails(runner):
    result = create(runner, "--redirect-uri", "https://a.example/cb", "--scope", "read:data")
    assert result.exit_code == 1
    assert OWNER in json.loads(result.stderr)["error"]


@pytest.mark.parametrize("args", [["--rate-limit", "0"], ["--type", "hybrid"], ["--grant-type", "password"]])
def test_bad_option_values_are_refused(runner, owner, args):
    result = runner.invoke(
        args=["clients", "create", "--owner", OWNER, "--name", "X", "--type", "confidential", "--scope", "read:data"]
        + ["--redirect-uri", "https://a.example/cb", *args]
    )
    assert result.exit_code != 0
    assert result.stdout == ""


def test_suspend_and_resume_print_the_client_and_are_audited(app, runner, owner):
    body = created(create(runner, "--redirect-uri", "https://a.example/cb", "--scope", "read:data"))
    suspended = runner.invoke(args=["clients", "suspend", body["client_id"], "--reason", "spam"])
    assert suspended.exit_code == 0
    assert json.loads(suspended.stdout)["status"] == "suspended"
    assert json.loads(suspended.stdout)["suspended_reason"] == "spam"
    resumed = runner.invoke(args=["clients", "resume", body["client_id"]])
    assert json.loads(resumed.stdout)["status"] == "active"
    assert audit_actions(app, body["client_id"]) == [
        ("app.created", "cli"),
        ("app.suspended", "cli"),
        ("app.resumed", "cli"),
    ]


@pytest.mark.parametrize("command", ["suspend", "resume"])
def test_suspend_or_resume_of_an_unknown_client_fails(runner, command):
    result = runner.invoke(args=["clients", command, "pa_client_nope"])
    assert result.exit_code == 1
    assert "pa_client_nope" in json.loads(result.stderr)["error"]


def test_demo_data_creates_the_demo_app_once(app, client):
    with app.app_context():
        first = ensure_demo_data(get_connection(), get_redis())
        second = ensure_demo_data(get_connection(), get_redis())
        demo_clients = clients.list_clients(get_connection())
    assert second == {}
    assert first["user"]["email"] == DEMO_EMAIL
    assert [c["client_id"] for c in demo_clients] == [first["client"]["client_id"]]
    demo = demo_clients[0]
    assert demo["redirect_uris"] == [DEMO_REDIRECT_URI]
    assert demo["scopes"] == list(ALL_SCOPES)
    assert demo["grant_types"] == ["authorization_code", "refresh_token", "client_credentials"]
    assert demo["owner_email"] == DEMO_EMAIL
    response = token_request(client, demo, first["client"]["client_secret"], grant_type="client_credentials")
    assert response.status_code == 200


def test_create_with_es256_id_tokens(runner, owner):
    body = created(
        create(
            runner,
            *("--redirect-uri", "https://a.example/cb", "--scope", "openid"),
            "--id-token-signed-response-alg",
            "ES256",
        )
    )
    assert body["id_token_signed_response_alg"] == "ES256"
    assert (
        created(create(runner, "--redirect-uri", "https://a.example/cb", "--scope", "openid"))[
            "id_token_signed_response_alg"
        ]
        == "RS256"
    )


@pytest.mark.parametrize("alg", ["none", "HS256", "RS512", "es256", ""])
def test_create_refuses_an_id_token_algorithm_other_than_rs256_or_es256(app, runner, owner, alg):
    result = create(
        runner, *("--redirect-uri", "https://a.example/cb", "--scope", "openid"), "--id-token-signed-response-alg", alg
    )
    assert result.exit_code == 1 and result.stdout == ""
    assert "RS256 or ES256" in json.loads(result.stderr)["error"]
    with app.app_context():
        assert clients.list_clients(get_connection()) == []
