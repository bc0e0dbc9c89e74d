"""The HTML side: sign-in, consent, developer portal, connected apps, admin."""

from flask import Flask
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    # CSRF applies to every POST; the machine endpoints (token, revoke,
    # introspect, API) opt out where they are registered.
    csrf.init_app(app)

    import audit
    from portal import formatting
    from portal.account.routes import bp as account_bp
    from portal.admin.routes import bp as admin_bp
    from portal.auth.routes import bp as auth_bp
    from portal.developer.routes import bp as developer_bp
    from portal.home import bp as home_bp

    app.add_template_filter(formatting.when, "when")
    app.jinja_env.globals["action_labels"] = audit.ACTION_LABELS
    for blueprint in (home_bp, auth_bp, developer_bp, account_bp, admin_bp):
        app.register_blueprint(blueprint)
