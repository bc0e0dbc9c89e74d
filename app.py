"""The application factory: config, stores, blueprints, CLI and error handlers."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import config_check
from settings import load_settings, secret_key


def create_app(config: dict | None = None) -> Flask:
    """Build the app. Tests pass `config`; everything else comes from the environment."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(load_settings())
    app.config.update(config or {})
    # Judged as given, before a SECRET_KEY is generated and embedded stores fill the URLs in.
    app.extensions["config_problems"] = config_check.problems(app.config)
    app.config["SECRET_KEY"] = secret_key(app.config, app.instance_path)
    app.config.update({k: v for k, v in _cookie_settings(app).items() if k not in (config or {})})

    if not (app.config["DATABASE_URL"] and (app.config["REDIS_URL"] or app.config["REDIS_CLUSTER_NODES"])):
        from stores import embedded

        embedded.ensure_started(app.config, app.instance_path)

    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from observability import logs
    from web import request_log

    logs.configure(app.config["LOG_FORMAT"])
    if not app.config["BENCH_UNINSTRUMENTED"]:
        request_log.init_app(app)  # outside ProxyFix: it logs the address ProxyFix settled on

    from stores import postgres, redis_client

    postgres.init_app(app)
    redis_client.init_app(app)

    from web import errors, headers, health, metrics_view, request_guard
    from web.csrf import csrf

    csrf.init_app(app)  # every POST; machine endpoints are exempted by web.machine
    errors.init_app(app)
    # Input no store can hold becomes a 400 here, before a query turns it into a 500.
    request_guard.init_app(app)
    headers.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics_view.bp)
    app.cli.add_command(config_check.config_cli)

    from accounts import cli as accounts_cli
    from accounts import login, mail, session_interface

    session_interface.init_app(app)
    login.init_app(app)
    mail.init_app(app)  # the mail queue's gauges on /metrics
    app.cli.add_command(accounts_cli.db_cli)
    app.cli.add_command(accounts_cli.users_cli)

    import api
    import oauth
    import portal

    portal.init_app(app)
    oauth.init_app(app)
    api.init_app(app)

    import webhooks

    webhooks.init_app(app)

    import worker

    worker.init_app(app)  # `flask worker`: webhook deliveries and account mail

    from web import machine

    machine.init_app(app)  # last: it reads every registered blueprint

    from oauth import browser_origins
    from web import cors

    cors.init_app(app, browser_origins.is_public_client_origin)
    return app


def _cookie_settings(app: Flask) -> dict:
    """HttpOnly and SameSite=Lax always; Secure whenever the issuer is https."""
    secure = app.config["OAUTH_ISSUER"].startswith("https://")
    return {
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_COOKIE_NAME": "__Host-session" if secure else "session",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
    }
