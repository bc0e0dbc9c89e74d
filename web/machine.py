"""Machine endpoints: the blueprints that programs call, known by blueprint rather than by a list of paths.

A blueprint made with `MachineBlueprint` (token, revocation, introspection,
discovery, the API, the health check) carries bearer tokens or client
credentials, never cookies. So, once `init_app` has seen every blueprint:

- its errors are JSON (`wants_json`), never an HTML page;
- it gets Flask's null session: no cookie is parsed or set, which also spares
  every API call a signing serializer;
- it is exempt from CSRF: there is no cookie for a forged form to ride on.

The session is opened before Flask matches the URL to a view, so these
decisions are made on the path: each machine blueprint's territory is its
`url_prefix`, or else the fixed part of each of its rules.
"""

from flask import Blueprint, Flask, current_app, request
from flask.sessions import SessionInterface

from web.csrf import csrf

EXTENSION = "machine_territories"


class MachineBlueprint(Blueprint):
    """A blueprint whose every endpoint is called by programs, not by people."""


def init_app(app: Flask) -> None:
    """Call after every blueprint is registered: learn the machine territories and set them apart."""
    machine = [bp for bp in app.blueprints.values() if isinstance(bp, MachineBlueprint)]
    for blueprint in machine:
        csrf.exempt(blueprint)
    app.extensions[EXTENSION] = territories(app, {bp.name for bp in machine})
    app.session_interface = SessionlessMachineEndpoints(app.session_interface)


def territories(app: Flask, blueprint_names: set[str]) -> tuple[str, ...]:
    """The path prefixes that belong to the named blueprints."""
    found = set()
    for name in blueprint_names:
        prefix = app.blueprints[name].url_prefix
        if prefix:
            found.add(prefix)
    for rule in app.url_map.iter_rules():
        owner = rule.endpoint.rpartition(".")[0]
        if owner in blueprint_names and not app.blueprints[owner].url_prefix:
            found.add(rule.rule.partition("<")[0])
    return tuple(sorted(found))


def is_machine_path(path: str) -> bool:
    return path.startswith(current_app.extensions[EXTENSION])


def wants_json() -> bool:
    """True when the caller is a program rather than a person with a browser."""
    return is_machine_path(request.path)


class SessionlessMachineEndpoints(SessionInterface):
    """Hands machine paths Flask's null session and every other path to the app's own interface."""

    def __init__(self, inner: SessionInterface):
        self.inner = inner

    def open_session(self, app: Flask, request):
        if request.path.startswith(app.extensions[EXTENSION]):
            return None  # Flask substitutes a NullSession, which refuses writes
        return self.inner.open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:
        self.inner.save_session(app, session, response)
