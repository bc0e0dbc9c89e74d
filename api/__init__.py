"""The sample protected API (RFC 6750 bearer tokens): profile, data, billing, webhooks."""

from flask import Flask


def init_app(app: Flask) -> None:
    import api.webhook_routes  # noqa: F401  (its calls join routes.bp, which must not be registered before)
    from api import openapi, resource_metadata, routes, userinfo

    app.register_blueprint(routes.bp)
    app.register_blueprint(userinfo.bp)
    app.register_blueprint(resource_metadata.bp)
    app.register_blueprint(openapi.bp)

    from api.refused_metrics import MostRefusedClients
    from observability.metrics import READ_AT_SCRAPE

    app.extensions.setdefault(READ_AT_SCRAPE, []).append(MostRefusedClients(app.config["RATE_LIMIT_WINDOW_SECONDS"]))
    if app.config["BENCH_ENDPOINTS"]:
        from api import bench

        app.register_blueprint(bench.bp)
