"""Machine endpoints carry bearer tokens or client credentials, not cookies: they get Flask's null session.

Opening the cookie session costs every request a signing serializer and a
cookie parse, and saving it could set a cookie on a machine response. For
the API and the token, revocation and introspection endpoints this
interface skips both; every other path (pages, the authorization endpoint)
is handed to the app's own session interface untouched.
"""

from flask import Flask
from flask.sessions import SessionInterface

from oauth.metadata import INTROSPECTION_PATH, REVOCATION_PATH, TOKEN_PATH

API_PREFIX = "/api/"
MACHINE_PATHS = frozenset((TOKEN_PATH, REVOCATION_PATH, INTROSPECTION_PATH))


def is_machine_path(path: str) -> bool:
    return path.startswith(API_PREFIX) or path in MACHINE_PATHS


class SessionlessMachineEndpoints(SessionInterface):
    def __init__(self, inner: SessionInterface):
        self.inner = inner

    def open_session(self, app: Flask, request):
        if is_machine_path(request.path):
            return None  # Flask substitutes a NullSession, which refuses writes
        return self.inner.open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:
        self.inner.save_session(app, session, response)
