"""The authorization request's rules (RFC 6749 §4.1.1, §4.1.2.1, RFC 7636 §4.3), checked without Flask or stores."""

import pytest

from oauth.authorization import AuthorizationRequest, validate
from oauth.errors import FatalAuthorizationError, OAuthError


def test_validator_checks_fatal_rules_before_anything_else():
    with pytest.raises(FatalAuthorizationError):
        validate({"client_id": ["x"], "response_type": ["token"]}, lambda _id: None)


def test_validator_marks_redirectable_errors_with_the_trusted_uri():
    client = {
        "client_id": "c",
        "name": "C",
        "status": "active",
        "client_type": "confidential",
        "redirect_uris": ["https://a.example/cb"],
        "scopes": ["read:data"],
        "grant_types": ["authorization_code"],
    }
    with pytest.raises(OAuthError) as caught:
        validate({"client_id": ["c"], "response_type": ["code"], "state": ["s"]}, {"c": client}.get)
    assert caught.value.error == "invalid_scope"
    assert (caught.value.redirect_uri, caught.value.state) == ("https://a.example/cb", "s")

    request = validate({"client_id": ["c"], "response_type": ["code"], "scope": ["read:data"]}, {"c": client}.get)
    assert request == AuthorizationRequest(client, "https://a.example/cb", False, ("read:data",), None, None)
