"""The HTML side: sign-in, consent, developer portal, connected apps, admin."""

from flask import Flask


def init_app(app: Flask) -> None:
    import audit
    from portal import form_errors, formatting
    from portal.account.routes import bp as account_bp
    from portal.account.two_factor_routes import bp as account_two_factor_bp
    from portal.admin.routes import bp as admin_bp
    from portal.auth.password_routes import bp as password_bp
    from portal.auth.routes import bp as auth_bp
    from portal.auth.sign_in_link_routes import bp as sign_in_link_bp
    from portal.auth.two_factor_routes import bp as auth_two_factor_bp
    from portal.auth.verification_routes import bp as verification_bp
    from portal.developer.routes import bp as developer_bp
    from portal.docs import bp as docs_bp
    from portal.home import bp as home_bp

    app.add_template_filter(formatting.when, "when")
    app.jinja_env.globals["forms_with_errors"] = form_errors.forms_with_errors
    app.jinja_env.globals["action_labels"] = audit.ACTION_LABELS
    app.jinja_env.globals["security_actions"] = audit.SECURITY_ACTIONS
    for blueprint in (
        home_bp,
        docs_bp,
        auth_bp,
        auth_two_factor_bp,
        sign_in_link_bp,
        password_bp,
        verification_bp,
        developer_bp,
        account_bp,
        account_two_factor_bp,
        admin_bp,
    ):
        app.register_blueprint(blueprint)
