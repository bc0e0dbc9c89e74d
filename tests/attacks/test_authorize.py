"""The authorization endpoint from an impersonator's side.

A public app has no secret: whoever knows its client_id can start a flow
with a PKCE pair of their own. If the app's redirect URI can be claimed by
any program on the device (a private-use scheme, a loopback port), such an
impersonator must never be handed a code without the person seeing the
consent page, even when they allowed the real app before (RFC 8252 §8.6).
"""

import pytest

from tests.support.oauth import authorize_and_get_code, authorize_url, pkce_pair, redirect_params, register_client

CLAIMABLE_REDIRECTS = ["com.example.app:/oauth/callback", "http://127.0.0.1:8765/callback"]


@pytest.mark.parametrize("redirect_uri", CLAIMABLE_REDIRECTS)
def test_an_impersonated_public_app_is_not_approved_silently(app, client, signed_in_user, redirect_uri):
    public, _ = register_client(app, client_type="public", redirect_uris=[redirect_uri])
    authorize_and_get_code(client, public)  # the person allows the real app once

    _verifier, challenge = pkce_pair()  # the impersonator's own pair
    response = client.get(authorize_url(public, code_challenge=challenge))
    assert response.status_code == 200
    assert 'value="allow"' in response.text
    assert "Location" not in response.headers


@pytest.mark.parametrize("redirect_uri", CLAIMABLE_REDIRECTS)
def test_prompt_none_cannot_skip_the_page_for_an_unverifiable_public_app(app, client, signed_in_user, redirect_uri):
    public, _ = register_client(app, client_type="public", redirect_uris=[redirect_uri])
    authorize_and_get_code(client, public)
    _verifier, challenge = pkce_pair()
    response = client.get(authorize_url(public, code_challenge=challenge, prompt="none"))
    assert response.status_code == 302
    params = redirect_params(response)
    assert params["error"] == "consent_required" and "code" not in params


@pytest.mark.parametrize(
    "client_type, redirect_uri",
    [("public", "https://spa.example.com/callback"), ("confidential", "http://127.0.0.1:8765/callback")],
)
def test_an_app_whose_identity_is_assured_is_not_asked_twice(app, client, signed_in_user, client_type, redirect_uri):
    # https reaches only the app's own site; a confidential app must prove itself with its secret.
    registered, _ = register_client(app, client_type=client_type, redirect_uris=[redirect_uri])
    authorize_and_get_code(client, registered)
    _verifier, challenge = pkce_pair()
    response = client.get(authorize_url(registered, code_challenge=challenge))
    assert response.status_code == 302
    assert "code" in redirect_params(response)
