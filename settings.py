"""Configuration read from the environment, per the external contract."""

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

DEFAULT_ISSUER = "http://127.0.0.1:5000"
# The config key of the settings whose text was not a number: {name: text}.
UNREADABLE = "UNREADABLE_SETTINGS"


def load_settings(env: Mapping[str, str] = os.environ) -> dict:
    """Return the Flask config for this process from `env`."""
    issuer = (env.get("OAUTH_ISSUER") or DEFAULT_ISSUER).rstrip("/")
    number = NumberReader(env)
    settings = {
        "DATABASE_URL": env.get("DATABASE_URL") or None,
        "REDIS_URL": env.get("REDIS_URL") or None,
        # host:port,host:port,...: seed nodes of a Redis Cluster, used instead of REDIS_URL when set.
        "REDIS_CLUSTER_NODES": env.get("REDIS_CLUSTER_NODES", "").strip() or None,
        # Replicas that must hold a refresh rotation, a revocation or a suspension before it is
        # answered (Redis WAIT, stores/acknowledged.py); None: one on a cluster, none on one Redis.
        "REDIS_WAIT_REPLICAS": number("REDIS_WAIT_REPLICAS", 0) if env.get("REDIS_WAIT_REPLICAS") else None,
        # None: secret_key() settles it once the app's own config is known.
        "SECRET_KEY": env.get("SECRET_KEY") or None,
        "OAUTH_ISSUER": issuer,
        "DB_POOL_MAX": number("DB_POOL_MAX", 10),
        "ACCESS_TOKEN_TTL": number("ACCESS_TOKEN_TTL", 3600),
        # A refresh-token family ends this long after its code exchange, however often it was
        # refreshed; the app then sends the person through authorization again (90 days).
        "REFRESH_FAMILY_LIFETIME_SECONDS": number("REFRESH_FAMILY_LIFETIME_SECONDS", 90 * 24 * 3600),
        # Live client-credentials tokens one app may hold at once; past it, its oldest are revoked.
        "CLIENT_CREDENTIALS_TOKEN_CAP": number("CLIENT_CREDENTIALS_TOKEN_CAP", 100),
        # Number of reverse proxies in front of the app whose X-Forwarded-*
        # headers are trusted (0: none, the client address is the peer's).
        "TRUSTED_PROXY_HOPS": number("TRUSTED_PROXY_HOPS", 0),
        # The rate limit's window (api/rate_limit.py): an hour; shorter only to watch it reset.
        "RATE_LIMIT_WINDOW_SECONDS": number("RATE_LIMIT_WINDOW_SECONDS", 3600),
        # A browser session ends after this long without a request, and this long after sign-in at most.
        "SESSION_IDLE_SECONDS": number("SESSION_IDLE_SECONDS", 12 * 3600),
        "SESSION_LIFETIME_SECONDS": number("SESSION_LIFETIME_SECONDS", 30 * 24 * 3600),
        # Administrators must turn on two-factor sign-in before /admin opens; REQUIRE_ADMIN_2FA=0 lifts that.
        "REQUIRE_ADMIN_2FA": env.get("REQUIRE_ADMIN_2FA", "1") != "0",
        # Where account mail goes: smtp://[user:pass@]host:port, or smtps:// for TLS from the
        # first byte. Unset: each mail is written to instance/outbox/ and its links are logged.
        "SMTP_URL": env.get("SMTP_URL") or None,
        # The sender of account mail; None: no-reply@ the issuer's host.
        "MAIL_FROM": env.get("MAIL_FROM") or None,
        # The platform's name: consent pages say who vouches for an app, and developers' apps may not claim it.
        "PLATFORM_NAME": env.get("PLATFORM_NAME") or "Platform Accounts",
        # Whom people may ask when the platform stopped something (a suspended app): an email address
        # or an http(s) URL (web/support.py); None: no contact is shown.
        "SUPPORT_CONTACT": env.get("SUPPORT_CONTACT", "").strip() or None,
        # Until the platform verifies an app, at most this many people may authorize it (as Google caps them).
        "UNVERIFIED_APP_USER_LIMIT": number("UNVERIFIED_APP_USER_LIMIT", 100),
        # Apps one developer may register in the portal (the CLI, run by operators, is not held to it).
        "APPS_PER_DEVELOPER": number("APPS_PER_DEVELOPER", 20),
        # Bearer token that GET /metrics requires; None: /metrics answers clients on this host only.
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
        # "json": one JSON object per request and per security event on stderr; unset: a readable line.
        "LOG_FORMAT": env.get("LOG_FORMAT", "").strip().lower(),
        # Webhooks (webhooks/): WEBHOOK_ALLOW_PRIVATE=1 lets deliveries reach loopback and private
        # addresses (development and tests only). A failed delivery is retried after
        # WEBHOOK_RETRY_BASE_SECONDS, doubling up to WEBHOOK_RETRY_MAX_SECONDS, for
        # WEBHOOK_RETRY_WINDOW_SECONDS after its event; failing that long disables a subscription.
        "WEBHOOK_ALLOW_PRIVATE": env.get("WEBHOOK_ALLOW_PRIVATE") == "1",
        "WEBHOOK_TIMEOUT_SECONDS": number("WEBHOOK_TIMEOUT_SECONDS", 10.0),
        "WEBHOOK_RETRY_BASE_SECONDS": number("WEBHOOK_RETRY_BASE_SECONDS", 30.0),
        "WEBHOOK_RETRY_MAX_SECONDS": number("WEBHOOK_RETRY_MAX_SECONDS", 3600.0),
        "WEBHOOK_RETRY_WINDOW_SECONDS": number("WEBHOOK_RETRY_WINDOW_SECONDS", float(24 * 3600)),
        # Deliveries one `flask worker` makes at once, and how often an idle worker looks for new ones.
        "WEBHOOK_WORKER_THREADS": number("WEBHOOK_WORKER_THREADS", 4),
        "WEBHOOK_POLL_SECONDS": number("WEBHOOK_POLL_SECONDS", 0.5),
        # Days a finished delivery stays listed in the portal before the worker deletes it.
        "WEBHOOK_DELIVERY_RETENTION_DAYS": number("WEBHOOK_DELIVERY_RETENTION_DAYS", 7.0),
        # The benchmark's one-Redis-GET endpoint: never on in production.
        "BENCH_ENDPOINTS": env.get("BENCH_ENDPOINTS") == "1",
        # With BENCH_ENDPOINTS only: no request log line and no request metrics, for the
        # benchmark's figure of what they cost (bench/instrumentation.py).
        "BENCH_UNINSTRUMENTED": env.get("BENCH_ENDPOINTS") == "1" and env.get("BENCH_UNINSTRUMENTED") == "1",
    }
    settings[UNREADABLE] = number.unreadable
    return settings


