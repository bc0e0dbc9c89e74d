"""What the sign-in pages say about where the person is going: the app that sent them, if any."""

from urllib.parse import parse_qs, urlsplit

from oauth import authorization, clients, metadata
from oauth.errors import FatalAuthorizationError
from stores.postgres import get_connection
from web.headers import allow_form_redirect


def app_asking(next_url: str | None) -> str | None:
    """The name of the active app whose authorization request `next_url` is, or None for any other page.

    Such a page's form may end at the app: signing in replays the request,
    which can answer at once with a redirect there (a code, or an error),
    and Chrome checks that redirect against the sign-in page's form-action.
    Any page whose form continues such a request (the second-factor page too)
    asks this for the same reason.
    """
    params = _authorization_params(next_url)
    if params is None:
        return None
    client = clients.get_client(get_connection(), params["client_id"][0])
    if client is None or client["status"] != "active":
        return None
    _allow_return_to_app(params, client)
    return client["name"]


def _allow_return_to_app(params: dict[str, list[str]], client: clients.Client) -> None:
    """Let this page's form lead on to the request's redirect URI, once the request has passed its fatal checks."""
    try:
        trusted = authorization.trusted_redirect(params, {client["client_id"]: client}.get)
    except FatalAuthorizationError:
        return  # the replayed request shows an error page here and redirects nowhere
    allow_form_redirect(trusted.redirect_uri)


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
