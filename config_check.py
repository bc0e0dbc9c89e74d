"""Is this configuration safe to serve? `flask --app app config check`, and the refusal to serve a dangerous one.

"Production" is an issuer whose host is not loopback: the moment the
server is reachable by name or address from elsewhere, people and apps
depend on it. There an error is a setting that would leak or lose
something (an `http://` issuer, a key generated per host, embedded stores
under instance/, the benchmark's endpoint) and gunicorn refuses to start on
it (gunicorn.conf.py in the master, wsgi.py in a worker); a warning is a
weaker choice an operator may make on purpose. Outside production only
settings that are wrong anywhere (a short SECRET_KEY, a number out of range,
text where a number belongs) are errors, and only the last refuses start-up
there too.
"""

import ipaddress
import json
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import AppGroup

from settings import UNREADABLE
from stores.redis_client import parse_seed_nodes
from web.support import support_contact

ERROR, WARNING = "error", "warning"
MIN_SECRET_KEY_LENGTH = 32
MIN_METRICS_TOKEN_LENGTH = 16
SECRETS = ("SECRET_KEY", "METRICS_TOKEN")
URLS_WITH_PASSWORDS = ("DATABASE_URL", "REDIS_URL", "SMTP_URL")
DAY = 24 * 3600
# Inclusive ranges outside which a number is a typo or a danger (a 0 TTL, a pool of 5000 connections).
RANGES = {
    "DB_POOL_MAX": (1, 200),
    "ACCESS_TOKEN_TTL": (60, DAY),
    "REFRESH_FAMILY_LIFETIME_SECONDS": (3600, 366 * DAY),
    "CLIENT_CREDENTIALS_TOKEN_CAP": (1, 100_000),
    "TRUSTED_PROXY_HOPS": (0, 5),
    "RATE_LIMIT_WINDOW_SECONDS": (1, DAY),
    "SESSION_IDLE_SECONDS": (60, 366 * DAY),
    "SESSION_LIFETIME_SECONDS": (300, 366 * DAY),
    "UNVERIFIED_APP_USER_LIMIT": (0, 10_000_000),
    "APPS_PER_DEVELOPER": (1, 100_000),
}


@dataclass(frozen=True)
class Problem:
    setting: str
    level: str  # ERROR or WARNING
    message: str


class DangerousConfiguration(RuntimeError):
    """Raised instead of serving production with an error-level problem."""


def is_production(config: Mapping) -> bool:
    """True unless the issuer's host is loopback (localhost, 127.0.0.0/8, ::1)."""
    host = urlsplit(config["OAUTH_ISSUER"]).hostname or ""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True  # a name: reachable from elsewhere


def problems(config: Mapping) -> list[Problem]:
    """Every problem of `config` as the environment gave it (before a SECRET_KEY is generated)."""
    found = _unreadable_problems(config) + _issuer_problems(config) + _secret_problems(config)
    found += _range_problems(config) + _cluster_problems(config)
    if config["LOG_FORMAT"] not in ("", "json"):
        found.append(Problem("LOG_FORMAT", ERROR, "must be json or unset"))
    if config.get("SUPPORT_CONTACT") and support_contact(config["SUPPORT_CONTACT"]) is None:
        found.append(Problem("SUPPORT_CONTACT", ERROR, "must be an email address or an http(s):// URL"))
    if config["REQUIRE_ADMIN_2FA"] is False:
        found.append(Problem("REQUIRE_ADMIN_2FA", WARNING, "administrators may open /admin with a password alone"))
    if is_production(config):
        found += _production_problems(config)
    return found


def _unreadable_problems(config: Mapping) -> list[Problem]:
    """A number setting whose text is no number: its default stood in, but the operator meant something else."""
    return [
        Problem(name, ERROR, f"{text[:40]!r} is not a {_KIND_OF[type(config[name])]}: refusing to guess")
        for name, text in config.get(UNREADABLE, {}).items()
    ]


_KIND_OF = {int: "whole number", float: "number"}


def _issuer_problems(config: Mapping) -> list[Problem]:
    scheme = urlsplit(config["OAUTH_ISSUER"]).scheme
    if scheme == "https" or (scheme == "http" and not is_production(config)):
        return []
    return [
        Problem(
            "OAUTH_ISSUER",
            ERROR,
            "must be https:// (http:// only on loopback): tokens and codes would cross the network in clear",
        )
    ]


def _secret_problems(config: Mapping) -> list[Problem]:
    found = []
    key = config["SECRET_KEY"]
    if key and len(key) < MIN_SECRET_KEY_LENGTH:
        found.append(
            Problem(
                "SECRET_KEY",
                ERROR,
                f"shorter than {MIN_SECRET_KEY_LENGTH} characters: sessions and sealed secrets rest on it",
            )
        )
    token = config["METRICS_TOKEN"]
    if token and len(token) < MIN_METRICS_TOKEN_LENGTH:
        found.append(Problem("METRICS_TOKEN", ERROR, f"shorter than {MIN_METRICS_TOKEN_LENGTH} characters"))
    return found


