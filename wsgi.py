"""Entry point for gunicorn: `gunicorn wsgi:app`. Production with a dangerous setting is refused here (config_check)."""

from app import create_app
from config_check import refuse_dangerous

app = create_app()
refuse_dangerous(app.config, app.extensions["config_problems"])
