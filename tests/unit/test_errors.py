"""OAuth errors: each knows its RFC error code and HTTP status, and whether it may travel in a redirect."""

import pytest

from oauth import errors


@pytest.mark.parametrize(
    ("error_class", "code", "status"),
    [
        (errors.OAuthError, "server_error", 500),
        (errors.InvalidRequest, "invalid_request", 400),
        (errors.InvalidClient, "invalid_client", 401),
        (errors.InvalidGrant, "invalid_grant", 400),
        (errors.UnauthorizedClient, "unauthorized_client", 400),
        (errors.UnsupportedGrantType, "unsupported_grant_type", 400),
        (errors.UnsupportedResponseType, "unsupported_response_type", 400),
        (errors.InvalidScope, "invalid_scope", 400),
        (errors.AccessDenied, "access_denied", 403),
        (errors.LoginRequired, "login_required", 401),
        (errors.ConsentRequired, "consent_required", 403),
    ],
)
def test_each_error_carries_its_rfc_code_and_status(error_class, code, status):
    error = error_class("described")
    assert (error.error, error.status, error.description) == (code, status, "described")


def test_an_error_is_not_for_a_redirect_until_marked():
    error = errors.InvalidScope("x")
    assert (error.redirect_uri, error.state) == (None, None)
    assert error.redirect_to("https://app.example.com/cb", "s") is error
    assert (error.redirect_uri, error.state) == ("https://app.example.com/cb", "s")


def test_invalid_client_asks_for_basic_only_when_basic_was_tried():
    assert "WWW-Authenticate" not in errors.InvalidClient("x").headers
    assert errors.InvalidClient("x", basic_attempted=True).headers["WWW-Authenticate"].startswith("Basic realm=")


def test_a_fatal_authorization_error_is_no_oauth_error_and_so_never_redirected():
    error = errors.FatalAuthorizationError("No app with this client_id is registered here.")
    assert not isinstance(error, errors.OAuthError)
    assert (error.status, error.description) == (400, "No app with this client_id is registered here.")


@pytest.mark.parametrize(
    ("sent", "described"),
    [
        ("Repeated parameter: scope.", "Repeated parameter: scope."),
        ("Repeated parameter: \x01.", "Repeated parameter: ?."),
        ('Unknown scope: "é\\.', "Unknown scope: ???."),
        ("x" * 1000, "x" * (errors.MAX_ERROR_TEXT - 3) + "..."),
    ],
    ids=["printable ASCII kept", "control character", "quote, non-ASCII, backslash", "cut short"],
)
def test_a_description_keeps_to_the_characters_rfc_6749_allows(sent, described):
    assert errors.InvalidRequest(sent).description == described
