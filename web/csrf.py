"""CSRF protection for every browser POST, shared by each package that serves forms.

Machine endpoints (bearer tokens or client credentials, never cookies) are
exempted by web.machine, where they are marked.
"""

from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
