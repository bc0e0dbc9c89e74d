"""Validating an authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3), without Flask or stores.

The checks run in two steps. First the fatal ones (§4.1.2.1,
`trusted_redirect`): the client must exist and be active, and the redirect
URI must be an exact match of a registered one; failing either, the person
gets an error page, because redirecting to an unverified address would
make us an open redirector. Then the rest (`validate_trusted`), whose
errors travel back in the redirect with `state` and `iss`.

OpenID Connect's parameters (Core §3.1.2.1): `nonce` is carried through
the code into the ID token exactly as sent; `prompt` and `max_age` are
enforced; `login_hint` fills in the sign-in form (`login_hint`);
`id_token_hint`, `ui_locales`, `claims_locales`, `acr_values`, `display`
and `claims` are accepted and ignored, like any unknown parameter. A
request object (`request`, `request_uri`) is refused (§6), but only once
the redirect URI is trusted, so the refusal can go back to the app.

The view signs a visitor in between the two (RFC 9700 §4.11.2): even a
registered URI is the choice of whoever registered the app, so nobody who
is not signed in is sent there, not even with an error. `prompt=none` is
the one exception (`forbids_interaction`): the app asked for an answer
without any page, so it gets one at once.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from oauth import pkce, redirect_uris
from oauth.errors import (
    FatalAuthorizationError,
    InvalidRequest,
    OAuthError,
    RequestNotSupported,
    RequestUriNotSupported,
    SuspendedClient,
    UnauthorizedClient,
    UnknownClient,
    UnsupportedResponseType,
)
from oauth.params import single_valued
from oauth.scopes import format_scope, parse_scope, requested_within

if TYPE_CHECKING:  # a type only: this module stays free of the stores
    from oauth.clients import Client

PROMPTS = frozenset({"none", "consent", "login", "select_account"})
MAX_AGE_DIGITS = 10  # over 300 years: anything longer is no age at all


@dataclass(frozen=True)
class AuthorizationRequest:
    """A validated authorization request: everything the code will be bound to."""

    client: "Client"
    redirect_uri: str  # where the person goes back to
    redirect_uri_given: bool  # named in the request, so the token request must repeat it (§4.1.3)
    scopes: tuple[str, ...]
    state: str | None
    code_challenge: str | None
    prompt: frozenset[str] = frozenset()
    max_age: int | None = None  # seconds since the person last entered their password (OIDC Core §3.1.2.1)
    nonce: str | None = None  # OIDC: goes into the ID token as it was sent

    @property
    def scope(self) -> str:
        return format_scope(self.scopes)

    @property
    def client_identity_assured(self) -> bool:
        """False for a public app sent back where any program on the device could listen.

        A private-use scheme can be claimed, and a loopback port bound, by any
        app on the device; a public app proves nothing at the token endpoint.
        """
        return self.client["client_type"] == "confidential" or self.redirect_uri.startswith("https://")

    def error(self, error: OAuthError) -> OAuthError:
        """`error`, to be sent back to this request's redirect URI."""
        return error.redirect_to(self.redirect_uri, self.state)

    def replay_params(self) -> dict[str, str]:
        """The request as it is asked again after consent or sign-in (`prompt` and `max_age` are spent by then)."""
        fields = {"response_type": "code", "client_id": self.client["client_id"], "scope": self.scope}
        if self.redirect_uri_given:
            fields["redirect_uri"] = self.redirect_uri
        if self.state is not None:
            fields["state"] = self.state
        if self.code_challenge is not None:
            fields["code_challenge"] = self.code_challenge
            fields["code_challenge_method"] = pkce.METHOD
        if self.nonce is not None:
            fields["nonce"] = self.nonce
        return fields


@dataclass(frozen=True)
class TrustedRedirect:
    """An active client and a redirect URI it registered: where errors may be sent from now on."""

    client: "Client"
    redirect_uri: str
    redirect_uri_given: bool
    state: str | None  # echoed with errors; None when absent or repeated

    def error(self, error: OAuthError) -> OAuthError:
        """`error`, to be sent back to the trusted redirect URI."""
        return error.redirect_to(self.redirect_uri, self.state)


def validate(params: Mapping[str, list[str]], find_client: Callable[[str], "Client | None"]) -> AuthorizationRequest:
    """Check every rule; raise FatalAuthorizationError, or an OAuthError marked for the redirect."""
    return validate_trusted(params, trusted_redirect(params, find_client))


def trusted_redirect(params: Mapping[str, list[str]], find_client: Callable[[str], "Client | None"]) -> TrustedRedirect:
    """The fatal checks only (client, redirect URI); raise FatalAuthorizationError when one fails."""
    client = _client(params, find_client)
    redirect_uri, given = _redirect_uri(params, client)
    state_values = _values(params, "state")
    state = state_values[0] if len(state_values) == 1 else None
    return TrustedRedirect(client, redirect_uri, given, state)


def validate_trusted(params: Mapping[str, list[str]], trusted: TrustedRedirect) -> AuthorizationRequest:
    """Every other rule, once the redirect URI is trusted; each failure is an OAuthError marked for it."""
    try:
        return _validate_after_redirect_trusted(params, trusted)
    except OAuthError as error:
        trusted.error(error)
        raise


