"""The sample protected API (RFC 6750 bearer tokens): profile, data, billing."""

from flask import Flask


def init_app(app: Flask) -> None:
    from api import routes
    from api.sessionless import SessionlessMachineEndpoints
    from portal import csrf

    app.session_interface = SessionlessMachineEndpoints(app.session_interface)
    csrf.exempt(routes.bp)  # bearer tokens, not cookies: nothing for a forged form to ride on
    app.register_blueprint(routes.bp)
    if app.config["BENCH_ENDPOINTS"]:
        from api import bench

        app.register_blueprint(bench.bp)
