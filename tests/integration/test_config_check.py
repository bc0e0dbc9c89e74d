"""`flask --app app config check`, and production refused with a dangerous setting."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config_check import problems
from settings import load_settings
from tests.support.apps import make_app

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 40
PRODUCTION = {"OAUTH_ISSUER": "https://id.example.com", "SECRET_KEY": GOOD_KEY, "SMTP_URL": "smtp://mail:25"}


def check(store_urls, **overrides):
    """Run the command on an app with `overrides`: (exit code, report)."""
    app = make_app(store_urls, **{"TESTING": False, **PRODUCTION, **overrides})
    result = app.test_cli_runner().invoke(args=["config", "check"])
    return result.exit_code, json.loads(result.stdout)


def settings_with_problem(report) -> dict[str, str]:
    return {problem["setting"]: problem["level"] for problem in report["problems"]}


def test_a_sound_production_configuration_passes_with_secrets_masked(store_urls):
    code, report = check(store_urls, METRICS_TOKEN="m" * 32)
    assert code == 0, report
    assert report["production"] is True
    assert report["settings"]["SECRET_KEY"] == report["settings"]["METRICS_TOKEN"] == "********"
    assert GOOD_KEY not in json.dumps(report)


@pytest.mark.parametrize(
    ("overrides", "setting"),
    [
        ({"OAUTH_ISSUER": "http://id.example.com"}, "OAUTH_ISSUER"),
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"BENCH_ENDPOINTS": True}, "BENCH_ENDPOINTS"),
        ({"ACCESS_TOKEN_TTL": 0}, "ACCESS_TOKEN_TTL"),
        ({"TRUSTED_PROXY_HOPS": 40}, "TRUSTED_PROXY_HOPS"),
        ({"SESSION_IDLE_SECONDS": 10}, "SESSION_IDLE_SECONDS"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"METRICS_TOKEN": "1234"}, "METRICS_TOKEN"),
    ],
)
def test_each_dangerous_setting_is_an_error_and_exit_1(store_urls, overrides, setting):
    code, report = check(store_urls, **overrides)
    assert code == 1
    assert settings_with_problem(report)[setting] == "error"


@pytest.mark.parametrize(
    ("overrides", "setting"), [({"SMTP_URL": None}, "SMTP_URL"), ({"REQUIRE_ADMIN_2FA": False}, "REQUIRE_ADMIN_2FA")]
)
def test_weaker_choices_are_warnings(store_urls, overrides, setting):
    code, report = check(store_urls, **overrides)
    assert code == 0
    assert settings_with_problem(report)[setting] == "warning"


def test_development_on_loopback_needs_no_key_stores_or_mail(store_urls):
    code, report = check(store_urls, OAUTH_ISSUER="http://127.0.0.1:5000", SECRET_KEY=None, SMTP_URL=None)
    assert code == 0, report
    assert report["production"] is False


def test_passwords_in_store_urls_are_hidden(store_urls):
    _, report = check(store_urls, SMTP_URL="smtp://mailer:hunter2-password@mail.example.com:587")
    assert "hunter2-password" not in json.dumps(report)
    assert report["settings"]["SMTP_URL"] == "smtp://mailer:********@mail.example.com:587"


def test_gunicorn_refuses_to_serve_production_with_an_http_issuer(store_urls):
    env = {**os.environ, **store_urls, "OAUTH_ISSUER": "http://id.example.com", "SECRET_KEY": GOOD_KEY}
    command = [sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", "127.0.0.1:0", "--workers", "1"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "configuration error: OAUTH_ISSUER" in result.stderr
    assert "refusing to serve production: OAUTH_ISSUER" in result.stderr


@pytest.mark.parametrize(
    ("name", "text", "kind"),
    [("ACCESS_TOKEN_TTL", "abc", "whole number"), ("DB_POOL_MAX", "10.5", "whole number")]
    + [("WEBHOOK_TIMEOUT_SECONDS", "ten", "number")],
)
def test_a_setting_that_is_no_number_is_reported_not_a_traceback(store_urls, monkeypatch, name, text, kind):
    monkeypatch.setenv(name, text)
    code, report = check(store_urls, OAUTH_ISSUER="http://127.0.0.1:5000")  # wrong anywhere, not only in production
    assert code == 1
    [problem] = [problem for problem in report["problems"] if problem["setting"] == name]
    assert problem["level"] == "error" and f"'{text}' is not a {kind}" in problem["message"]
    assert "UNREADABLE_SETTINGS" not in report["settings"]


def test_gunicorn_refuses_to_start_on_a_setting_that_is_no_number(store_urls):
    """On loopback too: gunicorn stops before any worker, with the setting named and no traceback."""
    env = {**os.environ, **store_urls, "OAUTH_ISSUER": "http://127.0.0.1:5000", "ACCESS_TOKEN_TTL": "abc"}
    command = [sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", "127.0.0.1:0", "--workers", "1"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Error: refusing to start: ACCESS_TOKEN_TTL: 'abc' is not a whole number" in result.stderr
    assert "Traceback" not in result.stderr and "Booting worker" not in result.stderr


NOT_HOST_PORT = ["redis://10.0.0.1:7000", "10.0.0.1", "10.0.0.1:7000,10.0.0.2", "a:99999", "::1:7000"]


@pytest.mark.parametrize("nodes", NOT_HOST_PORT)
def test_cluster_nodes_that_are_not_host_port_pairs_are_an_error_and_no_server_starts(nodes):
    found = problems(load_settings({"REDIS_CLUSTER_NODES": nodes}))
    assert [problem.level for problem in found if problem.setting == "REDIS_CLUSTER_NODES"] == ["error"]
    with pytest.raises(ValueError, match="REDIS_CLUSTER_NODES: .* is not host:port"):
        make_app({"DATABASE_URL": "postgresql://127.0.0.1:1/none"}, REDIS_CLUSTER_NODES=nodes)


def test_cluster_nodes_stand_in_for_redis_url_in_production():
    env = {**PRODUCTION, "DATABASE_URL": "postgresql://db.example.com/accounts"}
    on_cluster = problems(load_settings({**env, "REDIS_CLUSTER_NODES": "10.0.0.1:7000,[::1]:7001"}))
    assert on_cluster == []
    both = problems(load_settings({**env, "REDIS_CLUSTER_NODES": "10.0.0.1:7000", "REDIS_URL": "redis://10.0.0.9"}))
    assert [(problem.setting, problem.level) for problem in both] == [("REDIS_URL", "warning")]
