"""OpenID Connect from the attacker's side: userinfo, ID tokens, request objects and the POST authorization request."""

import jwt
import pytest

from tests.support.oauth import (
    authorize_params,
    bearer,
    get_tokens,
    pkce_pair,
    register_client,
    token_request,
)
from tests.support.oidc import published_jwks, sign_in_with, verify_id_token


@pytest.fixture
def registered(app):
    return register_client(app)


def test_userinfo_without_a_token_is_a_401_challenge(client):
    response = client.get("/oauth/userinfo")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("token", ["paat_not-a-real-token", "garbage", "a" * 5000])
def test_userinfo_with_an_unknown_token_is_invalid_token(client, token):
    response = client.get("/oauth/userinfo", headers=bearer(token))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_userinfo_needs_the_openid_scope(client, registered, signed_in_user):
    app_client, secret = registered
    tokens = get_tokens(client, app_client, secret, scope="read:profile")
    response = client.get("/oauth/userinfo", headers=bearer(tokens["access_token"]))
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert 'scope="openid"' in response.headers["WWW-Authenticate"]


def test_a_client_credentials_token_gets_no_userinfo(client, registered):
    app_client, secret = registered
    token = token_request(client, app_client, secret, grant_type="client_credentials").get_json()["access_token"]
    assert client.get("/oauth/userinfo", headers=bearer(token)).status_code == 403


def test_a_token_in_the_userinfo_url_is_refused_and_revoked(client, registered, signed_in_user):
    app_client, secret = registered
    token = sign_in_with(client, app_client, secret)["access_token"]
    assert client.get(f"/oauth/userinfo?access_token={token}").status_code == 400
    assert client.get("/oauth/userinfo", headers=bearer(token)).status_code == 401


def test_a_token_sent_two_ways_at_once_is_refused(client, registered, signed_in_user):
    app_client, secret = registered
    token = sign_in_with(client, app_client, secret)["access_token"]
    response = client.post("/oauth/userinfo", data={"access_token": token}, headers=bearer(token))
    assert response.status_code == 400 and 'error="invalid_request"' in response.headers["WWW-Authenticate"]


def test_a_revoked_grant_ends_userinfo(client, registered, signed_in_user):
    app_client, secret = registered
    tokens = sign_in_with(client, app_client, secret)
    from tests.support.oauth import revoke

    revoke(client, app_client, secret, tokens["refresh_token"])
    assert client.get("/oauth/userinfo", headers=bearer(tokens["access_token"])).status_code == 401


def test_an_id_token_is_bound_to_its_app_and_its_access_token(app, client, signed_in_user):
    first, first_secret = register_client(app, name="First")
    second, _ = register_client(app, name="Second")
    tokens = sign_in_with(client, first, first_secret)
    with pytest.raises(jwt.InvalidAudienceError):
        verify_id_token(client, tokens["id_token"], second)
    other = sign_in_with(client, first, first_secret)
    claims = verify_id_token(client, tokens["id_token"], first)
    assert claims["at_hash"] != verify_id_token(client, other["id_token"], first)["at_hash"]


def test_an_unsigned_copy_of_an_id_token_does_not_verify(client, registered, signed_in_user):
    app_client, secret = registered
    id_token = sign_in_with(client, app_client, secret)["id_token"]
    header = jwt.get_unverified_header(id_token)
    unsigned = jwt.encode(jwt.decode(id_token, options={"verify_signature": False}), None, algorithm="none")
    key = jwt.PyJWKSet.from_dict(published_jwks(client))[header["kid"]]
    with pytest.raises(jwt.InvalidTokenError):
        jwt.decode(unsigned, key=key, algorithms=["RS256"], audience=app_client["client_id"])


def test_no_private_key_material_is_ever_served(client, registered, signed_in_user):
    app_client, secret = registered
    sign_in_with(client, app_client, secret)
    for path in ("/.well-known/jwks.json", "/.well-known/openid-configuration"):
        text = client.get(path).text
        assert '"d"' not in text and "PRIVATE" not in text


def test_a_cross_site_post_authorization_request_still_shows_consent(client, registered, signed_in_user):
    """An authorization request posted from another site opens nothing a GET would not: the page, no code."""
    app_client, _ = registered
    _, challenge = pkce_pair()
    response = client.post("/oauth/authorize", data=authorize_params(app_client, code_challenge=challenge))
    assert response.status_code == 200 and "Location" not in response.headers


def test_a_forged_consent_answer_without_csrf_is_refused(client, registered, signed_in_user):
    app_client, _ = registered
    _, challenge = pkce_pair()
    forged = {**authorize_params(app_client, code_challenge=challenge), "decision": "allow"}
    response = client.post("/oauth/authorize", data=forged)
    assert response.status_code == 400 and "Location" not in response.headers


def test_a_request_object_cannot_smuggle_another_redirect(client, registered, signed_in_user):
    app_client, _ = registered
    request_object = jwt.encode({"redirect_uri": "https://evil.example/cb", "scope": "openid"}, None, algorithm="none")
    _, challenge = pkce_pair()
    params = authorize_params(app_client, scope="openid", code_challenge=challenge, request=request_object)
    response = client.get("/oauth/authorize", query_string=params)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(app_client["redirect_uris"][0])
    assert "error=request_not_supported" in response.headers["Location"]
