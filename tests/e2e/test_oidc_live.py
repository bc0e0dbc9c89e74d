"""OpenID Connect over real HTTP: discovery, code + PKCE + nonce, the ID token checked by PyJWT's JWKS client, userinfo.

The relying party knows only the discovery URL; PyJWKClient fetches the
JWKS from `jwks_uri` over HTTP as a relying party's library does.
"""

import time
from urllib.parse import urlencode

import jwt
import pytest
import requests

from tests.support.accounts import create_user
from tests.support.oauth import pkce_pair, register_client
from tests.support.oidc import at_hash, callback_params, sign_in_and_allow

CALLBACK = "http://127.0.0.1:8765/callback"  # never served: the person's side stops at the redirect
EMAIL, PASSWORD = "person@example.com", "person password"
NONCE = "live-nonce-42"


@pytest.fixture
def provider(app, live_server) -> dict:
    create_user(app, EMAIL, PASSWORD, name="Person")
    response = requests.get(live_server.url + "/.well-known/openid-configuration", timeout=10)
    response.raise_for_status()
    document = response.json()
    assert document["issuer"] == live_server.url
    return document


def test_a_relying_party_signs_a_person_in_over_http(app, provider):
    client, secret = register_client(app, redirect_uris=[CALLBACK])
    verifier, challenge = pkce_pair()
    query = {
        "response_type": "code",
        "client_id": client["client_id"],
        "redirect_uri": CALLBACK,
        "scope": "openid profile email",
        "state": "s-1",
        "nonce": NONCE,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    with requests.Session() as person:
        authorization_url = provider["authorization_endpoint"] + "?" + urlencode(query)
        callback = callback_params(sign_in_and_allow(person, EMAIL, PASSWORD, CALLBACK, authorization_url))
    assert callback["state"] == "s-1" and callback["iss"] == provider["issuer"]

    exchange = {"grant_type": "authorization_code", "code": callback["code"], "redirect_uri": CALLBACK}
    token_response = requests.post(
        provider["token_endpoint"],
        data={**exchange, "code_verifier": verifier},
        auth=(client["client_id"], secret),
        timeout=10,
    )
    assert token_response.status_code == 200 and token_response.headers["Cache-Control"] == "no-store"
    tokens = token_response.json()

    jwks_client = jwt.PyJWKClient(provider["jwks_uri"])
    options = {"require": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash"]}

    def verify(id_token: str) -> dict:
        key = jwks_client.get_signing_key_from_jwt(id_token)
        return jwt.decode(
            id_token,
            key,
            algorithms=provider["id_token_signing_alg_values_supported"],
            audience=client["client_id"],
            issuer=provider["issuer"],
            options=options,
        )

    claims = verify(tokens["id_token"])
    assert claims["nonce"] == NONCE
    assert claims["at_hash"] == at_hash(tokens["access_token"])

    for method, request in (("GET", {}), ("POST", {"data": {"access_token": tokens["access_token"]}})):
        headers = {} if request else {"Authorization": f"Bearer {tokens['access_token']}"}
        info = requests.request(method, provider["userinfo_endpoint"], headers=headers, timeout=10, **request)
        assert info.status_code == 200, info.text
        assert info.json() == {
            "sub": claims["sub"],
            "name": "Person",
            "preferred_username": "Person",
            "updated_at": info.json()["updated_at"],
            "email": EMAIL,
            "email_verified": True,
        }

    time.sleep(1.1)
    refreshed = requests.post(
        provider["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(client["client_id"], secret),
        timeout=10,
    ).json()
    options["require"].remove("nonce")
    again = verify(refreshed["id_token"])
    assert (again["sub"], again["aud"], again["azp"], again["auth_time"]) == (
        claims["sub"],
        claims["aud"],
        claims["azp"],
        claims["auth_time"],
    )
    assert again["iat"] > claims["iat"]
