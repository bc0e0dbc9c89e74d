"""Machine endpoints carry bearer tokens or client credentials, not cookies: they get Flask's null session.

Opening the cookie session costs every request a signing serializer and a
cookie parse, and saving it could set a cookie on a machine response. For
the API, the token, revocation and introspection endpoints, the metadata
and the health check this interface skips both; every other path (pages,
the authorization endpoint) is handed to the app's own session interface
untouched.
"""

from flask import Flask
from flask.sessions import SessionInterface

from web.errors import MACHINE_PATH_PREFIXES


def is_machine_path(path: str) -> bool:
    # The same paths that answer errors as JSON: the programs' side of the app.
    return path.startswith(MACHINE_PATH_PREFIXES)


class SessionlessMachineEndpoints(SessionInterface):
    def __init__(self, inner: SessionInterface):
        self.inner = inner

    def open_session(self, app: Flask, request):
        if is_machine_path(request.path):
            return None  # Flask substitutes a NullSession, which refuses writes
        return self.inner.open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:
        self.inner.save_session(app, session, response)
