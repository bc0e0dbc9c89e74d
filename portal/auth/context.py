"""What the sign-in pages say about where the person is going: the app that sent them, if any."""

from urllib.parse import parse_qs, urlsplit

from oauth import authorization, clients, metadata
from oauth.errors import FatalAuthorizationError
from stores.postgres import get_connection
from web.headers import allow_form_redirect


def app_asking(next_url: str | None) -> str | None:
    """The name of the active app whose authorization request `next_url` is, or None for any other page.

    The sign-in page that shows it may end at that app: see `allow_continuing_to_app`.
    """
    asking = _active_app_asking(next_url)
    if asking is None:
        return None
    client, params = asking
    _allow_return_to_app(params, client)
    return client["name"]


def allow_continuing_to_app(next_url: str | None) -> None:
    """Let this page's form end at the app whose authorization request `next_url` is, if any.

    Finishing a sign-in replays the request, which can answer at once with a
    redirect to the app (a code, or an error), and Chrome checks that
    redirect against the form-action of the page whose form was submitted:
    the sign-in page, the second-factor page.
    """
    asking = _active_app_asking(next_url)
    if asking is not None:
        _allow_return_to_app(asking[1], asking[0])


def _active_app_asking(next_url: str | None) -> tuple[clients.Client, dict[str, list[str]]] | None:
    params = _authorization_params(next_url)
    if params is None:
        return None
    client = clients.get_client(get_connection(), params["client_id"][0])
    if client is None or client["status"] != "active":
        return None
    return client, params


def _allow_return_to_app(params: dict[str, list[str]], client: clients.Client) -> None:
    """Only once the request passes its fatal checks: otherwise the replay shows a page and redirects nowhere."""
    try:
        trusted = authorization.trusted_redirect(params, {client["client_id"]: client}.get)
    except FatalAuthorizationError:
        return
    allow_form_redirect(trusted.redirect_uri)


def login_hint(next_url: str | None) -> str:
    """The email that the authorization request `next_url` suggests signing in with (OIDC `login_hint`), or ""."""
    params = _authorization_params(next_url)
    return (authorization.login_hint(params) or "") if params else ""


def _authorization_params(next_url: str | None) -> dict[str, list[str]] | None:
    """The query of `next_url` if it is an authorization request naming one plausible client_id."""
    if not next_url:
        return None
    parts = urlsplit(next_url)
    if parts.path != metadata.AUTHORIZATION_PATH:
        return None
    params = parse_qs(parts.query)
    client_ids = params.get("client_id", [])
    if len(client_ids) != 1 or len(client_ids[0]) > MAX_CLIENT_ID_LENGTH:
        return None
    return params


MAX_CLIENT_ID_LENGTH = 100  # ours are far shorter; a longer one is no client at all
