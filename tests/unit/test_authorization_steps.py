"""The authorization request in two steps: the fatal checks alone, then the rest, and prompt=none read early."""

import pytest

from oauth.authorization import forbids_interaction, trusted_redirect, validate, validate_trusted
from oauth.errors import FatalAuthorizationError, OAuthError

CLIENT = {
    "client_id": "c",
    "name": "C",
    "status": "active",
    "client_type": "confidential",
    "redirect_uris": ["https://a.example/cb"],
    "scopes": ["read:data"],
    "grant_types": ["authorization_code"],
}
BROKEN = {"client_id": ["c"], "response_type": ["x"], "state": ["s"]}


def test_the_fatal_step_trusts_the_redirect_whatever_the_rest_says():
    trusted = trusted_redirect(BROKEN, {"c": CLIENT}.get)
    assert (trusted.client, trusted.redirect_uri, trusted.redirect_uri_given, trusted.state) == (
        CLIENT,
        "https://a.example/cb",
        False,
        "s",
    )


@pytest.mark.parametrize(
    "params",
    [{"client_id": ["nope"]}, {"client_id": ["c"], "redirect_uri": ["https://evil.example/cb"]}, {}],
)
def test_the_fatal_step_alone_refuses_an_untrusted_destination(params):
    with pytest.raises(FatalAuthorizationError):
        trusted_redirect(params, {"c": CLIENT}.get)


def test_the_second_step_marks_its_errors_for_the_trusted_redirect():
    trusted = trusted_redirect(BROKEN, {"c": CLIENT}.get)
    with pytest.raises(OAuthError) as caught:
        validate_trusted(BROKEN, trusted)
    assert caught.value.error == "unsupported_response_type"
    assert (caught.value.redirect_uri, caught.value.state) == ("https://a.example/cb", "s")


def test_both_steps_make_what_validate_makes():
    params = {"client_id": ["c"], "response_type": ["code"], "scope": ["read:data"], "prompt": ["consent"]}
    assert validate_trusted(params, trusted_redirect(params, {"c": CLIENT}.get)) == validate(params, {"c": CLIENT}.get)


def test_replayed_params_are_the_request_without_its_prompt():
    params = {"client_id": ["c"], "response_type": ["code"], "scope": ["read:data"], "prompt": ["login"]}
    request = validate({**params, "max_age": ["5"], "state": ["s"]}, {"c": CLIENT}.get)
    assert request.replay_params() == {"response_type": "code", "client_id": "c", "scope": "read:data", "state": "s"}


@pytest.mark.parametrize(
    "prompt, forbids",
    [
        (["none"], True),
        ([" none "], True),
        (["none", "none"], False),  # repeated: a broken request
        (["none consent"], False),  # none beside another value: a broken request
        (["login"], False),
        ([""], False),
        ([], False),
    ],
)
def test_only_a_bare_prompt_none_forbids_interaction(prompt, forbids):
    assert forbids_interaction({"prompt": prompt}) is forbids