class NumberReader:
    """Numbers from the environment, of the default's type; unset or empty means the default.

    Text that is no number is kept in `unreadable` and the default stands in
    for it, so that `config check` can name the setting and the servers refuse
    to start (config_check.refuse_dangerous) instead of failing on int().
    """

    def __init__(self, env: Mapping[str, str]):
        self.env = env
        self.unreadable: dict[str, str] = {}

    def __call__(self, name: str, default: int | float) -> int | float:
        text = (self.env.get(name) or "").strip()
        if not text:
            return default
        try:
            return type(default)(text)
        except ValueError:
            self.unreadable[name] = text
            return default


def secret_key(config: Mapping, instance_path: str) -> str:
    """SECRET_KEY if set; in tests a throwaway key; otherwise the one kept in the instance folder."""
    if config.get("SECRET_KEY"):
        return config["SECRET_KEY"]
    if config.get("TESTING"):
        return secrets.token_urlsafe(48)  # a test run never writes into the working tree
    return instance_secret_key(instance_path)


def instance_secret_key(instance_path: str) -> str:
    """Read the key kept in the instance folder, creating it on first use.

    Creation uses O_EXCL so that two processes starting together agree on
    one key instead of each writing its own.
    """
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        key = secrets.token_urlsafe(48)
        handle.write(key)
    return key