def forbids_interaction(params: Mapping[str, list[str]]) -> bool:
    """True when the request says `prompt=none` and nothing else: answer at once, never show a page.

    Read before the request is validated, to decide whether a visitor who is
    not signed in may be answered at once (OIDC Core §3.1.2.1). Anything
    less exact (a repeated `prompt`, `none` beside another value) is a broken
    request, and a visitor signs in before hearing about it.
    """
    values = _values(params, "prompt")
    return len(values) == 1 and parse_scope(values[0]) == ["none"]


def login_hint(params: Mapping[str, list[str]]) -> str | None:
    """The address the app says the person will sign in with (OIDC `login_hint`): a default, never a rule."""
    values = _values(params, "login_hint")
    return values[0] if len(values) == 1 else None


def needs_fresh_sign_in(request: AuthorizationRequest, auth_time: int | None, now: float) -> bool:
    """True when the signed-in person must enter their password again first: prompt=login, or max_age passed."""
    if "login" in request.prompt:
        return True
    return request.max_age is not None and (auth_time is None or now - auth_time > request.max_age)


def needs_consent(request: AuthorizationRequest, granted_scopes: list[str] | None) -> bool:
    """Ask the person unless their live grant already covers the request (and they were not told to be asked).

    An app whose identity cannot be assured is always asked: otherwise an
    impersonator using its client_id would get a code without the person
    ever seeing a page (RFC 8252 §8.6, RFC 6749 §10.2).
    """
    if "consent" in request.prompt or granted_scopes is None or not request.client_identity_assured:
        return True
    return not set(request.scopes) <= set(granted_scopes)


def _values(params: Mapping[str, list[str]], name: str) -> list[str]:
    return [value for value in params.get(name, []) if value]


def _client(params: Mapping[str, list[str]], find_client: Callable[[str], "Client | None"]) -> "Client":
    values = _values(params, "client_id")
    if not values:
        raise FatalAuthorizationError("The request does not say which app is asking (client_id is missing).")
    if len(values) > 1:
        raise FatalAuthorizationError("The request names more than one app (client_id is repeated).")
    client = find_client(values[0])
    if client is None:
        raise UnknownClient("No app with this client_id is registered here.")
    if client["status"] != "active":
        raise SuspendedClient(f"The app {client['name']} has been suspended and cannot be connected.", client)
    return client


def _redirect_uri(params: Mapping[str, list[str]], client: dict) -> tuple[str, bool]:
    """The registered URI to send the person back to, and whether the request named it."""
    values = _values(params, "redirect_uri")
    registered = client["redirect_uris"]
    if len(values) > 1:
        raise FatalAuthorizationError("The request names more than one redirect_uri.")
    if not values:
        if len(registered) == 1:
            return registered[0], False
        raise FatalAuthorizationError(
            "The request has no redirect_uri, and the app has registered several: it must say which."
        )
    if not redirect_uris.is_registered(values[0], registered, client["client_type"]):
        raise FatalAuthorizationError("The redirect_uri is not one the app registered, so we will not send you there.")
    return values[0], True


def _validate_after_redirect_trusted(params: Mapping[str, list[str]], trusted: TrustedRedirect) -> AuthorizationRequest:
    client = trusted.client
    single = single_valued(params)
    if "request" in single:
        raise RequestNotSupported("Request objects are not supported: send the parameters themselves.")
    if "request_uri" in single:
        raise RequestUriNotSupported("request_uri is not supported: send the parameters themselves.")
    response_type = single.get("response_type")
    if response_type is None:
        raise InvalidRequest("Missing parameter: response_type.")
    if response_type != "code":
        raise UnsupportedResponseType("Only response_type=code is supported.")
    if single.get("response_mode", "query") != "query":
        raise InvalidRequest("Only response_mode=query is supported.")
    if "authorization_code" not in client["grant_types"]:
        raise UnauthorizedClient("This app is not registered for the authorization code flow.")
    # Scope is required: the person must see exactly what is asked, with no silent default.
    scopes = requested_within(single.get("scope"), client["scopes"], beyond="This app is not registered for")
    challenge = pkce.check_challenge(single.get("code_challenge"), single.get("code_challenge_method"))
    if challenge is None and client["client_type"] == "public":
        raise InvalidRequest("Public apps must use PKCE: send code_challenge with code_challenge_method=S256.")
    prompt = frozenset(parse_scope(single.get("prompt")))  # space-delimited, like scope
    if "none" in prompt and len(prompt) > 1:
        raise InvalidRequest("prompt=none cannot be combined with other prompt values.")
    max_age = _max_age(single.get("max_age"))
    return AuthorizationRequest(
        client=client,
        redirect_uri=trusted.redirect_uri,
        redirect_uri_given=trusted.redirect_uri_given,
        scopes=tuple(scopes),
        state=single.get("state"),
        code_challenge=challenge,
        prompt=prompt & PROMPTS,
        max_age=max_age,
        nonce=single.get("nonce"),
    )


def _max_age(value: str | None) -> int | None:
    """A whole number of seconds, or None when absent."""
    if value is None:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= MAX_AGE_DIGITS):
        raise InvalidRequest("max_age must be a whole number of seconds.")
    return int(value)
