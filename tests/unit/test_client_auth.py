"""How a request presents a client's credentials (RFC 6749 §2.3.1), read before any lookup."""

import base64

import pytest

from oauth.client_auth import PresentedCredentials, presented_credentials
from oauth.errors import InvalidClient, InvalidRequest


def basic(raw: str) -> str:
    return "Basic " + base64.b64encode(raw.encode()).decode()


@pytest.mark.parametrize(
    ("params", "authorization", "presented"),
    [
        ({}, basic("app:s3cret"), PresentedCredentials("app", "s3cret", "client_secret_basic")),
        ({"client_id": "app"}, basic("app:s3cret"), PresentedCredentials("app", "s3cret", "client_secret_basic")),
        ({}, basic("app%3A1:s%2Bc+t"), PresentedCredentials("app:1", "s+c t", "client_secret_basic")),
        ({}, basic("app:"), PresentedCredentials("app", None, "client_secret_basic")),
        ({}, "basic " + basic("app:x")[6:], PresentedCredentials("app", "x", "client_secret_basic")),
        ({"client_id": "app", "client_secret": "x"}, None, PresentedCredentials("app", "x", "client_secret_post")),
        ({"client_id": "app"}, None, PresentedCredentials("app", None, "none")),
        ({"client_id": "app"}, "Bearer abc", PresentedCredentials("app", None, "none")),
        ({"client_id": "app"}, "", PresentedCredentials("app", None, "none")),
    ],
    ids=[
        "basic",
        "basic with the same client_id in the body",
        "basic parts are form-url-decoded",
        "basic with an empty secret",
        "scheme in lower case",
        "secret in the body",
        "public client",
        "another scheme is not client authentication",
        "empty header",
    ],
)
def test_the_presented_client_and_method_are_read_from_header_or_body(params, authorization, presented):
    assert presented_credentials(params, authorization) == presented


@pytest.mark.parametrize(
    ("params", "authorization", "error", "message"),
    [
        ({}, None, InvalidClient, "Client authentication is required"),
        ({"client_secret": "x"}, None, InvalidClient, "Client authentication is required"),
        ({"client_secret": "x"}, basic("app:x"), InvalidRequest, "Use one client authentication method"),
        ({"client_id": "other"}, basic("app:x"), InvalidRequest, "differs from the one in the Authorization header"),
        ({}, "Basic !!!", InvalidClient, "Malformed HTTP Basic"),
        ({}, "Basic " + base64.b64encode(b"\xff\xfe:x").decode(), InvalidClient, "Malformed HTTP Basic"),
        ({}, basic("no-colon"), InvalidClient, "Malformed HTTP Basic"),
        ({}, basic(":secret"), InvalidClient, "Malformed HTTP Basic"),
        ({}, basic("app%00:x"), InvalidClient, "Malformed HTTP Basic"),
        ({}, basic("app:x%00"), InvalidClient, "Malformed HTTP Basic"),
    ],
    ids=[
        "nothing presented",
        "a secret without a client_id",
        "two methods at once",
        "two client ids",
        "not base64",
        "not utf-8",
        "no colon",
        "no client id",
        "nul in the client id",
        "nul in the secret",
    ],
)
def test_a_malformed_or_ambiguous_presentation_is_refused(params, authorization, error, message):
    with pytest.raises(error, match=message):
        presented_credentials(params, authorization)


def test_a_malformed_basic_header_asks_for_basic_again():
    with pytest.raises(InvalidClient) as caught:
        presented_credentials({}, "Basic !!!")
    assert caught.value.status == 401
    assert caught.value.headers["WWW-Authenticate"].startswith("Basic ")


def test_a_missing_client_is_not_answered_with_a_basic_challenge():
    with pytest.raises(InvalidClient) as caught:
        presented_credentials({}, None)
    assert "WWW-Authenticate" not in caught.value.headers
