"""The OAuth 2.0 protocol: authorize, token, revoke, introspect, metadata, and the stores behind them."""

from flask import Flask


def init_app(app: Flask) -> None:
    from oauth import cli, discovery, responses, token_views, views

    app.register_blueprint(views.bp)
    app.register_blueprint(token_views.bp)
    app.register_blueprint(discovery.bp)
    responses.init_app(app)
    app.cli.add_command(cli.clients_cli)
