"""The OAuth 2.0 protocol: authorize, token, revoke, introspect, metadata, and the stores behind them."""

from flask import Flask


def init_app(app: Flask) -> None:
    from oauth import (
        cli,
        discovery,
        keys_cli,
        leaked_views,
        logout_views,
        responses,
        signing_keys,
        token_views,
        views,
    )

    app.register_blueprint(views.bp)
    app.register_blueprint(logout_views.bp)
    app.register_blueprint(token_views.bp)
    app.register_blueprint(discovery.bp)
    app.register_blueprint(leaked_views.bp)
    # First of all: no earlier refusal (CSRF, sign-in, a bad request) may let a token in a URL live on.
    app.before_request_funcs.setdefault(None, []).insert(0, leaked_views.revoke_tokens_in_url)
    responses.init_app(app)
    signing_keys.init_app(app)
    app.cli.add_command(cli.clients_cli)
    app.cli.add_command(keys_cli.keys_cli)
