"""The OAuth 2.0 protocol: authorize, token, revoke, introspect, metadata, and the stores behind them."""

from flask import Flask


def init_app(app: Flask) -> None:
    from oauth import cli, responses, views

    app.register_blueprint(views.bp)
    responses.init_app(app)
    app.cli.add_command(cli.clients_cli)
