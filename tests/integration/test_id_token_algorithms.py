"""ES256 ID tokens for the apps that opt in (id_token_signed_response_alg), RS256 for every other.

Checked as a relying party checks them: PyJWT against the published JWKS,
never against the server's own key objects.
"""

import json

import jwt
import pytest

from tests.support.oauth import bearer, refresh, register_client
from tests.support.oidc import (
    SIGNED_OUT_APP_PAGE,
    at_hash,
    end_session,
    is_signed_in,
    kid_of,
    published_jwks,
    rotated_kids,
    sign_in_with,
    verify_id_token,
)

NONCE = "n-es256"


@pytest.fixture
def es256_app(app):
    return register_client(
        app, name="EC App", id_token_signed_response_alg="ES256", post_logout_redirect_uris=[SIGNED_OUT_APP_PAGE]
    )


@pytest.fixture
def rs256_app(app):
    return register_client(app, name="RSA App")


def published_key(http, kid: str) -> dict:
    (key,) = [key for key in published_jwks(http)["keys"] if key["kid"] == kid]
    return key


def test_an_es256_app_gets_an_id_token_a_relying_party_verifies_with_the_ec_key(client, es256_app, signed_in_user):
    app_client, secret = es256_app
    tokens = sign_in_with(client, app_client, secret, nonce=NONCE)
    header = jwt.get_unverified_header(tokens["id_token"])
    assert header["alg"] == "ES256"
    key = published_key(client, header["kid"])
    assert key["kty"] == "EC" and key["crv"] == "P-256" and key["alg"] == "ES256" and key["use"] == "sig"
    assert not {"d"} & set(key)  # the public half only
    claims = verify_id_token(client, tokens["id_token"], app_client, alg="ES256")
    assert claims["nonce"] == NONCE
    assert claims["at_hash"] == at_hash(tokens["access_token"])  # SHA-256, as for RS256 (Core §3.1.3.6)
    userinfo = client.get("/oauth/userinfo", headers=bearer(tokens["access_token"]))
    assert userinfo.mimetype == "application/json" and userinfo.get_json()["sub"] == claims["sub"]


def test_an_es256_app_refreshes_to_an_es256_id_token_with_the_same_sub(client, es256_app, signed_in_user):
    app_client, secret = es256_app
    first = sign_in_with(client, app_client, secret)
    refreshed = refresh(client, app_client, secret, first["refresh_token"]).get_json()
    old = verify_id_token(client, first["id_token"], app_client, alg="ES256")
    new = verify_id_token(client, refreshed["id_token"], app_client, alg="ES256")
    assert new["sub"] == old["sub"] and new["at_hash"] == at_hash(refreshed["access_token"])


def test_an_rs256_app_is_unaffected_by_an_es256_one(client, es256_app, rs256_app, signed_in_user):
    ec_token = sign_in_with(client, *es256_app)["id_token"]
    rsa_token = sign_in_with(client, *rs256_app)["id_token"]
    assert rs256_app[0]["id_token_signed_response_alg"] == "RS256"  # the default
    assert published_key(client, kid_of(rsa_token))["kty"] == "RSA"
    assert (
        verify_id_token(client, rsa_token, rs256_app[0])["sub"]
        == verify_id_token(client, ec_token, es256_app[0], alg="ES256")["sub"]
    )
    with pytest.raises(AssertionError):
        verify_id_token(client, rsa_token, rs256_app[0], alg="ES256")  # never anything but RS256


def test_keys_rotate_rotates_both_keys_and_old_tokens_stay_verifiable(
    client, runner, es256_app, rs256_app, signed_in_user
):
    old = {"ES256": sign_in_with(client, *es256_app)["id_token"], "RS256": sign_in_with(client, *rs256_app)["id_token"]}
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    rotation = json.loads(result.output)
    new_kids = rotated_kids(rotation)
    assert set(new_kids) == {"RS256", "ES256"}
    for key in rotation["rotated"]:
        assert key["retired"] == [kid_of(old[key["alg"]])] != [key["kid"]]
    assert set(rotation["published"]) == {*new_kids.values(), *(kid_of(token) for token in old.values())}
    new = {"ES256": sign_in_with(client, *es256_app)["id_token"], "RS256": sign_in_with(client, *rs256_app)["id_token"]}
    jwks = published_jwks(client)
    for alg, registered in (("ES256", es256_app), ("RS256", rs256_app)):
        assert kid_of(new[alg]) == new_kids[alg]
        verify_id_token(client, old[alg], registered[0], jwks=jwks, alg=alg)
        verify_id_token(client, new[alg], registered[0], jwks=jwks, alg=alg)


def test_an_es256_id_token_hint_signs_the_person_out(client, es256_app, signed_in_user):
    app_client, secret = es256_app
    hint = sign_in_with(client, app_client, secret)["id_token"]
    response = end_session(client, id_token_hint=hint, post_logout_redirect_uri=SIGNED_OUT_APP_PAGE, state="s-1")
    assert response.status_code == 302
    assert response.headers["Location"] == SIGNED_OUT_APP_PAGE + "?state=s-1"
    assert not is_signed_in(client)