def _range_problems(config: Mapping) -> list[Problem]:
    found = []
    for name, (low, high) in RANGES.items():
        if not low <= config[name] <= high:
            found.append(Problem(name, ERROR, f"{config[name]} is outside {low}..{high}"))
    if config["SESSION_IDLE_SECONDS"] > config["SESSION_LIFETIME_SECONDS"]:
        found.append(Problem("SESSION_IDLE_SECONDS", ERROR, "longer than SESSION_LIFETIME_SECONDS"))
    return found


def _cluster_problems(config: Mapping) -> list[Problem]:
    """REDIS_CLUSTER_NODES must be host:port,host:port,... (it replaces REDIS_URL, so both set is a warning)."""
    nodes = config.get("REDIS_CLUSTER_NODES")
    if not nodes:
        return []
    try:
        parse_seed_nodes(nodes)
    except ValueError as error:
        return [Problem("REDIS_CLUSTER_NODES", ERROR, f"{error}: must be host:port,host:port,...")]
    if config["REDIS_URL"]:
        return [Problem("REDIS_URL", WARNING, "ignored: REDIS_CLUSTER_NODES is set and used instead")]
    return []


def _production_problems(config: Mapping) -> list[Problem]:
    found = []
    if not config["SECRET_KEY"]:
        found.append(
            Problem(
                "SECRET_KEY",
                ERROR,
                "unset: each host would generate its own under instance/, so sessions and sealed secrets"
                " would not carry across hosts or a rebuilt disk",
            )
        )
    for name, store in (("DATABASE_URL", "PostgreSQL"), ("REDIS_URL", "Redis")):
        if not config[name] and not (name == "REDIS_URL" and config.get("REDIS_CLUSTER_NODES")):
            found.append(
                Problem(name, ERROR, f"unset: an embedded {store} under instance/, on one host, without backups")
            )
    if config["BENCH_ENDPOINTS"]:
        found.append(Problem("BENCH_ENDPOINTS", ERROR, "the benchmark's endpoint answers anyone: never in production"))
    if not config["SMTP_URL"]:
        found.append(
            Problem("SMTP_URL", WARNING, "unset: account mail is written to instance/outbox/, nobody receives it")
        )
    return found


def refuse_dangerous(config: Mapping, found: list[Problem]) -> None:
    """Raise DangerousConfiguration when production would be served with an error-level problem.

    An unreadable number is refused anywhere: the server would run on a value nobody chose.
    """
    errors = [problem for problem in found if problem.level == ERROR]
    if errors and is_production(config):
        raise DangerousConfiguration("refusing to serve production: " + _in_words(errors))
    if config.get(UNREADABLE):
        raise DangerousConfiguration("refusing to start: " + _in_words(_unreadable_problems(config)))


def _in_words(found: list[Problem]) -> str:
    return "; ".join(f"{problem.setting}: {problem.message}" for problem in found)


def effective_settings(config: Mapping, names: list[str]) -> dict:
    """The settings `names` as in effect, secrets masked and passwords in store URLs hidden."""
    shown = {}
    for name in names:
        value = config.get(name)
        if name in SECRETS and value:
            value = "********"
        elif name in URLS_WITH_PASSWORDS and value:
            value = _without_password(value)
        shown[name] = value
    return shown


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":********@", 1)
    return parts._replace(netloc=netloc).geturl()


def redis_persistence_problems(r, setting: str = "REDIS_URL") -> list[Problem]:
    """A warning when Redis keeps nothing on disk (refresh tokens and sessions live only there).

    On a cluster CONFIG GET asks one node, taken to speak for the others.
    """
    try:
        appendonly = r.config_get("appendonly").get("appendonly")
        save = r.config_get("save").get("save")
    except Exception:  # noqa: BLE001 - managed Redis often forbids CONFIG; then nothing can be said
        return []
    if appendonly != "yes" and not save:
        return [
            Problem(
                setting,
                WARNING,
                "Redis persists nothing (appendonly no, no save points): a restart signs everyone out"
                " and ends every refresh token",
            )
        ]
    return []


config_cli = AppGroup("config", help="Configuration.")


@config_cli.command("check")
def check() -> None:
    """Print the effective settings (secrets masked) and every problem; exit 1 on an error-level one."""
    from settings import load_settings
    from stores.redis_client import get_redis

    config = current_app.config
    redis_setting = "REDIS_CLUSTER_NODES" if config["REDIS_CLUSTER_NODES"] else "REDIS_URL"
    found = current_app.extensions["config_problems"] + redis_persistence_problems(get_redis(), redis_setting)
    report = {
        "production": is_production(config),
        "settings": effective_settings(config, sorted(set(load_settings({})) - {UNREADABLE})),
        "problems": [asdict(problem) for problem in found],
    }
    click.echo(json.dumps(report, indent=2, default=str))
    if any(problem.level == ERROR for problem in found):
        click.echo(json.dumps({"error": "the configuration has problems", "problems": len(found)}), err=True)
        sys.exit(1)
